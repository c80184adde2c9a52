"""Grader for sigmoid/overflow-basic: mostly data; the probe, checks and hidden-data
builders live in bughunt.families.numeric.

Runtime: `sigmoid` on 1-D and 2-D logits up to |z| = 1.7e308 must meet no floating-point
event (numpy's error mode is watched directly, whatever the submission silences) and
match the exact logistic function; training and prediction on hidden data must still work.
Static: every exp in the graded code gets a bounded argument (unknown when it cannot tell).
"""
from bughunt.families.numeric.cases import sigmoid_inputs, spam_data
from bughunt.families.numeric.judges import NumericGrader, compare_sigmoid, logistic_training, no_fp_events, values_check
from bughunt.grader import FAIL, PASS
from bughunt.static.numeric_stability import ExpArgumentBounded

EXERCISE = "sigmoid/overflow-basic"
SIG = "    return 1.0 / (1.0 + np.exp(-z))\n"


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
        return [ExpArgumentBounded(EXERCISE, what="the sigmoid")]

    def judge(self, cases, results):
        return [
            no_fp_events(
                EXERCISE, results, "act", "sigmoid_no_overflow",
                "compute the sigmoid of any finite input (up to |z| = 1.7e308, 1-D and 2-D) without a floating-point event",
                "exp still receives an argument that can grow without bound", function="sigmoid",
            ),
            values_check(
                EXERCISE, results, cases, "sigmoid_matches_exact",
                "return finite values equal to the exact logistic function for every finite input, large or small",
                lambda case, o: (compare_sigmoid(o[f"out_{c['key']}"], c["args"][0]) for c in case["calls"]),
                "sigmoid",
            ),
            logistic_training(EXERCISE, results, cases, min_accuracy=0.75),
        ]


GRADER = OverflowBasic()
