"""Grader for log_epsilon/network-loss.

Runtime: `loss(y, z)` on output logits up to |z| = 1e4 (so the sigmoid is exactly 0 or 1,
confidently right and confidently wrong) must raise no floating-point warning, stay finite,
charge a confidently wrong prediction a large finite cost and match the exact loss
mean(log(1 + e^z) - y z) for moderate logits; training on hidden data (with an extreme row)
must log finite, decreasing losses.
Static: every log in the graded code gets an argument bounded away from zero.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, call_watched_strict, function, number
from bughunt.static.numeric_stability import LogArgumentPositive
from bughunt.verdict import Check

EXERCISE = "log_epsilon/network-loss"
BODY = "    p = sigmoid(z)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
MIN_WRONG_COST = 10.0
MAX_WRONG_COST = 1e6  # the exact cost of the most extreme case is 1e4; 1e308 is a made-up number


def hidden_data(n_rows, seed, outlier):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_rows, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    if outlier:
        X[0] = X[0] * 5000.0
    return X, y


def fp_warnings(ws):
    return [w for w in ws if w.startswith(("RuntimeWarning", "FloatingPointError")) and "underflow" not in w]


def exact_loss(y, z):
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


class NetworkLoss(Grader):
    exercise = EXERCISE
    functions = {
        "loss": "loss(y, z) -> mean loss (a number), z the output logits",
        "train": "train(X, y, hidden) -> (params, losses)",
    }
    suppression_names = (
        "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
        "nan_to_num", "nan_masking", "clip_output",
    )

    REFERENCE = (("    p = sigmoid(z)\n    return", "    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)\n    return"),)
    PASS = [
        PASS("log-sum-exp form on the logits", (BODY, "    return np.mean(np.logaddexp(0.0, z) - y * z)\n")),
        PASS(
            "scipy log_expit on both sides",
            (BODY, "    from scipy.special import log_expit\n\n    return -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))\n"),
        ),
        PASS(
            "stable softplus with log1p",
            (BODY, "    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))\n    return np.mean(softplus - y * z)\n"),
        ),
        PASS(
            "floors on p and 1 - p",
            (BODY, "    p = sigmoid(z)\n    eps = 1e-12\n"
             "    return -np.mean(y * np.log(np.maximum(p, eps)) + (1 - y) * np.log(np.maximum(1 - p, eps)))\n"),
        ),
    ]
    FAIL = [
        FAIL(
            "final loss clipped",
            (BODY, "    p = sigmoid(z)\n    return np.clip(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), 0.0, 50.0)\n"),
            fails=("clip_output", "log_argument_positive", "loss_no_warnings"),
        ),
        FAIL(
            "nan loss replaced with np.nan_to_num",
            (BODY, "    p = sigmoid(z)\n    return np.nan_to_num(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))\n"),
            fails=("nan_to_num", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "confident terms masked out with isinf/isnan",
            (BODY, "    p = sigmoid(z)\n    terms = y * np.log(p) + (1 - y) * np.log(1 - p)\n"
             "    keep = ~(np.isinf(terms) | np.isnan(terms))\n    return -np.mean(terms[keep])\n"),
            fails=("nan_masking", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "np.where still evaluates log(0)",
            (BODY, "    p = sigmoid(z)\n    return -np.mean(np.where(y > 0.5, np.log(p), np.log(1 - p)))\n"),
            fails=("log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
        FAIL(
            "warnings filtered inside the loss",
            (BODY, "    import warnings\n\n    warnings.simplefilter(\"ignore\")\n    p = sigmoid(z)\n"
             "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
            fails=("warnings_filter", "log_argument_positive", "loss_no_warnings", "confident_predictions_scored"),
        ),
    ]

    def cases(self):
        rng = np.random.default_rng(8181)
        calls = {
            "ordinary": ((rng.random(40) < 0.5).astype(float), rng.uniform(-8, 8, 40)),
            "right": (np.array([1.0, 0.0, 1.0, 0.0]), np.array([1e4, -1e4, 60.0, -60.0])),
            "wrong_pos": (np.array([1.0]), np.array([-1e4])),
            "wrong_neg": (np.array([0.0]), np.array([1e4])),
            "wrong_mid": (np.array([0.0]), np.array([45.0])),
            "batch": (np.array([1.0, 0.0, 1.0]), np.array([-1e4, -1.5, 2.0])),
        }
        return [
            {"calls": calls, "train": hidden_data(200, 9292, False)},
            {"calls": {}, "train": hidden_data(220, 1313, True)},
        ]

    def instrument(self):
        import scipy.special  # noqa: F401  (first import inside a watched call can fail in the sandbox)

    def probe(self, student, case):
        loss = function(student, "loss", 2)
        train = function(student, "train", 3)
        obs, warns = {}, []
        for key, (y, z) in case["calls"].items():
            value, ws = call_watched_strict(loss, y.copy(), z.copy())
            obs[key] = number(value, "the value returned by `loss`")
            warns += ws
        X, y = case["train"]
        trained, ws = call_watched_strict(train, X.copy(), y.copy(), 8)
        if not isinstance(trained, (tuple, list)) or len(trained) != 2 or not isinstance(trained[0], dict):
            raise ContractError("`train` should return (params, losses)")
        params = trained[0]
        if not {"W1", "b1", "W2", "b2"} <= set(params):
            raise ContractError("the params returned by `train` should hold W1, b1, W2 and b2")
        return {
            "values": obs,
            "warnings": warns,
            "params": {k: array(params[k], f"the trained {k}") for k in ("W1", "b1", "W2", "b2")},
            "losses": array(trained[1], "the losses returned by `train`", ndim=1),
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
                y, z = case["calls"]["ordinary"]
                exact = exact_loss(y, z)
                if not np.isfinite(v["ordinary"]) or abs(v["ordinary"] - exact) > 1e-3 * exact:
                    exact_msgs.append(f"{v['ordinary']:.6g} for logits between -8 and 8, where the exact loss is {exact:.6g}")
                if not (np.isfinite(v["right"]) and abs(v["right"]) <= 1e-3):
                    conf_msgs.append(f"a loss of {v['right']:.4g} for confidently right logits (expected about 0)")
                for key, what in (
                    ("wrong_pos", "z = -1e4 on a positive example"),
                    ("wrong_neg", "z = 1e4 on a negative example"),
                    ("wrong_mid", "z = 45 on a negative example"),
                ):
                    if not (np.isfinite(v[key]) and MIN_WRONG_COST <= v[key] <= MAX_WRONG_COST):
                        conf_msgs.append(f"a loss of {v[key]:.4g} for {what} (expected a large finite cost, at least {MIN_WRONG_COST:g} and not absurdly large)")
                if not (np.isfinite(v["batch"]) and MIN_WRONG_COST / 3 <= v["batch"] <= MAX_WRONG_COST):
                    conf_msgs.append(f"a loss of {v['batch']:.4g} for a batch with one confidently wrong prediction")
            ws = fp_warnings(o["train_warnings"])
            losses = o["losses"]
            X, y = case["train"]
            t = o["params"]
            if ws:
                train_msgs.append(f"`{ws[0]}` while training on hidden case {r.index + 1}")
            elif losses.size == 0 or not np.all(np.isfinite(losses)):
                train_msgs.append(f"logged losses that are not all finite on hidden case {r.index + 1}")
            elif not losses[-1] < losses[0]:
                train_msgs.append(f"a loss that did not decrease ({losses[0]:.4g} -> {losses[-1]:.4g})")
            elif not all(np.all(np.isfinite(a)) for a in t.values()):
                train_msgs.append("parameters that are not finite after training")
            else:
                try:
                    H = np.maximum(0.0, X @ t["W1"] + t["b1"])
                    acc = float(np.mean(((H @ t["W2"] + t["b2"]) > 0) == y))
                except ValueError:
                    acc = 0.0
                if acc < 0.85:
                    train_msgs.append(f"a training accuracy of {acc:.2f} on hidden case {r.index + 1} (expected at least 0.85)")
        return [
            Check(
                "loss_no_warnings",
                "runtime",
                not warn_msgs,
                f"Exercise {EXERCISE} should compute the loss without floating-point warnings, even for logits "
                f"so large that the sigmoid is exactly 0 or 1; found {warn_msgs[0]}. log still receives an exact 0 "
                "(silencing or catching the warning does not count)"
                if warn_msgs
                else "the loss raises no floating-point warning for saturated outputs",
            ),
            Check(
                "loss_matches_exact",
                "runtime",
                not exact_msgs,
                f"Exercise {EXERCISE} should give the exact cross-entropy for moderate logits; found "
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


GRADER = NetworkLoss()
