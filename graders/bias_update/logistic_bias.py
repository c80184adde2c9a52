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


GRADER = LogisticBias()
