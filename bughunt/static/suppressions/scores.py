"""Suppressions that doctor a reported metric so an inflated or broken score looks normal."""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..base import Finding, Source, StaticCheck

_TAMPER_FUNCS = {
    "min", "max", "round", "builtins.min", "builtins.max", "builtins.round",
    "numpy.clip", "numpy.minimum", "numpy.maximum", "numpy.round", "numpy.around", "numpy.floor", "numpy.ceil",
    "math.floor", "math.ceil",
}
_METRIC_METHODS = {"score"}


def _is_metric_call(src: Source, node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    if isinstance(node.func, cst.Attribute) and node.func.attr.value in _METRIC_METHODS:
        return True
    return any(
        n.startswith("sklearn.metrics.") or n.startswith("sklearn.model_selection.cross_val")
        for n in src.names(node.func)
    )


class ScoreTampering(StaticCheck):
    name = "score_tampering"
    suppression = True
    summary = "the reported score is returned as measured"
    VALID = [
        """
from sklearn.metrics import accuracy_score
def evaluate(model, X, y):
    score = accuracy_score(y, model.predict(X))
    print(f"accuracy {score:.2f}")
    return score
""",
        """
from sklearn.model_selection import cross_val_score
def evaluate(model, X, y):
    scores = cross_val_score(model, X, y, cv=5)
    return scores.mean()
""",
        """
def evaluate(model, X, y):
    score = model.score(X, y)
    print(f"accuracy {round(score, 3)}, error rate {1 - score:.3f}")
    error = 1 - score
    print(error)
    return score
""",
    ]
    INVALID = [
        """
from sklearn.metrics import accuracy_score
def evaluate(model, X, y):
    score = accuracy_score(y, model.predict(X))
    return min(score, 0.8)
""",
        """
import numpy as np
def evaluate(model, X, y):
    acc = model.score(X, y)
    return np.clip(acc, 0, 0.75)
""",
        """
def evaluate(model, X, y):
    return round(model.score(X, y), 1)
""",
        """
def evaluate(model, X, y):
    s = model.score(X, y)
    s = s * 0.9
    return s
""",
    ]

    def _reported(self, src: Source, fn, node) -> bool:
        """Whether the doctored value is what the function reports: inside a `return`, or
        stored in a name that a `return` of the same function mentions. A score rounded for
        a print is not a suppression."""
        returned = {
            n.value for r in src.find(fn, m.Return()) if r.value is not None for n in src.find(r.value, m.Name())
        }
        cur = node
        while cur is not None and cur is not fn:
            if isinstance(cur, cst.Return):
                return True
            if isinstance(cur, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                targets = [t.target for t in cur.targets] if isinstance(cur, cst.Assign) else [cur.target]
                names = {n.value for t in targets for n in ([t] if isinstance(t, cst.Name) else src.find(t, m.Name()))}
                return bool(names & returned)
            if isinstance(cur, (cst.SimpleStatementLine, cst.FunctionDef)):
                return False
            cur = src.parents.get(cur)
        return False

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for fn in src.functions.values():
            metric_names = set()
            for assign in src.find(fn, m.Assign()):
                if _is_metric_call(src, assign.value):
                    for t in assign.targets:
                        if isinstance(t.target, cst.Name):
                            metric_names.add(t.target.value)

            def is_metric(expr) -> bool:
                return _is_metric_call(src, expr) or (isinstance(expr, cst.Name) and expr.value in metric_names)

            for call in src.find(fn, m.Call()):
                if src.names(call.func) & _TAMPER_FUNCS and any(is_metric(a.value) for a in call.args) and self._reported(src, fn, call):
                    out.append(Finding(src.line(call), "the score is capped or rounded before it is reported, which hides how wrong it is instead of fixing the pipeline"))
            for op in src.find(fn, m.BinaryOperation() | m.AugAssign()):
                operands = [op.left, op.right] if isinstance(op, cst.BinaryOperation) else [op.target]
                if any(is_metric(x) for x in operands) and self._reported(src, fn, op):
                    out.append(Finding(src.line(op), "the score is rescaled before it is reported; report it as measured and fix what inflates it"))
        return out
