"""Root-cause checks for the shape_mismatch exercises, three-valued.

Shapes are mostly a runtime question (the graders compare every function with an exact
reference on hidden data of adversarial sizes), so these checks only say *wrong* for a
construct that is wrong in every style, *right* when they followed every step, and
*cannot tell* (the runtime checks decide) whenever they lose track of the code.

- `WeightLayout`: in a parameter-building function, the array stored under a dict key is
  created with its axes in the documented order. Sizes are recognised by the *position* of
  the function parameter they come from, so renaming parameters changes nothing; the check
  follows local names, `.T`/`np.transpose`, reshapes, method chains and module-level
  helpers (default arguments included), and says "cannot tell" for classes, loops over
  layer sizes, closures and anything else it cannot follow.
- `ReductionAxis`: inside a row-wise function (softmax), no statistic taken over the
  samples is combined with the per-row scores. The check tracks which axis of each array is
  the sample axis: through `.T`, `.transpose()`, single rows (`Z[i]`, `for row in Z`),
  method chains (`np.amax(Z, axis=1).reshape(-1, 1)`), in-place updates, nested and
  module-level helpers. An `axis=0` on a transposed matrix or on a single row is the class
  axis, and is fine.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from .base import Assessment, Finding, Source, StaticCheck


def _int_literal(node: cst.CSTNode) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _int_literal(node.expression)
        return None if inner is None else -inner
    return None


def _params(fn: cst.FunctionDef) -> list[cst.Param]:
    return [*fn.params.posonly_params, *fn.params.params]


def _library_names(src: Source, func: cst.CSTNode) -> set[str]:
    """Qualified names of a called function, empty for a method on a computed value.

    libcst names `np.exp(x).sum` "numpy.exp.sum": that is the `.sum` method of an array,
    not a numpy function, so only plain dotted names (`np.exp`, `sp.special.softmax`) count."""
    node = func
    while isinstance(node, cst.Attribute):
        node = node.value
    return src.names(func) if isinstance(node, cst.Name) else set()


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


# --- WeightLayout --------------------------------------------------------------------------

_CREATORS = {"normal", "standard_normal", "uniform", "random", "rand", "randn", "zeros", "ones", "empty", "full",
             "random_sample", "integers", "laplace", "truncnorm", "glorot"}


class _Item:
    """Element `index` of the tuple `value` evaluates to (`a, b = value`)."""

    def __init__(self, value: cst.CSTNode, index: int):
        self.value, self.index = value, index


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
        """
import numpy as np
def _dense(rng, n_in, n_out, scale=None):
    scale = scale or 1 / np.sqrt(n_in)
    return rng.normal(0, scale, size=(n_in, n_out))
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": _dense(rng, n_features, n_hidden), "W2": _dense(rng, n_hidden, n_outputs)}
""",
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": np.transpose(rng.normal(0, 1, (n_out, n_hid))).astype(float)}
""",
        """
import numpy as np
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [n_features, n_hidden, n_outputs]
    params = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        params[f"W{i}"] = rng.normal(0, 1 / np.sqrt(a), size=(a, b))
        params[f"b{i}"] = np.zeros(b)
    return params
""",
        """
import numpy as np
class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0, 1, size=(n_in, n_out))
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    hidden, output = Dense(n_features, n_hidden, rng), Dense(n_hidden, n_outputs, rng)
    return {"W2": output.W, "W1": hidden.W}
""",
        """
import numpy as np
def _layer(rng, n_in, n_out, scale=None):
    scale = 1 / np.sqrt(n_in) if scale is None else scale
    return rng.normal(0, scale, size=(n_in, n_out)), np.zeros(n_out)
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    W1, b1 = _layer(rng, n_features, n_hidden)
    W2, b2 = _layer(rng, n_hidden, n_outputs)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
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
        """
import numpy as np
def _dense(rng, n_in, n_out, scale=1.0):
    return rng.normal(0, scale, size=(n_in, n_out))
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": _dense(rng, n_outputs, n_hidden)}
""",
        """
import numpy as np
def _layer(rng, n_in, n_out):
    return rng.normal(0, 1, size=(n_in, n_out)), np.zeros(n_in)
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    W2, b2 = _layer(rng, n_outputs, n_hidden)
    return dict(W2=W2, b2=b2)
""",
        """
import numpy as np
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    sizes = (n_features, n_hidden, n_outputs)
    params = {}
    for i, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(0, 1, size=(b, a))
    return params
""",
        """
import numpy as np
class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0, 1, size=(n_out, n_in))
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    return {"W2": Dense(n_hidden, n_outputs, rng).W}
""",
    ]
    UNKNOWN = [
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W2": rng.normal(0, 1, size=(n_out, n_hid))}
    params["W2"] = params["W2"].T
    return params
""",
        """
import numpy as np
def init_params(n_in, n_hid, n_out, seed=0):
    W2 = np.zeros((n_out, n_hid))
    W2.shape = (n_hid, n_out)
    return {"W2": W2}
""",
        """
import numpy as np
def init_params(n_features, n_hidden, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Layer() for _ in range(2)]
    return {"W2": layers[1].W}
""",
    ]

    def __init__(self, function: str = "init_params", key: str = "W2", order: tuple[int, int] = (1, 2),
                 layout: str = "(n_hidden, n_outputs)"):
        self.function, self.key, self.order, self.layout = function, key, tuple(order), layout

    # an axis order is a tuple of parameter positions of `function`; None: not followed
    def _stored(self, src: Source, fn: cst.FunctionDef) -> tuple[list[cst.CSTNode], dict[str, cst.CSTNode]]:
        """Expressions stored under `key` (dict literals, `d[key] = ...`, dict(key=...)) and local names."""
        exprs, local = [], {}
        for assign in src.find(fn, m.Assign()):
            for t in assign.targets:
                if isinstance(t.target, cst.Name):
                    local[t.target.value] = assign.value
                elif isinstance(t.target, (cst.Tuple, cst.List)):
                    for i, el in enumerate(t.target.elements):  # W2, b2 = _dense(...)
                        if isinstance(el.value, cst.Name):
                            local[el.value.value] = _Item(assign.value, i)
                if m.matches(t.target, m.Subscript(slice=[m.SubscriptElement(m.Index(m.SimpleString()))])):
                    if t.target.slice[0].slice.value.evaluated_value == self.key:
                        exprs.append((assign.value, None))
        for el in src.find(fn, m.DictElement(key=m.SimpleString())):
            if el.key.evaluated_value == self.key:
                exprs.append((el.value, None))
        for call in src.find(fn, m.Call(func=m.Name("dict"))):
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == self.key:
                    exprs.append((arg.value, None))
        for loop in src.find(fn, m.For()):
            exprs.extend(self._unrolled(src, loop, local))
        return exprs, local

    def _unrolled(self, src: Source, loop: cst.For, local: dict) -> list:
        """`for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), 1): params[f"W{i}"] = ...`:
        the value stored under `key`, with `a` and `b` standing for the sizes of that layer."""
        t, it = loop.target, loop.iter
        if not (isinstance(t, cst.Tuple) and len(t.elements) == 2 and isinstance(t.elements[0].value, cst.Name)
                and isinstance(t.elements[1].value, cst.Tuple) and len(t.elements[1].value.elements) == 2):
            return []
        counter = t.elements[0].value.value
        pair = [el.value.value if isinstance(el.value, cst.Name) else None for el in t.elements[1].value.elements]
        if None in pair or not (isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "enumerate" and it.args):
            return []
        start = 0
        for i, arg in enumerate(it.args[1:], 1):
            if arg.keyword is None or arg.keyword.value == "start":
                start = _int_literal(arg.value)
        inner = it.args[0].value
        if start is None or not (isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value == "zip"
                                 and len(inner.args) == 2):
            return []
        first, second = (a.value for a in inner.args)

        def base(node, lower, upper):
            if isinstance(node, cst.Name) and lower is None and upper is None:
                return node.value
            if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
                sl = node.slice[0].slice
                lo = _int_literal(sl.lower) if sl.lower is not None else None
                up = _int_literal(sl.upper) if sl.upper is not None else None
                return node.value.value if (lo, up) == (lower, upper) and sl.step is None else None
            return None

        name = base(second, 1, None)
        if name is None or base(first, None, -1) != name and base(first, None, None) != name:
            return []
        listed = local.get(name)
        if not isinstance(listed, (cst.List, cst.Tuple)) or not all(isinstance(e.value, cst.Name) for e in listed.elements):
            return []
        names = [e.value.value for e in listed.elements]
        out = []
        body = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else []
        for j in range(len(names) - 1):
            label = self._format_key(counter, start + j)
            for stmt in body:
                for small in getattr(stmt, "body", []) if isinstance(stmt, cst.SimpleStatementLine) else []:
                    if not isinstance(small, cst.Assign):
                        continue
                    for target in small.targets:
                        tt = target.target
                        if (isinstance(tt, cst.Subscript) and len(tt.slice) == 1 and isinstance(tt.slice[0].slice, cst.Index)
                                and label(tt.slice[0].slice.value) == self.key):
                            out.append((small.value, {pair[0]: ("alias", names[j]), pair[1]: ("alias", names[j + 1])}))
        return out

    @staticmethod
    def _format_key(counter: str, value: int):
        """A function giving the text of an f-string key such as f"W{i}" when `counter` is `value`."""
        def label(node):
            if isinstance(node, cst.SimpleString):
                return node.evaluated_value
            if not isinstance(node, cst.FormattedString):
                return None
            text = ""
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    text += part.value
                elif (isinstance(part, cst.FormattedStringExpression) and isinstance(part.expression, cst.Name)
                      and part.expression.value == counter and part.format_spec is None and part.conversion is None):
                    text += str(value)
                else:
                    return None
            return text
        return label

    def _order(self, src: Source, expr: cst.CSTNode, sizes: dict[str, object], local: dict, depth: int = 0):
        """(axis order as size labels, line) of the array `expr` creates, or (None, why)."""
        if depth > 6:
            return None, "the expression is nested too deeply"
        if isinstance(expr, cst.Name) and expr.value in local and local[expr.value] is not expr:
            inner = dict(local)
            value = inner.pop(expr.value)
            if isinstance(value, _Item):
                return self._item(src, value, sizes, inner, depth + 1)
            return self._order(src, value, sizes, inner, depth + 1)
        if isinstance(expr, _Item):
            return self._item(src, expr, sizes, local, depth + 1)
        if isinstance(expr, cst.Attribute) and expr.attr.value == "T":
            order, why = self._order(src, expr.value, sizes, local, depth + 1)
            return (order[::-1], why) if order is not None else (None, why)
        if isinstance(expr, cst.BinaryOperation):  # scale * W, W / np.sqrt(n)
            found = []
            for side in (expr.left, expr.right):
                order, why = self._order(src, side, sizes, local, depth + 1)
                if order is not None:
                    found.append((order, why))
            if len(found) == 1:
                return found[0]
            return None, "a product of arrays"
        if isinstance(expr, cst.Attribute):  # Dense(n_hidden, n_outputs, rng).W, or layer.W
            return self._attribute(src, expr, sizes, local, depth)
        if not isinstance(expr, cst.Call):
            return None, f"`{_code(expr)[:40]}` is not an array-creating call"
        func, names = expr.func, _library_names(src, expr.func)
        short = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if "numpy.reshape" in names or (isinstance(func, cst.Attribute) and short == "reshape"):
            args = [a for a in expr.args if a.keyword is None or a.keyword.value in ("shape", "newshape")]
            if "numpy.reshape" in names:
                args = args[1:]
            shape = args[0].value if len(args) == 1 else cst.Tuple([cst.Element(a.value) for a in args])
            labels = self._labels(shape, sizes)
            return (labels, src.line(expr)) if labels else (None, "a reshape to sizes the check cannot read")
        if "numpy.transpose" in names or (isinstance(func, cst.Attribute) and short in ("transpose", "swapaxes")
                                          and not (short == "transpose" and expr.args)):
            inner = expr.args[0].value if "numpy.transpose" in names else func.value
            if "numpy.transpose" in names and len(expr.args) > 1:
                return None, "a transpose with explicit axes"
            order, why = self._order(src, inner, sizes, local, depth + 1)
            return (order[::-1], why) if order is not None else (None, why)
        if isinstance(func, cst.Attribute) and short in ("astype", "copy"):
            return self._order(src, func.value, sizes, local, depth + 1)
        if any(n.startswith("numpy.") for n in names) and short in ("asarray", "array", "ascontiguousarray", "float64"):
            return self._order(src, expr.args[0].value, sizes, local, depth + 1) if expr.args else (None, "an empty array")
        if short in _CREATORS:
            for arg in expr.args:
                shape = None
                if arg.keyword is not None and arg.keyword.value in ("size", "shape"):
                    shape = arg.value
                elif arg.keyword is None and isinstance(arg.value, (cst.Tuple, cst.List)):
                    shape = arg.value
                if shape is not None:
                    labels = self._labels(shape, sizes)
                    return (labels, src.line(expr)) if labels else (None, "a shape the check cannot read")
            positional = [a.value for a in expr.args if a.keyword is None]
            if short in ("rand", "randn") and len(positional) == 2:
                labels = self._labels(cst.Tuple([cst.Element(v) for v in positional]), sizes)
                return (labels, src.line(expr)) if labels else (None, "a shape the check cannot read")
            return None, "a creating call without a readable shape"
        helper = src.functions.get(short) if isinstance(func, cst.Name) else None
        if helper is not None and depth < 4:
            order, info = self._follow(src, helper, expr, sizes, depth)
            return (order, src.line(expr)) if order is not None else (None, info)
        return None, f"the call `{_code(func)[:40]}`"

    def _attribute(self, src: Source, expr: cst.Attribute, sizes: dict, local: dict, depth: int):
        """`obj.attr` where obj is an instance of a module-level class: what its __init__ stores there."""
        obj = expr.value
        if isinstance(obj, cst.Name):
            bound = local.get(obj.value)
            if isinstance(bound, _Item) and isinstance(bound.value, (cst.Tuple, cst.List)) and bound.index < len(bound.value.elements):
                bound = bound.value.elements[bound.index].value  # hidden, output = Dense(...), Dense(...)
            if isinstance(bound, cst.Call):
                obj = bound
        classes = {c.name.value: c for c in src.module.body if isinstance(c, cst.ClassDef)}
        if not (isinstance(obj, cst.Call) and isinstance(obj.func, cst.Name) and obj.func.value in classes) or depth > 5:
            return None, f"`{_code(expr)[:40]}` is not an array-creating call"
        init = next((f for f in classes[obj.func.value].body.body if isinstance(f, cst.FunctionDef) and f.name.value == "__init__"), None)
        if init is None:
            return None, f"the class `{obj.func.value}` has no __init__"
        stores = [a for a in src.find(init, m.Assign()) for t in a.targets
                  if m.matches(t.target, m.Attribute(value=m.Name(), attr=m.Name(expr.attr.value)))]
        if len(stores) != 1:
            return None, f"`{expr.attr.value}` is set {len(stores)} times in `{obj.func.value}.__init__`"
        params = _params(init)[1:]  # without self
        fake = cst.FunctionDef(name=init.name, params=cst.Parameters(params=params), body=init.body)
        order, info = self._follow(src, fake, obj, sizes, depth, target=stores[0].value, scope=init)
        return (order, src.line(obj)) if order is not None else (None, info)

    def _item(self, src: Source, item: "_Item", sizes: dict, local: dict, depth: int):
        """Element `index` of a tuple: a tuple literal, or a helper that returns one."""
        value = item.value
        if isinstance(value, (cst.Tuple, cst.List)) and item.index < len(value.elements):
            return self._order(src, value.elements[item.index].value, sizes, local, depth)
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in src.functions and depth < 5:
            order, info = self._follow(src, src.functions[value.func.value], value, sizes, depth, item.index)
            return (order, src.line(value)) if order is not None else (None, info)
        return None, "an element of a tuple the check cannot read"

    def _follow(self, src: Source, helper: cst.FunctionDef, call: cst.Call, sizes: dict, depth: int, index: int | None = None,
                target: cst.CSTNode | None = None, scope: cst.FunctionDef | None = None):
        """Bind the helper's parameters (defaults included) to the caller's size labels, then
        read its single return value (or `target`, an expression inside `scope`)."""
        params = _params(helper)
        bound: dict[str, object] = {}
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if any(a.star for a in call.args):
            return None, "a call with *args or **kwargs"
        for p, value in zip(params, positional):
            bound[p.name.value] = value
        for a in call.args:
            if a.keyword is not None:
                bound[a.keyword.value] = a.value
        inner_sizes = {}
        for p in params:
            value = bound.get(p.name.value, p.default)
            if isinstance(value, cst.Name) and value.value in sizes:
                inner_sizes[p.name.value] = sizes[value.value]
        scope = scope or helper
        value = target
        if value is None:
            returns = [r for r in src.find(scope, m.Return()) if r.value is not None]
            if len(returns) != 1:
                return None, f"the helper `{helper.name.value}` has {len(returns)} return statements"
            value = returns[0].value
        local = {}
        for assign in src.find(scope, m.Assign()):
            for t in assign.targets:
                if isinstance(t.target, cst.Name):
                    local[t.target.value] = assign.value
        if index is not None:
            return self._item(src, _Item(value, index), inner_sizes, local, depth + 1)
        return self._order(src, value, inner_sizes, local, depth + 1)

    @staticmethod
    def _labels(shape: cst.CSTNode, sizes: dict) -> tuple | None:
        if not isinstance(shape, (cst.Tuple, cst.List)) or len(shape.elements) != 2:
            return None
        out = []
        for el in shape.elements:
            if not isinstance(el.value, cst.Name) or el.value.value not in sizes:
                return None
            out.append(sizes[el.value.value])
        return tuple(out)

    def assess(self, src: Source) -> Assessment:
        fn = src.functions.get(self.function)
        if fn is None:
            return Assessment.unknown(f"`{self.function}` is not a plain module-level function")
        sizes = {p.name.value: i for i, p in enumerate(_params(fn))}
        exprs, local = self._stored(src, fn)
        if not exprs:
            return Assessment.unknown(f"where `{self.function}` creates `{self.key}` could not be found", src.line(fn))
        changed = self._changed_in_place(src, fn)
        if changed is not None:
            return Assessment.unknown(f"`{self.key}` (or a name it is built from) is changed in place after it is created", changed)
        wrong, unknown, right = [], None, 0
        for expr, aliases in exprs:
            here = sizes
            if aliases:
                here = dict(sizes)
                for alias, (_, target) in aliases.items():
                    if target in sizes:
                        here[alias] = sizes[target]
                    else:
                        here.pop(alias, None)
            order, info = self._order(src, expr, here, local)
            if order is None:
                unknown = unknown or (f"how `{self.function}` creates `{self.key}` could not be followed ({info})", src.line(expr))
            elif order == self.order[::-1]:
                wrong.append(Finding(info, f"`{self.key}` is created with its two axes swapped; `{self.function}` should "
                                           f"create it as {self.layout}, the layout every other function expects"))
            elif order != self.order:
                unknown = unknown or (f"`{self.key}` is created from sizes other than the documented ones", src.line(expr))
            else:
                right += 1
        if wrong and not unknown and not right:  # every way `key` is stored is swapped
            return Assessment.wrong(wrong)
        if wrong or unknown:
            note, line = unknown or (f"`{self.key}` is stored more than once, in different layouts", wrong[0].line)
            return Assessment.unknown(note, line)
        return Assessment.right()

    def _changed_in_place(self, src: Source, fn: cst.FunctionDef) -> int | None:
        """The line of an in-place change (`W.shape = ...`, `W[...] = ...`, `W.resize(...)`,
        `params["W2"] = params["W2"].T`, augmented assignment), if any."""
        for assign in src.find(fn, m.OneOf(m.Assign(), m.AugAssign())):
            targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            for t in targets:
                if isinstance(t, cst.Attribute) or (isinstance(assign, cst.AugAssign) and not isinstance(t, cst.Name)):
                    return src.line(assign)
                if isinstance(t, cst.Subscript) and not (
                        isinstance(t.value, cst.Name) and m.matches(t.slice[0].slice, m.Index(m.SimpleString() | m.FormattedString()))):
                    return src.line(assign)
                if isinstance(assign, cst.Assign) and isinstance(t, cst.Subscript) and src.find(
                        assign.value, m.Subscript(slice=[m.SubscriptElement(m.Index(m.SimpleString()))])):
                    return src.line(assign)  # params["W2"] = params["W2"].T
        for call in src.find(fn, m.Call(func=m.Attribute(attr=m.OneOf(m.Name("resize"), m.Name("sort"), m.Name("fill"))))):
            return src.line(call)
        return None

    def findings(self, src: Source) -> list[Finding]:
        return self.assess(src).findings


# --- ReductionAxis -------------------------------------------------------------------------

# orientation tags of an array inside the row-wise function
ROWS, COLS, ROW, STAT, CONST, ROWLIST = "rows", "transposed", "row", "stat", "const", "rowlist"
COLVEC, SELF = "column", "self"  # one column of the scores (1-D over the samples); a method's `self`
# ROWS: 2-D, axis 0 = samples.  COLS: 2-D transposed, axis 0 = classes.  ROW: one row (1-D
# over the classes).  STAT: per-row statistics (or any array that is not the scores).
# CONST: a number, shape, index.  ROWLIST: a list of rows (np.array of it is ROWS).
# ("samplestat", line): a statistic taken over the samples, from the reduction at `line`.

_REDUCTIONS = {"sum", "mean", "max", "amax", "min", "amin", "nansum", "nanmax", "nanmean", "prod", "logsumexp", "std", "var", "median"}
_ELEMENTWISE = {"exp", "log", "log1p", "expm1", "exp2", "abs", "absolute", "sqrt", "square", "negative", "clip",
                "asarray", "array", "asanyarray", "ascontiguousarray", "copy", "float64", "nan_to_num", "tanh", "real"}
_BINARY_FUNCS = {"divide", "true_divide", "subtract", "multiply", "add", "maximum", "minimum", "power", "fmax", "fmin"}
_KEEP_METHODS = {"astype", "copy", "clip", "view"}
_STACKERS = {"array", "asarray", "vstack", "stack", "row_stack"}


def _is_sample_stat(tag) -> bool:
    return isinstance(tag, tuple) and tag[0] == "samplestat"


class _Lost(Exception):
    pass


class ReductionAxis(StaticCheck):
    """In `function` (and the helpers it calls), no statistic over the samples meets the scores."""

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
        """
import numpy as np
def softmax(Z):
    St = Z.T
    E = np.exp(St - St.max(axis=0))
    return (E / E.sum(axis=0)).T
""",
        """
import numpy as np
def softmax(Z):
    shift = np.amax(Z, axis=1).reshape(-1, 1)
    E = np.exp(Z - shift).transpose()
    return (E / E.sum(axis=0)).transpose()
""",
        """
import numpy as np
def softmax(Z):
    out = np.empty_like(Z)
    for i in range(len(Z)):
        e = np.exp(Z[i] - Z[i].max())
        out[i] = e / e.sum(axis=0)
    return out
""",
        """
import numpy as np
def _rows(E):
    return E / E.sum(axis=-1, keepdims=True)
def softmax(Z):
    return _rows(np.exp(Z - Z.max()))
""",
        """
import numpy as np
def softmax(Z):
    return np.apply_along_axis(lambda r: np.exp(r) / np.exp(r).sum(axis=0), 1, Z)
""",
        """
import numpy as np
def softmax(Z):
    rows = []
    for z in Z:
        e = np.exp(z - z.max())
        rows.append(e / e.sum())
    return np.array(rows)
""",
        """
import numpy as np
class RowSoftmax:
    def __init__(self, axis=-1):
        self.axis = axis
    def __call__(self, Z):
        E = np.exp(Z - Z.max(axis=self.axis, keepdims=True))
        return E / E.sum(axis=self.axis, keepdims=True)
softmax = RowSoftmax()
""",
        """
import numpy as np
def _normaliser(axis):
    def normalise(E):
        return E / E.sum(axis=axis, keepdims=True)
    return normalise
_rows = _normaliser(1)
def softmax(Z):
    return _rows(np.exp(Z - Z.max(axis=1, keepdims=True)))
""",
        """
import numpy as np
softmax = lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
""",
        """
import numpy as np
def softmax(Z):
    if Z.ndim == 1:
        e = np.exp(Z - Z.max())
        return e / e.sum(axis=0)
    Z = np.atleast_2d(Z)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
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
        """
import numpy as np
def softmax(Z):
    St = Z.T
    E = np.exp(St)
    return (E / E.sum(axis=1, keepdims=True)).T
""",
        """
import numpy as np
def _norm(E, axis=0):
    return E / E.sum(axis=axis)
def softmax(Z):
    return _norm(np.exp(Z))
""",
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z)
    E /= E.sum(axis=0)
    return E
""",
        """
import numpy as np
class Softmax:
    def __call__(self, Z):
        E = np.exp(Z)
        return E / E.sum(axis=0)
softmax = Softmax()
""",
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True)).transpose()
    return (E / E.sum(axis=1)).transpose()
""",
        """
import numpy as np
def softmax(Z):
    return np.apply_along_axis(lambda c: np.exp(c) / np.exp(c).sum(), 0, Z)
""",
    ]
    UNKNOWN = [
        """
import numpy as np
def softmax(Z):
    E = np.exp(Z)
    return E / np.einsum("ij->i", E)[:, None]
""",
        """
import numpy as np
def softmax(Z):
    axis = int(np.argmin(Z.shape))
    E = np.exp(Z)
    return E / E.sum(axis=axis, keepdims=True)
""",
        """
import numpy as np
import pandas as pd
def softmax(Z):
    df = pd.DataFrame(Z)
    e = np.exp(df.sub(df.max(axis=1), axis=0))
    return e.div(e.sum(axis=1), axis=0).to_numpy()
""",
    ]

    def __init__(self, function: str = "softmax", what: str = "the samples (axis 0)", should: str = "over the classes of each row"):
        self.function, self.what, self.should = function, what, should

    # --- the walk ------------------------------------------------------------------------
    def assess(self, src: Source) -> Assessment:
        self._src, self._findings, self._lost, self._over_classes = src, [], None, 0
        try:
            callee = self._resolve(self.function, {}, 0)
            if callee is None:
                return Assessment.unknown(f"`{self.function}` is not a function, lambda, closure or callable instance the check can follow")
            self._invoke(callee, [(None, ROWS, None)], callee[1], 0)
        except RecursionError:
            self._lose("the code nests too deeply", None)
        if self._findings:
            seen, unique = set(), []
            for f in self._findings:
                if f.line not in seen:
                    seen.add(f.line)
                    unique.append(f)
            return Assessment.wrong(unique)
        if self._lost:
            return Assessment.unknown(*self._lost)
        if not self._over_classes:
            return Assessment.unknown(f"no statistic over the classes of each row was found in `{self.function}`")
        return Assessment.right()

    def findings(self, src: Source) -> list[Finding]:
        return self.assess(src).findings

    def passed_message(self) -> str:
        return (f"`{self.function}` takes its statistics over the classes of each row and combines none taken over "
                f"{self.what} with the scores")

    def _lose(self, what: str, node: cst.CSTNode) -> None:
        if self._lost is None:
            line = self._src.line(node) if node is not None else None
            self._lost = (f"which axis `{self.function}` normalises over could not be followed ({what})", line)

    def _run(self, fn: cst.FunctionDef, env: dict, depth: int, keep: dict | None = None):
        """Walk a function body; the merged tag of its return values. `keep` receives the
        final bindings (a constructor's `self.x`, a closure's names)."""
        env = dict(env)
        env.setdefault("__funcs__", {})
        env["__funcs__"] = dict(env["__funcs__"])
        returns: list = []
        self._block(fn.body.body if isinstance(fn.body, cst.IndentedBlock) else [fn.body], env, returns, depth)
        if keep is not None:
            keep.update(env)
            keep["__returns__"] = [r.value for r in self._own_returns(fn)]
        return self._merge(returns) if returns else CONST

    def _own_returns(self, fn: cst.FunctionDef) -> list[cst.Return]:
        """`return value` statements of `fn` itself, not of functions defined inside it."""
        out = []
        for r in self._src.find(fn, m.Return()):
            node = self._src.parents.get(r)
            while node is not None and not isinstance(node, (cst.FunctionDef, cst.Lambda)):
                node = self._src.parents.get(node)
            if node is fn and r.value is not None:
                out.append(r)
        return out

    def _enumerates_rows(self, it, env, depth) -> bool:
        return (isinstance(it, cst.Call) and bool(self._src.names(it.func) & {"builtins.enumerate", "enumerate"})
                and len(it.args) >= 1 and it.args[0].keyword is None and self._eval(it.args[0].value, env, depth) == ROWS)

    def _tests_shape(self, test) -> bool:
        for node in self._src.find(test, m.OneOf(m.Attribute(), m.Call())):
            if isinstance(node, cst.Attribute) and node.attr.value in ("ndim", "shape"):
                return True
            if isinstance(node, cst.Call) and (self._src.names(node.func) & {"numpy.ndim", "numpy.shape", "builtins.len", "len"}):
                return True
        return False

    def _block(self, stmts, env, returns, depth):
        for s in stmts:
            self._stmt(s, env, returns, depth)

    def _stmt(self, s, env, returns, depth):
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                self._small(small, env, returns, depth)
        elif isinstance(s, cst.FunctionDef):
            env["__funcs__"][s.name.value] = s
        elif isinstance(s, cst.If):
            a, b = dict(env), dict(env)
            self._eval(s.test, env, depth)
            if self._tests_shape(s.test):
                # a branch for another number of dimensions (`if Z.ndim == 1:`): the axes
                # there are not the ones assumed here, so nothing in it is judged
                kept = list(self._findings)
                self._block(s.body.body, a, returns, depth)
                if s.orelse is not None:
                    self._block(s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse], b, returns, depth)
                self._findings[:] = kept
                self._lose("a branch on the shape of an array", s)
                for key in set(a) | set(b):
                    if key != "__funcs__":
                        env[key] = a.get(key) if a.get(key) == b.get(key) else None
                return
            self._block(s.body.body, a, returns, depth)
            if s.orelse is not None:
                body = s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse]
                self._block(body, b, returns, depth)
            for key in set(a) | set(b):
                if key != "__funcs__":
                    env[key] = a.get(key) if a.get(key) == b.get(key) else None
        elif isinstance(s, cst.For):
            if self._enumerates_rows(s.iter, env, depth) and isinstance(s.target, cst.Tuple) and len(s.target.elements) == 2:
                self._bind(s.target.elements[0].value, CONST, env)  # for i, row in enumerate(Z)
                self._bind(s.target.elements[1].value, ROW, env)
            else:
                it = self._eval(s.iter, env, depth)
                self._bind(s.target, ROW if it == ROWS else CONST if it in (CONST, STAT) else None, env)
            self._block(s.body.body, env, returns, depth)
            self._block(s.body.body, env, returns, depth)  # a second pass sees loop-carried names
        elif isinstance(s, cst.While):
            self._eval(s.test, env, depth)
            self._block(s.body.body, env, returns, depth)
        elif isinstance(s, (cst.With,)):
            self._block(s.body.body, env, returns, depth)
        elif isinstance(s, cst.Try):
            self._block(s.body.body, env, returns, depth)
            for h in s.handlers:
                self._block(h.body.body, env, returns, depth)
            if s.orelse is not None:
                self._block(s.orelse.body.body, env, returns, depth)
            if s.finalbody is not None:
                self._block(s.finalbody.body.body, env, returns, depth)
        elif isinstance(s, cst.ClassDef):
            self._lose("a class defined inside the function", s)
        else:
            self._lose(f"a `{type(s).__name__}` statement", s)

    def _small(self, s, env, returns, depth):
        if isinstance(s, cst.Return):
            returns.append(self._eval(s.value, env, depth) if s.value is not None else CONST)
        elif isinstance(s, cst.Assign):
            tag = self._eval(s.value, env, depth)
            k = self._int(s.value, env)
            for t in s.targets:
                if isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and env.get(t.target.value.value) == SELF:
                    env[("attr", t.target.attr.value)] = tag  # self.axis = axis
                    if k is not None:
                        env[("int", "self." + t.target.attr.value)] = k
                    continue
                self._bind(t.target, tag, env, s.value)
                if isinstance(t.target, cst.Name):
                    if k is None:
                        env.pop(("int", t.target.value), None)
                    else:
                        env[("int", t.target.value)] = k
        elif isinstance(s, cst.AnnAssign):
            if s.value is not None:
                self._bind(s.target, self._eval(s.value, env, depth), env, s.value)
        elif isinstance(s, cst.AugAssign):
            tag = self._combine(self._eval(s.target, env, depth), self._eval(s.value, env, depth), s)
            if isinstance(s.target, cst.Name):
                env[s.target.value] = tag
        elif isinstance(s, cst.Expr):
            self._eval(s.value, env, depth)
        elif isinstance(s, (cst.Pass, cst.Import, cst.ImportFrom, cst.Raise, cst.Assert, cst.Global, cst.Nonlocal)):
            if isinstance(s, (cst.Global, cst.Nonlocal)):
                self._lose("a global or nonlocal name", s)
        else:
            self._lose(f"a `{type(s).__name__}` statement", s)

    def _bind(self, target, tag, env, value=None):
        if isinstance(target, cst.Name):
            env[target.value] = tag
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements) else None
            for i, el in enumerate(target.elements):
                sub = self._eval(values[i].value, env, 0) if values else None
                self._bind(el.value, sub, env)
        # attribute and subscript targets (out[i] = ..., self.x = ...) leave names unchanged

    # --- expressions -----------------------------------------------------------------------
    def _merge(self, tags):
        tags = list(tags)
        return tags[0] if all(t == tags[0] for t in tags) else None

    def _combine(self, a, b, node):
        """The tag of an elementwise combination of a and b (broadcasting)."""
        for x, y in ((a, b), (b, a)):
            if _is_sample_stat(x) and y in (ROWS, COLS, ROW, COLVEC):
                self._findings.append(Finding(
                    x[1], f"`{self.function}` takes this statistic over {self.what} and combines it with each row's "
                          f"scores; it should normalise {self.should}"))
                return y
        if a is None or b is None:
            return None
        if a == b:
            return a
        for x, y in ((a, b), (b, a)):
            if x in (ROWS, COLS, ROW) and y in (STAT, CONST):
                return x
            if x == COLVEC and y == CONST:
                return x
            if _is_sample_stat(x) and y in (STAT, CONST):
                return x
            if x == STAT and y == CONST:
                return STAT
        self._lose("arrays of different layouts combined", node)
        return None

    @staticmethod
    def _int(node, env) -> int | None:
        """An integer literal, or a name bound to one."""
        k = _int_literal(node)
        if k is None and isinstance(node, cst.Name):
            k = env.get(("int", node.value))
        if k is None and isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and env.get(node.value.value) == SELF:
            k = env.get(("int", "self." + node.attr.value))
        return k

    def _axis(self, call: cst.Call, method: bool, env: dict):
        """("none",) for no axis, ("int", k), or ("lost",)."""
        value = None
        for a in call.args:
            if a.keyword is not None and a.keyword.value == "axis":
                value = a.value
        if value is None:
            positional = [a.value for a in call.args if a.keyword is None]
            index = 0 if method else 1
            value = positional[index] if len(positional) > index else None
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            return ("none",)
        k = self._int(value, env)
        if k is not None:
            return ("int", k)
        if isinstance(value, cst.Tuple) and all(_int_literal(e.value) is not None for e in value.elements):
            return ("none",)  # over every axis of a 2-D array
        return ("lost",)

    def _reduce(self, source, axis, call):
        if axis[0] == "lost":
            if source in (ROWS, COLS):
                self._lose("an axis computed at run time", call)
                return None
            return source if source in (STAT, CONST) or _is_sample_stat(source) else (CONST if source == ROW else None)
        if source in (CONST, STAT) or _is_sample_stat(source):
            return CONST if axis[0] == "none" else source
        if source == ROW:
            self._over_classes += 1
            return CONST
        if source == COLVEC:
            return ("samplestat", self._src.line(call))
        if source in (ROWS, COLS):
            if axis[0] == "none":
                return CONST
            k = axis[1]
            if k not in (0, 1, -1, -2):
                self._lose(f"axis={k} on a 2-D array", call)
                return None
            over_samples = (k in (0, -2)) == (source == ROWS)
            self._over_classes += not over_samples
            return ("samplestat", self._src.line(call)) if over_samples else STAT
        if source == ROWLIST:
            return None
        self._lose("a reduction of an array whose layout is unknown", call)
        return None

    def _flip(self, tag, node):
        if tag == ROWS:
            return COLS
        if tag == COLS:
            return ROWS
        if tag in (CONST,):
            return tag
        if tag == STAT or _is_sample_stat(tag):
            return tag  # a (n, 1) column becomes a (1, n) row: still not the scores
        if tag in (ROW, COLVEC):
            return tag
        self._lose("a transpose of an array whose layout is unknown", node)
        return None

    def _eval(self, e, env, depth):
        if isinstance(e, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return CONST
        if isinstance(e, cst.Name):
            if e.value in env:
                return env[e.value]
            if e.value in ("None", "True", "False"):
                return CONST
            return CONST  # a module-level constant or builtin (functions are handled in calls)
        if isinstance(e, cst.Attribute):
            if e.attr.value == "T":
                return self._flip(self._eval(e.value, env, depth), e)
            if e.attr.value in ("shape", "ndim", "size", "dtype"):
                return CONST
            names = self._src.names(e)
            if any(n.startswith(("numpy.", "math.", "sys.")) for n in names):
                return CONST  # np.newaxis, np.pi, sys.float_info.epsilon
            base = self._eval(e.value, env, depth)
            if base == CONST:
                return CONST
            if base == SELF and ("attr", e.attr.value) in env:
                return env[("attr", e.attr.value)]
            self._lose(f"the attribute `{_code(e)[:40]}`", e)
            return None
        if isinstance(e, cst.UnaryOperation):
            return self._eval(e.expression, env, depth)
        if isinstance(e, cst.BinaryOperation):
            a, b = self._eval(e.left, env, depth), self._eval(e.right, env, depth)
            if isinstance(e.operator, cst.MatrixMultiply):
                if a in (ROWS, COLS, ROW) or b in (ROWS, COLS, ROW):
                    self._lose("a matrix product", e)
                    return None
                return self._combine(a, b, e)
            return self._combine(a, b, e)
        if isinstance(e, (cst.Comparison,)):
            tags = [self._eval(e.left, env, depth)] + [self._eval(c.comparator, env, depth) for c in e.comparisons]
            out = tags[0]
            for t in tags[1:]:
                out = self._combine(out, t, e)
            return out
        if isinstance(e, cst.BooleanOperation):
            return self._merge([self._eval(e.left, env, depth), self._eval(e.right, env, depth)])
        if isinstance(e, cst.IfExp):
            self._eval(e.test, env, depth)
            return self._merge([self._eval(e.body, env, depth), self._eval(e.orelse, env, depth)])
        if isinstance(e, cst.Subscript):
            return self._subscript(e, env, depth)
        if isinstance(e, cst.Call):
            return self._call(e, env, depth)
        if isinstance(e, (cst.Tuple, cst.List)):
            tags = [self._eval(el.value, env, depth) for el in e.elements]
            return CONST if all(t == CONST for t in tags) else None
        if isinstance(e, (cst.ListComp, cst.GeneratorExp)):
            return self._comprehension(e, env, depth)
        if isinstance(e, cst.Lambda):
            self._lose("a lambda", e)
            return None
        self._lose(f"a `{type(e).__name__}` expression", e)
        return None

    def _comprehension(self, e, env, depth):
        inner = dict(env)
        f = e.for_in
        it = self._eval(f.iter, inner, depth)
        if f.inner_for_in is not None:
            self._lose("a nested comprehension", e)
            return None
        self._bind(f.target, ROW if it == ROWS else CONST if it == CONST else None, inner)
        elt = self._eval(e.elt, inner, depth)
        if it == ROWS and elt == ROW:
            return ROWLIST
        if elt == CONST:
            return CONST
        self._lose("a comprehension", e)
        return None

    def _subscript(self, e: cst.Subscript, env, depth):
        base = self._eval(e.value, env, depth)
        for el in e.slice:
            if isinstance(el.slice, cst.Index):
                self._eval(el.slice.value, env, depth)
        if base in (CONST, STAT) or _is_sample_stat(base):
            return base
        if base in (ROWS, COLS):
            first_el = e.slice[0].slice
            rest = e.slice[1:]
            scalar = isinstance(first_el, cst.Index) and self._eval(first_el.value, env, depth) == CONST and not (
                isinstance(first_el.value, cst.Name) and first_el.value.value == "None")
            whole_rest = all(isinstance(r.slice, cst.Slice) and r.slice.lower is None and r.slice.upper is None for r in rest)
            if base == ROWS and scalar and whole_rest and len(e.slice) <= 2 and not isinstance(first_el.value, (cst.Tuple, cst.List)):
                return ROW
            self._lose(f"the subscript `{_code(e)[:40]}`", e)
            return None
        if base in (ROW, COLVEC):
            return base if all(isinstance(el.slice, cst.Slice) for el in e.slice) else CONST
        self._lose(f"the subscript `{_code(e)[:40]}`", e)
        return None

    def _call(self, call: cst.Call, env, depth):
        src, func = self._src, call.func
        names = _library_names(src, func)
        args = [a.value for a in call.args]
        short = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        library = [n for n in names if n.startswith(("numpy.", "scipy.special."))]
        if library:
            name = library[0].rsplit(".", 1)[1]
            if name == "softmax" and library[0].startswith("scipy.special"):
                tag = self._reduce(self._eval(args[0], env, depth), self._axis(call, False, env), call) if args else None
                if _is_sample_stat(tag):
                    self._findings.append(Finding(src.line(call), f"`{self.function}` normalises over {self.what} here; it should normalise {self.should}"))
                return ROWS if tag == STAT else self._eval(args[0], env, depth) if tag == CONST else None
            if name in _REDUCTIONS and args:
                return self._reduce(self._eval(args[0], env, depth), self._axis(call, False, env), call)
            if name in _STACKERS and args and self._eval(args[0], env, depth) == ROWLIST:
                return ROWS
            if name == "apply_along_axis" and len(call.args) >= 3 and all(a.keyword is None for a in call.args[:3]):
                return self._along_axis(call, env, depth)
            if name in _ELEMENTWISE and args:
                tags = [self._eval(a, env, depth) for a in args[:1]]
                for a in args[1:]:
                    t = self._eval(a, env, depth)
                    if t not in (CONST, STAT):
                        tags.append(t)
                out = tags[0]
                for t in tags[1:]:
                    out = self._combine(out, t, call)
                return out
            if name in _BINARY_FUNCS and len(args) >= 2:
                return self._combine(self._eval(args[0], env, depth), self._eval(args[1], env, depth), call)
            if name == "where" and len(args) == 3:
                self._eval(args[0], env, depth)
                return self._combine(self._eval(args[1], env, depth), self._eval(args[2], env, depth), call)
            if name == "transpose" and len(args) == 1:
                return self._flip(self._eval(args[0], env, depth), call)
            if name == "atleast_2d" and len(args) == 1:
                tag = self._eval(args[0], env, depth)
                if tag in (ROWS, COLS):
                    return tag
                if tag == ROW:
                    return ROWS
            if name in ("expand_dims", "atleast_2d", "squeeze", "ravel", "reshape") and args:
                tag = self._eval(args[0], env, depth)
                if tag in (CONST, STAT) or _is_sample_stat(tag):
                    return tag
                self._lose(f"`np.{name}` of the scores", call)
                return None
            if name in ("empty_like", "zeros_like", "ones_like", "full_like"):
                return self._eval(args[0], env, depth) if args else None
            tags = [self._eval(a, env, depth) for a in args]
            if all(t == CONST for t in tags):
                return CONST  # np.argmin(Z.shape), np.arange(n), np.float64(1e-12) ...
            self._lose(f"the call `{_code(func)[:40]}`", call)
            return None
        if isinstance(func, cst.Attribute):
            base = self._eval(func.value, env, depth)
            if short == "append" and isinstance(func.value, cst.Name) and len(args) == 1 and base in (CONST, ROWLIST):
                item = self._eval(args[0], env, depth)  # rows.append(e / e.sum()) inside `for z in Z`
                if item == ROW:
                    env[func.value.value] = ROWLIST
                    return CONST
                if item == CONST and base == CONST:
                    return CONST
            if short in _REDUCTIONS:
                return self._reduce(base, self._axis(call, True, env), call)
            if short in _KEEP_METHODS:
                for a in args:
                    self._eval(a, env, depth)
                return base
            if short in ("transpose", "swapaxes") and (short == "swapaxes" or not args):
                return self._flip(base, call)
            if short in ("reshape", "ravel", "flatten", "squeeze"):
                for a in args:
                    self._eval(a, env, depth)
                if base in (CONST, STAT) or _is_sample_stat(base):
                    return base
                if base in (ROW, COLVEC) and short in ("ravel", "flatten", "squeeze"):
                    return base
                self._lose(f"`.{short}` of the scores", call)
                return None
            if short in ("item", "tolist") and base == CONST:
                return CONST
            if base == CONST and all(self._eval(a, env, depth) == CONST for a in args):
                return CONST
            self._lose(f"the {'call' if base == CONST else 'method call'} `{_code(func)[:40]}(...)`", call)
            return None
        if isinstance(func, cst.Name):
            callee = self._resolve(short, env, depth)
            if callee is not None:
                bound = self._args(call, env, depth)
                if bound is None:
                    self._lose("a call with *args or **kwargs", call)
                    return None
                return self._invoke(callee, bound, call, depth)
            tags = [self._eval(a, env, depth) for a in args]
            if short in ("float", "int", "len", "range", "abs", "min", "max", "round", "enumerate") and all(t == CONST for t in tags):
                return CONST
            if short == "len" or short == "range":
                return CONST
            if all(t == CONST for t in tags) and short in ("float", "int"):
                return CONST
            self._lose(f"the call `{short}(...)`", call)
            return None
        self._lose(f"the call `{_code(func)[:40]}`", call)
        return None

    # --- callables: helpers, nested defs, lambdas, closures, callable instances ---------------
    def _args(self, call: cst.Call, env, depth):
        """[(keyword or None, tag, int or None)] of a call's arguments; None for *args/**kwargs."""
        if any(a.star for a in call.args):
            return None
        return [(a.keyword.value if a.keyword is not None else None, self._eval(a.value, env, depth), self._int(a.value, env))
                for a in call.args]

    def _module_value(self, name: str) -> cst.CSTNode | None:
        """The value of a module-level name assigned exactly once (`softmax = RowSoftmax()`)."""
        found = []
        for stmt in self._src.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                        found.append(small.value)
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == name:
                found.append(stmt)
        return found[0] if len(found) == 1 and not isinstance(found[0], (cst.FunctionDef, cst.ClassDef)) else None

    def _classes(self) -> dict[str, cst.ClassDef]:
        return {s.name.value: s for s in self._src.module.body if isinstance(s, cst.ClassDef)}

    @staticmethod
    def _method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                return stmt
        return None

    def _resolve(self, name: str, env: dict, depth: int):
        """A callable named `name`: ("def", FunctionDef, closure env) or ("lambda", Lambda,
        closure env); None if it cannot be followed."""
        local = env.get("__funcs__", {}).get(name)
        if local is not None:
            return ("def", local, env)  # a nested def sees the enclosing function's names
        if name in env:
            value = env[name]
            return value if isinstance(value, tuple) and value and value[0] in ("def", "lambda") else None
        if name in self._src.functions:
            return ("def", self._src.functions[name], {})
        value = self._module_value(name)
        if value is None or depth >= 4:
            return None
        if isinstance(value, cst.Lambda):
            return ("lambda", value, {})
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            module_env: dict = {}
            bound = self._args(value, module_env, depth)
            if bound is None:
                return None
            cls = self._classes().get(value.func.value)
            if cls is not None:  # a callable instance: run __init__, then call __call__
                call_method = self._method(cls, "__call__")
                if call_method is None:
                    return None
                instance: dict = {}
                init = self._method(cls, "__init__")
                if init is not None:
                    inner = self._bind_params(_params(init), [("__self__", SELF, None)] + bound, {})
                    if inner is None:
                        return None
                    self._run(init, inner, depth + 1, keep=instance)
                closure = {k: v for k, v in instance.items() if isinstance(k, tuple) and k[0] in ("attr", "int")}
                return ("method", call_method, closure)
            maker = self._src.functions.get(value.func.value)
            if maker is not None:  # a closure: run the maker, take the function it returns
                inner = self._bind_params(_params(maker), bound, {})
                if inner is None:
                    return None
                kept: dict = {}
                self._run(maker, inner, depth + 1, keep=kept)
                returned = kept.get("__returns__", [])
                if len(returned) == 1 and isinstance(returned[0], cst.Name) and returned[0].value in kept.get("__funcs__", {}):
                    return ("def", kept["__funcs__"][returned[0].value], kept)
                if len(returned) == 1 and isinstance(returned[0], cst.Lambda):
                    return ("lambda", returned[0], kept)
        return None

    def _bind_params(self, params: list[cst.Param], args: list, closure: dict) -> dict | None:
        inner = dict(closure)
        inner["__funcs__"] = dict(closure.get("__funcs__", {}))
        positional = [a for a in args if a[0] is None or a[0] == "__self__"]
        if len(positional) > len(params):
            return None
        bound = set()
        for p, (_, tag, k) in zip(params, positional):
            inner[p.name.value], bound = tag, bound | {p.name.value}
            inner.pop(("int", p.name.value), None)
            if k is not None:
                inner[("int", p.name.value)] = k
        for kw, tag, k in args:
            if kw is not None and kw != "__self__":
                inner[kw], bound = tag, bound | {kw}
                inner.pop(("int", kw), None)
                if k is not None:
                    inner[("int", kw)] = k
        for p in params:
            if p.name.value not in bound:
                inner[p.name.value] = CONST if p.default is not None else None
                k = _int_literal(p.default) if p.default is not None else None
                inner.pop(("int", p.name.value), None)
                if k is not None:
                    inner[("int", p.name.value)] = k
        return inner

    def _invoke(self, callee, args: list, call: cst.CSTNode, depth: int):
        kind, node, closure = callee
        if depth >= 4:
            self._lose("helpers nested too deeply", call)
            return None
        if kind == "method":
            args = [("__self__", SELF, None)] + args
        params = _params(node) if kind in ("def", "method") else [*node.params.posonly_params, *node.params.params]
        inner = self._bind_params(params, args, closure)
        if inner is None:
            self._lose("a call with more arguments than parameters", call)
            return None
        if kind == "lambda":
            return self._eval(node.body, inner, depth + 1)
        return self._run(node, inner, depth + 1)

    def _along_axis(self, call: cst.Call, env, depth):
        """np.apply_along_axis(f, axis, Z): f sees one row (axis 1) or one column (axis 0)."""
        fn, axis, arr = (a.value for a in call.args[:3])
        k, tag = self._int(axis, env), self._eval(arr, env, depth)
        if k is None or tag not in (ROWS, COLS) or k not in (0, 1, -1, -2):
            self._lose("np.apply_along_axis over an axis or array the check cannot read", call)
            return None
        along_classes = (k in (1, -1)) == (tag == ROWS)
        piece = ROW if along_classes else COLVEC
        if isinstance(fn, cst.Lambda):
            callee = ("lambda", fn, env)
        elif isinstance(fn, cst.Name):
            callee = self._resolve(fn.value, env, depth)
        else:
            callee = None
        if callee is None:
            self._lose("the function given to np.apply_along_axis", call)
            return None
        out = self._invoke(callee, [(None, piece, None)], call, depth)
        if out == piece or out == CONST:
            return tag
        self._lose("the result of np.apply_along_axis", call)
        return None


def example_checks() -> list[StaticCheck]:
    """Default-configured instances, for the snippet tests."""
    return [WeightLayout(), ReductionAxis()]
