"""Grader for sigmoid/softmax-max: mostly data; the probe, checks and hidden-data builders
live in bughunt.families.numeric.

Runtime: `softmax` on score matrices with rows near +-1e4, +-1e5, +-1e300 and +-8e307,
rows whose scores are far apart, rows far from each other in one batch, a single row and
fewer rows than classes must meet no floating-point event (watched directly, whatever the
submission silences) and match the exact row-wise softmax; training on hidden data must work.
Static: every exp in the graded code gets a bounded argument (unknown when it cannot tell).
"""
from bughunt.families.numeric.cases import cluster_data, softmax_inputs
from bughunt.families.numeric.judges import NumericGrader, compare_softmax, no_fp_events, linear_training, values_check
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import ExpArgumentBounded

EXERCISE = "sigmoid/softmax-max"
EXP = "    E = np.exp(Z)\n"
BODY = "    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)\n"
DEF = "def softmax(Z):\n"
DOC = "    \"\"\"Row-wise softmax of a (rows, classes) array of scores.\"\"\"\n"
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
        PASS("row maxima as a column via a method chain", (EXP, "    E = np.exp(Z - np.amax(Z, axis=1).reshape(-1, 1))\n")),
        PASS(
            "one row at a time",
            (BODY, "    rows = []\n    for row in np.asarray(Z, dtype=float):\n        e = np.exp(row - row.max())\n"
             "        rows.append(e / e.sum())\n    return np.array(rows)\n"),
        ),
        PASS(
            "a callable class bound to the name softmax",
            (DEF + DOC + BODY, "class _RowSoftmax:\n    \"\"\"Row-wise softmax of a (rows, classes) array of scores.\"\"\"\n\n"
             "    axis = 1\n\n    def __call__(self, Z):\n        shifted = Z - Z.max(axis=self.axis, keepdims=True)\n"
             "        E = np.exp(shifted)\n        return E / E.sum(axis=self.axis, keepdims=True)\n\n\nsoftmax = _RowSoftmax()\n"),
        ),
        PASS(
            "computed on the transpose",
            (BODY, "    S = np.asarray(Z, dtype=float).transpose()\n    E = np.exp(S - S.max(axis=0))\n"
             "    return (E / E.sum(axis=0)).transpose()\n"),
        ),
        PASS(
            "log-softmax helper with a default axis",
            (DEF, "def _log_softmax(Z, axis=1):\n    top = Z.max(axis=axis, keepdims=True)\n"
             "    return Z - top - np.log(np.exp(Z - top).sum(axis=axis, keepdims=True))\n\n\ndef softmax(Z):\n"),
            (BODY, "    return np.exp(_log_softmax(Z))\n"),
        ),
        PASS(
            "pandas, shifted by each row's maximum",
            (BODY, "    import pandas as pd\n\n    frame = pd.DataFrame(Z)\n    E = np.exp(frame.sub(frame.max(axis=1), axis=0))\n"
             "    return E.div(E.sum(axis=1), axis=0).to_numpy()\n"),
        ),
        PASS(
            "a closure applied along the rows",
            (BODY, "    def stable(row):\n        e = np.exp(row - np.max(row))\n        return e / np.sum(e)\n\n"
             "    return np.apply_along_axis(stable, 1, Z)\n"),
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
        FAIL(
            "computed in long double, which only moves the overflow further out",
            (BODY, "    E = np.exp(np.asarray(Z, dtype=np.longdouble))\n    return (E / E.sum(axis=1, keepdims=True)).astype(float)\n"),
            fails=("exp_argument_bounded", "softmax_no_warnings"),
        ),
        FAIL(
            "shifted by each column's maximum",
            (EXP, "    E = np.exp(Z - Z.max(axis=0, keepdims=True))\n"),
            fails=("softmax_matches_exact",),
        ),
        FAIL(
            "shift axis picked from the shape (the smaller dimension)",
            (EXP, "    E = np.exp(Z - Z.max(axis=int(np.argmin(Z.shape)), keepdims=True))\n"),
            fails=("softmax_matches_exact",),
        ),
        FAIL(
            "shifted by the row mean, which only moves the overflow",
            (EXP, "    E = np.exp(Z - Z.mean(axis=1, keepdims=True))\n"),
            fails=("exp_argument_bounded", "softmax_no_warnings"),
        ),
        FAIL(
            "global maximum hidden in a helper",
            (DEF, "def _shift(Z):\n    return Z - np.max(Z)\n\n\ndef softmax(Z):\n"),
            (EXP, "    E = np.exp(_shift(Z))\n"),
            fails=("softmax_no_warnings", "softmax_matches_exact"),
        ),
        FAIL(
            "nan rows replaced by a uniform guess",
            (BODY, "    E = np.exp(Z)\n    P = E / E.sum(axis=1, keepdims=True)\n    P[np.isnan(P)] = 1.0 / Z.shape[1]\n    return P\n"),
            fails=("nan_masking", "exp_argument_bounded", "softmax_no_warnings", "softmax_matches_exact"),
        ),
        FAIL(
            "warnings recorded and dropped",
            (EXP, "    import warnings\n\n    with warnings.catch_warnings(record=True):\n        E = np.exp(Z)\n"),
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
        return [ExpArgumentBounded(EXERCISE, functions=tuple(self.functions), what="the softmax")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "softmax_no_warnings",
                "compute the softmax of any finite scores (rows near 1e4, 1e5, 1e300; far-apart rows; a single row) "
                "without a floating-point event",
                function="softmax",
            ),
            values_check(
                EXERCISE, results, cases, "softmax_matches_exact",
                "return finite probabilities equal to the exact softmax of every row, however large or far apart the scores",
                lambda case, o: (compare_softmax(o[f"out_{c['key']}"], c["args"][0]) for c in case["calls"]),
                "softmax",
            ),
            linear_training(EXERCISE, results, cases, min_accuracy=0.8, multiclass=True, names=("W", "b"), reference=self.trained_by_reference),
        ]


GRADER = SoftmaxMax()
