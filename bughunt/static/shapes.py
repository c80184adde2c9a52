"""Root-cause checks for the shape_mismatch exercises.

Shapes are mostly a runtime question (graders trace the arrays a submission builds on
hidden data), so these checks are deliberately narrow: they only report a construct that is
wrong in every style, and say nothing when they cannot tell.

- `WeightLayout`: in a parameter-building function, the array stored under a dict key is
  created with its axes in the documented order. Sizes are recognised by the *position* of
  the function parameter they come from, so renaming parameters changes nothing; a `.T` on the
  created array swaps the order, and shapes built from other expressions are not judged.
- `ReductionAxis`: in a named function, a sum (or mean, max, logsumexp ...) is never taken
  over a forbidden axis, e.g. axis 0 (the samples) inside a row-wise softmax.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from .base import Finding, Source, StaticCheck


def _int_literal(node: cst.CSTNode) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _int_literal(node.expression)
        return None if inner is None else -inner
    return None


def _param_positions(fn: cst.FunctionDef) -> dict[str, int]:
    return {p.name.value: i for i, p in enumerate([*fn.params.posonly_params, *fn.params.params])}


def _shape_tuples(call: cst.Call):
    """Candidate shape arguments of an array-creating call: `size=`/`shape=` or a tuple positional."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("size", "shape"):
            yield arg.value
        elif arg.keyword is None and isinstance(arg.value, (cst.Tuple, cst.List)):
            yield arg.value


def _is_reshape(src: Source, call: cst.Call) -> bool:
    return src.calls_to(call.func, "numpy.reshape") or (
        isinstance(call.func, cst.Attribute) and call.func.attr.value == "reshape"
    )


def _reshape_tuple(src: Source, call: cst.Call) -> cst.CSTNode:
    """The target shape of `a.reshape(p, q)`, `a.reshape((p, q))` or `np.reshape(a, (p, q))` as a Tuple."""
    args = [a for a in call.args if a.keyword is None or a.keyword.value in ("shape", "newshape")]
    if not src.calls_to(call.func, "numpy.reshape") and len(args) > 1:
        return cst.Tuple([cst.Element(a.value) for a in args])
    return args[-1].value if args else cst.Tuple([])


def _axis_order(value: cst.CSTNode, positions: dict[str, int]) -> list[int] | None:
    """Parameter positions of the shape's elements, or None if any element is not a bare parameter."""
    if not isinstance(value, (cst.Tuple, cst.List)):
        return None
    out = []
    for el in value.elements:
        if not isinstance(el.value, cst.Name) or el.value.value not in positions:
            return None
        out.append(positions[el.value.value])
    return out


class WeightLayout(StaticCheck):
    """The array under `key` in `function`'s result is created as (param[a], param[b]).

    `order` gives the expected parameter positions of the axes, e.g. (1, 2) for
    `init_params(n_features, n_hidden, n_outputs, seed)` and W2 of shape (n_hidden, n_outputs).
    """

    name = "weight_layout"
    summary = "the weight matrix is created with its axes in the documented order"
    VALID = [
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": rng.normal(0, 0.1, size=(n_hid, n_out))}
""",
        """
import numpy as np
def init_params(a, b, c, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    params["W2"] = rng.standard_normal((c, b)).T * 0.1
    return params
""",
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    W2 = np.zeros((n_hid, n_out))
    return {"W2": W2}
""",
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": rng.normal(0, 0.1, size=(n_out, n_hid)).reshape(n_hid, n_out)}
""",
    ]
    INVALID = [
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": rng.normal(0, 0.1, size=(n_out, n_hid))}
""",
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    W2 = rng.standard_normal((n_out, n_hid))
    return {"W2": W2}
""",
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": np.reshape(rng.standard_normal(n_hid * n_out), (n_out, n_hid))}
""",
    ]

    def __init__(self, function: str = "init_params", key: str = "W2", order: tuple[int, int] = (1, 2),
                 layout: str = "(n_hidden, n_outputs)"):
        self.function, self.key, self.order, self.layout = function, key, list(order), layout

    def _created(self, fn: cst.FunctionDef) -> list[cst.CSTNode]:
        """Expressions stored under `key`: dict values, subscript assignments, and one level of local names."""
        exprs, local = [], {}
        for assign in m.findall(fn, m.Assign()):
            for t in assign.targets:
                if isinstance(t.target, cst.Name):
                    local[t.target.value] = assign.value
                if m.matches(t.target, m.Subscript(slice=[m.SubscriptElement(m.Index(m.SimpleString()))])):
                    if t.target.slice[0].slice.value.evaluated_value == self.key:
                        exprs.append(assign.value)
        for el in m.findall(fn, m.DictElement(key=m.SimpleString())):
            if el.key.evaluated_value == self.key:
                exprs.append(el.value)
        return [local.get(e.value, e) if isinstance(e, cst.Name) else e for e in exprs]

    def findings(self, src: Source) -> list[Finding]:
        fn = src.functions.get(self.function)
        if fn is None:
            return []
        positions = _param_positions(fn)
        out = []
        for expr in self._created(fn):
            calls = list(m.findall(expr, m.Call()))
            reshapes = [c for c in calls if _is_reshape(src, c)]
            for call in reshapes or calls:
                shapes = [_reshape_tuple(src, call)] if reshapes else list(_shape_tuples(call))
                for shape in shapes:
                    order = _axis_order(shape, positions)
                    if order is None or len(order) != 2:
                        continue
                    transposed = not reshapes and (
                        bool(m.findall(expr, m.Attribute(attr=m.Name("T"))))
                        or any(src.calls_to(c.func, "numpy.transpose") for c in calls)
                    )
                    if transposed:
                        order = order[::-1]
                    if order == self.order[::-1]:
                        out.append(
                            Finding(
                                src.line(call),
                                f"`{self.key}` is created with its two axes swapped; `{self.function}` should "
                                f"create it as {self.layout}, the layout every other function expects",
                            )
                        )
        return out


_REDUCTIONS = {"sum", "mean", "max", "amax", "nansum", "logsumexp"}


class ReductionAxis(StaticCheck):
    """In `function`, no reduction runs over one of `forbidden` axes."""

    name = "reduction_axis"
    summary = "the normalising sum runs over the classes of each row"
    VALID = [
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
""",
        """
import numpy as np
from scipy.special import logsumexp
def softmax(Z):
    return np.exp(Z - logsumexp(Z, axis=-1)[:, None])
""",
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z - np.max(Z, 1, keepdims=True))
    return (E.T / np.sum(E, 1)).T
""",
    ]
    INVALID = [
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
""",
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z)
    return E / np.sum(E, 0)
""",
    ]

    def __init__(self, function: str = "softmax", forbidden: tuple[int, ...] = (0, -2),
                 what: str = "the samples (axis 0)", should: str = "over the classes of each row"):
        self.function, self.forbidden, self.what, self.should = function, set(forbidden), what, should

    def _axis(self, src: Source, call: cst.Call) -> int | None:
        func = call.func
        is_numpy = any(n.startswith(("numpy.", "scipy.special.")) for n in src.names(func))
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if name not in _REDUCTIONS:
            return None
        positional = [a for a in call.args if a.keyword is None]
        for a in call.args:
            if a.keyword is not None and a.keyword.value == "axis":
                return _int_literal(a.value)
        # np.sum(E, 0): axis is the second positional; E.sum(0): the first
        index = 1 if is_numpy else 0
        return _int_literal(positional[index].value) if len(positional) > index else None

    def findings(self, src: Source) -> list[Finding]:
        fn = src.functions.get(self.function)
        if fn is None:
            return []
        out = []
        for call in m.findall(fn, m.Call()):
            axis = self._axis(src, call)
            if axis is not None and axis in self.forbidden:
                out.append(
                    Finding(
                        src.line(call),
                        f"`{self.function}` reduces over {self.what} here; it should normalise {self.should}",
                    )
                )
        return out


def example_checks() -> list[StaticCheck]:
    """Default-configured instances, for the snippet tests."""
    return [WeightLayout(), ReductionAxis()]
