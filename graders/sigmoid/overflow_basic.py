"""Grader for sigmoid/overflow-basic: mostly data; the probe, checks and hidden-data
builders live in bughunt.families.numeric.

Runtime: `sigmoid` on 1-D and 2-D logits up to |z| = 1.7e308 must meet no floating-point
event (numpy's error mode is watched directly, whatever the submission silences) and
match the exact logistic function; training and prediction on hidden data must still work.
Static: every exp in the graded code gets a bounded argument (unknown when it cannot tell).
"""
from bughunt.families.numeric.cases import sigmoid_inputs, spam_data
from bughunt.families.numeric.judges import NumericGrader, compare_sigmoid, linear_training, no_fp_events, values_check
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import ExpArgumentBounded

EXERCISE = "sigmoid/overflow-basic"
SIG = "    return 1.0 / (1.0 + np.exp(-z))\n"
DEF = "def sigmoid(z):\n"


class OverflowBasic(NumericGrader):
    exercise = EXERCISE
    functions = {
        "sigmoid": "sigmoid(z) -> array like z",
        "train": "train(X, y) -> (weights, bias)",
        "predict_proba": "predict_proba(X, w, b) -> probabilities",
    }

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
        PASS(
            "a class with the limit as an attribute, called through a module-level instance",
            (SIG, "    return _LOGISTIC(z)\n"),
            (DEF, "class _Logistic:\n    def __init__(self, limit=500.0):\n        self.limit = limit\n\n"
             "    def __call__(self, z):\n        z = np.clip(z, -self.limit, self.limit)\n        return 1.0 / (1.0 + np.exp(-z))\n\n\n"
             "_LOGISTIC = _Logistic()\n\n\ndef sigmoid(z):\n"),
        ),
        PASS(
            "np.piecewise with a lambda per sign",
            (SIG, "    z = np.asarray(z, dtype=float)\n    return np.piecewise(\n        z, [z >= 0, z < 0],\n"
             "        [lambda t: 1.0 / (1.0 + np.exp(-t)), lambda t: np.exp(t) / (1.0 + np.exp(t))],\n    )\n"),
        ),
        PASS(
            "np.vectorize over a math.exp helper that branches on the sign",
            ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            (DEF, "def _logistic_one(t):\n    if t >= 0:\n        return 1.0 / (1.0 + math.exp(-t))\n"
             "    e = math.exp(t)\n    return e / (1.0 + e)\n\n\ndef sigmoid(z):\n"),
            (SIG, "    return np.vectorize(_logistic_one, otypes=[float])(z)\n"),
        ),
        PASS(
            "boolean-mask clamps on a copy",
            (SIG, "    z = np.array(z, dtype=float)\n    z[z > 600] = 600\n    z[z < -600] = -600\n    return 1.0 / (1.0 + np.exp(-z))\n"),
        ),
        PASS(
            "helper with a default limit and a method chain",
            (DEF, "def _bounded(values, limit=500.0):\n    return np.asarray(values, dtype=float).clip(-limit, limit)\n\n\ndef sigmoid(z):\n"),
            (SIG, "    return 1.0 / (1.0 + np.exp(-_bounded(z)))\n"),
        ),
        PASS("log-space softplus", (SIG, "    return np.exp(-np.logaddexp(0.0, -z))\n")),
        PASS(
            "bounds in a dict of settings",
            ("LEARNING_RATE = 0.1\n", "LEARNING_RATE = 0.1\nSETTINGS = {\"lo\": -500.0, \"hi\": 500.0}\n"),
            (SIG, "    z = np.minimum(np.maximum(z, SETTINGS[\"lo\"]), SETTINGS[\"hi\"])\n    return 1.0 / (1.0 + np.exp(-z))\n"),
        ),
        PASS("one-sided floor, enough for exp(-z)", (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, None)))\n")),
        PASS(
            "scipy's expit when it can be imported, a tanh fallback otherwise",
            ("import numpy as np\n", "import numpy as np\n\ntry:\n    from scipy.special import expit\nexcept ImportError:\n    expit = None\n"),
            (SIG, "    if expit is not None:\n        return expit(z)\n    return 0.5 * (1.0 + np.tanh(0.5 * z))\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "np.seterr at module level",
            ("import numpy as np\n", "import numpy as np\n\nnp.seterr(over=\"ignore\")\n"),
            fails=("np_seterr", "exp_argument_bounded", "sigmoid_no_overflow"),
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
        FAIL(
            "computed in long double, which only moves the overflow further out",
            (SIG, "    z = np.asarray(z, dtype=np.longdouble)\n    return (1.0 / (1.0 + np.exp(-z))).astype(float)\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "np.errstate as a decorator",
            (DEF, "@np.errstate(over=\"ignore\")\ndef sigmoid(z):\n"),
            fails=("np_errstate", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "numpy.testing.suppress_warnings around the exponential",
            (SIG, "    from numpy.testing import suppress_warnings\n\n    with suppress_warnings() as sup:\n"
             "        sup.filter(RuntimeWarning)\n        return 1.0 / (1.0 + np.exp(-z))\n"),
            fails=("warnings_filter", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "overflow hidden in a helper that silences and caps exp",
            (DEF, "def _safe_exp(x):\n    with np.errstate(over=\"ignore\"):\n        return np.minimum(np.exp(x), 1e300)\n\n\n"
             "def sigmoid(z):\n"),
            (SIG, "    return 1.0 / (1.0 + _safe_exp(-z))\n"),
            fails=("np_errstate", "clip_output", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "reports redirected with np.seterrcall",
            ("import numpy as np\n", "import numpy as np\n\nnp.seterrcall(lambda kind, flag: None)\nnp.seterr(all=\"call\")\n"),
            fails=("np_seterr", "exp_argument_bounded", "sigmoid_no_overflow"),
        ),
        FAIL(
            "clipped at 1000, beyond what exp can hold",
            (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, -1000, 1000)))\n"),
            fails=("sigmoid_no_overflow",),
        ),
        FAIL(
            "math.exp overflow caught element by element",
            ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            (DEF, "def _one(t):\n    try:\n        return 1.0 / (1.0 + math.exp(-t))\n    except OverflowError:\n        return 0.0\n\n\n"
             "def sigmoid(z):\n"),
            (SIG, "    return np.vectorize(_one, otypes=[float])(z)\n"),
            fails=("try_except", "exp_argument_bounded"),
        ),
        FAIL(
            "clipped on the wrong side only",
            (SIG, "    return 1.0 / (1.0 + np.exp(-np.clip(z, None, 500)))\n"),
            fails=("exp_argument_bounded", "sigmoid_no_overflow"),
        ),
    ]

    def cases(self, seed):
        out = []
        for i, n in enumerate((170, 210)):
            z = sigmoid_inputs(seed, i)
            X, y = spam_data(seed, i, n)
            out.append({
                "calls": [
                    {"key": "z", "fn": "sigmoid", "args": [z["z"]]},
                    {"key": "Z2", "fn": "sigmoid", "args": [z["Z2"]]},
                ],
                "train": {"fn": "train", "args": [X, y], "returns": [["w", "array1"], ["b", "array"]], "text": "a pair (weights, bias)"},
                "after": [{"key": "proba", "fn": "predict_proba", "args": [X, "$w", "$b"]}],
            })
        return out

    def static_checks(self):
        return [ExpArgumentBounded(EXERCISE, functions=tuple(self.functions), what="the sigmoid")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "sigmoid_no_overflow",
                "compute the sigmoid of any finite input (up to |z| = 1.7e308, 1-D and 2-D) without a floating-point event", function="sigmoid",
            ),
            values_check(
                EXERCISE, results, cases, "sigmoid_matches_exact",
                "return finite values equal to the exact logistic function for every finite input, large or small",
                lambda case, o: (compare_sigmoid(o[f"out_{c['key']}"], c["args"][0]) for c in case["calls"]),
                "sigmoid",
            ),
            linear_training(EXERCISE, results, cases, min_accuracy=0.75, multiclass=False, reference=self.trained_by_reference),
        ]


GRADER = OverflowBasic()
