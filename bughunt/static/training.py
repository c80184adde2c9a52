"""Root-cause checks for hand-written gradient-descent training loops.

A small abstract interpreter walks a function in execution order. Every value carries
- `labels`: where it comes from (PARAM: a trained parameter, DATA: the features,
  TARGET: the labels), so a *residual* is recognised as "model output minus target"
  without looking at variable names;
- `sign`: its orientation relative to the gradient of the loss: +1 for quantities that
  point like `prediction - target` (and so like the gradient of a convex loss), -1 for
  `target - prediction`, 0 for values with no residual in them, None when unknown.
  Multiplying by data, parameters, constants, sums and means keeps the orientation;
  unary minus, `y - pred` and `numpy.negative` flip it;
- `step`: for a value like `param - lr * g`, the direction the parameter moves relative
  to the gradient (-1 downhill, +1 uphill);
- `scaled`: the value was multiplied by the raw features (a weight gradient, not a bias one).

Calls are resolved with qualified names; module-level helper functions are followed with
the abstract values of their arguments. Parameters of the training function are the names
that the training loop updates from their own previous value (`w -= ...`, `w = w - ...`,
`w, b = step(w, b, ...)`). Non-residual factors (features, learning rate, `1 - h**2`) are
assumed positive; that is what makes the orientation meaningful and is the known limit.
"""
from __future__ import annotations

from collections import OrderedDict

from dataclasses import dataclass, field, replace
from typing import ClassVar

import libcst as cst
import libcst.matchers as m

from .base import Finding, Source, StaticCheck

PARAM, DATA, TARGET = "param", "data", "target"

_KEEP_FIRST = {  # f(x, ...) has the orientation of x
    "numpy.sum", "numpy.mean", "numpy.average", "numpy.transpose", "numpy.asarray", "numpy.array",
    "numpy.reshape", "numpy.squeeze", "numpy.ravel", "numpy.expand_dims", "numpy.atleast_1d",
    "numpy.atleast_2d", "numpy.copy", "numpy.sign", "numpy.clip", "numpy.asanyarray", "numpy.nansum",
    "numpy.nanmean", "numpy.cumsum", "numpy.float64", "float", "builtins.float", "sum", "builtins.sum",
    "numpy.add.reduce", "numpy.nan_to_num",
}
_KEEP_STEP = {"numpy.clip", "numpy.asarray", "numpy.array", "numpy.copy", "float", "builtins.float", "numpy.nan_to_num",
              "numpy.float64"}
_PRODUCT = {"numpy.dot", "numpy.matmul", "numpy.outer", "numpy.inner", "numpy.multiply", "numpy.divide",
            "numpy.true_divide", "numpy.tensordot", "numpy.einsum", "numpy.kron", "numpy.vdot"}
_KEEP_METHODS = {"sum", "mean", "reshape", "ravel", "flatten", "squeeze", "copy", "astype", "transpose", "item"}
_MODULES = {"numpy", "math", "scipy", "sklearn", "builtins", "random", "statistics"}
_NEUTRAL_ATTRS = {"shape", "ndim", "size", "dtype"}
_CLEAN = {f"{p}{n}" for p in ("", "builtins.") for n in ("len", "range", "int", "print", "str", "isinstance", "type", "enumerate")}


@dataclass(frozen=True)
class Val:
    labels: frozenset = frozenset()
    sign: int | None = 0
    step: int | None = None  # set only on "param +/- oriented" values
    scaled: bool = False
    items: tuple | None = None  # tuple/list values
    keys: tuple | None = None  # dict literal values: ((key, Val), ...)
    is_param: bool = False  # the value *is* a parameter (not something computed from one)
    neg: bool = False  # a value with no orientation that was negated (-lr): it flips what it multiplies

    def flat(self) -> "Val":
        if self.items is None and self.keys is None:
            return self
        parts = list(self.items or ()) + [v for _, v in (self.keys or ())]
        out = Val()
        for p in parts:
            p = p.flat()
            out = Val(out.labels | p.labels, _add(out.sign, p.sign), None, out.scaled or p.scaled)
        return out


NEUTRAL = Val()


def _add(a, b):
    if a is None or b is None:
        return None
    if a == 0:
        return b
    if b == 0 or a == b:
        return a
    return None


def _mul(a, b):
    if a is None or b is None:
        return None
    if a == 0:
        return b
    if b == 0:
        return a
    return 0  # a residual times a residual has no orientation


def _neg(a):
    return None if a is None else -a


def _pure_data(v: Val) -> bool:
    return DATA in v.labels and not (v.labels & {PARAM, TARGET})


@dataclass
class Update:
    line: int
    name: str
    step: int | None  # -1 downhill, +1 uphill, 0 moves by something with no residual, None unknown
    value: Val
    in_loop: bool


@dataclass
class Analysis:
    updates: list[Update] = field(default_factory=list)
    returns: list[Val] = field(default_factory=list)
    loop_lines: list[tuple[int, int]] = field(default_factory=list)


_LOOP_UPDATED: "OrderedDict[int, tuple[cst.FunctionDef, frozenset[str]]]" = OrderedDict()


def loop_updated_names(fn: cst.FunctionDef) -> set[str]:
    """Names a loop in `fn` updates from their own previous value: the trained parameters.

    Several checks ask this of the same function; the answer is kept per node."""
    hit = _LOOP_UPDATED.get(id(fn))
    if hit is not None and hit[0] is fn:
        return set(hit[1])
    names = frozenset(_loop_updated_names(fn))
    _LOOP_UPDATED[id(fn)] = (fn, names)  # the node is kept, so its id cannot be reused meanwhile
    while len(_LOOP_UPDATED) > 64:
        _LOOP_UPDATED.popitem(last=False)
    return set(names)


def _loop_updated_names(fn: cst.FunctionDef) -> set[str]:
    found: set[str] = set()
    for loop in m.findall(fn, m.For() | m.While()):
        for node in m.findall(loop.body, m.AugAssign() | m.Assign()):
            if isinstance(node, cst.AugAssign):
                t = _target_name(node.target)
                if t and isinstance(node.operator, (cst.SubtractAssign, cst.AddAssign)):
                    found.add(t)
                continue
            used = {n.value for n in m.findall(node.value, m.Name())}
            for tgt in node.targets:
                for name in _target_names(tgt.target):
                    if name in used:
                        found.add(name)
    return found


def _target_name(t) -> str | None:
    if isinstance(t, cst.Name):
        return t.value
    if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name):  # W[...] -= ..., params["W"] -= ...
        key = _const_key(t)
        return f"{t.value.value}[{key}]" if key is not None else t.value.value
    if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name):
        return f"{t.value.value}.{t.attr.value}"
    return None


def _target_names(t) -> list[str]:
    if isinstance(t, (cst.Tuple, cst.List)):
        out = []
        for e in t.elements:
            out += _target_names(e.value)
        return out
    n = _target_name(t)
    return [n] if n else []


def _const_key(sub: cst.Subscript):
    if len(sub.slice) == 1 and isinstance(sub.slice[0].slice, cst.Index):
        v = sub.slice[0].slice.value
        if isinstance(v, (cst.SimpleString, cst.Integer)):
            return v.value
    return None


class Interpreter:
    """Abstract interpretation of one entry function (and the helpers it calls)."""

    def __init__(self, src: Source, max_depth: int = 4):
        self.src = src
        self.max_depth = max_depth
        self._cache: dict = {}

    def run(self, fn: cst.FunctionDef, args: dict, depth: int = 0, record: bool = True) -> Analysis:
        params = list(fn.params.posonly_params) + list(fn.params.params)
        env: dict[str, Val] = {}
        for i, p in enumerate(params):
            env[p.name.value] = args.get(i, args.get(p.name.value, NEUTRAL))
        for p in fn.params.kwonly_params:
            env[p.name.value] = args.get(p.name.value, NEUTRAL)
        frame = _Frame(self, fn, env, depth, record)
        frame.block(fn.body.body)
        return frame.analysis

    def call(self, fn: cst.FunctionDef, argvals: list[Val], kwvals: dict, depth: int) -> Val:
        if depth >= self.max_depth:
            return _union(argvals + list(kwvals.values()))
        key = (fn.name.value, tuple(argvals), tuple(sorted(kwvals.items())))
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = _union(argvals)  # recursion guard
        args = {i: v for i, v in enumerate(argvals)}
        args.update(kwvals)
        res = self.run(fn, args, depth + 1, record=False)
        out = _merge_all(res.returns) if res.returns else NEUTRAL
        self._cache[key] = out
        return out


def _union(vals) -> Val:
    out = NEUTRAL
    for v in vals:
        v = v.flat()
        out = Val(out.labels | v.labels, _mul(out.sign, v.sign), None, out.scaled or v.scaled)
    return Val(out.labels, 0 if out.sign == 0 else None, None, out.scaled)


def _merge(a: Val, b: Val) -> Val:
    if a == b:
        return a
    if a.items is not None and b.items is not None and len(a.items) == len(b.items):
        return Val(a.labels | b.labels, items=tuple(_merge(x, y) for x, y in zip(a.items, b.items)))
    a, b = a.flat(), b.flat()
    return Val(a.labels | b.labels, a.sign if a.sign == b.sign else None, a.step if a.step == b.step else None,
               a.scaled or b.scaled, is_param=a.is_param and b.is_param)


def _merge_all(vals: list[Val]) -> Val:
    out = vals[0]
    for v in vals[1:]:
        out = _merge(out, v)
    return out


class _Frame:
    def __init__(self, interp: Interpreter, fn, env, depth, record):
        self.i = interp
        self.src = interp.src
        self.env = env
        self.depth = depth
        self.record = record
        self.loop = 0
        self.params = loop_updated_names(fn)
        self.analysis = Analysis()
        for name in self.params:
            if name in env:
                env[name] = self._as_param(env[name])

    # --- statements ---------------------------------------------------------------
    def block(self, stmts):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                self.small(small)
        elif isinstance(s, cst.If):
            self.expr(s.test)
            before = dict(self.env)
            self.block(s.body.body)
            after_body = self.env
            self.env = dict(before)
            if s.orelse is not None:
                self.block(s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse])
            for k in set(after_body) | set(self.env):
                a, b = after_body.get(k), self.env.get(k)
                self.env[k] = a if b is None else b if a is None else _merge(a, b)
        elif isinstance(s, (cst.For, cst.While)):
            self.loop += 1
            for _ in range(2):
                if isinstance(s, cst.For):
                    it = self.expr(s.iter)
                    self.bind(s.target, Val(it.flat().labels))
                else:
                    self.expr(s.test)
                self.block(s.body.body)
            self.loop -= 1
            if s.orelse is not None:
                self.block(s.orelse.body.body)
        elif isinstance(s, cst.With):
            for item in s.items:
                v = self.expr(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, v)
            self.block(s.body.body)
        elif isinstance(s, (cst.Try, cst.TryStar)):
            self.block(s.body.body)
            for h in s.handlers:
                self.block(h.body.body)
            if s.orelse is not None:
                self.block(s.orelse.body.body)
            if s.finalbody is not None:
                self.block(s.finalbody.body.body)
        # nested defs and classes are not followed

    def small(self, s):
        if isinstance(s, cst.Assign):
            v = self.expr(s.value)
            for t in s.targets:
                self.bind(t.target, v, s)
        elif isinstance(s, cst.AnnAssign) and s.value is not None:
            self.bind(s.target, self.expr(s.value), s)
        elif isinstance(s, cst.AugAssign):
            name = _target_name(s.target)
            cur = self.expr(s.target)
            rhs = self.expr(s.value)
            op = type(s.operator).__name__.replace("Assign", "")
            new = self.binop(op, cur, rhs)
            if name is not None:
                self.env[name] = new if not (name in self.params) else self._as_param(new)
            if name in self.params and isinstance(s.operator, (cst.SubtractAssign, cst.AddAssign)):
                r = rhs.flat()
                step = r.sign if isinstance(s.operator, cst.AddAssign) else _neg(r.sign)
                self._record(s, name, step, r)
        elif isinstance(s, cst.Return) and s.value is not None:
            self.analysis.returns.append(self.expr(s.value))
        elif isinstance(s, cst.Expr):
            self.expr(s.value)

    def _record(self, node, name, step, value):
        if self.record:
            self.analysis.updates.append(Update(self.src.line(node), name, step, value, self.loop > 0))

    def _as_param(self, v: Val) -> Val:
        if v.items is not None:
            return v
        return Val(frozenset({PARAM}), 0, v.step, False, is_param=True)

    def bind(self, target, v: Val, node=None):
        if isinstance(target, (cst.Tuple, cst.List)):
            elems = target.elements
            if v.items is not None and len(v.items) == len(elems):
                for e, iv in zip(elems, v.items):
                    self.bind(e.value, iv, node)
            else:
                f = v.flat()
                for e in elems:
                    self.bind(e.value.value if isinstance(e, cst.StarredElement) else e.value, Val(f.labels, f.sign), node)
            return
        if isinstance(target, cst.StarredElement):
            target = target.value
        name = _target_name(target)
        if name is None:
            return
        if name in self.params:
            if node is not None and v.step is not None:
                self._record(node, name, v.step, v)
            elif node is not None and v.items is None and self.loop > 0 and not v.is_param:
                # assigned in the loop from something that is not "itself minus a step"
                used = {n.value for n in m.findall(node.value, m.Name())} if hasattr(node, "value") else set()
                if name.split("[")[0].split(".")[0] in used:
                    self._record(node, name, None if v.sign is None else 0, v)
            v = self._as_param(v)
        self.env[name] = v

    # --- expressions --------------------------------------------------------------
    def expr(self, e) -> Val:
        if isinstance(e, cst.Name):
            return self.env.get(e.value, NEUTRAL)
        if isinstance(e, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return NEUTRAL
        if isinstance(e, cst.UnaryOperation):
            v = self.expr(e.expression).flat()
            if isinstance(e.operator, cst.Minus):
                if v.sign == 0:
                    return Val(v.labels, 0, None, v.scaled, neg=not v.neg)
                return Val(v.labels, _neg(v.sign), None, v.scaled)
            if isinstance(e.operator, cst.Not):
                return Val(v.labels)
            return replace(v, step=None, is_param=False)
        if isinstance(e, cst.BinaryOperation):
            op = type(e.operator).__name__
            return self.binop(op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, (cst.Tuple, cst.List)):
            return Val(items=tuple(self.expr(x.value) for x in e.elements))
        if isinstance(e, cst.Dict):
            keys = []
            for el in e.elements:
                if isinstance(el, cst.DictElement) and isinstance(el.key, (cst.SimpleString, cst.Integer)):
                    keys.append((el.key.value, self.expr(el.value)))
            return Val(keys=tuple(keys))
        if isinstance(e, cst.Attribute):
            if e.attr.value in _NEUTRAL_ATTRS:
                return NEUTRAL
            name = _target_name(e)
            if name in self.env:
                return self.env[name]
            if e.attr.value == "T":
                v = self.expr(e.value).flat()
                return Val(v.labels, v.sign, None, v.scaled)
            return Val(self.expr(e.value).flat().labels, 0)
        if isinstance(e, cst.Subscript):
            base = self.expr(e.value)
            key = _const_key(e)
            name = _target_name(e)
            if name in self.env:
                return self.env[name]
            if base.items is not None and key is not None and key.lstrip("-").isdigit():
                k = int(key)
                if -len(base.items) <= k < len(base.items):
                    return base.items[k]
            if base.keys is not None and key is not None:
                for kk, vv in base.keys:
                    if kk == key:
                        return vv
            b = base.flat()
            idx = Val()
            for el in e.slice:
                if isinstance(el.slice, cst.Index):
                    idx = _union([idx, self.expr(el.slice.value)])
            return Val(b.labels | idx.labels, b.sign, None, b.scaled)
        if isinstance(e, cst.Call):
            return self.call(e)
        if isinstance(e, cst.IfExp):
            self.expr(e.test)
            return _merge(self.expr(e.body), self.expr(e.orelse))
        if isinstance(e, cst.Comparison):
            parts = [self.expr(e.left)] + [self.expr(c.comparator) for c in e.comparisons]
            return Val(_union(parts).labels)
        if isinstance(e, cst.BooleanOperation):
            return _union([self.expr(e.left), self.expr(e.right)])
        return NEUTRAL

    def binop(self, op: str, a: Val, b: Val) -> Val:
        a, b = a.flat(), b.flat()
        labels = a.labels | b.labels
        scaled = a.scaled or b.scaled
        if op == "Subtract" or op == "Add":
            flip = op == "Subtract"
            if op == "Subtract" and a.sign == 0 and b.sign == 0:
                a_model = PARAM in a.labels and TARGET not in a.labels
                b_model = PARAM in b.labels and TARGET not in b.labels
                a_target = TARGET in a.labels and PARAM not in a.labels
                b_target = TARGET in b.labels and PARAM not in b.labels
                if a_model and b_target:
                    return Val(labels, 1, None, scaled)
                if a_target and b_model:
                    return Val(labels, -1, None, scaled)
            bs = _neg(b.sign) if flip else b.sign
            if a.is_param and a.sign == 0 and b.sign != 0:  # param -/+ oriented step
                return Val(labels, 0, bs, False)
            if b.is_param and b.sign == 0 and a.sign != 0 and not flip:  # oriented step + param
                return Val(labels, 0, a.sign, False)
            return Val(labels, _add(a.sign, bs), None, scaled)
        if op in ("Multiply", "MatrixMultiply", "Divide", "FloorDivide"):
            if op != "Divide" and ((_pure_data(a) and b.sign) or (_pure_data(b) and a.sign)):
                scaled = True
            if op == "Divide" and _pure_data(b) and a.sign:
                scaled = True
            sign = _mul(a.sign, b.sign)
            if sign == 0:
                return Val(labels, 0, None, scaled, neg=a.neg != b.neg)
            if sign is not None and (a.neg or b.neg) and not (a.neg and b.neg):
                sign = -sign
            return Val(labels, sign, None, scaled)
        if op == "Power":
            return Val(labels, 0 if a.sign == 0 else None, None, scaled)
        return Val(labels, 0 if (a.sign == 0 and b.sign == 0) else None, None, scaled)

    def call(self, e: cst.Call) -> Val:
        names = self.src.names(e.func)
        argvals = [self.expr(a.value) for a in e.args if a.keyword is None and not a.star]
        kwvals = {a.keyword.value: self.expr(a.value) for a in e.args if a.keyword is not None}
        # module-level helper
        if isinstance(e.func, cst.Name) and e.func.value in self.src.functions and not (names - {e.func.value}):
            fn = self.src.functions[e.func.value]
            return self.i.call(fn, argvals, kwvals, self.depth)
        if isinstance(e.func, cst.Name) and e.func.value in self.src.functions:
            return self.i.call(self.src.functions[e.func.value], argvals, kwvals, self.depth)
        flat = [v.flat() for v in argvals]
        if names & _CLEAN:
            return NEUTRAL
        if names & {"numpy.negative"} and flat:
            return Val(flat[0].labels, _neg(flat[0].sign), None, flat[0].scaled)
        if names & {"numpy.subtract"} and len(argvals) == 2:
            return self.binop("Subtract", argvals[0], argvals[1])
        if names & {"numpy.add"} and len(argvals) == 2:
            return self.binop("Add", argvals[0], argvals[1])
        if names & _PRODUCT:
            vals = [v for v, a in zip(flat, [a for a in e.args if a.keyword is None]) if not isinstance(a.value, cst.SimpleString)]
            out = vals[0] if vals else NEUTRAL
            for v in vals[1:]:
                out = self.binop("MatrixMultiply", out, v)
            return Val(out.labels, out.sign, None, out.scaled)
        if names & _KEEP_FIRST and flat:
            extra = _union(flat[1:] + list(kwvals.values()))
            step = flat[0].step if names & _KEEP_STEP else None
            return Val(flat[0].labels | extra.labels, flat[0].sign, step, flat[0].scaled, neg=flat[0].neg)
        base = e.func.value if isinstance(e.func, cst.Attribute) else None
        from_module = isinstance(base, (cst.Name, cst.Attribute)) and any(n.split(".")[0] in _MODULES for n in names)
        if base is not None and not from_module:
            obj = self.expr(e.func.value).flat()
            meth = e.func.attr.value
            if meth in _KEEP_METHODS or meth == "clip":
                step = obj.step if meth in ("clip", "copy", "astype") else None
                return Val(obj.labels, obj.sign, step, obj.scaled, neg=obj.neg)
            if meth == "dot" and flat:
                return self.binop("MatrixMultiply", obj, flat[0])
            if meth in ("append", "extend", "update"):
                return NEUTRAL
            return Val(_union([obj] + flat).labels, 0 if obj.sign == 0 and all(v.sign == 0 for v in flat) else None)
        allv = flat + [v.flat() for v in kwvals.values()]
        return Val(_union(allv).labels, 0 if all(v.sign == 0 for v in allv) else None)


def analyse(src: Source, fn_name: str, roles: dict) -> Analysis | None:
    fn = src.functions.get(fn_name)
    if fn is None:
        return None
    args = {k: Val(frozenset({r})) for k, r in roles.items()}
    return Interpreter(src).run(fn, args)


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------

_TRAIN_SNIPPET_HEAD = """
import numpy as np

def predict(w, b, X):
    return X @ w + b

def gradients(w, b, X, y):
    error = predict(w, b, X) - y
    return X.T @ error / len(y), np.mean(error)
"""


class GradientPointsUphill(StaticCheck):
    """The gradient function returns the gradient of the loss (oriented like prediction - target)."""

    name = "gradient_points_uphill"
    summary = "the gradient function returns the gradient of the loss, not its negative"
    VALID = [
        _TRAIN_SNIPPET_HEAD,
        """
import numpy as np
def gradients(w, b, X, y):
    r = y - (X @ w + b)
    return -(X.T @ r) / len(y), -r.mean()
""",
        """
import numpy as np
def gradients(w, b, X, y):
    e = np.dot(X, w) + b - y
    return np.dot(e, X) / len(y), np.sum(e) * (1 / len(y))
""",
    ]
    INVALID = [
        """
import numpy as np
def gradients(w, b, X, y):
    residual = y - (X @ w + b)
    return X.T @ residual / len(y), np.mean(residual)
""",
        """
import numpy as np
def gradients(w, b, X, y):
    e = X @ w + b - y
    return -np.dot(X.T, e) / len(y), np.mean(e)
""",
    ]

    def __init__(self, function: str = "gradients", roles: dict | None = None, what: str = "the loss"):
        self.function = function
        self.roles = roles if roles is not None else {0: PARAM, 1: PARAM, 2: DATA, 3: TARGET}
        self.what = what

    def findings(self, src: Source) -> list[Finding]:
        a = analyse(src, self.function, self.roles)
        if a is None:
            return [Finding(1, f"the function `{self.function}` is missing, so its gradient cannot be checked")]
        fn = src.functions[self.function]
        out = []
        for ret in a.returns:
            parts = ret.items if ret.items is not None else (ret,)
            bad = [i for i, p in enumerate(parts) if p.flat().sign == -1]
            if bad:
                which = ", ".join(f"value {i + 1}" for i in bad)
                out.append(
                    Finding(
                        src.line(fn),
                        f"`{self.function}` returns the negative of the gradient of {self.what} ({which} of what "
                        "it returns is built from target minus prediction without flipping it back), so "
                        "subtracting it climbs the loss",
                    )
                )
                break
        return out


class UpdateAgainstGradient(StaticCheck):
    """Every parameter update in the training loop moves against the gradient of the loss."""

    name = "update_against_gradient"
    summary = "every parameter update in the training loop moves against the gradient of the loss"
    VALID = [
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b = b - lr * db
    return w, b, []
""",
        """
import numpy as np
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        r = y - (X @ w + b)
        w = w + lr * X.T @ r / len(y)
        b += lr * r.mean()
    return w, b, []
""",
    ]
    INVALID = [
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w += lr * dw
        b += lr * db
    return w, b, []
""",
        """
import numpy as np
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        r = y - (X @ w + b)
        w = w - lr * X.T @ r / len(y)
        b -= lr * r.mean()
    return w, b, []
""",
        """
import numpy as np
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    return np.linalg.lstsq(X, y, rcond=None)[0], b, []
""",
    ]

    def __init__(self, function: str = "train", roles: dict | None = None):
        self.function = function
        self.roles = roles if roles is not None else {0: DATA, 1: TARGET}

    def findings(self, src: Source) -> list[Finding]:
        a = analyse(src, self.function, self.roles)
        if a is None:
            return [Finding(1, f"the function `{self.function}` is missing")]
        loop_updates = [u for u in a.updates if u.in_loop]
        if not loop_updates:
            return [
                Finding(
                    src.line(src.functions[self.function]),
                    f"`{self.function}` should train the parameters by gradient descent inside its loop; "
                    "found no parameter update there",
                )
            ]
        out, seen = [], set()
        for u in loop_updates:
            if u.step == 1 and (u.line, u.name) not in seen:
                seen.add((u.line, u.name))
                out.append(
                    Finding(
                        u.line,
                        f"the update of `{u.name}` moves along the gradient of the loss (uphill), so every "
                        "iteration makes the loss larger; the sign of the gradient and the sign of the update "
                        "disagree",
                    )
                )
        return out


class BiasUpdatedWithOwnGradient(StaticCheck):
    """The bias is updated inside the training loop, with the gradient of the loss for the bias."""

    name = "bias_updated_with_own_gradient"
    summary = "the bias is updated inside the training loop with its own gradient"
    VALID = [
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
    return w, b, []
""",
        """
import numpy as np
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        err = X @ w + b - y
        w, b = w - lr * X.T @ err / len(y), b - lr * err.sum() / len(y)
    return w, b, []
""",
    ]
    INVALID = [
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    return w, b, []
""",
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    b -= lr * db
    return w, b, []
""",
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * np.mean(dw)
    return w, b, []
""",
        """
import numpy as np
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        err = X @ w + b - y
        w -= lr * X.T @ err / len(y)
        b -= lr * np.mean(X @ w + b)
    return w, b, []
""",
    ]

    def __init__(self, function: str = "train", roles: dict | None = None, bias_position: int = 1, what: str = "the bias"):
        self.function = function
        self.roles = roles if roles is not None else {0: DATA, 1: TARGET}
        self.bias_position = bias_position
        self.what = what

    def _bias_names(self, fn: cst.FunctionDef) -> set[str]:
        names = set()
        for ret in m.findall(fn, m.Return()):
            v = ret.value
            if isinstance(v, (cst.Tuple, cst.List)) and len(v.elements) > self.bias_position:
                el = v.elements[self.bias_position].value
                n = _target_name(el)
                if n:
                    names.add(n)
        return names

    def findings(self, src: Source) -> list[Finding]:
        fn = src.functions.get(self.function)
        if fn is None:
            return [Finding(1, f"the function `{self.function}` is missing")]
        a = analyse(src, self.function, self.roles)
        bias = self._bias_names(fn)
        line = src.line(fn)
        if not bias:
            return [Finding(line, f"`{self.function}` should return {self.what} as value {self.bias_position + 1}; found no such return")]
        ups = [u for u in a.updates if u.name in bias]
        loop_ups = [u for u in ups if u.in_loop]
        if not loop_ups:
            if ups:
                return [
                    Finding(
                        ups[0].line,
                        f"{self.what} is changed only once, after the training loop has finished; it has to take a "
                        "gradient step on every iteration like the weights do",
                    )
                ]
            return [
                Finding(
                    line,
                    f"{self.what} is never updated inside the training loop, so it keeps its starting value and every "
                    "prediction is off by the same amount",
                )
            ]
        out = []
        for u in loop_ups:
            v = u.value.flat()
            if TARGET not in v.labels or u.step == 0:
                out.append(
                    Finding(
                        u.line,
                        f"{self.what} is updated with a quantity that does not contain the prediction error "
                        "(model output minus target), so it is not the gradient of the loss for the bias",
                    )
                )
            elif v.scaled:
                out.append(
                    Finding(
                        u.line,
                        f"{self.what} is updated with a quantity weighted by the input features, which is a weight "
                        "gradient; the bias needs the gradient of the loss with respect to the bias itself",
                    )
                )
        unique = {(f.line, f.message): f for f in out}
        return list(unique.values())
