"""Grader for gradient_sign/linreg-batch.

Runtime (bughunt.families.training): `gradients` matches central finite differences of half
the MSE at parameter points of hidden data (all rows, and a few rows); `train` reaches the
least-squares solution (np.linalg.lstsq, computed in the parent) with a loss that never
rises. The hidden targets carry skewed noise and an intercept far from the visible one.
Static: the gradient is oriented like prediction - target, and no update in the loop moves
along it.
"""
from bughunt.families.training.cases import linear_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import LinearMSE
from bughunt.grader import FAIL, PASS

EXERCISE = "gradient_sign/linreg-batch"

GRAD_OLD = """    residual = y - predict(w, b, X)
    dw = X.T @ residual / n
    db = np.sum(residual) / n
"""
UPDATE_OLD = "        w = w - lr * dw\n        b = b - lr * db\n"


class LinregBatch(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_iter) -> (w, b, losses)",
    }
    model = LinearMSE()
    goal_words = "the least-squares solution (every parameter within 0.001 of np.linalg.lstsq's)"
    param_tol = 1e-3
    case_builder = linear_case
    case_specs = [
        dict(n=150, d=4, intercept_range=(6.0, 12.0), x_mean=0.3, noise=0.8, train_args=(0.2, 250)),
        dict(n=90, d=2, intercept_range=(6.0, 12.0), x_mean=-0.2, noise=1.5, train_args=(0.2, 250)),
    ]

    REFERENCE = ((GRAD_OLD, """    residual = predict(w, b, X) - y
    dw = X.T @ residual / n
    db = np.sum(residual) / n
"""),)
    PASS = [
        PASS("negated gradient of y - pred", (GRAD_OLD, """    residual = y - predict(w, b, X)
    dw = -(X.T @ residual) / n
    db = -np.sum(residual) / n
""")),
        PASS("error @ X, mean, renamed", (GRAD_OLD, """    err = X @ w + b - y
    dw = err @ X * (1 / n)
    db = err.mean()
""")),
        PASS("np.dot and keep y - pred, update by adding", (GRAD_OLD, """    diff = np.subtract(predict(w, b, X), y)
    dw = np.dot(X.T, diff) / n
    db = np.sum(diff) / n
"""), ("        w = w - lr * dw\n        b = b - lr * db\n", "        w -= lr * dw\n        b += -lr * db\n")),
    ]
    FAIL = [
        FAIL("gradient kept, update sign flipped", ("        w = w - lr * dw\n        b = b - lr * db\n", "        w = w + lr * dw\n        b = b + lr * db\n"),
             fails=("gradient_matches_loss", "gradient_points_uphill")),
        FAIL("negative learning rate", ("    w = np.zeros(X.shape[1])\n", "    lr = -abs(lr)\n    w = np.zeros(X.shape[1])\n"),
             fails=("negative_learning_rate", "gradient_matches_loss", "gradient_points_uphill")),
        FAIL("stop as soon as the loss rises", ("        losses.append(loss(w, b, X, y))\n", "        losses.append(loss(w, b, X, y))\n        if len(losses) > 1 and losses[-1] > losses[-2]:\n            break\n"),
             fails=("stop_when_loss_rises", "gradient_matches_loss", "loss_decreases", "update_against_gradient")),
        FAIL("parameters clipped", ("        w = w - lr * dw\n        b = b - lr * db\n", "        w = np.clip(w - lr * dw, -5, 5)\n        b = float(np.clip(b - lr * db, -5, 5))\n"),
             fails=("clip_parameters", "gradient_matches_loss", "reaches_optimum")),
        FAIL("closed form instead of the loop", ("""    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw
        b = b - lr * db
        losses.append(loss(w, b, X, y))
""", """    coef = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    w, b = coef[:-1], coef[-1]
    losses = [loss(w, b, X, y)] * n_iter
"""), fails=("closed_form_replacement", "gradient_matches_loss", "update_against_gradient")),
        FAIL("loss wrapped in nan_to_num and warnings silenced", ("        losses.append(loss(w, b, X, y))\n", "        warnings.simplefilter('ignore')\n        losses.append(float(np.nan_to_num(loss(w, b, X, y))))\n"),
             ("import numpy as np\n", "import warnings\nimport numpy as np\n"),
             fails=("warnings_filter", "gradient_matches_loss", "update_against_gradient", "loss_decreases")),
    ]


GRADER = LinregBatch()
