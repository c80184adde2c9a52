"""Grader for sigmoid/softmax-max.

Runtime: `softmax` on score rows as large as 1e4 (and rows far apart from each other) must
raise no floating-point warning and match scipy.special.softmax; training on hidden data
must stay warning-free and reach a reasonable accuracy.
Static: every exp in the graded code gets a bounded argument.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, call_watched_strict as call_watched, function
from bughunt.static.numeric_stability import ExpArgumentBounded
from bughunt.verdict import Check

EXERCISE = "sigmoid/softmax-max"
EXP = "    E = np.exp(Z)\n"
BODY = "    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)\n"
FIXED_ROWS = np.array(
    [
        [1000.0, 1001.0, 999.0],
        [-1e4, -1e4 + 1.0, -1e4 - 2.0],
        [1e4, 0.0, -1e4],
        [710.0, 709.0, -710.0],
        [0.5, -1.0, 2.0],
        [-3.0, -3.0, -3.0],
        [0.0, 40.0, 37.0],
    ]
)


def hidden_data(n_rows, n_classes, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3.0, (n_classes, 5))
    y = rng.integers(0, n_classes, n_rows)
    X = centres[y] + rng.normal(0, 1.0, (n_rows, 5))
    return X, y


def fp_warnings(ws):
    """Overflow, division by zero and invalid values; underflow to 0 is correct rounding."""
    return [w for w in ws if w.startswith(("RuntimeWarning", "FloatingPointError")) and "underflow" not in w]


def compare_softmax(out, Z):
    from scipy.special import softmax

    if out.shape != Z.shape:
        return f"an output of shape {out.shape} for scores of shape {Z.shape}"
    bad = ~np.isfinite(out)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        return f"{np.round(out[row], 4).tolist()} for the scores {Z[row].tolist()}"
    exact = softmax(Z, axis=1)
    err = np.abs(out - exact) - (1e-9 + 1e-7 * exact)
    row = int(np.unravel_index(np.argmax(err), err.shape)[0])
    if err.max() > 0:
        return (
            f"{np.round(out[row], 4).tolist()} for the scores {np.round(Z[row], 2).tolist()}, where the exact "
            f"probabilities are {np.round(exact[row], 4).tolist()}"
        )
    return None


class SoftmaxMax(Grader):
    exercise = EXERCISE
    functions = {
        "softmax": "softmax(Z) -> array like Z, each row summing to 1",
        "train": "train(X, y, n_classes) -> (W, b)",
        "predict_proba": "predict_proba(X, W, b) -> (rows, classes) probabilities",
    }
    suppression_names = (
        "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
        "nan_to_num", "nan_masking", "clip_output",
    )

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

    def cases(self):
        out = []
        for n, k, seed in ((180, 3, 5151), (220, 4, 6262)):
            X, y = hidden_data(n, k, seed)
            Z = np.random.default_rng(seed + 1).normal(0, 3000, (6, k))
            out.append({"Z": FIXED_ROWS.copy() if k == 3 else np.hstack([FIXED_ROWS, FIXED_ROWS[:, :1] - 5]), "Z2": Z, "X": X, "y": y, "k": k})
        return out

    def instrument(self):
        import scipy.special  # noqa: F401  (first import inside a watched call can fail in the sandbox)

    def probe(self, student, case):
        softmax = function(student, "softmax", 1)
        train = function(student, "train", 3)
        predict = function(student, "predict_proba", 3)
        out, w1 = call_watched(softmax, case["Z"].copy())
        out2, w2 = call_watched(softmax, case["Z2"].copy())
        trained, w3 = call_watched(train, case["X"].copy(), case["y"].copy(), case["k"])
        if not isinstance(trained, (tuple, list)) or len(trained) != 2:
            raise ContractError("`train` should return a pair (W, b)")
        W = array(trained[0], "the W returned by `train`", ndim=2)
        b = array(trained[1], "the b returned by `train`")
        proba, w4 = call_watched(predict, case["X"].copy(), W, b)
        return {
            "sm": array(out, "the value returned by `softmax`"),
            "sm2": array(out2, "the value returned by `softmax`"),
            "sm_warnings": w1 + w2,
            "W": W,
            "b": b,
            "proba": array(proba, "the value returned by `predict_proba`", ndim=2),
            "train_warnings": w3 + w4,
        }

    def static_checks(self):
        return [ExpArgumentBounded(EXERCISE, what="the softmax")]

    def judge(self, results):
        from scipy.special import softmax

        warn_msgs, value_msgs, train_msgs = [], [], []
        for r, case in zip(results, self.cases()):
            o = r.obs
            ws = fp_warnings(o["sm_warnings"])
            if ws:
                warn_msgs.append(f"`{ws[0]}` on hidden case {r.index + 1}")
            for key, Z in (("sm", case["Z"]), ("sm2", case["Z2"])):
                problem = compare_softmax(o[key], Z)
                if problem:
                    value_msgs.append(problem)
                    break
            ws = fp_warnings(o["train_warnings"])
            if ws:
                train_msgs.append(f"`{ws[0]}` while training and predicting on hidden case {r.index + 1}")
                continue
            X, y, k = case["X"], case["y"], case["k"]
            W, b = o["W"], o["b"]
            if W.shape != (X.shape[1], k) or b.size != k or not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
                train_msgs.append(f"W of shape {W.shape} and b of shape {b.shape} (need finite ({X.shape[1]}, {k}) and ({k},))")
                continue
            scores = X @ W + b.reshape(k)
            acc = float(np.mean(scores.argmax(axis=1) == y))
            if acc < 0.8:
                train_msgs.append(f"a training accuracy of {acc:.2f} on hidden case {r.index + 1} (expected at least 0.8)")
                continue
            p = o["proba"]
            if p.shape != scores.shape or not np.allclose(p, softmax(scores, axis=1), atol=1e-8, rtol=0):
                train_msgs.append("`predict_proba` values that differ from the softmax of X @ W + b")
        return [
            Check(
                "softmax_no_warnings",
                "runtime",
                not warn_msgs,
                f"Exercise {EXERCISE} should compute the softmax without any floating-point warning for scores "
                f"as large as 1e4; found {warn_msgs[0]}. exp still receives scores that are not bounded "
                "(silencing or catching the warning does not count)"
                if warn_msgs
                else "the softmax raises no floating-point warning for large scores",
            ),
            Check(
                "softmax_matches_exact",
                "runtime",
                not value_msgs,
                f"Exercise {EXERCISE} should return finite probabilities equal to the exact softmax of every row, "
                f"however large or far apart the scores; found {value_msgs[0]}"
                if value_msgs
                else "the softmax matches the exact values",
            ),
            Check(
                "training_works",
                "runtime",
                not train_msgs,
                f"Exercise {EXERCISE} should still train and predict on hidden data without floating-point "
                f"warnings; found {train_msgs[0]}"
                if train_msgs
                else "training on hidden data works",
                root_cause=False,
            ),
        ]


GRADER = SoftmaxMax()
