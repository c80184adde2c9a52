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
GRAD_FIXED = GRAD_OLD.replace("residual = y - predict(w, b, X)", "residual = predict(w, b, X) - y")
TRAIN_OLD = """    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw
        b = b - lr * db
        losses.append(loss(w, b, X, y))
    return w, b, losses
"""


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
        PASS("model class with fit and step methods", (GRAD_OLD, GRAD_FIXED), (TRAIN_OLD, """    model = _Model(X.shape[1])
    losses = model.fit(X, y, lr, n_iter)
    return model.w, model.b, losses


class _Model:
    def __init__(self, n_features):
        self.w = np.zeros(n_features)
        self.b = 0.0

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w = self.w - lr * dw
        self.b = self.b - lr * db
        return loss(self.w, self.b, X, y)

    def fit(self, X, y, lr, n_iter):
        return [self.step(X, y, lr) for _ in range(n_iter)]
""")),
        PASS("closure for the residual", (GRAD_OLD, """    def residual():
        return predict(w, b, X) - y

    r = residual()
    dw = X.T @ r / n
    db = r.sum() / n
""")),
        PASS("helper with a default learning rate, lambda for the error", (GRAD_OLD, """    err = (lambda p: p - y)(predict(w, b, X))
    dw = X.T @ err / n
    db = float(np.mean(err))
"""), (TRAIN_OLD, """    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w, b = _step(w, dw, lr), _step(b, db, lr)
        losses.append(loss(w, b, X, y))
    return w, b, losses


def _step(param, grad, lr=0.1):
    return param - lr * grad
""")),
        PASS("dict of parameters, while loop with a counter", (GRAD_OLD, GRAD_FIXED), (TRAIN_OLD, """    params = {"w": np.zeros(X.shape[1]), "b": 0.0}
    losses, it = [], 0
    while it < n_iter:
        grads = dict(zip(("w", "b"), gradients(params["w"], params["b"], X, y)))
        for name in params:
            params[name] = params[name] - lr * grads[name]
        losses.append(loss(params["w"], params["b"], X, y))
        it += 1
    return params["w"], params["b"], losses
""")),
        PASS("intercept column stacked onto X, float(b) returned", (GRAD_OLD, """    A = np.column_stack([X, np.ones(n)])
    g = A.T @ (A @ np.append(w, b) - y) / n
    dw, db = g[:-1], float(g[-1])
"""), ("    return w, b, losses\n", "    return np.asarray(w).ravel(), float(b), losses\n")),
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
        FAIL("gradient left as is, a model class steps the other way", (TRAIN_OLD, """    model = _Ascent(X.shape[1])
    losses = [model.step(X, y, lr) for _ in range(n_iter)]
    return model.w, model.b, losses


class _Ascent:
    def __init__(self, d):
        self.w, self.b = np.zeros(d), 0.0

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w += lr * dw
        self.b += lr * db
        return loss(self.w, self.b, X, y)
"""), fails=("gradient_matches_loss", "gradient_points_uphill")),
        FAIL("only the weight gradient fixed", (GRAD_OLD, """    residual = y - predict(w, b, X)
    dw = -X.T @ residual / n
    db = np.sum(residual) / n
"""), fails=("gradient_matches_loss", "gradient_points_uphill", "reaches_optimum")),
        FAIL("sign fixed but the mean dropped", (GRAD_OLD, """    residual = predict(w, b, X) - y
    dw = X.T @ residual
    db = np.sum(residual)
"""), fails=("gradient_matches_loss", "reaches_optimum", "loss_decreases")),
        FAIL("sign flipped twice in a helper", (GRAD_OLD, """    residual = _flip(_flip(y - predict(w, b, X)))
    dw = X.T @ residual / n
    db = np.sum(residual) / n
"""), ("def train(", "def _flip(v):\n    return -v\n\n\ndef train("),
             fails=("gradient_matches_loss", "gradient_points_uphill", "update_against_gradient")),
        FAIL("overflow silenced with an errstate decorator, gradient unchanged", ("def train(", "@np.errstate(all='ignore')\ndef train("),
             fails=("np_errstate", "gradient_matches_loss", "gradient_points_uphill")),
    ]


GRADER = LinregBatch()
