"""Grader for gradient_sign/logistic-ascent.

Runtime (bughunt.families.training): `gradients` matches central finite differences of the
mean cross-entropy at parameter points of hidden data (all rows, and a few rows); `train`
reaches the maximum-likelihood solution (Newton's method, computed in the parent) with a
loss that never rises. Static: the gradient is oriented like probability - label, and no
update in the loop moves along it.
"""
from bughunt.families.training.cases import logistic_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import Logistic
from bughunt.grader import FAIL, PASS

EXERCISE = "gradient_sign/logistic-ascent"

GRAD_OLD = """    error = y - p
    dw = X.T @ error / len(y)
    db = np.mean(error)
"""
UPDATE_OLD = "        w -= lr * dw\n        b -= lr * db\n"
GRAD_FIXED = GRAD_OLD.replace("error = y - p", "error = p - y")
TRAIN_OLD = """    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
        losses.append(loss(w, b, X, y))
    return w, b, losses
"""
SIGMOID_OLD = """def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""


class LogisticAscent(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_iter) -> (w, b, losses)",
    }
    model = Logistic()
    goal_words = "the maximum-likelihood solution (every parameter within 0.002 of Newton's method's)"
    param_tol = 2e-3
    case_builder = logistic_case
    case_specs = [
        dict(n=160, d=3, intercept_range=(0.6, 1.4), x_mean=0.2, train_args=(1.0, 600)),
        dict(n=120, d=2, intercept_range=(0.6, 1.4), x_mean=-0.3, train_args=(1.0, 600)),
    ]

    REFERENCE = ((GRAD_OLD, """    error = p - y
    dw = X.T @ error / len(y)
    db = np.mean(error)
"""),)
    PASS = [
        PASS("negate the y - p gradient", (GRAD_OLD, """    error = y - p
    dw = -X.T @ error / len(y)
    db = -np.mean(error)
""")),
        PASS("np.dot, error @ X, renamed", (GRAD_OLD, """    r = p - y
    dw = np.dot(r, X) / X.shape[0]
    db = r.sum() / X.shape[0]
""")),
        PASS("gradient fixed, updates written as assignments", (GRAD_OLD, """    dw = X.T @ (p - y) / len(y)
    db = np.mean(p - y)
"""), (UPDATE_OLD, "        w = w - lr * dw\n        b = b - lr * db\n")),
        PASS("model class with a fit method", (GRAD_OLD, GRAD_FIXED), (TRAIN_OLD, """    clf = _LogReg(X.shape[1]).fit(X, y, lr, n_iter)
    return clf.w, clf.b, clf.history


class _LogReg:
    def __init__(self, d):
        self.w, self.b, self.history = np.zeros(d), 0.0, []

    def fit(self, X, y, lr, n_iter):
        for _ in range(n_iter):
            dw, db = gradients(self.w, self.b, X, y)
            self.w = self.w - lr * dw
            self.b = self.b - lr * db
            self.history.append(loss(self.w, self.b, X, y))
        return self
""")),
        PASS("sigmoid through tanh in a lambda", (GRAD_OLD, """    sig = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    error = sig(X @ w + b) - y
    dw = X.T @ error / len(y)
    db = np.mean(error)
""")),
        PASS("helper with a default denominator", (GRAD_OLD, """    dw, db = _average_grad(X, p - y)
"""), ("def train(", """def _average_grad(X, err, n=None):
    n = len(err) if n is None else n
    return X.T @ err / n, err.sum() / n


def train("""),
        ),
        PASS("dict of parameters updated through zip", (GRAD_OLD, GRAD_FIXED), (TRAIN_OLD, """    params = {"w": np.zeros(X.shape[1]), "b": 0.0}
    losses = []
    for _ in range(n_iter):
        grads = gradients(params["w"], params["b"], X, y)
        for key, g in zip(("w", "b"), grads):
            params[key] = params[key] - lr * g
        losses.append(loss(params["w"], params["b"], X, y))
    return params["w"], params["b"], losses
""")),
        PASS("scipy's expit when available, a fallback otherwise", (SIGMOID_OLD, """try:
    from scipy.special import expit as sigmoid
except ImportError:
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
"""), (GRAD_OLD, """    error = np.subtract(p, y)
    dw = np.einsum("ij,i->j", X, error) / len(y)
    db = np.average(error)
""")),
    ]
    FAIL = [
        FAIL("negative learning rate inside the update", (UPDATE_OLD, "        w -= -lr * dw\n        b -= -lr * db\n"),
             fails=("negative_learning_rate", "gradient_matches_loss", "gradient_points_uphill")),
        FAIL("break when the loss goes up", ("        losses.append(loss(w, b, X, y))\n",
                                             "        current = loss(w, b, X, y)\n        if losses and current > losses[-1]:\n            break\n        losses.append(current)\n"),
             fails=("stop_when_loss_rises", "gradient_matches_loss", "update_against_gradient", "loss_decreases")),
        FAIL("Newton's method with np.linalg.solve instead of gradient descent", (UPDATE_OLD, """        A = np.column_stack([X, np.ones(len(y))])
        p = sigmoid(A @ np.append(w, b))
        H = (A * (p * (1 - p))[:, None]).T @ A / len(y)
        step = np.linalg.solve(H, np.append(-dw, -db))
        w, b = w - step[:-1], b - step[-1]
"""), fails=("closed_form_replacement", "gradient_matches_loss", "gradient_points_uphill")),
        FAIL("try/except around training and clipped weights", (UPDATE_OLD, "        try:\n            w = np.clip(w - lr * dw, -3, 3)\n        except FloatingPointError:\n            pass\n        b -= lr * db\n"),
             fails=("try_except", "clip_parameters", "gradient_matches_loss", "reaches_optimum")),
        FAIL("hard-coded learned values", ("    return w, b, losses\n", "    w, b = np.array([-1.0, 1.5, -0.5, 0.8]), -0.5\n    return w, b, losses\n"),
             fails=("hardcoded_parameters", "gradient_matches_loss", "reaches_optimum", "loss_decreases")),
        FAIL("ascent kept, a model class adds the gradient", (TRAIN_OLD, """    m = _Climber(X.shape[1])
    losses = [m.step(X, y, lr) for _ in range(n_iter)]
    return m.w, m.b, losses


class _Climber:
    def __init__(self, d):
        self.w, self.b = np.zeros(d), 0.0

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w = self.w + lr * dw
        self.b = self.b + lr * db
        return loss(self.w, self.b, X, y)
"""), fails=("gradient_matches_loss", "gradient_points_uphill")),
        FAIL("error clipped, sign unchanged", (GRAD_OLD, """    error = np.clip(y - p, -0.5, 0.5)
    dw = X.T @ error / len(y)
    db = np.mean(error)
"""), fails=("gradient_matches_loss", "loss_decreases")),
        FAIL("only the bias gradient fixed", (GRAD_OLD, """    error = y - p
    dw = X.T @ error / len(y)
    db = -np.mean(error)
"""), fails=("gradient_matches_loss", "gradient_points_uphill", "reaches_optimum")),
        FAIL("warnings silenced by an errstate decorator, ascent kept", ("def train(", "@np.errstate(over='ignore')\ndef train("),
             fails=("np_errstate", "gradient_matches_loss", "gradient_points_uphill", "update_against_gradient")),
        FAIL("overflow hidden with contextlib.suppress, ascent kept", ("        losses.append(loss(w, b, X, y))\n",
                                                                       "        with contextlib.suppress(FloatingPointError):\n            losses.append(loss(w, b, X, y))\n"),
             ("import numpy as np\n", "import contextlib\n\nimport numpy as np\n"),
             fails=("contextlib_suppress", "gradient_matches_loss", "gradient_points_uphill")),
    ]


GRADER = LogisticAscent()
