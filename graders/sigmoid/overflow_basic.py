"""Grader for sigmoid/overflow-basic.

Runtime: `sigmoid` on inputs up to |z| = 1e4 (floating-point errors recorded even if the
submission silenced numpy) must raise no warning and match the exact logistic function;
training on hidden data must stay warning-free and reach a reasonable accuracy.
Static: every exp in the graded code gets a bounded argument.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, call_watched_strict as call_watched, function
from bughunt.static.numeric_stability import ExpArgumentBounded
from bughunt.verdict import Check

EXERCISE = "sigmoid/overflow-basic"
SIG = "    return 1.0 / (1.0 + np.exp(-z))\n"
Z_GRID = np.concatenate(
    [
        [-1e4, -3000.0, -1000.0, -746.0, -710.0, -600.0, -100.0, -40.0, -30.0, -20.0],
        np.linspace(-10, 10, 41),
        [20.0, 30.0, 40.0, 100.0, 600.0, 710.0, 746.0, 1000.0, 3000.0, 1e4],
    ]
)


def hidden_data(n_rows, seed, shift):
    rng = np.random.default_rng(seed)
    links = rng.poisson(2.5, n_rows).astype(float)
    bangs = rng.poisson(5, n_rows).astype(float)
    caps = rng.poisson(8, n_rows).astype(float)
    length = rng.normal(0, 1.2, n_rows)
    X = np.column_stack([links, bangs, caps, length])
    y = (1.2 * links + 0.9 * bangs + 0.4 * caps - 2.5 * length - shift > 0).astype(float)
    return X, y


def fp_warnings(ws):
    """Floating-point warnings that matter: overflow, division by zero, invalid values.
    Underflow to 0 is the correctly rounded result of exp of a very negative number."""
    return [w for w in ws if w.startswith(("RuntimeWarning", "FloatingPointError")) and "underflow" not in w]


def exact_sigmoid(z):
    from scipy.special import expit

    return expit(z)


def compare_sigmoid(out, z, atol=1e-8, rtol=1e-6):
    """None if out matches the exact logistic function, else a description of the worst input."""
    from scipy.special import expit

    if out.shape != z.shape:
        return f"an output of shape {out.shape} for an input of shape {z.shape}"
    bad = ~np.isfinite(out)
    if bad.any():
        return f"{out[bad][0]} for z = {z[bad][0]:g}"
    exact = expit(z)
    err = np.abs(out - exact)
    tol = np.where(np.abs(z) <= 10, np.minimum(atol, rtol * exact), atol)
    worst = np.argmax(err - tol)
    if err.flat[worst] > tol.flat[worst]:
        return f"{out.flat[worst]:.6g} for z = {z.flat[worst]:g}, where the exact value is {exact.flat[worst]:.6g}"
    return None


class OverflowBasic(Grader):
    exercise = EXERCISE
    functions = {
        "sigmoid": "sigmoid(z) -> array like z",
        "train": "train(X, y) -> (weights, bias)",
        "predict_proba": "predict_proba(X, w, b) -> probabilities",
    }
    suppression_names = (
        "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
        "nan_to_num", "nan_masking", "clip_output",
    )

    REFERENCE = ((SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))\n"),)
    PASS = [
        PASS("scipy.special.expit", (SIG, "    from scipy.special import expit\n\n    return expit(z)\n")),
        PASS("tanh form", (SIG, "    return 0.5 * (1.0 + np.tanh(0.5 * z))\n")),
        PASS(
            "clipped in a local variable, renamed, module-level limit",
            ("LEARNING_RATE = 0.1\n", "LEARNING_RATE = 0.1\nLIMIT = 700.0\n"),
            (SIG, "    t = np.asarray(z, dtype=float)\n    t = np.clip(t, -LIMIT, LIMIT)\n    return 1.0 / (1.0 + np.exp(-t))\n"),
        ),
        PASS(
            "masked stable sigmoid",
            (
                SIG,
                "    z = np.asarray(z, dtype=float)\n    out = np.empty_like(z)\n    pos = z >= 0\n"
                "    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))\n    ez = np.exp(z[~pos])\n"
                "    out[~pos] = ez / (1.0 + ez)\n    return out\n",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "np.seterr at module level",
            ("import numpy as np\n", "import numpy as np\n\nnp.seterr(over=\"ignore\")\n"),
            fails=("np_seterr", "exp_argument_bounded"),
        ),
        FAIL(
            "np.where still evaluates the overflowing branch",
            (SIG, "    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "exp output clipped instead of its input",
            (SIG, "    return 1.0 / (1.0 + np.clip(np.exp(-z), 0.0, 1e300))\n"),
            fails=("clip_output", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "logits clipped in the callers only",
            ("    return sigmoid(X @ w + b)\n", "    return sigmoid(np.clip(X @ w + b, -500, 500))\n"),
            ("        p = sigmoid(X @ w + b)\n", "        p = sigmoid(np.clip(X @ w + b, -500, 500))\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "input clipped so tightly that the function changes",
            (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, -8, 8)))\n"),
            fails=("sigmoid_matches_exact",),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        out = []
        for n, seed, shift in ((170, 4242, 11.0), (210, 9090, 13.0)):
            X, y = hidden_data(n, seed, shift)
            Z2 = np.random.default_rng(seed + 1).normal(0, 2500, (6, 5))
            out.append({"z": Z_GRID.copy(), "Z2": Z2, "X": X, "y": y})
        return out

    # --- child side ---------------------------------------------------------------
    def instrument(self):
        # Import scipy.special before the submission runs: importing it for the first time
        # inside a watched call can fail in the sandbox, and submissions may use expit.
        import scipy.special  # noqa: F401

    def probe(self, student, case):
        sigmoid = function(student, "sigmoid", 1)
        train = function(student, "train", 2)
        predict = function(student, "predict_proba", 3)
        out, w1 = call_watched(sigmoid, case["z"].copy())
        out2, w2 = call_watched(sigmoid, case["Z2"].copy())
        trained, w3 = call_watched(train, case["X"].copy(), case["y"].copy())
        if not isinstance(trained, (tuple, list)) or len(trained) != 2:
            raise ContractError("`train` should return a pair (weights, bias)")
        w = array(trained[0], "the weights returned by `train`", ndim=1)
        b = array(trained[1], "the bias returned by `train`")
        proba, w4 = call_watched(predict, case["X"].copy(), w, b)
        return {
            "sig": array(out, "the value returned by `sigmoid`"),
            "sig2": array(out2, "the value returned by `sigmoid` for a 2-D input"),
            "sig_warnings": w1 + w2,
            "w": w,
            "b": b,
            "proba": array(proba, "the value returned by `predict_proba`", ndim=1),
            "train_warnings": w3 + w4,
        }

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [ExpArgumentBounded(EXERCISE, what="the sigmoid")]

    def judge(self, results):
        return judge_sigmoid_and_training(EXERCISE, self.cases(), results)


def judge_sigmoid_and_training(exercise, cases, results, min_accuracy=0.75):
    from scipy.special import expit

    warn_msgs, value_msgs, train_msgs = [], [], []
    for r, case in zip(results, cases):
        o = r.obs
        ws = fp_warnings(o["sig_warnings"])
        if ws:
            warn_msgs.append(f"`{ws[0]}` on hidden case {r.index + 1}")
        for key, z in (("sig", case["z"]), ("sig2", case["Z2"])):
            problem = compare_sigmoid(o[key], z)
            if problem:
                value_msgs.append(problem)
                break
        ws = fp_warnings(o["train_warnings"])
        w, b = o["w"], o["b"]
        if ws:
            train_msgs.append(f"`{ws[0]}` while training and predicting on hidden case {r.index + 1}")
            continue
        if w.shape != (case["X"].shape[1],) or not np.all(np.isfinite(w)) or not np.all(np.isfinite(b)):
            train_msgs.append(f"weights {w} and bias {b} that are not finite numbers of the right shape")
            continue
        logits = case["X"] @ w + b
        acc = float(np.mean((logits > 0) == case["y"]))
        if acc < min_accuracy:
            train_msgs.append(f"a training accuracy of {acc:.2f} on hidden case {r.index + 1} (expected at least {min_accuracy})")
            continue
        p = o["proba"]
        if p.shape != logits.shape or not np.allclose(p, expit(logits), atol=1e-8, rtol=0):
            train_msgs.append("`predict_proba` values that differ from the logistic function of X @ w + b")
    return [
        Check(
            "sigmoid_no_overflow",
            "runtime",
            not warn_msgs,
            f"Exercise {exercise} should compute the sigmoid without any floating-point warning for inputs "
            f"as large as |z| = 1e4; found {warn_msgs[0]}. exp is still evaluated on an unbounded argument "
            "(silencing or catching the warning does not count)"
            if warn_msgs
            else "the sigmoid raises no floating-point warning for large inputs",
        ),
        Check(
            "sigmoid_matches_exact",
            "runtime",
            not value_msgs,
            f"Exercise {exercise} should return finite values that match the exact logistic function "
            f"for every input, large or small; found {value_msgs[0]}. Bounding the input must not change "
            "the result by more than rounding"
            if value_msgs
            else "the sigmoid matches the exact logistic function",
        ),
        Check(
            "training_works",
            "runtime",
            not train_msgs,
            f"Exercise {exercise} should still train and predict on hidden data without floating-point "
            f"warnings; found {train_msgs[0]}"
            if train_msgs
            else "training on hidden data works",
            root_cause=False,
        ),
    ]


GRADER = OverflowBasic()
