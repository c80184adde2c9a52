"""The child-to-parent format: JSON with numpy arrays as typed base64 blobs.

The child is untrusted, so the parent never unpickles what it sends: only plain JSON
and arrays of a few numeric dtypes are accepted.
"""
from __future__ import annotations

import base64
import json
import math

import numpy as np

_DTYPES = {"float64", "float32", "int64", "int32", "bool", "uint8", "int8", "int16", "uint16", "uint32", "uint64"}
MAX_ELEMENTS = 20_000_000


class WireError(ValueError):
    pass


def _default(obj):
    if isinstance(obj, np.ndarray):
        arr = np.asarray(obj, order="C")  # keeps 0-d arrays 0-d (ascontiguousarray makes them 1-d)
        if arr.dtype.name not in _DTYPES:
            arr = arr.astype(np.float64) if arr.dtype.kind in "fc" else arr.astype(str).astype(object)
            if arr.dtype == object:
                return {"__repr__": f"array of {obj.dtype}"}
        return {
            "__nd__": arr.dtype.name,
            "shape": list(arr.shape),
            "data": base64.b64encode(arr.tobytes()).decode("ascii"),
        }
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return {"__repr__": type(obj).__name__}


def dumps(obj) -> str:
    return json.dumps(obj, default=_default)


def _hook(d: dict):
    if "__nd__" in d:
        dtype = d["__nd__"]
        if dtype not in _DTYPES:
            raise WireError(f"unexpected dtype {dtype!r}")
        shape = tuple(int(s) for s in d["shape"])
        if any(s < 0 for s in shape) or math.prod(shape) > MAX_ELEMENTS:
            raise WireError("array too large")
        raw = base64.b64decode(d["data"], validate=True)
        arr = np.frombuffer(raw, dtype=np.dtype(dtype))
        if arr.size != math.prod(shape):
            raise WireError("array size does not match its shape")
        return arr.reshape(shape).copy()
    return d


MAX_DEPTH = 32


def _depth_ok(text: str) -> bool:
    """True if no bracket nesting in `text` goes deeper than MAX_DEPTH (strings skipped),
    checked before parsing so a hostile reply cannot exhaust the parser's stack."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads(text: str):
    if not _depth_ok(text):
        raise WireError(f"nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text, object_hook=_hook)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise WireError(str(exc)) from None
