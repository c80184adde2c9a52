"""Child-side probes of the shapes family: call the student's functions on the hidden inputs
the parent built and report raw observations (values, shapes of intermediates, peak memory,
errors). Nothing here knows an expected value.

Two independent ways to see an (n, n) intermediate that never reaches a return value:
- the inputs are `bughunt.probe.traced` arrays, so every array numpy derives from them
  reports its shape (exact shapes for the message; `np.asarray` and friends strip it);
- the peak memory of each call is measured with the interpreter's allocation tracer, which
  numpy reports every data buffer to: no conversion, copy or dtype change can hide an
  array with one entry per pair of rows from it. Only on a case the parent marks
  `measure_memory` (one large enough for such an array to stand out): the tracer slows
  every allocation, and on the other cases nobody reads the measurement.
"""
from __future__ import annotations

import traceback

import _tracemalloc
import numpy as np

from bughunt import probe as helpers
from bughunt.probe import ContractError, Probe, array, function, number, trace_shapes, traced

# bound now, before the submission is loaded, so that rebinding `tracemalloc.*` cannot fool us
_START, _STOP, _TRACING = _tracemalloc.start, _tracemalloc.stop, _tracemalloc.is_tracing
_MEMORY, _RESET_PEAK = _tracemalloc.get_traced_memory, _tracemalloc.reset_peak

#: ordinary errors of a submission on new data; reported as observations so that every
#: other function still gets judged (ContractError and BaseExceptions propagate)
_ERRORS = (ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, LookupError, TypeError, ValueError, RuntimeError)


def error_text(exc: BaseException) -> str:
    """`ValueError at line 38: shapes (5,3) and (2,3) not aligned` (the student's line, no traceback)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if helpers.STUDENT_FILE and frame.filename == helpers.STUDENT_FILE[0]:
            line = frame.lineno
    message = (str(exc).strip().splitlines() or [""])[0][:200]
    where = f" at line {line}" if line else ""
    return f"{type(exc).__name__}{where}" + (f": {message}" if message else "")


class Watch:
    """Runs student calls with shape tracing and, with `measure_memory`, peak-memory measurement."""

    def __init__(self, n_rows: int, measure_memory: bool = False):
        self.n = n_rows
        self.measure = measure_memory
        self.pairwise: list[str] = []  # "function:97,97"
        self.peaks: dict[str, float] = {}
        self.intact = True

    def call(self, name: str, fn, *args):
        """(value, None) or (None, error text)."""
        shapes: set = set()
        started = self.measure and not _TRACING()
        if started:
            _START(1)
        if self.measure:
            _RESET_PEAK()
            base = _MEMORY()[0]
        try:
            with trace_shapes() as shapes:
                value = fn(*args)
            return value, None
        except ContractError:
            raise
        except _ERRORS as exc:
            return None, error_text(exc)
        finally:
            if self.measure:
                self._record_peak(name, base, started)
            for s in sorted(shapes):
                if len(s) >= 2 and list(s).count(self.n) >= 2:
                    entry = f"{name}:" + ",".join(str(int(v)) for v in s)
                    if entry not in self.pairwise and len(self.pairwise) < 20:
                        self.pairwise.append(entry)

    def _record_peak(self, name: str, base: int, started: bool) -> None:
        """The call's peak memory above `base`; a tracer the submission switched off
        leaves no measurement, and says so (`intact`)."""
        if _TRACING():
            self.peaks[name] = float(max(0, _MEMORY()[1] - base))
            if started:
                _STOP()
        else:
            self.intact = False
            self.peaks[name] = 0.0

    def observations(self) -> dict:
        return {"pairwise": self.pairwise, "peak_names": list(self.peaks), "peaks": np.array(list(self.peaks.values()), dtype=float),
                "tracing_intact": self.intact}


def pair(value, what: str):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ContractError(f"{what} should return a pair; it returned {type(value).__name__}")
    return value


def triple(value, what: str):
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ContractError(f"{what} should return three values; it returned {type(value).__name__}")
    return value


# --- shape_mismatch/flat-loss-regression: linear regression by gradient descent ------------


class LinearRegressionProbe(Probe):
    """config: {"init", "predict", "loss", "gradients", "fit"}: the student's function names."""

    def run(self, student, case, config):
        init = function(student, config["init"], 1)
        predict = function(student, config["predict"], 3)
        mse = function(student, config["loss"], 4)
        grads = function(student, config["gradients"], 4)
        fit = function(student, config["fit"], 4)
        X, y = case["X"], case["y"]
        n, d = X.shape
        w0, _ = pair(init(d), f"`{config['init']}`")
        w0 = array(w0, f"the weights from `{config['init']}`")
        w_eval = case["w_eval"].reshape(w0.shape) if w0.size == d else case["w_eval"].copy()
        b_eval = case["b_eval"]
        watch = Watch(n, measure_memory=bool(case.get("measure_memory", True)))
        obs: dict = {"w0_shape": np.array(w0.shape, dtype=np.int64)}

        # warm-up calls, untraced: lazy imports or caches inside the submission must not count
        for fn, args in ((grads, (X, y, w_eval, b_eval)), (mse, (X, y, w_eval, b_eval)), (predict, (X, w_eval, b_eval)),
                         (fit, (X, y, case["lr"], 1))):
            try:
                fn(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
            except _ERRORS:
                pass
        g, obs["grad_error"] = watch.call(config["gradients"], grads, traced(X), traced(y), w_eval.copy(), b_eval)
        if g is not None:
            gw, gb = pair(g, f"`{config['gradients']}`")
            obs["grad_w"] = array(gw, f"grad_w from `{config['gradients']}`")
            obs["grad_b"] = array(gb, f"grad_b from `{config['gradients']}`")
        loss, obs["loss_error"] = watch.call(config["loss"], mse, traced(X), traced(y), w_eval.copy(), b_eval)
        if obs["loss_error"] is None:
            obs["loss"] = number(loss, f"the value of `{config['loss']}`")
        pred, obs["pred_error"] = watch.call(config["predict"], predict, traced(X), w_eval.copy(), b_eval)
        if obs["pred_error"] is None:
            obs["pred"] = array(pred, f"the predictions from `{config['predict']}`")
        out, obs["fit_error"] = watch.call(config["fit"], fit, traced(X), traced(y), case["lr"], case["epochs"])
        if obs["fit_error"] is None:
            w, b, losses = triple(out, f"`{config['fit']}`")
            obs["w"] = array(w, f"the weights from `{config['fit']}`")
            obs["b"] = array(b, f"the bias from `{config['fit']}`")
            obs["losses"] = array(losses, f"the losses from `{config['fit']}`", ndim=1)
        obs.update(watch.observations())
        return obs


LINEAR_REGRESSION = LinearRegressionProbe()


# --- shape_mismatch/transposed-output-weights: a two-layer network ----------------------

PARAM_KEYS = ("W1", "b1", "W2", "b2")


def _params(value, what):
    if not isinstance(value, dict) or any(key not in value for key in PARAM_KEYS):
        raise ContractError(f"{what} should be a dict with the keys W1, b1, W2, b2")
    return {key: array(value[key], f"{what}[{key!r}]") for key in PARAM_KEYS}


class TwoLayerProbe(Probe):
    """config: {"init", "forward", "gradients", "train"}: the student's function names."""

    def run(self, student, case, config):
        init = function(student, config["init"], 4)
        forward = function(student, config["forward"], 2)
        grads = function(student, config["gradients"], 3)
        train = function(student, config["train"], 6)
        X, Y, h = case["X"], case["Y"], case["h"]
        d, k = X.shape[1], Y.shape[1]

        def fresh():
            return {key: np.array(v, dtype=float) for key, v in case["params"].items()}

        obs: dict = {}
        for key, value in _params(init(d, h, k, case["seed"]), f"the dict from `{config['init']}`").items():
            obs[f"init_{key}"] = value
        watch = Watch(len(X))
        out, obs["forward_error"] = watch.call(config["forward"], forward, X.copy(), fresh())
        if out is not None:
            H, o = pair(out, f"`{config['forward']}`")
            obs["H"] = array(H, f"the hidden activations from `{config['forward']}`")
            obs["out"] = array(o, f"the outputs from `{config['forward']}`")
        g, obs["gradients_error"] = watch.call(config["gradients"], grads, X.copy(), Y.copy(), fresh())
        if g is not None:
            for key, value in _params(g, f"the dict from `{config['gradients']}`").items():
                obs[f"grad_{key}"] = value
        res, obs["train_error"] = watch.call(config["train"], train, X.copy(), Y.copy(), h, case["lr"], case["epochs"], case["seed"])
        if res is not None:
            p, losses = pair(res, f"`{config['train']}`")
            for key, value in _params(p, f"the params from `{config['train']}`").items():
                obs[f"trained_{key}"] = value
            obs["losses"] = array(losses, f"the losses from `{config['train']}`", ndim=1)
        return obs


TWO_LAYER = TwoLayerProbe()


# --- shape_mismatch/softmax-wrong-axis: softmax regression -------------------------------


class SoftmaxRegressionProbe(Probe):
    """config: {"softmax", "loss", "gradients", "fit"}: the student's function names."""

    def run(self, student, case, config):
        softmax = function(student, config["softmax"], 1)
        loss = function(student, config["loss"], 4)
        grads = function(student, config["gradients"], 4)
        fit = function(student, config["fit"], 5)
        X, y, k = case["X"], case["y"], case["k"]
        watch = Watch(len(X))
        obs: dict = {}
        P, obs["softmax_error"] = watch.call(config["softmax"], softmax, case["Z"].copy())
        if obs["softmax_error"] is None:
            obs["P"] = array(P, f"the result of `{config['softmax']}`")
        L, obs["loss_error"] = watch.call(config["loss"], loss, X.copy(), y.copy(), case["W_eval"].copy(), case["b_eval"].copy())
        if obs["loss_error"] is None:
            obs["loss"] = number(L, f"the value of `{config['loss']}`")
        g, obs["grad_error"] = watch.call(config["gradients"], grads, X.copy(), y.copy(), case["W_eval"].copy(), case["b_eval"].copy())
        if g is not None:
            dW, db = pair(g, f"`{config['gradients']}`")
            obs["dW"], obs["db"] = array(dW, f"dW from `{config['gradients']}`"), array(db, f"db from `{config['gradients']}`")
        out, obs["fit_error"] = watch.call(config["fit"], fit, X.copy(), y.copy(), k, case["lr"], case["epochs"])
        if out is not None:
            W, b, losses = triple(out, f"`{config['fit']}`")
            obs["W"], obs["b"] = array(W, f"W from `{config['fit']}`"), array(b, f"b from `{config['fit']}`")
            obs["losses"] = array(losses, f"the losses from `{config['fit']}`", ndim=1)
        return obs


SOFTMAX_REGRESSION = SoftmaxRegressionProbe()
