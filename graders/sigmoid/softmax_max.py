"""Grader for sigmoid/softmax-max: mostly data; the probe, checks and hidden-data builders
live in bughunt.families.numeric.

Runtime: `softmax` on score matrices with rows near +-1e4, +-1e5, +-1e300 and +-8e307,
rows whose scores are far apart, rows far from each other in one batch, a single row and
fewer rows than classes must meet no floating-point event (watched directly, whatever the
submission silences) and match the exact row-wise softmax; training on hidden data must work.
Static: every exp in the graded code gets a bounded argument (unknown when it cannot tell).
"""
from bughunt.families.numeric.cases import cluster_data, softmax_inputs
from bughunt.families.numeric.judges import NumericGrader, compare_softmax, no_fp_events, softmax_training, values_check
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import ExpArgumentBounded

EXERCISE = "sigmoid/softmax-max"
EXP = "    E = np.exp(Z)\n"
BODY = "    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)\n"
INPUTS = ("Z", "far", "one", "few", "big")


class SoftmaxMax(NumericGrader):
    exercise = EXERCISE
    functions = {
        "softmax": "softmax(Z) -> array like Z, each row summing to 1",
        "train": "train(X, y, n_classes) -> (W, b)",
        "predict_proba": "predict_proba(X, W, b) -> (rows, classes) probabilities",
    }

    REFERENCE = ((EXP, "    E = np.exp(Z - Z.max(axis=1, keepdims=True))\n"),)
    PASS = [
        PASS("scipy.special.softmax", (BODY, "    from scipy.special import softmax as sm\n    return sm(Z, axis=1)\n")),
        PASS(
            "log-sum-exp form",
            (BODY, "    from scipy.special import logsumexp\n    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))\n"),
        ),
        PASS(
            "shift stored first, renamed",
            (BODY, "    scores = np.asarray(Z, dtype=float)\n    top = np.max(scores, axis=-1, keepdims=True)\n"
             "    ex = np.exp(scores - top)\n    return ex / np.sum(ex, axis=-1, keepdims=True)\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "one global maximum subtracted for the whole batch",
            (EXP, "    E = np.exp(Z - Z.max())\n"),
            fails=("softmax_no_warnings", "softmax_matches_exact"),
        ),
        FAIL(
            "scores clipped so that different scores become equal",
            (EXP, "    E = np.exp(np.clip(Z, -500, 500))\n"),
            fails=("softmax_matches_exact",),
        ),
        FAIL(
            "nan replaced after the division",
            (BODY, "    E = np.exp(Z)\n    return np.nan_to_num(E / E.sum(axis=1, keepdims=True))\n"),
            fails=("nan_to_num", "exp_argument_bounded", "softmax_no_warnings", "softmax_matches_exact"),
        ),
        FAIL(
            "np.errstate around the exponential",
            (BODY, "    with np.errstate(over=\"ignore\", invalid=\"ignore\"):\n        E = np.exp(Z)\n"
             "        return E / E.sum(axis=1, keepdims=True)\n"),
            fails=("np_errstate", "exp_argument_bounded", "softmax_matches_exact"),
        ),
        FAIL(
            "try/except falls back to clipped scores",
            (EXP, "    try:\n        E = np.exp(Z)\n    except FloatingPointError:\n        E = np.exp(np.clip(Z, -700, 700))\n"),
            fails=("try_except", "exp_argument_bounded", "softmax_no_warnings"),
        ),
        FAIL(
            "warnings filtered at import",
            ("import numpy as np\n", "import warnings\n\nimport numpy as np\n\nwarnings.filterwarnings(\"ignore\")\n"),
            fails=("warnings_filter", "exp_argument_bounded", "softmax_no_warnings"),
        ),
    ]

    def cases(self, seed):
        out = []
        for i, (n, k) in enumerate(((180, 3), (220, 4))):
            Z = softmax_inputs(seed, i, k)
            X, y = cluster_data(seed, i, n, k, 5)
            out.append({
                "calls": [{"key": key, "fn": "softmax", "args": [Z[key]]} for key in INPUTS],
                "train": {"fn": "train", "args": [X, y, k], "returns": [["W", "array2"], ["b", "array"]], "text": "a pair (W, b)"},
                "after": [{"key": "proba", "fn": "predict_proba", "args": [X, "$W", "$b"]}],
            })
        return out

    def static_checks(self):
        return [ExpArgumentBounded(EXERCISE, what="the softmax")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "softmax_no_warnings",
                "compute the softmax of any finite scores (rows near 1e4, 1e5, 1e300; far-apart rows; a single row) "
                "without a floating-point event",
                "exp still receives scores that are not bounded, or a row's shift leaves it with nothing but zeros",
                function="softmax",
            ),
            values_check(
                EXERCISE, results, cases, "softmax_matches_exact",
                "return finite probabilities equal to the exact softmax of every row, however large or far apart the scores",
                lambda case, o: (compare_softmax(o[f"out_{c['key']}"], c["args"][0]) for c in case["calls"]),
                "softmax",
            ),
            softmax_training(EXERCISE, results, cases, min_accuracy=0.8),
        ]


GRADER = SoftmaxMax()
