"""Grader for bias_update/logistic-bias.

Runtime (bughunt.families.training): `gradients` matches central finite differences of the
mean cross-entropy on hidden data; `train` reaches the maximum-likelihood solution
(Newton's method, computed in the parent): weights and bias within 0.002; the hidden
intercept differs from the visible one. Static: the bias takes its own gradient step
inside the loop, and no update moves along the gradient.
"""
from bughunt.families.training.cases import logistic_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import Logistic
from bughunt.grader import FAIL, PASS

EXERCISE = "bias_update/logistic-bias"
LOOP_OLD = """        w = w - lr * dw
        losses.append(loss(w, b, X, y))
    b = b - lr * db
"""


TRAIN_OLD = """    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw
        losses.append(loss(w, b, X, y))
    b = b - lr * db
    return w, b, losses
"""


class LogisticBias(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_iter) -> (w, b, losses)",
    }
    model = Logistic()
    bias_index = 1
    bias_target_words = "the maximum-likelihood intercept of the hidden data"
    param_tol = 2e-3
    goal_words = "the maximum-likelihood solution (weights within 0.002 of Newton's method's)"
    case_builder = logistic_case
    case_specs = [
        dict(n=180, d=3, intercept_range=(0.5, 1.3), w_range=1.2, train_args=(1.0, 600)),
        dict(n=140, d=2, intercept_range=(0.5, 1.3), w_range=1.2, train_args=(1.0, 600)),
    ]

    REFERENCE = ((LOOP_OLD, """        w = w - lr * dw
        b = b - lr * db
        losses.append(loss(w, b, X, y))
"""),)
    PASS = [
        PASS("augmented assignments", (LOOP_OLD, """        w -= lr * dw
        b -= lr * db
        losses.append(loss(w, b, X, y))
""")),
        PASS("parameters stacked, bias gradient inline", (LOOP_OLD, """        err = sigmoid(X @ w + b) - y
        w, b = w - lr * dw, b - lr * err.mean()
        losses.append(loss(w, b, X, y))
""")),
        PASS("bias step written with the negated error", (LOOP_OLD, """        w = w - lr * dw
        b = b + lr * np.mean(y - sigmoid(X @ w + b))
        losses.append(loss(w, b, X, y))
""")),
        PASS("model class with fit and step", (TRAIN_OLD, """    model = _Clicks(X.shape[1])
    model.fit(X, y, lr, n_iter)
    return model.w, model.b, model.losses


class _Clicks:
    def __init__(self, d):
        self.w, self.b, self.losses = np.zeros(d), 0.0, []

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w = self.w - lr * dw
        self.b = self.b - lr * db

    def fit(self, X, y, lr, n_iter):
        for _ in range(n_iter):
            self.step(X, y, lr)
            self.losses.append(loss(self.w, self.b, X, y))
""")),
        PASS("dict of parameters", (TRAIN_OLD, """    theta = {"w": np.zeros(X.shape[1]), "b": 0.0}
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(theta["w"], theta["b"], X, y)
        theta["w"] -= lr * dw
        theta["b"] -= lr * db
        losses.append(loss(theta["w"], theta["b"], X, y))
    return theta["w"], theta["b"], losses
""")),
        PASS("helper with a default learning rate, bias returned as float", (TRAIN_OLD, """    w, b = np.zeros(X.shape[1]), np.zeros(1)
    losses = []
    for _ in range(n_iter):
        w, b = _sgd(w, b, *gradients(w, b, X, y), lr=lr)
        losses.append(loss(w, b, X, y))
    return w, float(b.item()), losses


def _sgd(w, b, dw, db, lr=0.5):
    return w - lr * dw, b - lr * db
""")),
        PASS("closure over the data, stacked parameter vector", (TRAIN_OLD, """    A = np.column_stack([X, np.ones(len(y))])

    def grad(theta):
        return A.T @ (sigmoid(A @ theta) - y) / len(y)

    theta = np.zeros(A.shape[1])
    losses = []
    for _ in range(n_iter):
        theta = theta - lr * grad(theta)
        losses.append(loss(theta[:-1], theta[-1], X, y))
    return theta[:-1], theta[-1], losses
""")),
        PASS("lambda step over zipped parameters", (TRAIN_OLD, """    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    move = lambda p, g: p - lr * g
    for _ in range(n_iter):
        w, b = (move(p, g) for p, g in zip((w, b), gradients(w, b, X, y)))
        losses.append(loss(w, b, X, y))
    return w, b, losses
""")),
    ]
    FAIL = [
        FAIL("bias set from the click rate", ("    return w, b, losses\n", "    b = float(np.log(y.mean() / (1 - y.mean())))\n    return w, b, losses\n"),
             fails=("bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias hard-coded", ("    return w, b, losses\n", "    b = -1.5\n    return w, b, losses\n"),
             fails=("hardcoded_parameters", "bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias updated with the mean probability", (LOOP_OLD, """        w = w - lr * dw
        b = b - lr * np.mean(sigmoid(X @ w + b))
        losses.append(loss(w, b, X, y))
"""), fails=("bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias updated inside the loop with the wrong sign", (LOOP_OLD, """        w = w - lr * dw
        b = b + lr * db
        losses.append(loss(w, b, X, y))
"""), fails=("update_against_gradient", "bias_matches_intercept")),
        FAIL("sklearn intercept", ("    return w, b, losses\n", "    b = LogisticRegression(penalty=None).fit(X, y).intercept_[0]\n    return w, b, losses\n"),
             ("import numpy as np\n", "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n"),
             fails=("closed_form_replacement", "bias_updated_with_own_gradient")),
        FAIL("bias shifted by a constant and warnings silenced", ("    return w, b, losses\n", "    warnings.filterwarnings('ignore')\n    b += -1.3\n    return w, b, losses\n"),
             ("import numpy as np\n", "import warnings\nimport numpy as np\n"),
             fails=("hardcoded_parameters", "warnings_filter", "bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias stepped by the median error", (LOOP_OLD, """        w = w - lr * dw
        b = b - lr * np.median(sigmoid(X @ w + b) - y)
        losses.append(loss(w, b, X, y))
"""), fails=("bias_matches_intercept",)),
        FAIL("bias stepped only during the first iterations", (TRAIN_OLD, """    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for i in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw
        if i < 20:
            b = b - lr * db
        losses.append(loss(w, b, X, y))
    return w, b, losses
"""), fails=("bias_matches_intercept",)),
        FAIL("a model class that never steps the bias", (TRAIN_OLD, """    model = _Half(X.shape[1])
    losses = [model.step(X, y, lr) for _ in range(n_iter)]
    return model.w, model.b, losses


class _Half:
    def __init__(self, d):
        self.w, self.b = np.zeros(d), 0.0

    def step(self, X, y, lr):
        dw, _ = gradients(self.w, self.b, X, y)
        self.w -= lr * dw
        return loss(self.w, self.b, X, y)
"""), fails=("bias_matches_intercept", "reaches_optimum")),
    ]


GRADER = LogisticBias()
