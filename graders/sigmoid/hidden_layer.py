"""Grader for sigmoid/hidden-layer: mostly data; the probe, checks and hidden-data builders
live in bughunt.families.numeric.

Runtime: `sigmoid` on logits up to |z| = 1.7e308 and `forward` on glitched readings (up to
1e300) with large weights must meet no floating-point event (watched directly, whatever the
submission silences) and match the exact network; training on hidden data must still work.
Static: every exp in the graded code gets a bounded argument (unknown when it cannot tell).
"""
import numpy as np

from bughunt.families.numeric.cases import ring_data, sigmoid_inputs
from bughunt.families.numeric.judges import NumericGrader, compare_sigmoid, mlp_training, no_fp_events, values_check
from bughunt.grader import FAIL, PASS, case_rng
from bughunt.static.numeric_stability import ExpArgumentBounded

EXERCISE = "sigmoid/hidden-layer"
SIG = "    return 1.0 / (1.0 + np.exp(-z))\n"
DEF = "def sigmoid(z):\n"
H = "    H = sigmoid(X @ params[\"W1\"] + params[\"b1\"])\n"


def exact_forward(X, params):
    from scipy.special import expit

    z1 = X @ params["W1"] + params["b1"]
    H = expit(z1)
    z2 = H @ params["W2"] + params["b2"]
    return z1, z2


def forward_problems(case, o):
    z1, z2 = exact_forward(*case["calls"][2]["args"])
    yield compare_sigmoid(o["out_z"], case["calls"][0]["args"][0])
    yield compare_sigmoid(o["out_Z2"], case["calls"][1]["args"][0])
    yield compare_sigmoid(o["out_fwd_H"], z1, "a hidden pre-activation", atol=1e-6, rtol=1e-4)
    yield compare_sigmoid(o["out_fwd_p"], z2, "an output pre-activation", atol=1e-6, rtol=1e-4)


class HiddenLayer(NumericGrader):
    exercise = EXERCISE
    functions = {
        "sigmoid": "sigmoid(z) -> array like z",
        "forward": "forward(X, params) -> (H, p)",
        "train": "train(X, y, hidden) -> params",
    }

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
        PASS(
            "a class with a step method, np.where over exp(-|z|)",
            (SIG, "    return _Logistic().step(z)\n"),
            (DEF, "class _Logistic:\n    def step(self, z):\n        z = np.asarray(z, dtype=float)\n        e = np.exp(-np.abs(z))\n"
             "        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n\n\ndef sigmoid(z):\n"),
        ),
        PASS(
            "np.piecewise with nested functions",
            (SIG, "    def right(t):\n        return 1.0 / (1.0 + np.exp(-t))\n\n    def left(t):\n        e = np.exp(t)\n"
             "        return e / (1.0 + e)\n\n    z = np.asarray(z, dtype=float)\n    return np.piecewise(z, [z >= 0, z < 0], [right, left])\n"),
        ),
        PASS(
            "clipped in place with out=",
            (SIG, "    z = np.array(z, dtype=float)\n    np.clip(z, -700.0, 700.0, out=z)\n    return 1.0 / (1.0 + np.exp(-z))\n"),
        ),
        PASS(
            "two one-sided exponentials",
            (SIG, "    a = np.exp(np.minimum(z, 0.0))\n    b = np.exp(-np.maximum(z, 0.0))\n    return a / (a + b)\n"),
        ),
        PASS(
            "math.exp per element in a comprehension",
            ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            (DEF, "def _one(t):\n    if t >= 0:\n        return 1.0 / (1.0 + math.exp(-t))\n    e = math.exp(t)\n"
             "    return e / (1.0 + e)\n\n\ndef sigmoid(z):\n"),
            (SIG, "    return np.array([_one(t) for t in np.ravel(z)]).reshape(np.shape(z))\n"),
        ),
        PASS(
            "activation looked up in a dict of lambdas",
            (DEF, "ACTIVATIONS = {\"logistic\": lambda t: 0.5 * (1.0 + np.tanh(0.5 * t))}\n\n\ndef sigmoid(z):\n"),
            (SIG, "    return ACTIVATIONS[\"logistic\"](z)\n"),
        ),
        PASS(
            "exp of minus a log1p softplus",
            (SIG, "    softplus = np.maximum(-z, 0.0) + np.log1p(np.exp(-np.abs(z)))\n    return np.exp(-softplus)\n"),
        ),
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
        FAIL(
            "computed in long double, which only moves the overflow further out",
            (SIG, "    return (1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.longdouble)))).astype(float)\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "sigmoid repaired, but forward still uses its own formula",
            (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))\n"),
            (H, "    H = 1.0 / (1.0 + np.exp(-(X @ params[\"W1\"] + params[\"b1\"])))\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "readings clipped in forward instead",
            (H, "    X = np.clip(X, -10.0, 10.0)\n" + H),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "np.errstate decorating forward",
            ("def forward(X, params):\n", "@np.errstate(over=\"ignore\")\ndef forward(X, params):\n"),
            fails=("np_errstate", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "clipped at 800, beyond what exp can hold",
            (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, -800.0, 800.0)))\n"),
            fails=("sigmoid_no_overflow",),
        ),
        FAIL(
            "warnings silenced inside catch_warnings",
            (SIG, "    import warnings\n\n    with warnings.catch_warnings():\n        warnings.simplefilter(\"ignore\")\n"
             "        return 1.0 / (1.0 + np.exp(-z))\n"),
            fails=("warnings_filter", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "network output patched with nan_to_num",
            ("    return H, p\n", "    return H, np.nan_to_num(p)\n"),
            fails=("nan_to_num", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
    ]

    def cases(self, seed):
        out = []
        for i, n in enumerate((180, 220)):
            z = sigmoid_inputs(seed, i)
            X, y = ring_data(seed, i, n)
            rng = case_rng(seed, "hidden-layer-forward", i)
            h = int(rng.integers(4, 7))
            params = {
                "W1": rng.normal(0, 3.0, (2, h)),
                "b1": rng.normal(0, 1.0, h),
                "W2": rng.normal(0, 900.0, h),
                "b2": float(rng.normal(0, 1.0)),
            }
            glitch = np.vstack([
                rng.normal(0, 1, (6, 2)),
                [[9999.0, 0.3], [-1e4, 2.0], [0.5, 8000.0], [-6000.0, -6000.0], [1e5, -3.0], [2.0, -1e300], [3e299, 1e299]],
            ])
            rng.shuffle(glitch)
            out.append({
                "calls": [
                    {"key": "z", "fn": "sigmoid", "args": [z["z"]]},
                    {"key": "Z2", "fn": "sigmoid", "args": [z["Z2"]]},
                    {"key": "fwd", "fn": "forward", "args": [glitch, params], "returns": ["H", "p"], "text": "a pair (H, p)"},
                ],
                "train": {"fn": "train", "args": [X, y, 6], "returns": [["params", "params"]], "text": "the parameter dict"},
            })
        return out

    def static_checks(self):
        return [ExpArgumentBounded(EXERCISE, functions=tuple(self.functions), what="the sigmoid")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "sigmoid_no_overflow",
                "compute the sigmoid (alone, for any finite input up to |z| = 1.7e308, and inside `forward` on "
                "glitched readings) without a floating-point event", function="sigmoid",
            ),
            values_check(
                EXERCISE, results, cases, "sigmoid_matches_exact",
                "return finite values that match the exact logistic function in `sigmoid` and in both layers of `forward`",
                forward_problems, "sigmoid",
            ),
            mlp_training(EXERCISE, results, cases, min_accuracy=0.85, hidden_act="sigmoid", losses_logged=False, reference=self.trained_by_reference),
        ]


GRADER = HiddenLayer()
