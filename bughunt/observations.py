"""Validate what the child sent back before any judge reads it.

The child runs student code, so its reply may be anything a hostile submission managed to
write. Each split grader declares the shape of its observations; a reply that does not fit
is the submission's error, reported as such, never a grader failure.
"""
from __future__ import annotations

import numpy as np

_MAX_TEXT = 2000
_MAX_TEXTS = 200


def _problem(kind: str, value) -> str | None:
    if kind == "any":
        return None
    if kind == "array":
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            return f"a numeric array, not {type(value).__name__}"
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"a number, not {type(value).__name__}"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"true or false, not {type(value).__name__}"
    if kind == "text":
        return None if isinstance(value, str) and len(value) <= _MAX_TEXT else "a short text"
    if kind == "texts":
        ok = isinstance(value, list) and len(value) <= _MAX_TEXTS and all(isinstance(v, str) and len(v) <= _MAX_TEXT for v in value)
        return None if ok else "a short list of short texts"
    raise ValueError(f"unknown observation kind {kind!r}")


def problems(obs, schema: dict[str, str]) -> str | None:
    """Why `obs` does not fit `schema`, or None. Keys beyond the schema are dropped by the caller."""
    if not isinstance(obs, dict):
        return "the observations are not a mapping"
    for key, kind in schema.items():
        optional = kind.endswith("?")
        kind = kind.rstrip("?")
        if key not in obs:
            if optional:
                continue
            return f"`{key}` is missing"
        if optional and obs[key] is None:
            continue
        why = _problem(kind, obs[key])
        if why:
            return f"`{key}` should be {why}"
    return None


def function_lines(value) -> dict[str, int]:
    """The child's {function name: definition line} map, keeping only sane entries."""
    if not isinstance(value, dict):
        return {}
    return {
        k: v for k, v in list(value.items())[:50]
        if isinstance(k, str) and len(k) < 100 and isinstance(v, int) and not isinstance(v, bool) and 0 < v < 10**6
    }
