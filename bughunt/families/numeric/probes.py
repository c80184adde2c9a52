"""CHILD side of the numeric family: call the student's functions on the inputs the parent
built, with every floating-point event recorded (bughunt.probe.call_watched_strict), and
send back raw values. No expected value, no reference, no case builder lives here.

A case is plain data:

    {"calls": [{"key": "z", "fn": "sigmoid", "args": [array], "group": "act",
                "returns": None | ["H", "p"], "kind": "array" | "number"}, ...],
     "train": {"fn": "train", "args": [X, y, ...], "returns": [["w", "array"], ...],
               "text": "a pair (weights, bias)"} | None,
     "after": [{"key": "proba", "fn": "predict_proba", "args": [X, "$w", "$b"]}]}

Observations: `out_<key>` (or `out_<key>_<name>` for each element of a returned tuple),
`events_<group>` (texts), and the trained values under their names (a dict of parameters
becomes `<name>_<param>`).
"""
from __future__ import annotations

import numpy as np

from bughunt.probe import ContractError, Probe, array, call_watched_strict, function, guard_floating_point, number

PARAMS = ("W1", "b1", "W2", "b2")


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _convert(value, kind: str, what: str, obs: dict, key: str) -> None:
    if kind == "number":
        obs[key] = number(value, what)
    elif kind == "params":
        if not isinstance(value, dict) or not set(PARAMS) <= set(value):
            raise ContractError(f"{what} should be the parameter dict with W1, b1, W2 and b2")
        for name in PARAMS:
            obs[f"{key}_{name}"] = array(value[name], f"the {name} in {what}")
    elif kind.startswith("array"):
        ndim = int(kind[5:]) if kind[5:] else None
        obs[key] = array(value, what, ndim=ndim)
    else:  # pragma: no cover - a grader bug
        raise ValueError(kind)


class NumericProbe(Probe):
    def instrument(self, config):
        # scipy.special first: importing it for the first time inside a watched call can
        # fail in the sandbox, and submissions may use expit/logsumexp/log_expit.
        import scipy.special  # noqa: F401

        guard_floating_point()

    def _call(self, student, spec, obs, events, saved):
        fn = function(student, spec["fn"], len(spec["args"]))
        args = [saved[a[1:]] if isinstance(a, str) and a.startswith("$") else _copy(a) for a in spec["args"]]
        value, ws = call_watched_strict(fn, *args)
        group = spec.get("group", "act")
        events.setdefault(group, []).extend(ws)
        what = f"the value returned by `{spec['fn']}`"
        returns = spec.get("returns")
        if returns:
            if not isinstance(value, (tuple, list)) or len(value) != len(returns):
                raise ContractError(f"`{spec['fn']}` should return {spec.get('text') or len(returns)}")
            for name, item in zip(returns, value):
                _convert(item, spec.get("kind", "array"), f"the {name} returned by `{spec['fn']}`", obs, f"out_{spec['key']}_{name}")
        else:
            _convert(value, spec.get("kind", "array"), what, obs, f"out_{spec['key']}")

    def run(self, student, case, config):
        obs: dict = {}
        events: dict[str, list] = {g: [] for g in config.get("groups", ())}
        saved: dict = {}
        for spec in case.get("calls", ()):
            self._call(student, spec, obs, events, saved)
        train = case.get("train")
        if train:
            fn = function(student, train["fn"], len(train["args"]))
            value, ws = call_watched_strict(fn, *[_copy(a) for a in train["args"]])
            events.setdefault("train", []).extend(ws)
            returns = train["returns"]
            if len(returns) == 1:
                value = (value,)
            if not isinstance(value, (tuple, list)) or len(value) != len(returns):
                raise ContractError(f"`{train['fn']}` should return {train['text']}")
            for (name, kind), item in zip(returns, value):
                _convert(item, kind, f"the {name} returned by `{train['fn']}`", obs, name)
                saved[name] = item if kind == "params" else obs[name]
        for spec in case.get("after", ()):
            self._call(student, {**spec, "group": spec.get("group", "train")}, obs, events, saved)
        for group, ws in events.items():
            obs[f"events_{group}"] = [str(w)[:300] for w in ws[:40]]
        return obs


NUMERIC = NumericProbe()
