"""PARENT side of the numeric family: expected values, check functions and messages shared
by the sigmoid and log_epsilon exercises. Nothing here runs in the child."""
from __future__ import annotations

import re
from functools import cached_property

import numpy as np

from bughunt.grader import PUBLIC_SEED, Grader, case_fact
from bughunt.verdict import Check

PROBE = "bughunt.families.numeric.probes:NUMERIC"
SUPPRESSIONS = (
    "try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
    "nan_to_num", "nan_masking", "clip_output",
)
_EVENT = re.compile(r"(overflow|divide by zero|invalid value|error mode changed)(?: encountered)?(?: in ([\w .]+?))?(?: at line (\d+))?(?::.*)?$")


# --- observations ----------------------------------------------------------------------
def schema_for(case: dict) -> dict[str, str]:
    """The observation keys NumericProbe sends for `case` (see probes.py)."""
    out: dict[str, str] = {}

    def kind_of(kind):
        return "number" if kind == "number" else "array"

    def add_call(spec, group):
        out[f"events_{group}"] = "texts"
        kind = spec.get("kind", "array")
        if spec.get("returns"):
            for name in spec["returns"]:
                out[f"out_{spec['key']}_{name}"] = kind_of(kind)
        else:
            out[f"out_{spec['key']}"] = kind_of(kind)

    for spec in case.get("calls", ()):
        add_call(spec, spec.get("group", "act"))
    if case.get("train"):
        out["events_train"] = "texts"
        for name, kind in case["train"]["returns"]:
            if kind == "params":
                for p in ("W1", "b1", "W2", "b2"):
                    out[f"{name}_{p}"] = "array"
            else:
                out[name] = kind_of(kind)
    for spec in case.get("after", ()):
        add_call(spec, spec.get("group", "train"))
    return out


class NumericGrader(Grader):
    """A numeric-stability exercise: mostly data. Subclasses set `exercise`, `functions`,
    `cases(seed)` and `judge`, built from the check functions below."""

    probe_name = PROBE
    suppression_names = SUPPRESSIONS

    @cached_property
    def observations(self) -> dict[str, str]:
        schema: dict[str, str] = {}
        for case in self.cases(PUBLIC_SEED):
            schema.update(schema_for(case))
        return schema

    def config(self) -> dict:
        return {"groups": ["act"]}

    def trained_by_reference(self, case: dict) -> dict | None:
        """What the reference fix's `train` returns on `case`, under the names the probe
        reports a submission's (a dict of parameters as `<name>_<param>`), or None if it
        fails there. Run here, in the parent: the exercise's own file with REFERENCE applied
        is trusted project code. Once per case and process."""
        if not case.get("train"):
            return None
        return case_fact(case, "reference_training", lambda: self._train_reference(case["train"]))

    def _train_reference(self, spec: dict) -> dict | None:
        import copy
        import warnings

        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = getattr(self._reference_module, spec["fn"])(*copy.deepcopy(spec["args"]))
            returns = spec["returns"]
            value = (value,) if len(returns) == 1 else tuple(value)
            obs = {}
            for (name, kind), item in zip(returns, value):
                if kind == "params":
                    obs.update({f"{name}_{p}": np.asarray(item[p], dtype=float) for p in ("W1", "b1", "W2", "b2")})
                else:
                    obs[name] = np.asarray(item, dtype=float)
            return obs
        except Exception:  # no reference figure: the fixed floor alone applies
            return None

    @cached_property
    def _reference_module(self):
        import inspect
        import types
        from pathlib import Path

        from bughunt.manifest import load

        root = Path(inspect.getfile(type(self))).resolve().parents[2]  # graders/<category>/<slug>.py
        exercise = next(e for e in load(root) if e.id == self.exercise)
        text = self.reference_example().apply(exercise.path.read_text(encoding="utf-8"))
        module = types.ModuleType("bughunt_reference")
        exec(compile(text, str(exercise.path), "exec"), module.__dict__)  # noqa: S102 (our own reference fix)
        return module


# --- floating-point events -----------------------------------------------------------
def fp_events(texts) -> list[tuple[str, int | None]]:
    """(kind, student line) for every overflow, division by zero or invalid value reported;
    underflow to 0 is the correctly rounded result and never counts."""
    out = []
    for t in texts:
        if not t.startswith(("RuntimeWarning", "FloatingPointError")) or "underflow" in t:
            continue
        m = _EVENT.search(t)
        if m:
            out.append((m.group(1), int(m.group(3)) if m.group(3) else None))
    return out


def _event_phrase(kind: str) -> str:
    if kind == "error mode changed":
        return "numpy's floating-point reporting switched away from the grader's watch (through numpy's private state)"
    return {"overflow": "an overflow", "divide by zero": "a division by zero", "invalid value": "an invalid value (nan)"}[kind] + " in a numpy operation"


#: what each floating-point event usually means, worded so that it is never false
CAUSES = {
    "overflow": "A value grew beyond what its floating-point type can hold; exp most likely still receives an argument that can grow without bound",
    "divide by zero": "numpy reports log(0) as a division by zero, so log most likely still receives an exact 0",
    "invalid value": "A nan was produced, for example by inf / inf, 0 * log(0) or a mean over an empty selection",
    "error mode changed": "Leave numpy's error reporting alone and remove the cause instead",
}


def no_fp_events(exercise, results, group, name, should, function=None, root_cause=True) -> Check:
    """Fails when any case reported a floating-point event in `group`; points at the
    student's line where the event happened."""
    for r in results:
        events = fp_events(r.obs.get(f"events_{group}", ()))
        if events:
            kind, line = events[0]
            cause = CAUSES[kind]
            where = f" at line {line}" if line else ""
            return Check(
                name, "runtime", False,
                f"Exercise {exercise} should {should}; found {_event_phrase(kind)}{where} "
                f"on hidden case {r.index + 1}. {cause} (silencing, catching or filtering the report does not "
                "count: the grader watches numpy's floating-point events directly)",
                line, root_cause=root_cause, function=None if line else function,
            )
    return Check(name, "runtime", True, "no floating-point event (overflow, division by zero, invalid value) on the hidden inputs", root_cause=root_cause, function=function)


# --- activations -----------------------------------------------------------------------
def _fmt(x) -> str:
    return f"{float(x):.6g}"


def compare_sigmoid(out: np.ndarray, z: np.ndarray, what: str = "z", atol: float = 1e-8, rtol: float = 1e-6) -> str | None:
    """None if out is the exact logistic function of z (up to rounding), else what differs."""
    from scipy.special import expit

    out = np.asarray(out, dtype=float)
    if out.shape != z.shape:
        return f"an output of shape {out.shape} for an input of shape {z.shape}"
    bad = ~np.isfinite(out)
    if bad.any():
        i = np.flatnonzero(bad.ravel())[0]
        return f"{out.flat[i]} for {what} = {_fmt(z.flat[i])}"
    exact = expit(z)
    err = np.abs(out - exact)
    tol = np.where(np.abs(z) <= 10, np.minimum(atol, rtol * exact), atol)
    worst = int(np.argmax(err - tol))
    if not err.flat[worst] <= tol.flat[worst]:
        return f"{out.flat[worst]:.10g} for {what} = {_fmt(z.flat[worst])}, where the exact value is {exact.flat[worst]:.10g}"
    return None


def compare_softmax(out: np.ndarray, Z: np.ndarray) -> str | None:
    """None if out is the row-wise softmax of Z (up to rounding); else the worst entry,
    with enough digits that the difference is visible."""
    from scipy.special import softmax

    out = np.asarray(out, dtype=float)
    if out.shape != Z.shape:
        return f"an output of shape {out.shape} for scores of shape {Z.shape}"
    exact = softmax(Z, axis=1)
    bad = ~np.isfinite(out)
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        return f"{out[row, col]} as the probability of class {col} for the scores {_row(Z[row])}"
    err = np.abs(out - exact) - (1e-9 + 1e-7 * exact)
    row, col = (int(v) for v in np.unravel_index(int(np.argmax(err)), err.shape))
    if not err[row, col] <= 0:
        return (
            f"{out[row, col]:.10g} as the probability of class {col} for the scores {_row(Z[row])}, "
            f"where the exact probability is {exact[row, col]:.10g}"
        )
    return None


def _row(v) -> str:
    return "[" + ", ".join(_fmt(x) for x in v) + "]"


def values_check(exercise, results, cases, name, should, items, function) -> Check:
    """`items(case, obs)` yields (problem or None) for each compared output."""
    for r, case in zip(results, cases):
        for problem in items(case, r.obs):
            if problem:
                return Check(name, "runtime", False, f"Exercise {exercise} should {should}; found {problem} on hidden case {r.index + 1}", function=function)
    return Check(name, "runtime", True, f"checked on every hidden input: it should {should}, and it does", function=function)


# --- trained models --------------------------------------------------------------------
def train_events(exercise, results, should, function):
    """A failed training_works check if training or prediction met a floating-point event."""
    for r in results:
        events = fp_events(r.obs.get("events_train", ()))
        if events:
            kind, line = events[0]
            where = f" at line {line}" if line else ""
            return Check(
                "training_works", "runtime", False,
                f"Exercise {exercise} should {should}; found {_event_phrase(kind)}{where} "
                f"while training or predicting on hidden case {r.index + 1}",
                line, root_cause=False, function=None if line else function,
            )
    return None


def training_check(exercise, results, cases, should, passed, problem, function="train") -> Check:
    """training_works: no floating-point event while training, then `problem(case, obs)`
    -> None, or (what was found, the student's function it points at)."""
    failed = train_events(exercise, results, should, function)
    if failed:
        return failed
    for r, case in zip(results, cases):
        found = problem(case, r.obs)
        if found:
            text, where = found
            return Check(
                "training_works", "runtime", False,
                f"Exercise {exercise} should {should}; found {text} on hidden case {r.index + 1}",
                root_cause=False, function=where or function,
            )
    return Check("training_works", "runtime", True, passed, root_cause=False, function=function)


#: how far below the reference fix's own training accuracy on a hidden case a submission may
#: land. A training check's `min_accuracy` is what the shipped hyper-parameters reach on
#: typical data; on some seeds' data the reference fix itself falls short of it (measured
#: over 200 seeds: 8 for sigmoid/overflow-basic, 23 for log_epsilon/network-loss), and a
#: correct fix must never fail for that. There the bar is the reference's accuracy less this.
REFERENCE_MARGIN = 0.05


def accuracy_bar(min_accuracy: float, reference_accuracy: float | None) -> float:
    if reference_accuracy is None:
        return min_accuracy
    return min(min_accuracy, round(reference_accuracy - REFERENCE_MARGIN, 2))


def _linear_shape_problem(X, W, b, k: int | None) -> str | None:
    want_w, want_b = ((X.shape[1],), 1) if k is None else ((X.shape[1], k), k)
    if W.shape != want_w or b.size != want_b or not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
        return f"W of shape {W.shape} and b of shape {b.shape} (finite arrays of shapes {want_w} and ({want_b},) are expected)"
    return None


def _linear_accuracy(X, y, W, b, k: int | None) -> float:
    scores = X @ W + (float(b.reshape(())) if k is None else b.reshape(k))
    return float(np.mean((scores > 0) == y)) if k is None else float(np.mean(scores.argmax(axis=1) == y))


def _linear_problem(X, y, W, b, k: int | None, min_accuracy, reference: dict | None, names=("w", "b")) -> str | None:
    """Shapes, finiteness and training accuracy of a linear model; k None for a binary one.
    `reference`: what the reference fix's training returned on this case, or None."""
    found = _linear_shape_problem(X, W, b, k)
    if found:
        return found
    ref = None
    if reference is not None:
        rW, rb = reference[names[0]], np.asarray(reference[names[1]], dtype=float)
        if _linear_shape_problem(X, rW, rb, k) is None:
            ref = _linear_accuracy(X, y, rW, rb, k)
    acc, need = _linear_accuracy(X, y, W, b, k), accuracy_bar(min_accuracy, ref)
    if not acc >= need:
        return f"a training accuracy of {acc:.2f} (at least {need} is expected)"
    return None


def linear_training(exercise, results, cases, min_accuracy, multiclass, names=("w", "b"), reference=None) -> Check:
    """A linear model from `train`, and `predict_proba` giving the logistic function (binary)
    or the softmax (multiclass) of its scores. `reference(case)`: the reference fix's trained
    values on that case (NumericGrader.trained_by_reference), for the accuracy bar."""
    from scipy.special import expit, softmax

    def problem(case, o):
        X, y = case["train"]["args"][:2]
        k = case["train"]["args"][2] if multiclass else None
        W, b = o[names[0]], np.asarray(o[names[1]], dtype=float)
        found = _linear_problem(X, y, W, b, k, min_accuracy, reference and reference(case), names)
        if found:
            return found, "train"
        scores = X @ W + (float(b.reshape(())) if k is None else b.reshape(k))
        want = softmax(scores, axis=1) if multiclass else expit(scores)
        p = o["out_proba"]
        if p.shape != want.shape or not np.allclose(p, want, atol=1e-8, rtol=0):
            what = "the softmax of X @ W + b" if multiclass else "the logistic function of X @ w + b"
            return f"`predict_proba` values that differ from {what}", "predict_proba"
        return None

    return training_check(
        exercise, results, cases, "still train and predict on hidden data without floating-point events",
        "training and prediction on hidden data work", problem,
    )


def params_of(o: dict, name: str = "params") -> dict:
    return {p: o[f"{name}_{p}"] for p in ("W1", "b1", "W2", "b2")}


def mlp_accuracy(X, y, t, hidden_act) -> float | None:
    from scipy.special import expit

    try:
        pre = X @ t["W1"] + t["b1"]
        H = expit(pre) if hidden_act == "sigmoid" else np.maximum(0.0, pre)
        b2 = np.asarray(t["b2"], dtype=float).reshape(-1)
        z = np.asarray(H @ t["W2"], dtype=float).reshape(len(y), -1) + (b2[0] if b2.size == 1 else b2)
        if z.shape != (len(y), 1):
            return None
        return float(np.mean((z[:, 0] > 0) == y))
    except (ValueError, IndexError):
        return None


def loss_log_problem(losses: np.ndarray, reference: dict | None = None) -> str | None:
    """A loss log must be one finite number per epoch, and fall over training, unless the
    reference fix's own log (from `reference`, its trained values on the case) does not
    fall there either: on a few seeds' data with an outlier row it rises (2 of 200 seeds for
    log_epsilon/network-loss), and a correct fix must never fail for that."""
    if losses.ndim != 1 or losses.size == 0:
        return f"a loss log of shape {losses.shape} (one number per epoch is expected)"
    if not np.all(np.isfinite(losses)):
        i = int(np.flatnonzero(~np.isfinite(losses))[0])
        return f"a logged loss of {losses[i]} at epoch {i}"
    ref = None if reference is None else reference.get("losses")
    falls = ref is None or (ref.ndim == 1 and ref.size > 0 and bool(np.all(np.isfinite(ref))) and ref[-1] < ref[0])
    if falls and not losses[-1] < losses[0]:
        return f"a loss that did not decrease ({losses[0]:.6g} at the start, {losses[-1]:.6g} at the end)"
    return None


def mlp_training(exercise, results, cases, min_accuracy, hidden_act, losses_logged, reference=None) -> Check:
    """`reference` as for linear_training."""
    should = "still train on hidden data" + (", logging finite, decreasing losses" if losses_logged else "")

    def problem(case, o):
        X, y = case["train"]["args"][:2]
        ref = reference and reference(case)
        found = loss_log_problem(o["losses"], ref) if losses_logged else None
        t = params_of(o)
        if found is None and not all(np.all(np.isfinite(v)) for v in t.values()):
            found = "parameters that are not finite after training"
        if found is None:
            acc = mlp_accuracy(X, y, t, hidden_act)
            need = accuracy_bar(min_accuracy, None if ref is None else mlp_accuracy(X, y, params_of(ref), hidden_act))
            if acc is None:
                found = "trained parameters whose shapes do not fit together"
            elif not acc >= need:
                found = f"a training accuracy of {acc:.2f} (at least {need} is expected)"
        return (found, "train") if found else None

    return training_check(exercise, results, cases, should, f"checked on hidden data: it should {should}, and it does", problem)


def linear_loss_training(exercise, results, cases, min_accuracy, multiclass, reference=None) -> Check:
    """`reference` as for linear_training."""
    names = ("W", "b") if multiclass else ("w", "b")

    def problem(case, o):
        X, y = case["train"]["args"][:2]
        ref = reference and reference(case)
        found = loss_log_problem(o["losses"], ref)
        if found is None:
            k = case["train"]["args"][2] if multiclass else None
            W, b = o[names[0]], np.asarray(o[names[1]], dtype=float)
            found = _linear_problem(X, y, W, b, k, min_accuracy, ref, names)
        return (found, "train") if found else None

    return training_check(
        exercise, results, cases, "log finite, decreasing losses when training on hidden data, and still learn",
        "training on hidden data logs finite, decreasing losses and learns", problem,
    )


# --- losses ----------------------------------------------------------------------------
#: a confidently wrong prediction must cost at least this (-log(4.5e-5): any safety margin
#: up to about 4.5e-5 is fine) and, where the exact cost is 1e4, at most MAX_WRONG_COST
#: (np.nan_to_num's 1.8e308 is not a cost)
MIN_WRONG_COST = 10.0
MAX_WRONG_COST = 1e6


def exact_bce(y, p) -> float:
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def exact_ce(Y, P) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Y > 0, Y * np.log(np.where(Y > 0, P, 1.0)), 0.0)
    return float(-np.mean(np.sum(terms, axis=1)))


def exact_logit_loss(y, z) -> float:
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def loss_checks(exercise, results, cases, function, exact, rtol, wrong_keys, right_key="right", batch_key="batch", extreme_keys=(), extreme_right=()):
    """loss_matches_exact, confident_predictions_scored (the events check is separate).

    `wrong_keys` maps call keys to descriptions of a confidently wrong prediction."""
    exact_msgs, conf_msgs = [], []
    for r, case in zip(results, cases):
        o = r.obs
        args = {spec["key"]: spec["args"] for spec in case["calls"]}
        v = {k: o[f"out_{k}"] for k in args}
        want = exact(*args["ordinary"])
        got = v["ordinary"]
        if not abs(got - want) <= rtol * abs(want):
            exact_msgs.append(f"{got:.10g} for ordinary predictions on hidden case {r.index + 1}, where the exact loss is {want:.10g}")
        if not abs(v[right_key]) <= 1e-3:
            conf_msgs.append(f"a loss of {v[right_key]:.6g} for predictions that are confidently right (about 0 is expected)")
        for key, what in wrong_keys.items():
            if not (MIN_WRONG_COST <= v[key] <= MAX_WRONG_COST):
                conf_msgs.append(
                    f"a loss of {v[key]:.6g} for {what} (a large finite cost is expected: at least "
                    f"{MIN_WRONG_COST:g}, and not a made-up huge number)"
                )
        for key, what in dict(extreme_keys).items():
            if not (MIN_WRONG_COST <= v[key] < np.inf):
                conf_msgs.append(f"a loss of {v[key]:.6g} for {what} (a large finite cost is expected)")
        for key, what in dict(extreme_right).items():
            if not abs(v[key]) <= 1e-3:
                conf_msgs.append(f"a loss of {v[key]:.6g} for {what} (about 0 is expected)")
        if not (MIN_WRONG_COST / 3 <= v[batch_key] <= MAX_WRONG_COST):
            conf_msgs.append(f"a loss of {v[batch_key]:.6g} for a batch with one confidently wrong prediction among ordinary ones")
    return [
        Check(
            "loss_matches_exact", "runtime", not exact_msgs,
            f"Exercise {exercise} should give the exact cross-entropy for ordinary predictions; found "
            f"{exact_msgs[0]}. Any safety margin must be tiny enough not to change ordinary losses"
            if exact_msgs else "the loss matches the exact cross-entropy on ordinary predictions",
            function=function,
        ),
        Check(
            "confident_predictions_scored", "runtime", not conf_msgs,
            f"Exercise {exercise} should charge a confidently wrong prediction a large finite loss and a "
            f"confidently right one almost nothing; found {conf_msgs[0]}. A term that is dropped, zeroed or "
            "capped, or a safety margin wider than about 4.5e-5, hides exactly the mistakes the loss must punish"
            if conf_msgs else "confident predictions are scored correctly",
            function=function,
        ),
    ]
