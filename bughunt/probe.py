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


class Probe:
    """The child-side half of a grader: it calls the student's functions on inputs the
    parent built and returns raw observations (numbers, arrays, flags, short texts).

    A probe module imports nothing from graders/ and holds no expected value, reference
    fix or case generator: whatever is in this process, the submission can read.
    """

    def instrument(self, config: dict) -> None:
        """Called before the submission is loaded (e.g. to wrap library functions)."""

    def run(self, student, case: dict, config: dict) -> dict:
        raise NotImplementedError


#: where each student function the probes looked up is defined: {name: line}; the parent
#: uses it to point runtime failures at the student's own code
FUNCTION_LINES: dict[str, int] = {}
STUDENT_FILE: list[str] = []


def function(student, name: str, nargs: int | None = None):
    """The student's function `name`, checked to be callable with `nargs` positional arguments."""
    fn = getattr(student, name, None)
    if fn is None or not callable(fn):
        raise ContractError(f"the function `{name}` is missing; the grader calls it by that name")
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__call__", None), "__code__", None)
    if code is not None and (not STUDENT_FILE or code.co_filename == STUDENT_FILE[0]):
        FUNCTION_LINES.setdefault(name, code.co_firstlineno)
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


# --- shape tracing -----------------------------------------------------------------
# Added for the shape_mismatch exercises: an ndarray subclass that records the shape of
# every array numpy derives from it (arithmetic, matmul, reductions, views), so a probe can
# report an intermediate such as an (n, n) residual that never reaches a return value.
_SHAPE_LOGS: list[set] = []


class ShapeTraced(np.ndarray):
    """An ndarray that reports the shape of each array derived from it to `trace_shapes`."""

    def __array_finalize__(self, obj):
        if _SHAPE_LOGS:
            _SHAPE_LOGS[-1].add(tuple(self.shape))


def traced(value) -> np.ndarray:
    """A copy of `value` whose derived arrays are recorded inside `trace_shapes()`."""
    return np.array(value, dtype=float).view(ShapeTraced)


@contextmanager
def trace_shapes():
    """Collect the shapes of every array derived from a `traced` input inside the block."""
    shapes: set = set()
    _SHAPE_LOGS.append(shapes)
    try:
        yield shapes
    finally:
        _SHAPE_LOGS.remove(shapes)


class _InertErrstate:
    """Stand-in for np.errstate while a strict watched call runs: accepts the same arguments,
    works as a context manager or decorator, and changes nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        return func


def call_watched_strict(fn, *args, **kwargs):
    """Like call_watched, but np.seterr, np.errstate, warnings.simplefilter and
    warnings.filterwarnings called *during* the call from the file that defines fn (the
    submission) cannot switch the reports off either; libraries it calls keep their own
    blocks. Use it when an exercise's symptom is a floating-point warning."""
    import sys

    real_seterr, real_errstate = np.seterr, np.errstate
    own_file = getattr(getattr(fn, "__code__", None), "co_filename", None)

    def from_submission() -> bool:
        return own_file is not None and sys._getframe(2).f_code.co_filename == own_file

    def seterr(*a, **k):
        return real_seterr() if from_submission() else real_seterr(*a, **k)

    def errstate(*a, **k):
        return _InertErrstate() if from_submission() else real_errstate(*a, **k)

    real_filters = warnings.simplefilter, warnings.filterwarnings

    def guard(real):
        def filt(*a, **k):
            return None if from_submission() else real(*a, **k)

        return filt

    previous = real_seterr(all="warn")
    try:
        with recorded_warnings() as caught:
            np.seterr, np.errstate = seterr, errstate
            warnings.simplefilter, warnings.filterwarnings = guard(real_filters[0]), guard(real_filters[1])
            try:
                result = fn(*args, **kwargs)
            finally:
                np.seterr, np.errstate = real_seterr, real_errstate
                warnings.simplefilter, warnings.filterwarnings = real_filters
    finally:
        real_seterr(**previous)
    return result, [_warning_text(w) for w in caught]
