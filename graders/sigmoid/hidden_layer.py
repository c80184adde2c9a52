"""Grader for sigmoid/hidden-layer.

Runtime: `sigmoid` on inputs up to |z| = 1e4 and `forward` on glitched readings with large
weights (floating-point errors recorded even if the submission silenced numpy) must raise
no warning and match the exact network; training on hidden data must still work.
Static: every exp in the graded code gets a bounded argument.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, call_watched_strict as call_watched, function
from bughunt.static.numeric_stability import ExpArgumentBounded
from bughunt.verdict import Check

EXERCISE = "sigmoid/hidden-layer"
SIG = "    return 1.0 / (1.0 + np.exp(-z))\n"
Z_GRID = np.concatenate(
    [
        [-1e4, -2500.0, -800.0, -745.0, -709.5, -300.0, -60.0, -36.0, -20.0],
        np.linspace(-10, 10, 33),
        [20.0, 36.0, 60.0, 300.0, 709.5, 745.0, 800.0, 2500.0, 1e4],
    ]
)


def hidden_data(n_rows, seed, radius):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_rows, 2))
    y = (np.sum(X**2, axis=1) > radius).astype(float)
    return X, y


def fp_warnings(ws):
    """Overflow, division by zero and invalid values; underflow to 0 is correct rounding."""
    return [w for w in ws if w.startswith(("RuntimeWarning", "FloatingPointError")) and "underflow" not in w]


def compare_sigmoid(out, z, what="z", atol=1e-8, rtol=1e-6):
    from scipy.special import expit

    out = np.asarray(out, dtype=float)
    if out.shape != z.shape:
        return f"an output of shape {out.shape} for an input of shape {z.shape}"
    bad = ~np.isfinite(out)
    if bad.any():
        return f"{out[bad][0]} for {what} = {z[bad][0]:g}"
    exact = expit(z)
    err = np.abs(out - exact)
    tol = np.where(np.abs(z) <= 10, np.minimum(atol, rtol * exact), atol)
    worst = np.argmax(err - tol)
    if err.flat[worst] > tol.flat[worst]:
        return f"{out.flat[worst]:.6g} for {what} = {z.flat[worst]:g}, where the exact value is {exact.flat[worst]:.6g}"
    return None


def exact_forward(X, params):
    from scipy.special import expit

    H = expit(X @ params["W1"] + params["b1"])
    return H, expit(H @ params["W2"] + params["b2"])


class HiddenLayer(Grader):
    exercise = EXERCISE
    functions = {
        "sigmoid": "sigmoid(z) -> array like z",
        "forward": "forward(X, params) -> (H, p)",
        "train": "train(X, y, hidden) -> params",
    }
    suppression_names = (
        "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
        "nan_to_num", "nan_masking", "clip_output",
    )

    REFERENCE = ((SIG, "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"),)
    PASS = [
        PASS("exp of minus a softplus", (SIG, "    return np.exp(-np.logaddexp(0.0, -z))\n")),
        PASS(
            "expit imported under another name",
            ("import numpy as np\n", "import numpy as np\nfrom scipy.special import expit as logistic\n"),
            (SIG, "    return logistic(z)\n"),
        ),
        PASS("tanh form", (SIG, "    return 0.5 * np.tanh(z / 2.0) + 0.5\n")),
        PASS("clip with keyword bounds", (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, a_min=-600.0, a_max=600.0)))\n")),
    ]
    FAIL = [
        FAIL(
            "np.seterr inside the function",
            (SIG, "    np.seterr(over=\"ignore\")\n    return 1.0 / (1.0 + np.exp(-z))\n"),
            fails=("np_seterr", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "non-finite results masked out",
            (SIG, "    s = 1.0 / (1.0 + np.exp(-z))\n    s[~np.isfinite(s)] = 0.0\n    return s\n"),
            fails=("nan_masking", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "sigmoid output clipped",
            (SIG, "    return np.clip(1.0 / (1.0 + np.exp(-z)), 1e-7, 1 - 1e-7)\n"),
            fails=("clip_output", "exp_argument_bounded", "sigmoid_no_overflow", "sigmoid_matches_exact"),
        ),
        FAIL(
            "try/except around the exponential",
            (SIG, "    try:\n        return 1.0 / (1.0 + np.exp(-z))\n    except (OverflowError, FloatingPointError):\n"
             "        return (z > 0).astype(float)\n"),
            fails=("try_except", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "np.where with both formulas evaluated on every input",
            (SIG, "    return np.where(z < 0, np.exp(z) / (1.0 + np.exp(z)), 1.0 / (1.0 + np.exp(-z)))\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "np.errstate around the exponential",
            (SIG, "    with np.errstate(over=\"ignore\"):\n        return 1.0 / (1.0 + np.exp(-z))\n"),
            fails=("np_errstate", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
    ]

    def cases(self):
        out = []
        for n, seed, radius in ((180, 7373, 1.2), (220, 8484, 1.6)):
            X, y = hidden_data(n, seed, radius)
            rng = np.random.default_rng(seed + 1)
            params = {
                "W1": rng.normal(0, 3.0, (2, 5)),
                "b1": rng.normal(0, 1.0, 5),
                "W2": rng.normal(0, 900.0, 5),
                "b2": float(rng.normal(0, 1.0)),
            }
            glitch = np.vstack([rng.normal(0, 1, (6, 2)), [[9999.0, 0.3], [-1e4, 2.0], [0.5, 8000.0], [-6000.0, -6000.0]]])
            out.append({"z": Z_GRID.copy(), "X": X, "y": y, "params": params, "glitch": glitch})
        return out

    def instrument(self):
        import scipy.special  # noqa: F401  (first import inside a watched call can fail in the sandbox)

    def probe(self, student, case):
        sigmoid = function(student, "sigmoid", 1)
        forward = function(student, "forward", 2)
        train = function(student, "train", 3)
        sig, w1 = call_watched(sigmoid, case["z"].copy())
        params = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case["params"].items()}
        fwd, w2 = call_watched(forward, case["glitch"].copy(), params)
        if not isinstance(fwd, (tuple, list)) or len(fwd) != 2:
            raise ContractError("`forward` should return a pair (H, p)")
        trained, w3 = call_watched(train, case["X"].copy(), case["y"].copy(), 6)
        if not isinstance(trained, dict) or not {"W1", "b1", "W2", "b2"} <= set(trained):
            raise ContractError("`train` should return the parameter dict with W1, b1, W2 and b2")
        return {
            "sig": array(sig, "the value returned by `sigmoid`"),
            "H": array(fwd[0], "the H returned by `forward`", ndim=2),
            "p": array(fwd[1], "the p returned by `forward`", ndim=1),
            "sig_warnings": w1 + w2,
            "trained": {k: array(trained[k], f"the trained {k}") for k in ("W1", "b1", "W2", "b2")},
            "train_warnings": w3,
        }

    def static_checks(self):
        return [ExpArgumentBounded(EXERCISE, what="the sigmoid")]

    def judge(self, results):
        warn_msgs, value_msgs, train_msgs = [], [], []
        for r, case in zip(results, self.cases()):
            o = r.obs
            ws = fp_warnings(o["sig_warnings"])
            if ws:
                warn_msgs.append(f"`{ws[0]}` on hidden case {r.index + 1}")
            params, X = case["params"], case["glitch"]
            z1 = X @ params["W1"] + params["b1"]
            H, _ = exact_forward(X, params)
            z2 = H @ params["W2"] + params["b2"]
            for out, z, what in ((o["sig"], case["z"], "z"), (o["H"], z1, "a hidden pre-activation"), (o["p"], z2, "an output pre-activation")):
                problem = compare_sigmoid(out, z, what, atol=1e-8 if what == "z" else 1e-6, rtol=1e-6 if what == "z" else 1e-4)
                if problem:
                    value_msgs.append(problem)
                    break
            ws = fp_warnings(o["train_warnings"])
            if ws:
                train_msgs.append(f"`{ws[0]}` while training on hidden case {r.index + 1}")
                continue
            t = o["trained"]
            if not all(np.all(np.isfinite(v)) for v in t.values()):
                train_msgs.append(f"parameters that are not finite after training on hidden case {r.index + 1}")
                continue
            try:
                _, p = exact_forward(case["X"], t)
                acc = float(np.mean((p > 0.5) == case["y"]))
            except ValueError:
                train_msgs.append("trained parameters whose shapes do not fit together")
                continue
            if acc < 0.85:
                train_msgs.append(f"a training accuracy of {acc:.2f} on hidden case {r.index + 1} (expected at least 0.85)")
        return [
            Check(
                "sigmoid_no_overflow",
                "runtime",
                not warn_msgs,
                f"Exercise {EXERCISE} should compute the sigmoid (alone and inside `forward`) without any "
                f"floating-point warning for inputs as large as |z| = 1e4; found {warn_msgs[0]}. exp is still "
                "evaluated on an unbounded argument (silencing or catching the warning does not count)"
                if warn_msgs
                else "the sigmoid raises no floating-point warning for large inputs",
            ),
            Check(
                "sigmoid_matches_exact",
                "runtime",
                not value_msgs,
                f"Exercise {EXERCISE} should return finite values that match the exact logistic function "
                f"in `sigmoid` and in both layers of `forward`; found {value_msgs[0]}"
                if value_msgs
                else "the sigmoid and the forward pass match the exact values",
            ),
            Check(
                "training_works",
                "runtime",
                not train_msgs,
                f"Exercise {EXERCISE} should still train on hidden data without floating-point warnings; "
                f"found {train_msgs[0]}"
                if train_msgs
                else "training on hidden data works",
                root_cause=False,
            ),
        ]


GRADER = HiddenLayer()
