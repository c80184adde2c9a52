"""Grader for log_epsilon/bce-logistic.

Runtime: `bce` on probabilities that are exactly 0 or 1 (confidently right and confidently
wrong) must raise no floating-point warning (errors recorded even if the submission silenced
numpy), stay finite, charge a confidently wrong prediction a large finite cost and match the
exact cross-entropy on ordinary probabilities; training on hidden data (with an extreme row)
must log finite, decreasing losses.
Static: every log in the graded code gets an argument bounded away from zero.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, call_watched_strict, function, number
from bughunt.static.numeric_stability import LogArgumentPositive
from bughunt.verdict import Check

EXERCISE = "log_epsilon/bce-logistic"
LOSS = "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
MIN_WRONG_COST = 10.0  # -log(4.5e-5): any epsilon up to about 1e-5 is fine
MAX_WRONG_COST = 1e6  # a made-up huge number (nan_to_num gives 1.8e308) is not a cost


def hidden_data(n_rows, seed, cut, outlier):
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 2.5, n_rows)
    distance = rng.exponential(2.5, n_rows)
    night = (rng.random(n_rows) < 0.25).astype(float)
    risk = rng.normal(0, 1.2, n_rows)
    X = np.column_stack([amount, distance, night, risk])
    y = (0.7 * amount + 1.0 * distance + 1.5 * night + 1.2 * risk > cut).astype(float)
    if outlier:
        X = np.vstack([X, [900.0, 1.0, 0.0, 0.0]])
        y = np.append(y, 1.0)
    return X, y


def fp_warnings(ws):
    return [w for w in ws if w.startswith(("RuntimeWarning", "FloatingPointError")) and "underflow" not in w]


def exact_bce(y, p):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


class BceLogistic(Grader):
    exercise = EXERCISE
    functions = {
        "bce": "bce(y, p) -> mean loss (a number)",
        "train": "train(X, y) -> (weights, bias, losses)",
    }
    suppression_names = (
        "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
        "nan_to_num", "nan_masking", "clip_output",
    )

    REFERENCE = ((LOSS, "    p = np.clip(p, 1e-12, 1 - 1e-12)\n" + LOSS),)
    PASS = [
        PASS(
            "floors on both probabilities, module-level epsilon",
            ("LEARNING_RATE = 0.5\n", "LEARNING_RATE = 0.5\nEPS = 1e-15\n"),
            (LOSS, "    return -np.mean(y * np.log(np.maximum(p, EPS)) + (1 - y) * np.log(np.maximum(1 - p, EPS)))\n"),
        ),
        PASS("epsilon added inside each log", (LOSS, "    return -np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))\n")),
        PASS(
            "probability of the true label, clipped from below",
            (LOSS, "    eps = np.finfo(float).eps\n    p_true = np.where(y == 1, p, 1 - p)\n"
             "    return -np.mean(np.log(np.clip(p_true, eps, None)))\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "nan terms skipped with np.nanmean",
            (LOSS, "    return -np.nanmean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "non-finite terms masked out",
            (LOSS, "    terms = y * np.log(p) + (1 - y) * np.log(1 - p)\n    return -np.mean(terms[np.isfinite(terms)])\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.where still evaluates log(0)",
            (LOSS, "    return -np.mean(np.where(y == 1, np.log(p), np.log(1 - p)))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "only the lower end clipped",
            (LOSS, "    p = np.clip(p, 1e-12, 1.0)\n" + LOSS),
            fails=("log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "errstate plus nan_to_num",
            (LOSS, "    with np.errstate(divide=\"ignore\", invalid=\"ignore\"):\n"
             "        return np.nan_to_num(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), posinf=50.0)\n"),
            fails=("np_errstate", "nan_to_num", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "final loss clipped",
            (LOSS, "    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n    return min(loss, 30.0)\n"),
            fails=("clip_output", "log_argument_positive", "loss_no_warnings"),
        ),
    ]

    def cases(self):
        rng = np.random.default_rng(3131)
        y_ord = (rng.random(40) < 0.5).astype(float)
        p_ord = rng.uniform(0.02, 0.98, 40)
        calls = {
            "ordinary": (y_ord, p_ord),
            "right": (np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0, 0.0])),
            "wrong_pos": (np.array([1.0]), np.array([0.0])),
            "wrong_neg": (np.array([0.0]), np.array([1.0])),
            "batch": (np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.2, 0.9])),
        }
        return [
            {"calls": calls, "train": hidden_data(170, 4545, 6.0, False)},
            {"calls": {}, "train": hidden_data(200, 5656, 7.0, True)},
        ]

    def probe(self, student, case):
        bce = function(student, "bce", 2)
        train = function(student, "train", 2)
        obs, warns = {}, []
        for key, (y, p) in case["calls"].items():
            value, ws = call_watched_strict(bce, y.copy(), p.copy())
            obs[key] = number(value, "the value returned by `bce`")
            warns += ws
        X, y = case["train"]
        trained, ws = call_watched_strict(train, X.copy(), y.copy())
        if not isinstance(trained, (tuple, list)) or len(trained) != 3:
            raise ContractError("`train` should return (weights, bias, losses)")
        return {
            "values": obs,
            "warnings": warns,
            "w": array(trained[0], "the weights returned by `train`", ndim=1),
            "b": number(trained[1], "the bias returned by `train`"),
            "losses": array(trained[2], "the losses returned by `train`", ndim=1),
            "train_warnings": ws,
        }

    def static_checks(self):
        return [LogArgumentPositive(EXERCISE, what="the loss")]

    def judge(self, results):
        cases = self.cases()
        warn_msgs, exact_msgs, conf_msgs, train_msgs = [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            ws = fp_warnings(o["warnings"])
            if ws:
                warn_msgs.append(f"`{ws[0]}`")
            v = o["values"]
            if "ordinary" in v:
                y, p = case["calls"]["ordinary"]
                exact = exact_bce(y, p)
                if not np.isfinite(v["ordinary"]) or abs(v["ordinary"] - exact) > 1e-4 * exact:
                    exact_msgs.append(f"{v['ordinary']:.6g} for ordinary probabilities, where the exact loss is {exact:.6g}")
                if not (np.isfinite(v["right"]) and abs(v["right"]) <= 1e-3):
                    conf_msgs.append(f"a loss of {v['right']:.4g} for predictions that are exactly right (expected about 0)")
                for key, what in (("wrong_pos", "p = 0 for a positive example"), ("wrong_neg", "p = 1 for a negative example")):
                    if not (np.isfinite(v[key]) and MIN_WRONG_COST <= v[key] <= MAX_WRONG_COST):
                        conf_msgs.append(f"a loss of {v[key]:.4g} for {what} (expected a large finite cost, at least {MIN_WRONG_COST:g} and not absurdly large)")
                if not (np.isfinite(v["batch"]) and MIN_WRONG_COST / 3 <= v["batch"] <= MAX_WRONG_COST):
                    conf_msgs.append(f"a loss of {v['batch']:.4g} for a batch with one confidently wrong prediction")
            ws = fp_warnings(o["train_warnings"])
            losses = o["losses"]
            X, y = case["train"]
            if ws:
                train_msgs.append(f"`{ws[0]}` while training on hidden case {r.index + 1}")
            elif losses.size == 0 or not np.all(np.isfinite(losses)):
                train_msgs.append(f"logged losses that are not all finite on hidden case {r.index + 1}")
            elif not losses[-1] < losses[0]:
                train_msgs.append(f"a loss that did not decrease ({losses[0]:.4g} -> {losses[-1]:.4g})")
            elif o["w"].shape != (X.shape[1],) or not np.all(np.isfinite(o["w"])):
                train_msgs.append("weights that are not finite numbers of the right shape")
            else:
                acc = float(np.mean(((X @ o["w"] + o["b"]) > 0) == y))
                if acc < 0.85:
                    train_msgs.append(f"a training accuracy of {acc:.2f} (expected at least 0.85)")
        return [
            Check(
                "loss_no_warnings",
                "runtime",
                not warn_msgs,
                f"Exercise {EXERCISE} should compute the loss without floating-point warnings, even when a "
                f"probability is exactly 0 or 1; found {warn_msgs[0]}. log still receives an exact 0 "
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
                f"Exercise {EXERCISE} should charge a confidently wrong prediction a large finite loss and a "
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


GRADER = BceLogistic()
