"""Suppressions that swallow errors instead of fixing what raises them."""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..base import Finding, Source, StaticCheck


class TryExcept(StaticCheck):
    name = "try_except"
    suppression = True
    summary = "no try/except hides an error in the graded code"
    VALID = [
        """
def evaluate(X, y, seed):
    return X.mean()
""",
        """
if __name__ == "__main__":
    try:
        import matplotlib
    except ImportError:
        matplotlib = None
""",
        """
try:
    from scipy.special import expit
except ImportError:
    expit = None
def sigmoid(z):
    return expit(z)
""",
        """
def fit(X):
    try:
        return X.mean()
    except ValueError as exc:
        raise ValueError("X must be numeric") from exc
""",
        """
def fit(X):
    try:
        return X.mean()
    finally:
        print("done")
""",
    ]
    INVALID = [
        """
def evaluate(X, y, seed):
    try:
        return X.mean()
    except Exception:
        return 0.0
""",
        """
def evaluate(X, y, seed):
    try:
        return X.mean()
    except:
        pass
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for node in src.graded_nodes():
            for t in src.find(node, m.Try() | m.TryStar()):
                if not _swallows(src, t):
                    continue
                out.append(
                    Finding(
                        src.line(t),
                        "a try/except catches the error instead of removing its cause; "
                        "the failure is still there, only hidden",
                    )
                )
        return out


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "builtins.ImportError", "builtins.ModuleNotFoundError"}


def _swallows(src: Source, node: cst.Try | cst.TryStar) -> bool:
    """True if some handler of this try can end normally after an error in code that
    computes something. Not a suppression: a try around imports only, a handler that only
    catches ImportError, a handler that always re-raises, a bare try/finally."""
    body = node.body.body
    if all(isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body) for s in body):
        return False
    for handler in node.handlers:
        if handler.type is not None:
            caught = handler.type.elements if isinstance(handler.type, cst.Tuple) else [cst.Element(handler.type)]
            if all(isinstance(e.value, (cst.Name, cst.Attribute)) and (src.names(e.value) & _IMPORT_ERRORS or (isinstance(e.value, cst.Name) and e.value.value in _IMPORT_ERRORS)) for e in caught):
                continue
        if _always_raises(handler.body.body):
            continue
        return True
    return False


def _always_raises(stmts) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(x, cst.Raise) for x in last.body)


class ContextlibSuppress(StaticCheck):
    name = "contextlib_suppress"
    suppression = True
    summary = "no contextlib.suppress hides an error"
    VALID = [
        """
import contextlib
def evaluate(X, y, seed):
    with contextlib.nullcontext():
        return X.mean()
""",
    ]
    INVALID = [
        """
import contextlib
def evaluate(X, y, seed):
    with contextlib.suppress(ValueError):
        return X.mean()
""",
        """
from contextlib import suppress as quiet
def evaluate(X, y, seed):
    with quiet(Exception):
        return X.mean()
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for call in src.find(src.module, m.Call()):
            if src.calls_to(call.func, "contextlib.suppress"):
                out.append(
                    Finding(src.line(call), "`contextlib.suppress` swallows the error instead of removing its cause")
                )
        return out
