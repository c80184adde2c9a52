"""Grader for gradient_sign/linreg-batch.

Runtime: `gradients` matches central finite differences of half the MSE at a fixed point
of hidden data; `train` reaches the least-squares solution (np.linalg.lstsq, computed here)
with a loss that never rises. Static: the gradient is oriented like prediction - target,
and every update in the loop moves against it.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np

from bughunt.grader import FAIL, PASS
from bughunt.static.training import GradientPointsUphill, UpdateAgainstGradient


def _common():
    name = "bughunt_graders_gd_common"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "gradient_sign" / "_gd_common.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


C = _common()
EXERCISE = "gradient_sign/linreg-batch"

GRAD_OLD = """    residual = y - predict(w, b, X)
    dw = X.T @ residual / n
    db = np.sum(residual) / n
"""


class LinregBatch(C.GDGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_iter) -> (w, b, losses)",
    }
    optimum_words = "the least-squares solution, parameters within 1e-3"

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

    def loss(self, w, b, X, y):
        return 0.5 * float(np.mean((X @ w + b - y) ** 2))

    def optimum(self, case):
        w, b = C.lstsq_with_intercept(case["X"], case["y"])
        return [w, np.array(b)], self.loss(w, b, case["X"], case["y"])

    def cases(self):
        out = []
        for n, d, seed, intercept in [(150, 4, 4101, -2.5), (90, 2, 4202, 7.0)]:
            rng = np.random.default_rng(seed)
            X = rng.normal(0.3, 1.0, size=(n, d))
            y = X @ rng.uniform(-3, 3, d) + intercept + rng.normal(0, 0.5, n)
            point = [rng.normal(size=d), np.array(rng.normal())]
            out.append({"X": X, "y": y, "point": point, "train_args": (0.2, 250), "n_losses": 250})
        return out

    def static_checks(self):
        return [GradientPointsUphill(), UpdateAgainstGradient()]


GRADER = LinregBatch()
