"""Grader for log_epsilon/categorical-ce.

Runtime: `cross_entropy` on probability rows with exact zeros and ones (confidently right
and confidently wrong) must raise no floating-point warning, stay finite, charge a
confidently wrong row a large finite cost and match the exact loss on ordinary rows;
training on hidden data (with an extreme row) must log finite, decreasing losses.
Static: every log in the graded code gets an argument bounded away from zero.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, call_watched_strict, function, number
from bughunt.static.numeric_stability import LogArgumentPositive
from bughunt.verdict import Check

EXERCISE = "log_epsilon/categorical-ce"
LOSS = "    return -np.mean(np.sum(Y * np.log(P), axis=1))\n"
MIN_WRONG_COST = 10.0
MAX_WRONG_COST = 1e6  # the exact cost of the most extreme case is 1e4; 1e308 is a made-up number


def hidden_data(n_rows, k, seed, outlier):
    centres = np.random.default_rng(seed + 7).normal(0, 2.5, (k, 5))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n_rows)
    X = centres[y] + rng.normal(0, 1.0, (n_rows, 5))
    if outlier:
        X[0] = X[0] * 3000.0
    return X, y


def fp_warnings(ws):
    return [w for w in ws if w.startswith(("RuntimeWarning", "FloatingPointError")) and "underflow" not in w]


def onehot(idx, k):
    return np.eye(k)[np.asarray(idx)]


class CategoricalCE(Grader):
    exercise = EXERCISE
    functions = {
        "cross_entropy": "cross_entropy(Y, P) -> mean loss (a number)",
        "train": "train(X, y, n_classes) -> (W, b, losses)",
    }
    suppression_names = (
        "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
        "nan_to_num", "nan_masking", "clip_output",
    )

    REFERENCE = ((LOSS, "    return -np.mean(np.sum(Y * np.log(np.clip(P, 1e-12, 1.0)), axis=1))\n"),)
    PASS = [
        PASS(
            "floor with np.maximum and a module constant",
            ("LEARNING_RATE = 0.2\n", "LEARNING_RATE = 0.2\nTINY = 1e-15\n"),
            (LOSS, "    return -np.mean(np.sum(Y * np.log(np.maximum(P, TINY)), axis=1))\n"),
        ),
        PASS("epsilon added", (LOSS, "    return -(Y * np.log(P + 1e-10)).sum(axis=1).mean()\n")),
        PASS(
            "probability of the true class, clipped",
            (LOSS, "    rows = np.arange(len(P))\n    picked = P[rows, Y.argmax(axis=1)]\n"
             "    return -np.mean(np.log(picked.clip(1e-12, 1.0)))\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "nan terms skipped with np.nansum",
            (LOSS, "    return -np.mean(np.nansum(Y * np.log(P), axis=1))\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "zero probabilities masked with np.where",
            (LOSS, "    return -np.mean(np.sum(Y * np.where(P > 0, np.log(P), 0.0), axis=1))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "clipped to [0, 1], which still contains 0",
            (LOSS, "    return -np.mean(np.sum(Y * np.log(np.clip(P, 0.0, 1.0)), axis=1))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.seterr at import and nan_to_num on the result",
            ("import numpy as np\n", "import numpy as np\n\nnp.seterr(divide=\"ignore\", invalid=\"ignore\")\n"),
            (LOSS, "    return np.nan_to_num(-np.mean(np.sum(Y * np.log(P), axis=1)))\n"),
            fails=("np_seterr", "nan_to_num", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "try/except around the loss",
            (LOSS, "    try:\n        return -np.mean(np.sum(Y * np.log(P), axis=1))\n    except FloatingPointError:\n        return 0.0\n"),
            fails=("try_except", "log_argument_positive", "loss_no_warnings"),
        ),
    ]

    def cases(self):
        rng = np.random.default_rng(2727)
        Z = rng.normal(0, 2.0, (30, 4))
        P_ord = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        calls = {
            "ordinary": (onehot(rng.integers(0, 4, 30), 4), P_ord),
            "right": (onehot([0, 2, 1], 3), onehot([0, 2, 1], 3)),
            "wrong_hard": (onehot([0], 3), onehot([1], 3)),
            "wrong_split": (onehot([2], 3), np.array([[0.5, 0.5, 0.0]])),
            "batch": (onehot([0, 1, 2], 3), np.array([[0.0, 1.0, 0.0], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])),
        }
        return [
            {"calls": calls, "train": hidden_data(180, 3, 3838, False), "k": 3},
            {"calls": {}, "train": hidden_data(200, 4, 4949, True), "k": 4},
        ]

    def probe(self, student, case):
        ce = function(student, "cross_entropy", 2)
        train = function(student, "train", 3)
        obs, warns = {}, []
        for key, (Y, P) in case["calls"].items():
            value, ws = call_watched_strict(ce, Y.copy(), P.copy())
            obs[key] = number(value, "the value returned by `cross_entropy`")
            warns += ws
        X, y = case["train"]
        trained, ws = call_watched_strict(train, X.copy(), y.copy(), case["k"])
        if not isinstance(trained, (tuple, list)) or len(trained) != 3:
            raise ContractError("`train` should return (W, b, losses)")
        return {
            "values": obs,
            "warnings": warns,
            "W": array(trained[0], "the W returned by `train`", ndim=2),
            "b": array(trained[1], "the b returned by `train`"),
            "losses": array(trained[2], "the losses returned by `train`", ndim=1),
            "train_warnings": ws,
        }

    def static_checks(self):
        return [LogArgumentPositive(EXERCISE, what="the loss")]

    def judge(self, results):
        warn_msgs, exact_msgs, conf_msgs, train_msgs = [], [], [], []
        for r, case in zip(results, self.cases()):
            o = r.obs
            ws = fp_warnings(o["warnings"])
            if ws:
                warn_msgs.append(f"`{ws[0]}`")
            v = o["values"]
            if "ordinary" in v:
                Y, P = case["calls"]["ordinary"]
                exact = float(-np.mean(np.sum(Y * np.log(P), axis=1)))
                if not np.isfinite(v["ordinary"]) or abs(v["ordinary"] - exact) > 1e-4 * exact:
                    exact_msgs.append(f"{v['ordinary']:.6g} for ordinary probabilities, where the exact loss is {exact:.6g}")
                if not (np.isfinite(v["right"]) and abs(v["right"]) <= 1e-3):
                    conf_msgs.append(f"a loss of {v['right']:.4g} for rows that put probability exactly 1 on the true class (expected about 0)")
                for key in ("wrong_hard", "wrong_split"):
                    if not (np.isfinite(v[key]) and MIN_WRONG_COST <= v[key] <= MAX_WRONG_COST):
                        conf_msgs.append(
                            f"a loss of {v[key]:.4g} for a row that gives the true class probability exactly 0 "
                            f"(expected a large finite cost, at least {MIN_WRONG_COST:g} and not absurdly large)"
                        )
                if not (np.isfinite(v["batch"]) and MIN_WRONG_COST / 3 <= v["batch"] <= MAX_WRONG_COST):
                    conf_msgs.append(f"a loss of {v['batch']:.4g} for a batch with one confidently wrong row")
            ws = fp_warnings(o["train_warnings"])
            losses = o["losses"]
            X, y = case["train"]
            k = case["k"]
            W, b = o["W"], o["b"]
            if ws:
                train_msgs.append(f"`{ws[0]}` while training on hidden case {r.index + 1}")
            elif losses.size == 0 or not np.all(np.isfinite(losses)):
                train_msgs.append(f"logged losses that are not all finite on hidden case {r.index + 1}")
            elif not losses[-1] < losses[0]:
                train_msgs.append(f"a loss that did not decrease ({losses[0]:.4g} -> {losses[-1]:.4g})")
            elif W.shape != (X.shape[1], k) or b.size != k or not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
                train_msgs.append("W and b that are not finite arrays of the right shape")
            else:
                acc = float(np.mean((X @ W + b.reshape(k)).argmax(axis=1) == y))
                if acc < 0.8:
                    train_msgs.append(f"a training accuracy of {acc:.2f} (expected at least 0.8)")
        return [
            Check(
                "loss_no_warnings",
                "runtime",
                not warn_msgs,
                f"Exercise {EXERCISE} should compute the loss without floating-point warnings, even when some "
                f"probabilities are exactly 0; found {warn_msgs[0]}. log still receives an exact 0 "
                "(silencing or catching the warning does not count)"
                if warn_msgs
                else "the loss raises no floating-point warning for probabilities of exactly 0 or 1",
            ),
            Check(
                "loss_matches_exact",
                "runtime",
                not exact_msgs,
                f"Exercise {EXERCISE} should give the exact cross-entropy for ordinary probabilities; found "
                f"{exact_msgs[0]}. Keep any safety margin tiny"
                if exact_msgs
                else "the loss matches the exact cross-entropy",
            ),
            Check(
                "confident_predictions_scored",
                "runtime",
                not conf_msgs,
                f"Exercise {EXERCISE} should charge a confidently wrong row a large finite loss and a "
                f"confidently right one almost nothing; found {conf_msgs[0]}. Dropping or zeroing those terms "
                "hides exactly the mistakes the loss must punish"
                if conf_msgs
                else "confident predictions are scored correctly",
            ),
            Check(
                "training_works",
                "runtime",
                not train_msgs,
                f"Exercise {EXERCISE} should log finite, decreasing losses when training on hidden data; "
                f"found {train_msgs[0]}"
                if train_msgs
                else "training on hidden data logs finite, decreasing losses",
                root_cause=False,
            ),
        ]


GRADER = CategoricalCE()
