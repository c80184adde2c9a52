"""Grader for shape_mismatch/flat-loss-regression.

The bug: weights are a column (d, 1), so predictions are (n, 1), while the target is a flat
(n,) array; `predictions - y` broadcasts to (n, n), the gradient grows to (d, n) and the
model only learns the mean (the loss stays at the target's variance).

Runtime (hidden data, other n, feature counts and seeds): the weights keep one value per
feature through `init_params`, `gradients` and `fit`; no array with two axes of length n is
derived from the inputs (they are passed as `bughunt.probe.traced` arrays); gradient, loss
and the trained parameters match an exact reference computed in the parent; training
brings the loss well below the target's variance.
Static: no resize, hard-coded reshape or slicing-to-fit (suppression catalog).
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, function, number, trace_shapes, traced
from bughunt.verdict import Check

EXERCISE = "shape_mismatch/flat-loss-regression"
RTOL, ATOL = 1e-6, 1e-8


def hidden_data(n_rows, n_features, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    w = rng.normal(0, 3, n_features)
    y = X @ w - 12.0 + rng.normal(0, 0.8, n_rows)
    return X, y


def reference_gradients(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(X), 2 * np.mean(r)


def reference_fit(X, y, lr, epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        gw, gb = reference_gradients(X, y, w, b)
        w, b = w - lr * gw, b - lr * gb
    return w, b


def _pair(value, what):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ContractError(f"{what} should return a pair; it returned {type(value).__name__}")
    return value


def _close(a, b):
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _shape(s):
    return "(" + ", ".join(str(int(v)) for v in s) + ("," if len(s) == 1 else "") + ")"


class FlatLossRegression(Grader):
    exercise = EXERCISE
    functions = {
        "init_params": "init_params(n_features) -> (w, b)",
        "predict": "predict(X, w, b) -> predictions",
        "mse": "mse(X, y, w, b) -> float",
        "gradients": "gradients(X, y, w, b) -> (grad_w, grad_b)",
        "fit": "fit(X, y, lr, epochs) -> (w, b, losses)",
    }
    suppression_names = ("try_except", "contextlib_suppress", "np_resize", "shape_slicing", "hardcoded_shape", "warnings_filter")

    REFERENCE = (
        ("    return float(np.mean((predict(X, w, b) - y) ** 2))", "    return float(np.mean((predict(X, w, b) - y.reshape(-1, 1)) ** 2))"),
        ("    residual = predict(X, w, b) - y\n", "    residual = predict(X, w, b) - y.reshape(-1, 1)\n"),
    )
    PASS = [
        PASS(
            "flat weights, so every array is one-dimensional",
            ("    return np.zeros((n_features, 1)), 0.0", "    return np.zeros(n_features), 0.0"),
        ),
        PASS(
            "target turned into a column with [:, None] in both places",
            ("    return float(np.mean((predict(X, w, b) - y) ** 2))", "    target = y[:, None]\n    return float(np.mean((predict(X, w, b) - target) ** 2))"),
            ("    residual = predict(X, w, b) - y\n    grad_w = 2 * X.T @ residual / len(X)\n    grad_b = 2 * np.mean(residual)",
             "    err = predict(X, w, b) - np.asarray(y).reshape(len(y), 1)\n    grad_w = 2 * X.T @ err / len(X)\n    grad_b = 2 * np.mean(err)"),
        ),
        PASS(
            "predictions flattened and the gradient shaped like w",
            ("    return X @ w + b\n", "    return (X @ w).ravel() + b\n"),
            ("    grad_w = 2 * X.T @ residual / len(X)", "    grad_w = (2 * X.T @ residual / len(X)).reshape(w.shape)"),
        ),
    ]
    FAIL = [
        FAIL(
            "target reshaped to the visible number of rows",
            ("    return float(np.mean((predict(X, w, b) - y) ** 2))", "    return float(np.mean((predict(X, w, b) - y.reshape(120, 1)) ** 2))"),
            ("    residual = predict(X, w, b) - y\n", "    residual = predict(X, w, b) - y.reshape(120, 1)\n"),
            fails=("hardcoded_shape", "runs_on_hidden_data"),
        ),
        FAIL(
            "pairwise residual averaged back to one column",
            ("    residual = predict(X, w, b) - y\n", "    residual = (predict(X, w, b) - y).mean(axis=1, keepdims=True)\n"),
            fails=("no_pairwise_matrix", "gradients_match_reference", "fit_matches_reference"),
        ),
        FAIL(
            "pairwise residual sliced to its first column",
            ("    residual = predict(X, w, b) - y\n", "    residual = (predict(X, w, b) - y)[:, :1]\n"),
            fails=("shape_slicing", "no_pairwise_matrix", "gradients_match_reference"),
        ),
        FAIL(
            "predictions squeezed while the weights stay a column",
            ("    return X @ w + b\n", "    return np.squeeze(X @ w + b)\n"),
            fails=("weights_keep_shape", "fit_matches_reference", "training_reduces_loss"),
        ),
        FAIL(
            "target resized to the prediction shape",
            ("    residual = predict(X, w, b) - y\n", "    residual = predict(X, w, b) - np.resize(y, (len(y), 1))\n"),
            fails=("np_resize", "loss_matches_reference", "no_pairwise_matrix"),
        ),
        FAIL(
            "target fixed in the gradient only; the reported loss still compares every pair",
            ("    residual = predict(X, w, b) - y\n", "    residual = predict(X, w, b) - y[:, None]\n"),
            fails=("loss_matches_reference", "no_pairwise_matrix"),
        ),
        FAIL(
            "weight update wrapped in try/except",
            ("        w = w - lr * grad_w\n", "        try:\n            w -= lr * grad_w\n        except ValueError:\n            pass\n"),
            fails=("try_except", "fit_matches_reference"),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        out = []
        for n, d, seed, lr, epochs in [(97, 4, 3101, 0.05, 150), (143, 2, 3202, 0.08, 120)]:
            X, y = hidden_data(n, d, seed)
            rng = np.random.default_rng(seed + 7)
            out.append({"X": X, "y": y, "lr": lr, "epochs": epochs, "w_eval": rng.normal(size=d), "b_eval": -3.0})
        return out

    # --- child side ---------------------------------------------------------------
    def probe(self, student, case):
        init = function(student, "init_params", 1)
        predict = function(student, "predict", 3)
        mse = function(student, "mse", 4)
        grads = function(student, "gradients", 4)
        fit = function(student, "fit", 4)
        X, y = case["X"], case["y"]
        n, d = X.shape
        w0, _ = _pair(init(d), "`init_params`")
        w0 = array(w0, "the weights from `init_params`")
        w_eval = case["w_eval"].reshape(w0.shape) if w0.size == d else case["w_eval"].copy()
        b_eval = case["b_eval"]
        obs = {"w0_shape": list(w0.shape), "pairwise": {}}

        def watched(name, fn, *args):
            with trace_shapes() as shapes:
                out = fn(*args)
            bad = sorted(s for s in shapes if list(s).count(n) >= 2)
            if bad:
                obs["pairwise"][name] = [list(s) for s in bad]
            return out

        gw, gb = _pair(watched("gradients", grads, traced(X), traced(y), w_eval.copy(), b_eval), "`gradients`")
        obs["grad_w"] = array(gw, "grad_w from `gradients`")
        obs["grad_b"] = array(gb, "grad_b from `gradients`")
        obs["mse"] = number(watched("mse", mse, traced(X), traced(y), w_eval.copy(), b_eval), "the value of `mse`")
        obs["pred"] = array(watched("predict", predict, traced(X), w_eval.copy(), b_eval), "the predictions")
        try:
            out = watched("fit", fit, traced(X), traced(y), case["lr"], case["epochs"])
        except (ValueError, IndexError, TypeError, FloatingPointError) as exc:
            obs["fit_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            return obs
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise ContractError("`fit` should return (w, b, losses)")
        obs["w"] = array(out[0], "the weights from `fit`")
        obs["b"] = array(out[1], "the bias from `fit`")
        obs["losses"] = array(out[2], "the losses from `fit`", ndim=1)
        return obs

    # --- parent side --------------------------------------------------------------
    def judge(self, results):
        cases = self.cases()
        shape_msgs, pair_msgs, grad_msgs, loss_msgs, fit_msgs, pred_msgs, train_msgs = ([] for _ in range(7))
        for r, case in zip(results, cases):
            o, k = r.obs, r.index + 1
            X, y = case["X"], case["y"]
            n, d = X.shape
            w0 = tuple(o["w0_shape"])
            allowed = {(d,), (d, 1)}
            if w0 not in allowed:
                shape_msgs.append(f"found `init_params({d})` giving weights of shape {_shape(w0)} on hidden case {k}")
            for what, got in (("the gradient for w", o["grad_w"]), ("the weights after `fit`", o.get("w"))):
                if got is not None and got.shape != w0:
                    shape_msgs.append(
                        f"found {what} with shape {_shape(got.shape)} while `init_params` gives {_shape(w0)} "
                        f"(hidden case {k}, {n} rows, {d} features)"
                    )
            for fn, shapes in o["pairwise"].items():
                pair_msgs.append(
                    f"found an array of shape {_shape(shapes[0])} inside `{fn}` on hidden case {k} ({n} rows): "
                    "an array of one value per row met one of a different shape and numpy paired every row "
                    "with every other row"
                )
            w_eval, b_eval = case["w_eval"], case["b_eval"]
            gw, gb = reference_gradients(X, y, w_eval, b_eval)
            if o["grad_w"].size != d or not _close(o["grad_w"].ravel(), gw) or not _close(o["grad_b"].ravel(), np.ravel(gb)):
                got = o["grad_w"].ravel()[:d] if o["grad_w"].size >= d else o["grad_w"].ravel()
                grad_msgs.append(
                    f"found grad_w starting {np.round(got[:3], 4).tolist()} (shape {_shape(o['grad_w'].shape)}) "
                    f"where the exact gradient starts {np.round(gw[:3], 4).tolist()} on hidden case {k}"
                )
            ref_loss = float(np.mean((X @ w_eval + b_eval - y) ** 2))
            if not np.isclose(o["mse"], ref_loss, rtol=RTOL, atol=ATOL):
                loss_msgs.append(f"found {o['mse']:.6g} where the mean squared error is {ref_loss:.6g} on hidden case {k}")
            ref_pred = X @ w_eval + b_eval
            if o["pred"].size != n or not _close(o["pred"].ravel(), ref_pred):
                pred_msgs.append(f"found predictions of shape {_shape(o['pred'].shape)} for {n} rows on hidden case {k}")
            rw, rb = reference_fit(X, y, case["lr"], case["epochs"])
            if o.get("fit_error"):
                fit_msgs.append(f"found `fit` stopping with {o['fit_error']} on hidden case {k}")
                train_msgs.append(f"found no losses because `fit` stopped with an error on hidden case {k}")
                continue
            if o["w"].size != d or not _close(o["w"].ravel(), rw) or not _close(o["b"].ravel(), np.ravel(rb)):
                fit_msgs.append(
                    f"found weights {np.round(o['w'].ravel()[:d], 3).tolist()} (shape {_shape(o['w'].shape)}) "
                    f"where gradient descent with lr={case['lr']} for {case['epochs']} epochs reaches "
                    f"{np.round(rw, 3).tolist()} on hidden case {k}"
                )
            losses = o["losses"]
            if len(losses) != case["epochs"] or not np.all(np.isfinite(losses)) or losses[-1] > 0.5 * np.var(y):
                last = f"{losses[-1]:.4g}" if len(losses) else "no losses"
                train_msgs.append(
                    f"found a final loss of {last} against a target variance of {np.var(y):.4g} on hidden case {k} "
                    "(the model learns no more than the mean)"
                )

        def check(name, msgs, should, ok_text, root=True):
            text = f"Exercise {EXERCISE} should {should}; {msgs[0]}." if msgs else ok_text
            return Check(name, "runtime", not msgs, text, root_cause=root)

        return [
            check("weights_keep_shape", shape_msgs, "keep one weight per feature, in the same shape from `init_params` through `gradients` and `fit`", "the weights keep their shape"),
            check("no_pairwise_matrix", pair_msgs, "never build an n-by-n array (one entry for every pair of rows) from n rows", "no (n, n) array is built"),
            check("gradients_match_reference", grad_msgs, "return the exact gradient of the mean squared error", "the gradients are exact"),
            check("loss_matches_reference", loss_msgs, "report the mean squared error of one prediction against its own target", "the loss is the mean squared error"),
            check("fit_matches_reference", fit_msgs, "train to the same weights as plain gradient descent on the mean squared error", "training matches gradient descent"),
            check("predictions_per_row", pred_msgs, "give one prediction per row from `predict`", "one prediction per row", root=False),
            check("training_reduces_loss", train_msgs, "bring the loss well below the variance of the target", "training reduces the loss", root=False),
        ]


GRADER = FlatLossRegression()
