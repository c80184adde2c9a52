"""Helpers for grader probes. Probes run inside the sandboxed child, next to student code.

A probe only calls the student's functions and returns raw observations (numbers, arrays,
flags). It never decides the verdict: the parent judges, so nothing a submission does to
this process can turn a check green.
"""
from __future__ import annotations

import inspect
import warnings
from contextlib import contextmanager

import numpy as np


class ContractError(Exception):
    """The submission broke the interface the exercise README promises (missing function, wrong return)."""


def function(student, name: str, nargs: int | None = None):
    """The student's function `name`, checked to be callable with `nargs` positional arguments."""
    fn = getattr(student, name, None)
    if fn is None or not callable(fn):
        raise ContractError(f"the function `{name}` is missing; the grader calls it by that name")
    if nargs is not None:
        try:
            inspect.signature(fn).bind(*([None] * nargs))
        except TypeError:
            raise ContractError(f"`{name}` should accept {nargs} positional arguments") from None
        except ValueError:
            pass
    return fn


def array(value, what: str, ndim: int | None = None, dtype=float) -> np.ndarray:
    """Convert a student's return value to an array, or explain why it is not one."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ContractError(f"{what} should be numeric array-like; it is {type(value).__name__}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ContractError(f"{what} should be {ndim}-dimensional; its shape is {arr.shape}")
    return arr


def number(value, what: str) -> float:
    try:
        out = float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError):
        raise ContractError(f"{what} should be a single number; it is {type(value).__name__}") from None
    return out


def _warning_text(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {w.message}"


@contextmanager
def recorded_warnings():
    """Record every warning raised inside the block, ignoring filters the submission set."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def call_watched(fn, *args, **kwargs):
    """Call fn and return (result, warnings). Floating-point problems become warnings
    even if the submission silenced numpy globally with np.seterr."""
    previous = np.seterr(all="warn")
    try:
        with recorded_warnings() as caught:
            result = fn(*args, **kwargs)
    finally:
        np.seterr(**previous)
    return result, [_warning_text(w) for w in caught]
