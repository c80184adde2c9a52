"""Grader for log_epsilon/bce-logistic: mostly data; the probe, checks and hidden-data
builders live in bughunt.families.numeric.

Runtime: `bce` on probabilities that are exactly 0 or 1 (confidently right and confidently
wrong) must meet no floating-point event (watched directly, whatever the submission
silences), charge a confidently wrong prediction a large finite cost and match the exact
cross-entropy on ordinary probabilities (some as small as 1e-4, so a margin that changes
the loss is seen); training on hidden data (with an extreme row) must log finite,
decreasing losses.
Static: every log in the graded code gets an argument bounded away from zero (unknown when
it cannot tell).
"""
from bughunt.families.numeric.cases import binary_loss_calls, fraud_data
from bughunt.families.numeric.judges import NumericGrader, exact_bce, linear_loss_training, loss_checks, no_fp_events
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import LogArgumentPositive

EXERCISE = "log_epsilon/bce-logistic"
LOSS = "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
DEF = "def bce(y, p):\n"


class BceLogistic(NumericGrader):
    exercise = EXERCISE
    functions = {
        "bce": "bce(y, p) -> mean loss (a number)",
        "train": "train(X, y) -> (weights, bias, losses)",
    }

    REFERENCE = ((LOSS, "    p = np.clip(p, 1e-12, 1 - 1e-12)\n" + LOSS),)
    PASS = [
        PASS(
            "floors on both probabilities, module-level epsilon",
            ("LEARNING_RATE = 0.5\n", "LEARNING_RATE = 0.5\nEPS = 1e-15\n"),
            (LOSS, "    return -np.mean(y * np.log(np.maximum(p, EPS)) + (1 - y) * np.log(np.maximum(1 - p, EPS)))\n"),
        ),
        PASS("epsilon added inside each log", (LOSS, "    return -np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))\n")),
        PASS(
            "probability of the true label, clipped from below",
            (LOSS, "    eps = np.finfo(float).eps\n    p_true = np.where(y == 1, p, 1 - p)\n"
             "    return -np.mean(np.log(np.clip(p_true, eps, None)))\n"),
        ),
        PASS(
            "sys.float_info.epsilon and log1p(-p) after a clip",
            ("import numpy as np\n", "import sys\n\nimport numpy as np\n"),
            (LOSS, "    eps = sys.float_info.epsilon\n    p = np.clip(p, eps, 1 - eps)\n"
             "    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))\n"),
        ),
        PASS(
            "np.where used as a floor on both sides",
            (LOSS, "    p_safe = np.where(p > 1e-12, p, 1e-12)\n    q_safe = np.where(1 - p > 1e-12, 1 - p, 1e-12)\n"
             "    return -np.mean(y * np.log(p_safe) + (1 - y) * np.log(q_safe))\n"),
        ),
        PASS(
            "safe-log helper with a default epsilon",
            (DEF, "def _safe_log(x, eps=1e-12):\n    return np.log(np.maximum(x, eps))\n\n\ndef bce(y, p):\n"),
            (LOSS, "    return -np.mean(y * _safe_log(p) + (1 - y) * _safe_log(1 - p))\n"),
        ),
        PASS(
            "math.log in a loop over zip",
            ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            (LOSS, "    total = 0.0\n    for yi, pi in zip(y, p):\n        pi = min(max(pi, 1e-12), 1 - 1e-12)\n"
             "        total += yi * math.log(pi) + (1 - yi) * math.log(1 - pi)\n    return -total / len(y)\n"),
        ),
        PASS(
            "a callable class with the epsilon as a class attribute",
            (LOSS, "    return _BCE(y, p)\n"),
            (DEF, "class _CrossEntropy:\n    eps = 1e-12\n\n    def __call__(self, y, p):\n"
             "        p = np.clip(p, self.eps, 1 - self.eps)\n        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n\n\n"
             "_BCE = _CrossEntropy()\n\n\ndef bce(y, p):\n"),
        ),
        PASS(
            "boolean-mask floors on a copy",
            (LOSS, "    p = np.array(p, dtype=float)\n    p[p < 1e-12] = 1e-12\n    p[p > 1 - 1e-12] = 1 - 1e-12\n" + LOSS),
        ),
        PASS(
            "epsilon from a dict of settings",
            ("LEARNING_RATE = 0.5\n", "LEARNING_RATE = 0.5\nLOSS_SETTINGS = {\"eps\": 1e-12}\n"),
            (LOSS, "    eps = LOSS_SETTINGS[\"eps\"]\n    p = np.clip(p, eps, 1 - eps)\n" + LOSS),
        ),
        PASS(
            "pandas Series clip",
            (LOSS, "    import pandas as pd\n\n    p = pd.Series(p).clip(lower=1e-12, upper=1 - 1e-12).to_numpy()\n" + LOSS),
        ),
    ]
    FAIL = [
        FAIL(
            "nan terms skipped with np.nanmean",
            (LOSS, "    return -np.nanmean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "non-finite terms masked out",
            (LOSS, "    terms = y * np.log(p) + (1 - y) * np.log(1 - p)\n    return -np.mean(terms[np.isfinite(terms)])\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.where still evaluates log(0)",
            (LOSS, "    return -np.mean(np.where(y == 1, np.log(p), np.log(1 - p)))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "only the lower end clipped",
            (LOSS, "    p = np.clip(p, 1e-12, 1.0)\n" + LOSS),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "errstate plus nan_to_num",
            (LOSS, "    with np.errstate(divide=\"ignore\", invalid=\"ignore\"):\n"
             "        return np.nan_to_num(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), posinf=50.0)\n"),
            fails=("np_errstate", "nan_to_num", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "final loss clipped",
            (LOSS, "    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n    return min(loss, 30.0)\n"),
            fails=("clip_output", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "a margin so large it changes ordinary losses",
            (LOSS, "    p = np.clip(p, 1e-3, 1 - 1e-3)\n" + LOSS),
            fails=("loss_matches_exact",),
        ),
        FAIL(
            "a margin so large a confident mistake costs too little",
            (LOSS, "    p = np.clip(p, 1e-4, 1 - 1e-4)\n" + LOSS),
            fails=("confident_predictions_scored",),
        ),
        FAIL(
            "a helper that guards log(p) but not log(1 - p)",
            (DEF, "def _floor(x):\n    return np.maximum(x, 1e-12)\n\n\ndef bce(y, p):\n"),
            (LOSS, "    return -np.mean(y * np.log(_floor(p)) + (1 - y) * np.log(1 - p))\n"),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "a non-finite loss replaced by 0",
            (LOSS, "    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n    if not np.isfinite(loss):\n"
             "        return 0.0\n    return loss\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.errstate as a decorator and nansum",
            (DEF, "@np.errstate(divide=\"ignore\", invalid=\"ignore\")\ndef bce(y, p):\n"),
            (LOSS, "    return -np.nansum(y * np.log(p) + (1 - y) * np.log(1 - p)) / len(y)\n"),
            fails=("np_errstate", "nan_masking", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "probabilities clipped in train only",
            ("        losses.append(bce(y, p))\n", "        losses.append(bce(y, np.clip(p, 1e-12, 1 - 1e-12)))\n"),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "log1p(-p) with the probability floored from below only",
            (LOSS, "    p = np.clip(p, 1e-12, None)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))\n"),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
    ]

    def cases(self, seed):
        out = []
        for i, (n, outlier) in enumerate(((170, False), (200, True))):
            calls = binary_loss_calls(seed, i)
            out.append({
                "calls": [{"key": key, "fn": "bce", "args": list(args), "kind": "number"} for key, args in calls.items()],
                "train": {
                    "fn": "train", "args": list(fraud_data(seed, i, n, outlier)),
                    "returns": [["w", "array1"], ["b", "number"], ["losses", "array1"]], "text": "(weights, bias, losses)",
                },
            })
        return out

    def static_checks(self):
        return [LogArgumentPositive(EXERCISE, functions=tuple(self.functions), what="the loss")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "loss_no_warnings",
                "compute the loss without a floating-point event, even when a probability is exactly 0 or 1", function="bce",
            ),
            *loss_checks(
                EXERCISE, results, cases, "bce", exact_bce, 1e-4,
                {"wrong_pos": "p = 0 for a positive example", "wrong_neg": "p = 1 for a negative example"},
            ),
            linear_loss_training(EXERCISE, results, cases, min_accuracy=0.85, multiclass=False, reference=self.trained_by_reference),
        ]


GRADER = BceLogistic()
