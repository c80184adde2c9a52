"""Helpers for grader probes. Probes run inside the sandboxed child, next to student code.

A probe only calls the student's functions and returns raw observations (numbers, arrays,
flags). It never decides the verdict: the parent judges, so nothing a submission does to
this process can turn a check green.
"""
from __future__ import annotations

import inspect
import sys
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
# every array numpy derives from it (arithmetic, matmul, reductions, views, astype), so a
# probe can report an intermediate such as an (n, n) residual that never reaches a return
# value. `np.asarray`/`np.array` return a plain ndarray and stop the trace: a probe that must
# see every intermediate also measures peak memory (bughunt/families/shapes/probes.py).
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
        # by identity: two blocks may hold equal (say, empty) sets
        for i in range(len(_SHAPE_LOGS) - 1, -1, -1):
            if _SHAPE_LOGS[i] is shapes:
                del _SHAPE_LOGS[i]
                break


class _InertErrstate:
    """Stand-in for np.errstate (and numpy.testing.suppress_warnings) created by the
    submission while floating-point events are watched: accepts the same arguments, works
    as a context manager or decorator, and changes nothing."""

    def __init__(self, *args, **kwargs):
        self._record = bool(kwargs.get("record"))

    def __enter__(self):
        return [] if self._record else self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        return func

    # numpy.testing.suppress_warnings API
    def filter(self, *args, **kwargs):
        return None

    def record(self, *args, **kwargs):
        return []


# --- floating-point watching ------------------------------------------------------------
# numpy reports a floating-point event (overflow, division by zero, invalid value) through
# its error mode. While a watched call runs, the mode is "call" with the probe's recorder:
# events never become warnings, so no warnings filter, catch_warnings or suppress_warnings
# can hide them. The knobs that would change the mode (np.seterr, np.errstate, also as a
# decorator, np.seterrcall) and the warning filters are replaced, in every module that
# exposes them, by guards that do nothing when the submission's file calls them; libraries
# keep theirs. A probe installs the guards for the whole child run (`guard_floating_point`,
# from its `instrument`, before the submission is imported), so `from numpy import
# errstate` or `@np.errstate(...)` at import time binds the guard too.
_FP_KINDS = ("overflow", "divide by zero", "invalid value")
_REAL: dict = {}
_GUARDED_FILES: list[str] = []
_PATCHED: list[tuple] = []  # (namespace dict, key, real object) to undo temporary guards
_MAX_EVENTS = 40


def _caller_guarded(depth: int) -> bool:
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return False
    return bool(_GUARDED_FILES) and frame.f_code.co_filename in _GUARDED_FILES


def _real_objects() -> dict:
    if not _REAL:
        import numpy.testing

        _REAL.update(
            seterr=np.seterr, errstate=np.errstate, seterrcall=np.seterrcall,
            suppress_warnings=numpy.testing.suppress_warnings,
            filterwarnings=warnings.filterwarnings, simplefilter=warnings.simplefilter,
            resetwarnings=warnings.resetwarnings, catch_warnings=warnings.catch_warnings,
        )
    return _REAL


def _guard_seterr(*args, **kwargs):
    if _caller_guarded(1):
        return np.geterr()
    return _REAL["seterr"](*args, **kwargs)


def _guard_seterrcall(func):
    if _caller_guarded(1):
        return None
    return _REAL["seterrcall"](func)


class _GuardErrstate:
    """np.errstate for libraries; an inert stand-in for the submission."""

    def __new__(cls, *args, **kwargs):
        if _caller_guarded(1):
            return _InertErrstate()
        return _REAL["errstate"](*args, **kwargs)


class _GuardSuppressWarnings:
    def __new__(cls, *args, **kwargs):
        if _caller_guarded(1):
            return _InertErrstate()
        return _REAL["suppress_warnings"](*args, **kwargs)


class _GuardCatchWarnings:
    def __new__(cls, *args, **kwargs):
        if _caller_guarded(1):
            return _InertErrstate(record=kwargs.get("record", args[0] if args else False))
        return _REAL["catch_warnings"](*args, **kwargs)


def _guard_filter(name):
    def guarded(*args, **kwargs):
        if _caller_guarded(1):
            return None
        return _REAL[name](*args, **kwargs)

    guarded.__name__ = name
    return guarded


def _guards() -> dict:
    return {
        "seterr": _guard_seterr, "errstate": _GuardErrstate, "seterrcall": _guard_seterrcall,
        "suppress_warnings": _GuardSuppressWarnings, "catch_warnings": _GuardCatchWarnings,
        **{n: _guard_filter(n) for n in ("filterwarnings", "simplefilter", "resetwarnings")},
    }


def _install(files: list[str], permanent: bool) -> None:
    real = _real_objects()
    guards = _guards()
    _GUARDED_FILES[:] = [f for f in files if f]
    # Only a binding under the object's own name is replaced, so each namespace needs a
    # lookup per guarded name, not a scan of all its entries: with scikit-learn, pandas
    # and SciPy loaded that scan took 50 ms of every run.
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict) or str(namespace.get("__name__", "")).startswith("bughunt.probe"):
            continue
        for name, value in real.items():
            if namespace.get(name) is value:
                namespace[name] = guards[name]
                if not permanent:
                    _PATCHED.append((namespace, name, value))


def _uninstall() -> None:
    while _PATCHED:
        namespace, key, value = _PATCHED.pop()
        namespace[key] = value
    _GUARDED_FILES.clear()


_PERMANENT: list[bool] = []


def guard_floating_point(student_file: str | None = None) -> None:
    """For the rest of this process, np.seterr/np.errstate/np.seterrcall, numpy.testing.
    suppress_warnings and the warning filters do nothing when the submission calls them.
    Call it from a probe's `instrument`, before the submission is loaded."""
    target = student_file or (STUDENT_FILE[0] if STUDENT_FILE else None)
    if target is None:
        return
    _install([target], permanent=True)
    _PERMANENT[:] = [True]


class _Recorder:
    def __init__(self, files: list[str]):
        self.files = files
        self.events: list[tuple[str, int | None]] = []

    def __call__(self, kind, flag):
        if kind not in _FP_KINDS:
            return
        line = None
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename in self.files:
                line = frame.f_lineno
                break
            frame = frame.f_back
        event = (str(kind), line)
        if event not in self.events and len(self.events) < _MAX_EVENTS:
            self.events.append(event)


def fp_event_text(kind: str, line: int | None) -> str:
    if kind == "error mode changed":
        return "RuntimeWarning: error mode changed: numpy's floating-point reporting was switched away while the call ran"
    where = f" at line {line}" if line else ""
    return f"RuntimeWarning: {kind} encountered in a numpy operation{where}"


def call_watched_strict(fn, *args, **kwargs):
    """Call fn and return (result, warnings): the warnings it raised, plus one text per
    floating-point event (overflow, division by zero, invalid value; never underflow)
    that numpy met while it ran, with the submission's line where known. np.seterr,
    np.errstate (as a block or a decorator), np.seterrcall, numpy.testing.
    suppress_warnings and the warning filters used by the submission cannot hide them;
    libraries it calls keep their own errstate blocks."""
    own = getattr(getattr(fn, "__code__", None), "co_filename", None)
    files = [f for f in ([STUDENT_FILE[0]] if STUDENT_FILE else []) + [own] if f]
    temporary = not _PERMANENT
    if temporary:
        _install(files, permanent=False)
    real = _real_objects()
    recorder = _Recorder(files)
    previous_call = real["seterrcall"](recorder)
    previous = real["seterr"](over="call", divide="call", invalid="call", under="ignore")
    try:
        with real["catch_warnings"](record=True) as caught:
            real["simplefilter"]("always")
            result = fn(*args, **kwargs)
        # numpy's private error-mode state, reached past the guards, left switched
        # away from the recorder: reported as such (never as an event that did not happen)
        mode = np.geterr()
        if np.geterrcall() is not recorder or any(mode[k] != "call" for k in ("over", "divide", "invalid")):
            recorder.events.append(("error mode changed", None))
    finally:
        real["seterr"](**previous)
        real["seterrcall"](previous_call)
        if temporary:
            _uninstall()
    texts = [_warning_text(w) for w in caught[:_MAX_EVENTS]]
    return result, texts + [fp_event_text(kind, line) for kind, line in recorder.events]
