"""Grader for log_epsilon/categorical-ce: mostly data; the probe, checks and hidden-data
builders live in bughunt.families.numeric.

Runtime: `cross_entropy` on probability rows with exact zeros and ones (confidently right
and confidently wrong) must meet no floating-point event (watched directly, whatever the
submission silences), charge a confidently wrong row a large finite cost and match the
exact loss on ordinary rows (some true-class probabilities as small as 1e-4); training on
hidden data (with an extreme row) must log finite, decreasing losses.
Static: every log in the graded code gets an argument bounded away from zero (unknown when
it cannot tell).
"""
from bughunt.families.numeric.cases import categorical_loss_calls, cluster_data
from bughunt.families.numeric.judges import NumericGrader, exact_ce, linear_loss_training, loss_checks, no_fp_events
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import LogArgumentPositive

EXERCISE = "log_epsilon/categorical-ce"
LOSS = "    return -np.mean(np.sum(Y * np.log(P), axis=1))\n"
DEF = "def cross_entropy(Y, P):\n"


class CategoricalCE(NumericGrader):
    exercise = EXERCISE
    functions = {
        "cross_entropy": "cross_entropy(Y, P) -> mean loss (a number)",
        "train": "train(X, y, n_classes) -> (W, b, losses)",
    }

    REFERENCE = ((LOSS, "    return -np.mean(np.sum(Y * np.log(np.clip(P, 1e-12, 1.0)), axis=1))\n"),)
    PASS = [
        PASS(
            "floor with np.maximum and a module constant",
            ("LEARNING_RATE = 0.2\n", "LEARNING_RATE = 0.2\nTINY = 1e-15\n"),
            (LOSS, "    return -np.mean(np.sum(Y * np.log(np.maximum(P, TINY)), axis=1))\n"),
        ),
        PASS("epsilon added", (LOSS, "    return -(Y * np.log(P + 1e-10)).sum(axis=1).mean()\n")),
        PASS(
            "probability of the true class, clipped",
            (LOSS, "    rows = np.arange(len(P))\n    picked = P[rows, Y.argmax(axis=1)]\n"
             "    return -np.mean(np.log(picked.clip(1e-12, 1.0)))\n"),
        ),
        PASS(
            "true-class probability floored with np.where",
            (LOSS, "    picked = P[np.arange(len(P)), np.argmax(Y, axis=1)]\n    picked = np.where(picked > 1e-12, picked, 1e-12)\n"
             "    return -np.mean(np.log(picked))\n"),
        ),
        PASS(
            "floor at sys.float_info.min",
            ("import numpy as np\n", "import sys\n\nimport numpy as np\n"),
            (LOSS, "    return -np.mean(np.sum(Y * np.log(np.maximum(P, sys.float_info.min)), axis=1))\n"),
        ),
        PASS(
            "math.log row by row over zip",
            ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            (LOSS, "    total = 0.0\n    for y_row, p_row in zip(Y, P):\n        k = int(np.argmax(y_row))\n"
             "        total -= math.log(max(p_row[k], 1e-12))\n    return total / len(Y)\n"),
        ),
        PASS(
            "a loss class built with its epsilon",
            (LOSS, "    return _Loss(eps=1e-12).value(Y, P)\n"),
            (DEF, "class _Loss:\n    def __init__(self, eps):\n        self.eps = eps\n\n    def value(self, Y, P):\n"
             "        return -np.mean(np.sum(Y * np.log(np.clip(P, self.eps, 1.0)), axis=1))\n\n\ndef cross_entropy(Y, P):\n"),
        ),
        PASS("method chain after the floor", (LOSS, "    return -np.mean(np.sum(Y * np.log(np.clip(P, 1e-12, None).astype(np.float64)), axis=1))\n")),
        PASS("np.finfo(P.dtype).tiny added", (LOSS, "    return -np.mean(np.sum(Y * np.log(P + np.finfo(P.dtype).tiny), axis=1))\n")),
        PASS(
            "boolean mask of the true classes",
            (LOSS, "    picked = P[Y.astype(bool)]\n    return -np.mean(np.log(np.clip(picked, 1e-12, 1.0)))\n"),
        ),
        PASS(
            "np.log with where= and a filled output",
            (LOSS, "    logs = np.log(P, out=np.full(P.shape, np.log(1e-12)), where=P > 1e-12)\n    return -np.mean(np.sum(Y * logs, axis=1))\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "nan terms skipped with np.nansum",
            (LOSS, "    return -np.mean(np.nansum(Y * np.log(P), axis=1))\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "zero probabilities masked with np.where",
            (LOSS, "    return -np.mean(np.sum(Y * np.where(P > 0, np.log(P), 0.0), axis=1))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "clipped to [0, 1], which still contains 0",
            (LOSS, "    return -np.mean(np.sum(Y * np.log(np.clip(P, 0.0, 1.0)), axis=1))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.seterr at import and nan_to_num on the result",
            ("import numpy as np\n", "import numpy as np\n\nnp.seterr(divide=\"ignore\", invalid=\"ignore\")\n"),
            (LOSS, "    return np.nan_to_num(-np.mean(np.sum(Y * np.log(P), axis=1)))\n"),
            fails=("np_seterr", "nan_to_num", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "try/except around the loss",
            (LOSS, "    try:\n        return -np.mean(np.sum(Y * np.log(P), axis=1))\n    except FloatingPointError:\n        return 0.0\n"),
            fails=("try_except", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "a margin so large it changes ordinary losses",
            (LOSS, "    return -np.mean(np.sum(Y * np.log(np.clip(P, 1e-3, 1.0)), axis=1))\n"),
            fails=("loss_matches_exact",),
        ),
        FAIL(
            "scipy.special.xlogy, which still charges infinity",
            (LOSS, "    from scipy.special import xlogy\n\n    return -np.mean(np.sum(xlogy(Y, P), axis=1))\n"),
            fails=("confident_predictions_scored",),
        ),
        FAIL(
            "rows whose true class has probability 0 dropped",
            (LOSS, "    picked = P[np.arange(len(P)), Y.argmax(axis=1)]\n    picked = picked[picked > 0]\n"
             "    return -np.mean(np.log(picked))\n"),
            fails=("confident_predictions_scored",),
        ),
        FAIL(
            "suppress_warnings and nan_to_num",
            (LOSS, "    from numpy.testing import suppress_warnings\n\n    with suppress_warnings() as sup:\n"
             "        sup.filter(RuntimeWarning)\n        return np.nan_to_num(-np.mean(np.sum(Y * np.log(P), axis=1)), posinf=40.0)\n"),
            fails=("warnings_filter", "nan_to_num", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "probabilities floored in train only",
            ("        losses.append(cross_entropy(Y, P))\n", "        losses.append(cross_entropy(Y, np.clip(P, 1e-12, 1.0)))\n"),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "a floor computed in a helper but not used",
            (DEF, "def _floor(A):\n    return np.maximum(A, 1e-12)\n\n\ndef cross_entropy(Y, P):\n"),
            (LOSS, "    P_safe = _floor(P)\n    assert P_safe.shape == P.shape\n" + LOSS),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "each row's loss capped",
            (LOSS, "    rows = -np.sum(Y * np.log(P), axis=1)\n    return np.mean(np.minimum(rows, 30.0))\n"),
            fails=("clip_output", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "nan terms zeroed under np.errstate",
            (LOSS, "    with np.errstate(divide=\"ignore\", invalid=\"ignore\"):\n        terms = Y * np.log(P)\n"
             "    terms[np.isnan(terms)] = 0.0\n    return -np.mean(np.sum(terms, axis=1))\n"),
            fails=("np_errstate", "nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
    ]

    def cases(self, seed):
        out = []
        for i, (n, k, outlier) in enumerate(((180, 3, False), (200, 4, True))):
            X, y = cluster_data(seed, f"ce{i}", n, k, 5, spread=2.5)
            if outlier:
                X[0] = X[0] * 3000.0
            out.append({
                "calls": [{"key": key, "fn": "cross_entropy", "args": list(args), "kind": "number"} for key, args in categorical_loss_calls(seed, i).items()],
                "train": {
                    "fn": "train", "args": [X, y, k],
                    "returns": [["W", "array2"], ["b", "array"], ["losses", "array1"]], "text": "(W, b, losses)",
                },
            })
        return out

    def static_checks(self):
        return [LogArgumentPositive(EXERCISE, functions=tuple(self.functions), what="the loss")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "loss_no_warnings",
                "compute the loss without a floating-point event, even when some probabilities are exactly 0", function="cross_entropy",
            ),
            *loss_checks(
                EXERCISE, results, cases, "cross_entropy", exact_ce, 1e-4,
                {"wrong_hard": "a row that gives the true class probability exactly 0",
                 "wrong_split": "a row that splits its probability between the wrong classes"},
            ),
            linear_loss_training(EXERCISE, results, cases, min_accuracy=0.8, multiclass=True, reference=self.trained_by_reference),
        ]


GRADER = CategoricalCE()
