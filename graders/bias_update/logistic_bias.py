"""Grader for bias_update/logistic-bias.

Runtime: `gradients` matches central finite differences of the mean cross-entropy on hidden
data; `train` reaches the maximum-likelihood solution (Newton's method, computed here):
weights within 2e-3 and the bias within 2e-3 of the hidden data's intercept, which differs
from the visible one. Static: the bias takes its own gradient step inside the loop, and
every update moves against the gradient.
"""
import importlib.util
import sys
from pathlib import Path

from bughunt.grader import FAIL, PASS
from bughunt.static.training import BiasUpdatedWithOwnGradient, UpdateAgainstGradient


def _common():
    name = "bughunt_graders_gd_common"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "gradient_sign" / "_gd_common.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


C = _common()
EXERCISE = "bias_update/logistic-bias"
LOOP_OLD = """        w = w - lr * dw
        losses.append(loss(w, b, X, y))
    b = b - lr * db
"""


class LogisticBias(C.LogisticGDGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_iter) -> (w, b, losses)",
    }
    bias_index = 1
    param_tol = 2e-3
    loss_tol = 1e-6
    optimum_words = "the maximum-likelihood solution, parameters within 2e-3"

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
    ]

    def cases(self):
        return self.logistic_cases([(180, 3, 8101, 1.2), (140, 2, 8202, -0.4)], x_mean=0.0, w_range=1.2)

    def static_checks(self):
        return [BiasUpdatedWithOwnGradient(), UpdateAgainstGradient()]


GRADER = LogisticBias()
