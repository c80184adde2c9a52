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
                out.append(
                    Finding(
                        src.line(t),
                        "a try/except catches the error instead of removing its cause; "
                        "the failure is still there, only hidden",
                    )
                )
        return out


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
