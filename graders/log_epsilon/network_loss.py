"""Grader for log_epsilon/network-loss: mostly data; the probe, checks and hidden-data
builders live in bughunt.families.numeric.

Runtime: `loss(y, z)` on output logits up to |z| = 1e308 (so the sigmoid is exactly 0 or 1,
in float64 and, beyond |z| = 11357, in long double too) must meet no floating-point event
(watched directly, whatever the submission silences), charge a confidently wrong
prediction a large finite cost and match the exact loss mean(log(1 + e^z) - y z) for
moderate logits; training on hidden data (with an extreme row) must log finite, decreasing
losses.
Static: every log in the graded code gets an argument bounded away from zero (unknown when
it cannot tell).
"""
from bughunt.families.numeric.cases import logit_loss_calls, xor_data
from bughunt.families.numeric.judges import NumericGrader, exact_logit_loss, loss_checks, mlp_training, no_fp_events
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import LogArgumentPositive

EXERCISE = "log_epsilon/network-loss"
BODY = "    p = sigmoid(z)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
DEF = "def loss(y, z):\n"


class NetworkLoss(NumericGrader):
    exercise = EXERCISE
    functions = {
        "loss": "loss(y, z) -> mean loss (a number), z the output logits",
        "train": "train(X, y, hidden) -> (params, losses)",
    }

    REFERENCE = (("    p = sigmoid(z)\n    return", "    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)\n    return"),)
    PASS = [
        PASS("log-sum-exp form on the logits", (BODY, "    return np.mean(np.logaddexp(0.0, z) - y * z)\n")),
        PASS(
            "scipy log_expit on both sides",
            (BODY, "    from scipy.special import log_expit\n\n    return -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))\n"),
        ),
        PASS(
            "stable softplus with log1p",
            (BODY, "    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))\n    return np.mean(softplus - y * z)\n"),
        ),
        PASS(
            "floors on p and 1 - p",
            (BODY, "    p = sigmoid(z)\n    eps = 1e-12\n"
             "    return -np.mean(y * np.log(np.maximum(p, eps)) + (1 - y) * np.log(np.maximum(1 - p, eps)))\n"),
        ),
        PASS(
            "a closure built by a factory with a default epsilon",
            (BODY, "    return _BCE(y, z)\n"),
            (DEF, "def _make_loss(eps=1e-12):\n    def bce(y, z):\n        p = np.clip(sigmoid(z), eps, 1 - eps)\n"
             "        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n\n    return bce\n\n\n_BCE = _make_loss()\n\n\n"
             "def loss(y, z):\n"),
        ),
        PASS("logits clipped before the sigmoid", (BODY, "    p = sigmoid(np.clip(z, -30.0, 30.0))\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n")),
        PASS(
            "softplus of the signed logit chosen with np.where",
            (BODY, "    return np.mean(np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z)))\n"),
        ),
        PASS(
            "math.log1p in a loop over zip",
            ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            (BODY, "    total = 0.0\n    for yi, zi in zip(y, z):\n"
             "        total += max(zi, 0.0) - yi * zi + math.log1p(math.exp(-abs(zi)))\n    return total / len(y)\n"),
        ),
        PASS(
            "epsilon from a dict of settings",
            ("HIDDEN = 10\n", "HIDDEN = 10\nLOSS_CONFIG = {\"eps\": 1e-12}\n"),
            (BODY, "    eps = LOSS_CONFIG[\"eps\"]\n    p = np.clip(sigmoid(z), eps, 1.0 - eps)\n"
             "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
        ),
        PASS(
            "boolean masks per label, floored",
            (BODY, "    p = sigmoid(z)\n    pos = y == 1\n    out = np.empty_like(p)\n"
             "    out[pos] = -np.log(np.maximum(p[pos], 1e-12))\n    out[~pos] = -np.log(np.maximum(1.0 - p[~pos], 1e-12))\n"
             "    return np.mean(out)\n"),
        ),
        PASS(
            "a model class that owns the probability and the loss",
            (BODY, "    return _Head().loss(y, z)\n"),
            (DEF, "class _Head:\n    eps = 1e-12\n\n    def probability(self, z):\n        return np.clip(sigmoid(z), self.eps, 1 - self.eps)\n\n"
             "    def loss(self, y, z):\n        p = self.probability(z)\n        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n\n\n"
             "def loss(y, z):\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "final loss clipped",
            (BODY, "    p = sigmoid(z)\n    return np.clip(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), 0.0, 50.0)\n"),
            fails=("clip_output", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "nan loss replaced with np.nan_to_num",
            (BODY, "    p = sigmoid(z)\n    return np.nan_to_num(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))\n"),
            fails=("nan_to_num", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "confident terms masked out with isinf/isnan",
            (BODY, "    p = sigmoid(z)\n    terms = y * np.log(p) + (1 - y) * np.log(1 - p)\n"
             "    keep = ~(np.isinf(terms) | np.isnan(terms))\n    return -np.mean(terms[keep])\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.where still evaluates log(0)",
            (BODY, "    p = sigmoid(z)\n    return -np.mean(np.where(y > 0.5, np.log(p), np.log(1 - p)))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "warnings filtered inside the loss",
            (BODY, "    import warnings\n\n    warnings.simplefilter(\"ignore\")\n    p = sigmoid(z)\n"
             "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
            fails=("warnings_filter", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "probabilities computed in long double, which still round to 0 and 1",
            (BODY, "    p = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.longdouble)))\n"
             "    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))\n"),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "a margin so large a confident mistake costs too little",
            ("    p = sigmoid(z)\n    return", "    p = np.clip(sigmoid(z), 1e-4, 1 - 1e-4)\n    return"),
            fails=("confident_predictions_scored",),
        ),
        FAIL(
            "logits clipped in train only",
            ("        losses.append(loss(y, z))\n", "        losses.append(loss(y, np.clip(z, -30.0, 30.0)))\n"),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "np.errstate as a decorator and nan terms dropped",
            (DEF, "@np.errstate(divide=\"ignore\", invalid=\"ignore\")\ndef loss(y, z):\n"),
            (BODY, "    p = sigmoid(z)\n    terms = y * np.log(p) + (1 - y) * np.log(1 - p)\n"
             "    return -np.mean(np.where(np.isnan(terms), 0.0, terms))\n"),
            fails=("np_errstate", "nan_masking", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "logits clipped at 1e4, where the sigmoid is still exactly 0 or 1",
            (BODY, "    p = sigmoid(np.clip(z, -1e4, 1e4))\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
            fails=("loss_no_warnings",),
        ),
        FAIL(
            "log(0) replaced by log(1), so a confident mistake costs nothing",
            (BODY, "    p = sigmoid(z)\n    return -np.mean(y * np.log(p + (p == 0)) + (1 - y) * np.log(1 - p + (p == 1)))\n"),
            fails=("confident_predictions_scored",),
        ),
        FAIL(
            "each term capped",
            (BODY, "    p = sigmoid(z)\n    terms = -(y * np.log(p) + (1 - y) * np.log(1 - p))\n    return np.mean(np.minimum(terms, 50.0))\n"),
            fails=("clip_output", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "errors raised by np.seterr and caught",
            (BODY, "    old = np.seterr(all=\"raise\")\n    try:\n        p = sigmoid(z)\n"
             "        value = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n    except FloatingPointError:\n"
             "        value = 0.0\n    np.seterr(**old)\n    return value\n"),
            fails=("try_except", "log_argument_positive", "loss_no_warnings"),
        ),
    ]

    def cases(self, seed):
        out = []
        for i, (n, outlier) in enumerate(((200, False), (220, True))):
            X, y = xor_data(seed, i, n)
            if outlier:
                X[0] = X[0] * 5000.0
            out.append({
                "calls": [{"key": key, "fn": "loss", "args": list(args), "kind": "number"} for key, args in logit_loss_calls(seed, i).items()],
                "train": {"fn": "train", "args": [X, y, 8], "returns": [["params", "params"], ["losses", "array1"]], "text": "(params, losses)"},
            })
        return out

    def static_checks(self):
        return [LogArgumentPositive(EXERCISE, functions=tuple(self.functions), what="the loss")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "loss_no_warnings",
                "compute the loss without a floating-point event, even for logits so large (up to 1e308) that the "
                "sigmoid is exactly 0 or 1", function="loss",
            ),
            *loss_checks(
                EXERCISE, results, cases, "loss", exact_logit_loss, 1e-3,
                {"wrong_pos": "z = -1e4 on a positive example", "wrong_neg": "z = 1e4 on a negative example",
                 "wrong_mid": "z = 45 or so on a negative example"},
                extreme_keys={"extreme_pos": "a hugely negative logit on a positive example",
                              "extreme_neg": "a huge logit on a negative example"},
                extreme_right={"extreme_right": "logits of 1e308 and -1e5 on a positive and a negative example"},
            ),
            mlp_training(EXERCISE, results, cases, min_accuracy=0.85, hidden_act="relu", losses_logged=True, reference=self.trained_by_reference),
        ]


GRADER = NetworkLoss()
