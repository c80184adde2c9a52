"""Suppressions that paper over inf/nan values after an unstable exp or log produced them."""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..base import Finding, Source, StaticCheck
from ..numeric_stability import analyze, verdict

_NAN_REDUCTIONS = {
    f"numpy.{n}"
    for n in "nanmean nansum nanmax nanmin nanstd nanvar nanmedian nanprod nanargmax nanargmin nanpercentile nanquantile".split()
}
_NONFINITE_TESTS = {
    "numpy.isfinite", "numpy.isnan", "numpy.isinf", "numpy.isposinf", "numpy.isneginf",
    "math.isfinite", "math.isnan", "math.isinf",
}
_CLAMPS = {"numpy.clip", "numpy.minimum", "numpy.maximum", "numpy.fmin", "numpy.fmax", "builtins.min", "builtins.max", "min", "max"}
_LIBS = ("numpy.", "math.", "scipy.", "builtins.")


class NanToNum(StaticCheck):
    name = "nan_to_num"
    suppression = True
    summary = "no np.nan_to_num replaces inf/nan values after the fact"
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
def bce(y, p):
    return np.nan_to_num(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
""",
        """
from numpy import nan_to_num as fix
def sigmoid(z):
    return fix(1 / (1 + np.exp(-z)))
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for node in src.graded_nodes():
            for c in src.find(node, m.Call()):
                if src.calls_to(c.func, "numpy.nan_to_num"):
                    out.append(
                        Finding(
                            src.line(c),
                            "`np.nan_to_num` replaces the inf or nan after it was computed; the overflow or "
                            "log(0) that produced it is still there, and the replacement value is made up",
                        )
                    )
        return out


class NanMasking(StaticCheck):
    name = "nan_masking"
    suppression = True
    summary = "no nan-ignoring reduction or isfinite/isnan mask drops the bad terms"
    VALID = [
        """
import numpy as np
def bce(y, p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
        """
import numpy as np
def sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out
""",
    ]
    VALID += [
        """
import numpy as np
def bce(y, p):
    assert np.all(np.isfinite(p)), "probabilities must be finite"
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
        """
import numpy as np
def sigmoid(z):
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite")
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
    ]
    INVALID = [
        """
import numpy as np
def bce(y, p):
    return -np.nanmean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
        """
import numpy as np
def bce(y, p):
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    if not np.isfinite(loss):
        return 0.0
    return loss
""",
        """
import numpy as np
def bce(y, p):
    terms = y * np.log(p) + (1 - y) * np.log(1 - p)
    return -np.mean(terms[np.isfinite(terms)])
""",
        """
import numpy as np
def sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    s[np.isnan(s)] = 0.0
    return s
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for node in src.graded_nodes():
            for c in src.find(node, m.Call()):
                names = src.names(c.func)
                if names & _NAN_REDUCTIONS:
                    out.append(
                        Finding(
                            src.line(c),
                            f"`{src.module.code_for_node(c.func)}` skips the nan terms instead of preventing them; "
                            "the examples that produced nan simply stop counting",
                        )
                    )
                elif names & _NONFINITE_TESTS and not _is_validation(src, c):
                    out.append(
                        Finding(
                            src.line(c),
                            f"`{src.module.code_for_node(c.func)}` is used to mask out non-finite values; dropping "
                            "or replacing the inf/nan terms hides them, the computation that produced them is unchanged",
                        )
                    )
        return out


def _is_validation(src: Source, node: cst.CSTNode) -> bool:
    """True inside an `assert`, or in the test of an `if` whose body only raises: checking
    that values are finite and refusing them is not hiding them."""
    parents = src.parents
    cur = node
    while cur is not None:
        parent = parents.get(cur)
        if isinstance(parent, cst.Assert):
            return True
        if isinstance(parent, cst.If) and parent.test is cur:
            body = parent.body.body
            return bool(body) and all(
                isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(x, cst.Raise) for x in stmt.body) for stmt in body
            )
        if isinstance(parent, (cst.BaseStatement, cst.BaseSmallStatement)) and not isinstance(parent, (cst.If, cst.Assert)):
            return False
        cur = parent
    return False


def _is_clamp(src: Source, call: cst.Call) -> bool:
    names = {n for n in src.names(call.func) if "." not in n or n.startswith(_LIBS)}
    if names & _CLAMPS:
        return len(call.args) >= 2 or bool(names & {"numpy.clip"})
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "clip" and not names


class ClipOutput(StaticCheck):
    name = "clip_output"
    suppression = True
    summary = "no clip is applied to the result of an unbounded exp or log"
    VALID = [
        """
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
        """
import numpy as np
def bce(y, z):
    p = np.clip(1 / (1 + np.exp(-np.clip(z, -500, 500))), 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
    ]
    VALID += [
        """
import numpy as np
from mylib import squash
def sigmoid(z):
    return np.clip(1 / (1 + np.exp(-squash(z))), 0.0, 1.0)
""",
    ]
    INVALID = [
        """
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.clip(np.exp(-z), 0, 1e300))
""",
        """
import numpy as np
def sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    return np.clip(s, 1e-12, 1 - 1e-12)
""",
        """
import numpy as np
def bce(y, p):
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return min(loss, 100.0)
""",
        """
import numpy as np
def bce(y, p):
    terms = np.clip(-(y * np.log(p) + (1 - y) * np.log(1 - p)), 0, 50)
    return terms.mean()
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        # only exp/log calls proven unsafe: a clip after a call the checker could not
        # follow is not proven to hide anything
        unsafe: dict[str, list[cst.Call]] = {}
        for fname, kind, call, contexts in analyze(src):
            if verdict(kind, contexts) == "wrong":
                unsafe.setdefault(fname.split(".")[-1], []).append(call)
        out = []
        for stmt in src.graded_nodes():
            fns = [stmt] if isinstance(stmt, cst.FunctionDef) else []
            if isinstance(stmt, cst.ClassDef):
                fns = [s for s in stmt.body.body if isinstance(s, cst.FunctionDef)]
            for fn in fns:
                bad = unsafe.get(fn.name.value)
                if not bad:
                    continue
                ids = {id(c) for c in bad}

                def contains_bad(node, tainted) -> bool:
                    for sub in src.find(node, m.Call() | m.Name()):
                        if isinstance(sub, cst.Call) and id(sub) in ids:
                            return True
                        if isinstance(sub, cst.Name) and sub.value in tainted:
                            return True
                    return id(node) in ids

                tainted: set[str] = set()
                for assign in src.find(fn, m.Assign() | m.AugAssign()):
                    value = assign.value
                    targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
                    if contains_bad(value, tainted):
                        for t in targets:
                            for n in src.find(t, m.Name()):
                                tainted.add(n.value)
                for c in src.find(fn, m.Call()):
                    if not _is_clamp(src, c):
                        continue
                    parts = [a.value for a in c.args]
                    if isinstance(c.func, cst.Attribute) and not src.names(c.func) & _CLAMPS:
                        parts.append(c.func.value)
                    if any(contains_bad(p, tainted) for p in parts):
                        out.append(
                            Finding(
                                src.line(c),
                                "the result of an exp or log is clipped after it was computed; the overflow or "
                                "log(0) still happens inside, only its output is capped. Bound the input instead",
                            )
                        )
        return out
