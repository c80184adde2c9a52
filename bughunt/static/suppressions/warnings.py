"""Suppressions that silence numpy floating-point reports or Python warnings.

Only settings that hide something count: `np.seterr(all="raise")`, `np.errstate(under=
"ignore")` (underflow to 0 is correct rounding, never the symptom), a plain
`warnings.catch_warnings()` that only saves and restores the filters, or
`warnings.simplefilter("error")` hide nothing. A setting the checker cannot read (a
variable, `**options`) is not proven to hide anything either: the runtime probes watch
floating-point events directly, whatever the submission sets.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..base import Finding, Source, StaticCheck

_WARNING_FILTERS = {"warnings.filterwarnings", "warnings.simplefilter"}
_CATCH = {"warnings.catch_warnings"}
_SUPPRESS = {"numpy.testing.suppress_warnings", "numpy.testing._private.utils.suppress_warnings"}
#: numpy error-mode values that stop a report from reaching the user
_QUIET = {"ignore", "call", "log"}
#: where numpy defines its error-mode knobs (a submission may import them from there)
_SETERR = {f"{m}.seterr" for m in ("numpy", "numpy._core", "numpy.core", "numpy._core._ufunc_config", "numpy.core._ufunc_config")}
_SETERRCALL = {n.replace(".seterr", ".seterrcall") for n in _SETERR}
_ERRSTATE = {n.replace(".seterr", ".errstate") for n in _SETERR}
_REPORTED = ("all", "over", "divide", "invalid")


def _literal(node) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _silenced(call: cst.Call) -> list[str]:
    """The floating-point errors a np.seterr / np.errstate call switches off (literal
    arguments only)."""
    out = []
    for arg in call.args:
        if arg.keyword is None:
            if arg.star == "" and _literal(arg.value) in _QUIET:
                out.append("all")  # np.seterr("ignore") sets `all`
            continue
        if arg.keyword.value in _REPORTED and _literal(arg.value) in _QUIET:
            out.append(arg.keyword.value)
    return out


class NumpySeterr(StaticCheck):
    name = "np_seterr"
    suppression = True
    summary = "numpy's floating-point error reporting is left on"
    VALID = [
        """
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
        """
import numpy as np
np.seterr(all="raise")
np.seterr(under="ignore")
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
    ]
    INVALID = [
        """
import numpy as np
np.seterr(over="ignore")
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
""",
        """
import numpy
def sigmoid(z):
    numpy.seterr(all="ignore")
    return 1 / (1 + numpy.exp(-z))
""",
        """
from numpy import seterr as quiet
quiet(divide="ignore", invalid="ignore")
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for c in src.find(src.module, m.Call()):
            if src.calls_to(c.func, *_SETERR) and _silenced(c):
                out.append(Finding(
                    src.line(c),
                    "`np.seterr` switches off numpy's floating-point warnings; the overflow or division "
                    "by zero still happens, it is just no longer reported",
                ))
            elif src.calls_to(c.func, *_SETERRCALL):
                out.append(Finding(
                    src.line(c),
                    "`np.seterrcall` redirects numpy's floating-point reports to your own handler; the overflow "
                    "or division by zero still happens",
                ))
        return out


class NumpyErrstate(StaticCheck):
    name = "np_errstate"
    suppression = True
    summary = "no np.errstate block silences floating-point errors"
    VALID = [
        """
import numpy as np
def loss(p, y):
    return -np.mean(y * np.log(np.clip(p, 1e-12, 1)))
""",
        """
import numpy as np
def sigmoid(z):
    with np.errstate(under="ignore"):
        return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
        """
import numpy as np
@np.errstate(over="raise")
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
    ]
    INVALID = [
        """
import numpy as np
def loss(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(y * np.log(p))
""",
        """
import numpy as np
@np.errstate(over="ignore")
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
""",
        """
import numpy._core._ufunc_config as cfg
def sigmoid(z):
    with cfg.errstate(over="ignore"):
        return 1 / (1 + cfg.np.exp(-z))
""",
        """
from numpy import errstate
def sigmoid(z):
    with errstate(all="ignore"):
        return 1 / (1 + __import__("numpy").exp(-z))
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        return [
            Finding(
                src.line(c),
                "`np.errstate` hides numpy's floating-point warnings inside this block; "
                "the bad values are still computed",
            )
            for c in src.find(src.module, m.Call())
            if src.calls_to(c.func, *_ERRSTATE) and _silenced(c)
        ]


class WarningsFilter(StaticCheck):
    name = "warnings_filter"
    suppression = True
    summary = "no warnings filter hides the symptom"
    VALID = [
        """
import warnings
def fit(X):
    warnings.warn("deprecated option")
    return X
""",
        """
import warnings
warnings.simplefilter("error", RuntimeWarning)
def fit(X):
    with warnings.catch_warnings():
        warnings.filterwarnings("always")
        return X
""",
    ]
    INVALID = [
        """
import warnings
warnings.filterwarnings("ignore")
def fit(X):
    return X
""",
        """
import warnings
def fit(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return X
""",
        """
from warnings import simplefilter as quiet
quiet("ignore")
""",
        """
import warnings
def fit(X):
    with warnings.catch_warnings(record=True):
        return X
""",
        """
from numpy.testing import suppress_warnings
def fit(X):
    with suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        return X
""",
        """
import warnings
warnings.filterwarnings(action="ignore", category=RuntimeWarning)
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for c in src.find(src.module, m.Call()):
            names = src.names(c.func)
            what = None
            if names & _WARNING_FILTERS:
                action = next((a.value for a in c.args if a.keyword is None), None)
                action = next((a.value for a in c.args if a.keyword and a.keyword.value == "action"), action)
                if _literal(action) == "ignore":
                    what = sorted(names & _WARNING_FILTERS)[0]
            elif names & _CATCH:
                for a in c.args:
                    if a.keyword and (
                        (a.keyword.value == "record" and isinstance(a.value, cst.Name) and a.value.value == "True")
                        or (a.keyword.value == "action" and _literal(a.value) == "ignore")
                    ):
                        what = "warnings.catch_warnings"
            elif names & _SUPPRESS:
                what = "numpy.testing.suppress_warnings"
            if what:
                out.append(Finding(
                    src.line(c),
                    f"`{what}` hides warnings instead of removing their cause; the warning is the symptom, not the bug",
                ))
        return out
