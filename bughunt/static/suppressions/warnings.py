"""Suppressions that silence numpy floating-point reports or Python warnings."""
from __future__ import annotations

import libcst.matchers as m

from ..base import Finding, Source, StaticCheck

_WARNING_FILTERS = {
    "warnings.filterwarnings",
    "warnings.simplefilter",
    "warnings.catch_warnings",
    "warnings.resetwarnings",
}


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
    ]

    def findings(self, src: Source) -> list[Finding]:
        return [
            Finding(
                src.line(c),
                "`np.seterr` switches off numpy's floating-point warnings; the overflow or division "
                "by zero still happens, it is just no longer reported",
            )
            for c in src.find(src.module, m.Call())
            if src.calls_to(c.func, "numpy.seterr")
        ]


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
    ]
    INVALID = [
        """
import numpy as np
def loss(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(y * np.log(p))
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
            if src.calls_to(c.func, "numpy.errstate")
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
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for c in src.find(src.module, m.Call()):
            hit = src.names(c.func) & _WARNING_FILTERS
            if hit:
                out.append(
                    Finding(
                        src.line(c),
                        f"`{sorted(hit)[0]}` hides warnings instead of removing their cause; "
                        "the warning is the symptom, not the bug",
                    )
                )
        return out
