"""Suppressions that force arrays into a shape that fits instead of fixing why the shapes differ.

Rules (all apply to the graded code only; the `__main__` block is ignored):

- `np_resize`: any call of `np.resize` or of an array's `.resize(...)` method. Resizing
  repeats or drops elements until the shape fits; it never makes the data line up.
- `shape_slicing`: a slice whose *stop* is a hard-coded non-negative integer (`pred[:120]`,
  `X[:, :3]`, `r[:, :1]`) or the size of a *different* array (`pred[:len(y)]`,
  `X[:, :w.shape[0]]`, `a[:b.size]`). Mini-batch and split slicing is not flagged: bounds
  built from variables (`X[start:start + batch]`, `X[:n_train]`) or from the same array's
  own size (`X[:len(X) // 2]`) are allowed, as are slices with only a literal start (`x[1:]`),
  a step (`x[::2]`) or a negative stop (`sizes[:-1]`, `coef[:-1]`: a fixed number of items
  dropped from the end, whatever the size).
- `hardcoded_shape`: a literal size of 2 or more (or 0) in `reshape`, `np.reshape`,
  `np.broadcast_to`, `np.resize` / `.resize`, or an assignment to `.shape`. `-1` and `1` are fine: they adapt to
  any number of rows.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..base import Finding, Source, StaticCheck
from ..shapes import _int_literal




def _base_name(node: cst.CSTNode) -> str | None:
    """`y` for `y`, `self.y`, `y[...]`, `y.T`: the dotted source text of the array being used."""
    while isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Attribute) and node.attr.value in ("T", "shape", "size"):
        node = node.value
    if isinstance(node, (cst.Name, cst.Attribute)):
        return cst.Module([]).code_for_node(node)
    return None


def _size_of(src: Source, node: cst.CSTNode) -> str | None:
    """If `node` is len(a), a.shape[k], a.size, np.size(a) or np.shape(a)[k], the source of `a`."""
    if isinstance(node, cst.Call) and node.args:
        if src.calls_to(node.func, "builtins.len", "len", "numpy.size"):
            return _base_name(node.args[0].value)
    if isinstance(node, cst.Attribute) and node.attr.value == "size":
        return _base_name(node.value)
    if isinstance(node, cst.Subscript):
        inner = node.value
        if isinstance(inner, cst.Attribute) and inner.attr.value == "shape":
            return _base_name(inner.value)
        if isinstance(inner, cst.Call) and src.calls_to(inner.func, "numpy.shape") and inner.args:
            return _base_name(inner.args[0].value)
    return None


class NumpyResize(StaticCheck):
    name = "np_resize"
    suppression = True
    summary = "no np.resize or ndarray.resize forces arrays into a shape"
    VALID = [
        """
import numpy as np
def residual(pred, y):
    return pred - y.reshape(-1, 1)
""",
        """
import numpy as np
def grow(a):
    return np.pad(a, (0, 1))
""",
    ]
    INVALID = [
        """
import numpy as np
def residual(pred, y):
    return pred - np.resize(y, pred.shape)
""",
        """
from numpy import resize as fit_to
def residual(pred, y):
    return pred - fit_to(y, pred.shape)
""",
        """
def residual(pred, y):
    y = y.copy()
    y.resize(pred.shape, refcheck=False)
    return pred - y
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for node in src.graded_nodes():
            for call in src.find(node, m.Call()):
                method = isinstance(call.func, cst.Attribute) and call.func.attr.value == "resize"
                if method or src.calls_to(call.func, "numpy.resize"):
                    out.append(
                        Finding(
                            src.line(call),
                            "`resize` repeats or drops values until the shapes fit; the arrays still do "
                            "not line up row for row",
                        )
                    )
        return out


class ShapeSlicing(StaticCheck):
    name = "shape_slicing"
    suppression = True
    summary = "no array is cut to a hard-coded length or to another array's length to make shapes fit"
    VALID = [
        """
import numpy as np
def batches(X, y, batch):
    for start in range(0, len(X), batch):
        yield X[start:start + batch], y[start:start + batch]
""",
        """
def split(X, y, n_train):
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]
""",
        """
def halves(X):
    return X[:len(X) // 2], X[len(X) // 2:]
""",
        """
def tail(losses):
    return losses[1:], losses[::2], losses[-1]
""",
        """
import numpy as np
def layers(sizes, coef):
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return pairs, coef[:-1], coef[-1]
""",
    ]
    INVALID = [
        """
def residual(pred, y):
    return pred[:len(y)] - y
""",
        """
def features(X):
    return X[:, :3]
""",
        """
def residual(pred, y):
    return (pred - y)[:, :1]
""",
        """
def fit(X, w):
    return X[:, :w.shape[0]] @ w
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for node in src.graded_nodes():
            for sub in src.find(node, m.Subscript()):
                sliced = _base_name(sub.value)
                for element in sub.slice:
                    piece = element.slice
                    if not isinstance(piece, cst.Slice) or piece.upper is None:
                        continue
                    literal = _int_literal(piece.upper)
                    if literal is not None and literal < 0:
                        continue  # `a[:-1]` drops a fixed number of trailing items whatever the size
                    other = _size_of(src, piece.upper)
                    if literal is not None:
                        why = f"a hard-coded length ({literal})"
                    elif other is not None and other != sliced:
                        why = f"the length of `{other}`"
                    else:
                        continue
                    out.append(
                        Finding(
                            src.line(sub),
                            f"this slice cuts an array to {why} so the shapes fit; the rows or columns "
                            "it drops (or misaligns) are still wrong, and other data sizes break it",
                        )
                    )
        return out


_RESHAPE_FUNCS = ("numpy.reshape", "numpy.broadcast_to", "numpy.resize")


def _shape_literals(args) -> list[int]:
    found = []
    for arg in args:
        if arg.keyword is not None and arg.keyword.value not in ("shape", "newshape"):
            continue
        value = arg.value
        items = value.elements if isinstance(value, (cst.Tuple, cst.List)) else [value]
        for item in items:
            node = item.value if isinstance(item, (cst.Element, cst.StarredElement)) else item
            n = _int_literal(node)
            if n is not None and n not in (-1, 1):
                found.append(n)
    return found


class HardcodedShape(StaticCheck):
    name = "hardcoded_shape"
    suppression = True
    summary = "reshapes use sizes taken from the data (or -1), not hard-coded numbers"
    VALID = [
        """
import numpy as np
def column(y):
    return y.reshape(-1, 1), np.reshape(y, (len(y), 1)), y.reshape(1, -1)
""",
        """
import numpy as np
def column(y, n):
    return y.reshape(n, 1)
""",
    ]
    INVALID = [
        """
def column(y):
    return y.reshape(200, 1)
""",
        """
import numpy as np
def column(y):
    return np.reshape(y, newshape=(150, 1))
""",
        """
import numpy as np
def weights(w):
    return np.broadcast_to(w, (3, 16))
""",
        """
def column(y):
    y.shape = (120, 1)
    return y
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []

        def report(node, sizes):
            out.append(
                Finding(
                    src.line(node),
                    f"this shape is hard-coded ({', '.join(map(str, sizes))}); it fits the visible data only "
                    "and breaks on data with another number of rows or columns",
                )
            )

        for node in src.graded_nodes():
            for call in src.find(node, m.Call()):
                if src.calls_to(call.func, *_RESHAPE_FUNCS):
                    sizes = _shape_literals(call.args[1:] if call.args and call.args[0].keyword is None else call.args)
                elif isinstance(call.func, cst.Attribute) and call.func.attr.value in ("reshape", "resize"):
                    sizes = _shape_literals(call.args)
                else:
                    continue
                if sizes:
                    report(call, sizes)
            for assign in src.find(node, m.Assign()):
                for target in assign.targets:
                    if isinstance(target.target, cst.Attribute) and target.target.attr.value == "shape":
                        sizes = _shape_literals([cst.Arg(assign.value)])
                        if sizes:
                            report(assign, sizes)
        return out
