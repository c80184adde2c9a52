"""Parent-side judges of the shapes family: exact references, checks and messages.

Each model class below grades one kind of from-scratch model; an exercise's grader file
subclasses it and adds only data (exercise id, function names, case sizes, examples).
Every expected value is computed here from the hidden cases, never from the child's reply.
"""
from __future__ import annotations

import numpy as np

from bughunt.grader import Grader
from bughunt.verdict import Check

from . import cases as build

RTOL, ATOL = 1e-6, 1e-8
PARAM_KEYS = ("W1", "b1", "W2", "b2")
PAIRWISE_MEMORY_ROWS = build.PAIRWISE_MEMORY_ROWS


def fmt_shape(s) -> str:
    s = tuple(int(v) for v in s)
    return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"


def close(got, want, rtol=RTOL, atol=ATOL) -> bool:
    """Same number of values and all close (NaN fails)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return got.size == want.size and bool(np.allclose(got.ravel(), want.ravel(), rtol=rtol, atol=atol))


def rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def first(values, count=3, digits=4) -> list:
    return np.round(np.asarray(values, dtype=float).ravel()[:count], digits).tolist()


def differing(got, want, digits=4) -> tuple[str, str]:
    """Two numbers shown with enough digits to differ (NaN and inf as such)."""
    got, want = float(got), float(want)
    for d in range(digits, 13):
        a, b = f"{got:.{d}g}", f"{want:.{d}g}"
        if a != b:
            return a, b
    return f"{got!r}", f"{want!r}"


def worst(got, want) -> tuple[int, str, str]:
    """Index of the value furthest from the reference (same sizes), shown so that the two differ."""
    got, want = np.asarray(got, dtype=float).ravel(), np.asarray(want, dtype=float).ravel()
    gap = np.abs(got - want)
    i = int(np.argmax(np.where(np.isnan(gap), np.inf, gap)))
    return (i, *differing(got[i], want[i]))


class Messages:
    """Failure texts of one check, each with the student function it is about."""

    def __init__(self):
        self.items: list[tuple[str | None, str]] = []

    def add(self, function: str | None, text: str) -> None:
        self.items.append((function, text))

    def __bool__(self) -> bool:
        return bool(self.items)


class ShapesGrader(Grader):
    """Shared plumbing: suppressions watched by every shape exercise, and check building."""

    suppression_names = ("try_except", "contextlib_suppress", "np_resize", "shape_slicing", "hardcoded_shape", "warnings_filter")
    #: role -> the student's function name (the keys of `functions`)
    names: dict[str, str] = {}

    def config(self) -> dict:
        return dict(self.names)

    def check(self, name: str, msgs: Messages, should: str, ok_text: str, root: bool = True, function: str | None = None) -> Check:
        if msgs:
            fn, text = msgs.items[0]
            return Check(name, "runtime", False, f"Exercise {self.exercise} should {should}; {text}.", root_cause=root, function=fn or function)
        return Check(name, "runtime", True, ok_text, root_cause=root, function=function)

    @staticmethod
    def losses_problem(losses: np.ndarray, epochs: int) -> str | None:
        """Why `losses` is not one finite loss per epoch, or None."""
        finite = bool(np.all(np.isfinite(losses)))
        if len(losses) == epochs and finite:
            return None
        return f"found {len(losses)} losses{'' if finite else ' (not all finite)'} for {epochs} epochs"

    @staticmethod
    def error(o: dict, key: str) -> str | None:
        value = o.get(key)
        return value if isinstance(value, str) and value else None


# --- linear regression (flat-loss-regression) -------------------------------------------


def regression_gradients(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(X), 2 * np.mean(r)


def trained_bar(fixed: float, reference_loss: float | None) -> float:
    """The final training loss a submission must reach on a case: `fixed` (a share of what
    guessing gives), or what exact gradient descent itself ends at there when that is
    higher, with room for rounding. On a few seeds' data it is higher (measured over 100
    seeds: 2 for flat-loss-regression, 1 each for transposed-output-weights and
    softmax-wrong-axis), and a correct fix must never fail for that."""
    if reference_loss is None or not np.isfinite(reference_loss):
        return fixed
    return max(fixed, reference_loss * (1 + RTOL) + ATOL)


def regression_fit(X, y, lr, epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        gw, gb = regression_gradients(X, y, w, b)
        w, b = w - lr * gw, b - lr * gb
    return w, b


class LinearRegressionGrader(ShapesGrader):
    """init_params(d) -> (w, b); predict(X, w, b); mse(X, y, w, b); gradients(X, y, w, b);
    fit(X, y, lr, epochs) -> (w, b, losses). `y` is flat; w may be (d,), (d, 1) or (1, d)
    as long as it keeps that shape."""

    probe_name = "bughunt.families.shapes.probes:LINEAR_REGRESSION"
    names = {"init": "init_params", "predict": "predict", "loss": "mse", "gradients": "gradients", "fit": "fit"}
    observations = {
        "w0_shape": "array", "grad_w": "array?", "grad_b": "array?", "grad_error": "text?",
        "loss": "number?", "loss_error": "text?", "pred": "array?", "pred_error": "text?",
        "w": "array?", "b": "array?", "losses": "array?", "fit_error": "text?",
        "pairwise": "texts", "peak_names": "texts", "peaks": "array", "tracing_intact": "bool",
    }
    #: (n_rows or (low, high), n_features, lr, epochs, check that training beats the mean)
    CASES: list = []
    #: the loss after training must end below this share of the target's variance
    TRAINED_SHARE = 0.5

    def cases(self, seed):
        return build.regression_cases(seed, self.CASES)

    def judge(self, cases, results):
        N = self.names
        shape, pairs, grad, loss, fit, pred, train = (Messages() for _ in range(7))
        for r, case in zip(results, cases):
            o, c = r.obs, r.index + 1
            X, y = case["X"], case["y"]
            n, d = X.shape
            where = f"on hidden case {c} ({rows(n)}, {d} features)"
            w0 = tuple(int(v) for v in np.ravel(o["w0_shape"]))
            if w0 not in {(d,), (d, 1), (1, d)}:
                shape.add(N["init"], f"found `{N['init']}({d})` giving weights of shape {fmt_shape(w0)} {where}")
            # (n, n) intermediates: traced shapes, and peak memory on the large case
            for entry in o["pairwise"]:
                fn, _, dims = entry.partition(":")
                try:
                    dims = tuple(int(v) for v in dims.split(","))
                except ValueError:
                    continue
                if fn in N.values():
                    pairs.add(fn, f"found an array of shape {fmt_shape(dims)} (one entry for every pair of rows) computed "
                                  f"from the data inside `{fn}` {where}")
            if n >= PAIRWISE_MEMORY_ROWS:
                if not o["tracing_intact"]:
                    pairs.add(None, f"found the allocation tracer the grader measures memory with switched off while your functions ran {where}")
                for fn, peak in zip(o["peak_names"], np.ravel(o["peaks"])):
                    if fn in N.values() and not (peak < 0.9 * n * n):
                        pairs.add(fn, f"found `{fn}` holding {peak / 1e6:.1f} MB at once {where}, while the data takes "
                                      f"{(X.nbytes + y.nbytes) / 1e6:.2f} MB; an array with one entry for every pair of rows "
                                      f"takes {n * n / 1e6:.0f} MB (as booleans) to {8 * n * n / 1e6:.0f} MB (as floats)")
            w_eval, b_eval = case["w_eval"], case["b_eval"]
            gw, gb = regression_gradients(X, y, w_eval, b_eval)
            err = self.error(o, "grad_error")
            if err:
                grad.add(N["gradients"], f"found `{N['gradients']}` raising {err} {where}")
            else:
                if o["grad_w"].shape != w0:
                    shape.add(N["gradients"], f"found grad_w of shape {fmt_shape(o['grad_w'].shape)} from `{N['gradients']}` "
                                              f"while the weights have shape {fmt_shape(w0)} {where}")
                if not close(o["grad_w"], gw) or not close(o["grad_b"], gb):
                    if o["grad_w"].size != d:
                        what = f"grad_w with {o['grad_w'].size} values (shape {fmt_shape(o['grad_w'].shape)}) for {d} features"
                    elif not close(o["grad_w"], gw):
                        i, a, b = worst(o["grad_w"], gw)
                        what = f"grad_w[{i}] = {a} where the exact gradient has {b}"
                    elif o["grad_b"].size != 1:
                        what = f"grad_b with {o['grad_b'].size} values where the bias is one number"
                    else:
                        _, a, b = worst(o["grad_b"], gb)
                        what = f"grad_b = {a} where the exact gradient is {b}"
                    grad.add(N["gradients"], f"found {what} {where}")
            err = self.error(o, "loss_error")
            ref_loss = float(np.mean((X @ w_eval + b_eval - y) ** 2))
            if err:
                loss.add(N["loss"], f"found `{N['loss']}` raising {err} {where}")
            elif not np.isclose(o["loss"], ref_loss, rtol=RTOL, atol=ATOL):
                loss.add(N["loss"], f"found {o['loss']:.6g} where the mean squared error is {ref_loss:.6g} {where}")
            err = self.error(o, "pred_error")
            if err:
                pred.add(N["predict"], f"found `{N['predict']}` raising {err} {where}")
            elif o["pred"].shape not in {(n,), (n, 1)} or not close(o["pred"], X @ w_eval + b_eval):
                wrong = "values" if o["pred"].shape in {(n,), (n, 1)} else "shape"
                pred.add(N["predict"], f"found predictions of shape {fmt_shape(o['pred'].shape)} for {n} rows with the wrong {wrong} {where}")
            err = self.error(o, "fit_error")
            if err:
                fit.add(N["fit"], f"found `{N['fit']}` raising {err} {where}")
                train.add(N["fit"], f"found no losses because `{N['fit']}` raised {err} {where}")
                continue
            rw, rb = regression_fit(X, y, case["lr"], case["epochs"])
            if o["w"].shape != w0:
                shape.add(N["fit"], f"found weights of shape {fmt_shape(o['w'].shape)} after `{N['fit']}` while `{N['init']}` "
                                    f"gives {fmt_shape(w0)} {where}")
            if not close(o["w"], rw) or not close(o["b"], rb):
                if o["w"].size != d:
                    what = f"{o['w'].size} weights (shape {fmt_shape(o['w'].shape)}) for {d} features"
                elif not close(o["w"], rw):
                    i, a, b = worst(o["w"], rw)
                    what = f"weight {i + 1} at {a} where gradient descent reaches {b}"
                else:
                    _, a, b = worst(o["b"], rb) if o["b"].size == 1 else (0, f"shape {fmt_shape(o['b'].shape)}", f"{rb:.4g}")
                    what = f"the bias at {a} where gradient descent reaches {b}"
                fit.add(N["fit"], f"found {what} (lr={case['lr']}, {case['epochs']} epochs from zero) {where}")
            losses = o["losses"]
            problem = self.losses_problem(losses, case["epochs"])
            if problem:
                train.add(N["fit"], f"{problem} {where}")
            elif case["train_check"] and not (losses[-1] <= trained_bar(self.TRAINED_SHARE * np.var(y), float(np.mean((X @ rw + rb - y) ** 2)))):
                train.add(N["fit"], f"found a final loss of {losses[-1]:.4g} against a target variance of {np.var(y):.4g} {where} "
                                    "(predicting the mean gives the variance)")
        return [
            self.check("weights_keep_shape", shape, "keep one weight per feature, in the same shape from `init_params` through `gradients` and `fit`",
                       "the weights keep their shape", function=N["init"]),
            self.check("no_pairwise_matrix", pairs, "never build an n-by-n array (one entry for every pair of rows) from n rows",
                       "no (n, n) array is built, in shapes or in memory", function=N["gradients"]),
            self.check("gradients_match_reference", grad, "return the exact gradient of the mean squared error", "the gradients are exact", function=N["gradients"]),
            self.check("loss_matches_reference", loss, "report the mean squared error of each prediction against its own target",
                       "the loss is the mean squared error", function=N["loss"]),
            self.check("fit_matches_reference", fit, "train to the same weights as plain gradient descent on the mean squared error",
                       "training matches gradient descent", function=N["fit"]),
            self.check("predictions_per_row", pred, "give one prediction per row from `predict`", "one prediction per row", root=False, function=N["predict"]),
            self.check("training_reduces_loss", train, "record one loss per epoch and bring it well below the variance of the target",
                       "training reduces the loss", root=False, function=N["fit"]),
        ]


# --- two-layer network (transposed-output-weights) --------------------------------------


def documented_shapes(d, h, k):
    return {"W1": (d, h), "b1": (h,), "W2": (h, k), "b2": (k,)}


def net_forward(X, p):
    H = np.tanh(X @ p["W1"] + p["b1"])
    return H, H @ p["W2"] + p["b2"]


def net_gradients(X, Y, p):
    H, out = net_forward(X, p)
    d_out = 2 * (out - Y) / out.size
    d_h = d_out @ p["W2"].T * (1 - H ** 2)
    return {"W1": X.T @ d_h, "b1": d_h.sum(axis=0), "W2": H.T @ d_out, "b2": d_out.sum(axis=0)}


def net_loss(X, Y, p):
    return float(np.mean((net_forward(X, p)[1] - Y) ** 2))


def net_train(X, Y, p, lr, epochs):
    p = {key: np.array(v, dtype=float) for key, v in p.items()}
    for _ in range(epochs):
        g = net_gradients(X, Y, p)
        p = {key: p[key] - lr * g[key] for key in p}
    return p


class TwoLayerGrader(ShapesGrader):
    """init_params(d, h, k, seed) -> params; forward(X, params) -> (H, out);
    gradients(X, Y, params) -> grads; train(X, Y, h, lr, epochs, seed) -> (params, losses),
    gradient descent from init_params(d, h, k, seed)."""

    probe_name = "bughunt.families.shapes.probes:TWO_LAYER"
    names = {"init": "init_params", "forward": "forward", "gradients": "gradients", "train": "train"}
    observations = {
        **{f"init_{k}": "array" for k in PARAM_KEYS}, **{f"grad_{k}": "array?" for k in PARAM_KEYS},
        **{f"trained_{k}": "array?" for k in PARAM_KEYS},
        "H": "array?", "out": "array?", "losses": "array?",
        "forward_error": "text?", "gradients_error": "text?", "train_error": "text?",
    }
    #: (n_rows or (low, high), n_features, n_hidden, n_outputs, lr, epochs)
    CASES: list = []
    #: the last loss must be at most this share of the first
    LOSS_DROP = 0.7

    def cases(self, seed):
        return build.network_cases(seed, self.CASES)

    def judge(self, cases, results):
        N = self.names
        init, fwd, grad, train, loss = (Messages() for _ in range(5))
        for r, case in zip(results, cases):
            o, c = r.obs, r.index + 1
            X, Y, h = case["X"], case["Y"], case["h"]
            n, d = X.shape
            k = Y.shape[1]
            where = f"on hidden case {c} ({rows(n)}, {d} features, {h} hidden units, {k} outputs)"
            want = documented_shapes(d, h, k)
            wrong = [f"{key} {fmt_shape(o['init_' + key].shape)} instead of {fmt_shape(s)}" for key, s in want.items() if o["init_" + key].shape != s]
            if wrong:
                init.add(N["init"], f"found {', '.join(wrong)} {where}")
            H, out = net_forward(X, case["params"])
            err = self.error(o, "forward_error")
            if err:
                fwd.add(N["forward"], f"found `{N['forward']}` raising {err} for parameters in the documented layout {where}")
            elif o["out"].shape != out.shape or not close(o["out"], out):
                what = "values" if o["out"].shape == out.shape else f"shape {fmt_shape(o['out'].shape)}"
                fwd.add(N["forward"], f"found outputs with the wrong {what} where the network gives {fmt_shape(out.shape)} outputs "
                                      f"starting {first(out)} {where}")
            elif o["H"].shape != H.shape or not close(o["H"], H):
                fwd.add(N["forward"], f"found hidden activations of shape {fmt_shape(o['H'].shape)} that differ from the network's "
                                      f"{fmt_shape(H.shape)} {where}")
            g = net_gradients(X, Y, case["params"])
            err = self.error(o, "gradients_error")
            if err:
                grad.add(N["gradients"], f"found `{N['gradients']}` raising {err} for parameters in the documented layout {where}")
            else:
                bad = [f"{key} ({'shape ' + fmt_shape(o['grad_' + key].shape) if o['grad_' + key].shape != g[key].shape else 'values'})"
                       for key in PARAM_KEYS if o["grad_" + key].shape != g[key].shape or not close(o["grad_" + key], g[key])]
                if bad:
                    grad.add(N["gradients"], f"found wrong gradients for {', '.join(bad)}; each should have its parameter's shape and "
                                             f"the exact backpropagated value {where}")
            err = self.error(o, "train_error")
            if err:
                train.add(N["train"], f"found `{N['train']}` raising {err} {where}")
                loss.add(N["train"], f"found no losses because `{N['train']}` raised {err} {where}")
                continue
            ref_loss = None  # what gradient descent from the submission's own start ends at, when it can start
            trained_bad = [f"{key} {fmt_shape(o['trained_' + key].shape)}" for key, s in want.items() if o["trained_" + key].shape != s]
            if trained_bad:
                train.add(N["train"], f"found trained parameters {', '.join(trained_bad)} instead of the documented shapes {where}")
            elif wrong:
                train.add(N["init"], f"found `{N['init']}` creating {', '.join(wrong)}, so training cannot start from parameters "
                                     f"in the documented layout {where}")
            else:
                start = {key: o["init_" + key] for key in PARAM_KEYS}
                ref = net_train(X, Y, start, case["lr"], case["epochs"])
                ref_loss = net_loss(X, Y, ref)
                bad = [key for key in PARAM_KEYS if not close(o["trained_" + key], ref[key], rtol=1e-5, atol=1e-8)]
                if bad:
                    train.add(N["train"], f"found {', '.join(bad)} away from where gradient descent with lr={case['lr']} for "
                                          f"{case['epochs']} epochs from `{N['init']}`'s starting values ends {where}")
            losses = o["losses"]
            problem = self.losses_problem(losses, case["epochs"])
            if problem:
                loss.add(N["train"], f"{problem} {where}")
            elif not (losses[-1] <= trained_bar(self.LOSS_DROP * losses[0], ref_loss)):
                loss.add(N["train"], f"found the loss going from {losses[0]:.4g} to {losses[-1]:.4g} {where}")
        return [
            self.check("init_shapes", init, "create W1 (n_features, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_outputs) and b2 (n_outputs,) in `init_params`",
                       "parameters are created in the documented shapes", function=N["init"]),
            self.check("forward_matches_reference", fwd, "compute the network's outputs from parameters in the documented layout",
                       "forward matches the reference", function=N["forward"]),
            self.check("gradients_match_reference", grad, "return the exact backpropagated gradient of the mean squared error for every parameter, in its parameter's shape",
                       "gradients match backprop", function=N["gradients"]),
            self.check("train_matches_reference", train, "keep every parameter's shape through training and follow plain gradient descent from `init_params`",
                       "training matches gradient descent", function=N["train"]),
            self.check("training_reduces_loss", loss, "record one loss per epoch and reduce the training loss", "training reduces the loss", root=False, function=N["train"]),
        ]


# --- softmax regression (softmax-wrong-axis) ---------------------------------------------


def row_softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_loss(X, y, W, b):
    P = row_softmax(X @ W + b)
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


def softmax_gradients(X, y, W, b):
    G = (row_softmax(X @ W + b) - np.eye(W.shape[1])[y]) / len(X)
    return X.T @ G, G.sum(axis=0)


def softmax_fit(X, y, k, lr, epochs):
    W, b = np.zeros((X.shape[1], k)), np.zeros(k)
    for _ in range(epochs):
        dW, db = softmax_gradients(X, y, W, b)
        W, b = W - lr * dW, b - lr * db
    return W, b


class SoftmaxRegressionGrader(ShapesGrader):
    """softmax(Z) -> P (row-wise); cross_entropy(X, y, W, b); gradients(X, y, W, b) -> (dW, db);
    fit(X, y, n_classes, lr, epochs) -> (W, b, losses) from zeros."""

    probe_name = "bughunt.families.shapes.probes:SOFTMAX_REGRESSION"
    names = {"softmax": "softmax", "loss": "cross_entropy", "gradients": "gradients", "fit": "fit"}
    observations = {
        "P": "array?", "softmax_error": "text?", "loss": "number?", "loss_error": "text?",
        "dW": "array?", "db": "array?", "grad_error": "text?",
        "W": "array?", "b": "array?", "losses": "array?", "fit_error": "text?",
    }
    #: (n_rows or (low, high), n_features, n_classes, rows of the scores given to softmax, lr, epochs)
    CASES: list = []
    #: the loss after training must end below this share of a uniform guess's log(k)
    TRAINED_SHARE = 0.8

    def cases(self, seed):
        return build.softmax_cases(seed, self.CASES)

    def _softmax_message(self, P, Z) -> str | None:
        want = row_softmax(Z)
        if P.shape != want.shape:
            return f"found `{self.names['softmax']}` returning shape {fmt_shape(P.shape)} for scores of shape {fmt_shape(Z.shape)}"
        if close(P, want):
            return None
        sums = P.sum(axis=1)
        off = ~np.isclose(sums, 1.0, rtol=0, atol=1e-6)
        if off.any():
            i = int(np.argmax(off))
            return (f"found row {i + 1} of the probabilities summing to {sums[i]:.4g} for scores of shape {fmt_shape(Z.shape)}"
                    + (f" (rows sum to {first(sums, 4)})" if len(sums) > 1 else ""))
        i = int(np.argmax(np.abs(P - want).max(axis=1)))
        return (f"found row {i + 1} of the probabilities {first(P[i], 5, 3)}: it sums to 1, but the softmax of that row's "
                f"scores is {first(want[i], 5, 3)} (scores of shape {fmt_shape(Z.shape)})")

    def judge(self, cases, results):
        N = self.names
        sm, ls, gr, ft, sh, tr = (Messages() for _ in range(6))
        for r, case in zip(results, cases):
            o, c = r.obs, r.index + 1
            X, y, k = case["X"], case["y"], case["k"]
            n, d = X.shape
            where = f"on hidden case {c} ({rows(n)}, {d} features, {k} classes)"
            err = self.error(o, "softmax_error")
            if err:
                sm.add(N["softmax"], f"found `{N['softmax']}` raising {err} for scores of shape {fmt_shape(case['Z'].shape)} {where}")
            else:
                text = self._softmax_message(o["P"], case["Z"])
                if text:
                    sm.add(N["softmax"], f"{text} {where}")
            err = self.error(o, "loss_error")
            L = softmax_loss(X, y, case["W_eval"], case["b_eval"])
            if err:
                ls.add(N["loss"], f"found `{N['loss']}` raising {err} {where}")
            elif not np.isclose(o["loss"], L, rtol=RTOL, atol=ATOL):
                ls.add(N["loss"], f"found {o['loss'] + 0.0:.6g} where the mean cross-entropy is {L:.6g} {where}")
            dW, db = softmax_gradients(X, y, case["W_eval"], case["b_eval"])
            err = self.error(o, "grad_error")
            if err:
                gr.add(N["gradients"], f"found `{N['gradients']}` raising {err} {where}")
            elif o["dW"].shape != dW.shape or o["db"].shape not in {(k,), (1, k)}:
                gr.add(N["gradients"], f"found dW of shape {fmt_shape(o['dW'].shape)} and db of shape {fmt_shape(o['db'].shape)} "
                                       f"where W is {fmt_shape(dW.shape)} and b is {fmt_shape(db.shape)} {where}")
            elif not close(o["dW"], dW) or not close(o["db"], db):
                name, got, want = ("dW", o["dW"], dW) if not close(o["dW"], dW) else ("db", o["db"], db)
                i, a, b = worst(got, want)
                gr.add(N["gradients"], f"found {name} with {a} at flat position {i} where the exact gradient of the mean "
                                       f"cross-entropy has {b} {where}")
            err = self.error(o, "fit_error")
            if err:
                ft.add(N["fit"], f"found `{N['fit']}` raising {err} {where}")
                tr.add(N["fit"], f"found no losses because `{N['fit']}` raised {err} {where}")
                continue
            for what, got, want in (("W", o["W"], {(d, k)}), ("b", o["b"], {(k,), (1, k)})):
                if got.shape not in want:
                    sh.add(N["fit"], f"found {what} of shape {fmt_shape(got.shape)} after `{N['fit']}` instead of {fmt_shape(sorted(want)[-1])} {where}")
            rW, rb = softmax_fit(X, y, k, case["lr"], case["epochs"])
            if not close(o["W"], rW) or not close(o["b"], rb):
                ft.add(N["fit"], f"found W and b away from where gradient descent from zero with lr={case['lr']} for "
                                 f"{case['epochs']} epochs ends {where}")
            losses = o["losses"]
            problem = self.losses_problem(losses, case["epochs"])
            if problem:
                tr.add(N["fit"], f"{problem} {where}")
            elif not (losses[-1] <= trained_bar(self.TRAINED_SHARE * np.log(k), softmax_loss(X, y, rW, rb))):
                tr.add(N["fit"], f"found the loss going from {losses[0]:.4g} to {losses[-1]:.4g} (guessing uniformly gives "
                                 f"{np.log(k):.4g}) {where}")
        return [
            self.check("softmax_matches_reference", sm, "turn each row of scores into probabilities over the classes that sum to 1, for any number of rows",
                       "softmax normalises each row", function=N["softmax"]),
            self.check("loss_matches_reference", ls, "report the mean cross-entropy of the true classes", "the loss is the cross-entropy", function=N["loss"]),
            self.check("gradients_match_reference", gr, "return the exact gradient of the mean cross-entropy, shaped like W and b",
                       "the gradients are exact", function=N["gradients"]),
            self.check("parameters_keep_shape", sh, "keep W at (n_features, n_classes) and b at (n_classes,) through training",
                       "parameters keep their shapes", function=N["fit"]),
            self.check("fit_matches_reference", ft, "train to the same parameters as plain gradient descent on the cross-entropy",
                       "training matches gradient descent", function=N["fit"]),
            self.check("training_reduces_loss", tr, "record one loss per epoch and bring the cross-entropy well below that of a uniform guess",
                       "training reduces the loss", root=False, function=N["fit"]),
        ]
