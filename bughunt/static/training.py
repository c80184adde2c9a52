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

import libcst as cst
import libcst.matchers as m
from libcst.metadata import QualifiedNameSource

from .base import WRONG, Assessment, Finding, Source, StaticCheck, findall

PARAM, DATA, TARGET = "param", "data", "target"

_KEEP_FIRST = {  # f(x, ...) has the orientation of x
    "numpy.sum", "numpy.mean", "numpy.average", "numpy.transpose", "numpy.asarray", "numpy.array",
    "numpy.reshape", "numpy.squeeze", "numpy.ravel", "numpy.expand_dims", "numpy.atleast_1d",
    "numpy.atleast_2d", "numpy.copy", "numpy.sign", "numpy.clip", "numpy.asanyarray", "numpy.nansum",
    "numpy.nanmean", "numpy.cumsum", "numpy.float64", "float", "builtins.float", "sum", "builtins.sum",
    "numpy.add.reduce", "numpy.nan_to_num", "numpy.ascontiguousarray", "numpy.asfarray", "numpy.float32",
    "list", "builtins.list", "tuple", "builtins.tuple", "iter", "builtins.iter", "numpy.array_split",
    "numpy.split", "numpy.vsplit", "numpy.hsplit", "numpy.squeeze", "numpy.atleast_3d",
}
#: wrappers that keep a parameter a parameter (a copy, a view, a conversion)
_KEEP_PARAM = {"numpy.clip", "numpy.asarray", "numpy.array", "numpy.copy", "float", "builtins.float", "numpy.nan_to_num",
               "numpy.float64", "numpy.ravel", "numpy.squeeze", "numpy.reshape", "numpy.atleast_1d", "numpy.asanyarray",
               "numpy.float32", "numpy.ascontiguousarray"}
_KEEP_STEP = _KEEP_PARAM
_PRODUCT = {"numpy.dot", "numpy.matmul", "numpy.outer", "numpy.inner", "numpy.multiply", "numpy.divide",
            "numpy.true_divide", "numpy.tensordot", "numpy.einsum", "numpy.kron", "numpy.vdot"}
_KEEP_METHODS = {"sum", "mean", "reshape", "ravel", "flatten", "squeeze", "copy", "astype", "transpose", "item",
                 "clip", "tolist", "view", "swapaxes"}
_PARAM_METHODS = {"reshape", "ravel", "flatten", "squeeze", "copy", "astype", "item", "clip", "tolist", "view"}
_MODULES = {"numpy", "math", "scipy", "sklearn", "builtins", "random", "statistics", "functools", "itertools",
            "pandas", "copy", "sys"}
_NEUTRAL_ATTRS = {"shape", "ndim", "size", "dtype"}
_CLEAN = {f"{p}{n}" for p in ("", "builtins.") for n in (
    "len", "range", "print", "str", "isinstance", "type", "repr", "format")}
_CLEAN |= {"numpy.zeros", "numpy.ones", "numpy.zeros_like", "numpy.ones_like", "numpy.arange", "numpy.eye",
           "numpy.empty", "numpy.empty_like", "numpy.random.default_rng", "numpy.linspace", "numpy.identity"}
_OUT_MUTATORS = {"out"}
#: functions whose value is never negative: they end what `mixed` tracks
_POSITIVE = {"numpy.exp", "numpy.exp2", "numpy.sqrt", "numpy.abs", "numpy.absolute", "numpy.square", "numpy.cosh",
             "math.exp", "math.sqrt", "abs", "builtins.abs", "numpy.logaddexp", "scipy.special.expit",
             "numpy.fabs", "math.fabs", "scipy.special.softmax"}


class Fn:
    """A callable value: a nested def or lambda, with the environment it closes over."""

    __slots__ = ("node", "env", "frame")

    def __init__(self, node, env, frame=None):
        self.node = node
        self.env = env
        self.frame = frame  # the frame that defined it: a call from there sees its current names


def _nonlocal_names(fn) -> set[str]:
    if not isinstance(fn, cst.FunctionDef):
        return set()
    out = set()
    for s in findall(fn.body, m.Nonlocal()):
        out |= {n.name.value for n in s.names}
    for inner in findall(fn.body, m.FunctionDef() | m.Lambda()):
        if inner is not fn:
            return {"*"}  # nested deeper: not followed
    return out


class Obj:
    """An instance of a class defined in the file: its attributes, and which of them its
    methods train (`self.w -= ...`, `self.w = self.w - ...`)."""

    __slots__ = ("cls", "attrs", "trained", "key")
    _count = [0]

    def __init__(self, cls: cst.ClassDef):
        self.cls = cls
        self.attrs: dict[str, "Val"] = {}
        self.trained = _trained_attributes(cls)
        Obj._count[0] += 1
        self.key = Obj._count[0]

    def name(self, attr: str) -> str:
        return f"@{self.key}.{attr}"

    def method(self, name: str):
        for s in self.cls.body.body:
            if isinstance(s, cst.FunctionDef) and s.name.value == name:
                return None if s.decorators else s
        return None


def _trained_attributes(cls: cst.ClassDef) -> set[str]:
    def self_attr(t):
        return t.attr.value if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self" else None

    out = set()
    for node in findall(cls, m.AugAssign() | m.Assign()):
        if isinstance(node, cst.AugAssign):
            a = self_attr(node.target)
            if a and isinstance(node.operator, (cst.SubtractAssign, cst.AddAssign)) and not _is_literal(node.value):
                out.add(a)
            continue
        if _is_extreme(node.value):
            continue
        used = {x.attr.value for x in findall(node.value, m.Attribute()) if self_attr(x)}
        for t in node.targets:
            targets = [e.value for e in t.target.elements] if isinstance(t.target, (cst.Tuple, cst.List)) else [t.target]
            out |= {self_attr(x) for x in targets if self_attr(x) in used}
    return out


@dataclass(frozen=True)
class Val:
    labels: frozenset = frozenset()
    sign: int | None = 0
    step: int | None = None  # set only on "param +/- oriented" values
    scaled: bool = False
    items: tuple | None = None  # tuple/list values
    keys: tuple | None = None  # dict literal values: ((key, Val), ...)
    is_param: bool = False  # the value *is* a parameter (or a view or copy of one)
    neg: bool = False  # a value with no orientation that was negated (-lr): it flips what it multiplies
    opaque: bool = False  # produced by code the analysis could not follow
    fn: object = None  # a Fn (nested def or lambda) or a module-level FunctionDef
    elem: "Val | None" = None  # the value of one element when iterated
    mixed: bool = False  # no residual in it, but may be negative (Z - Z.max(), h ** 2 - 1)
    lib: bool = False  # an object a library call returned (a fitted model): its methods change no local
    obj: "Obj | None" = None  # an instance of a class defined in the file

    def flat(self) -> "Val":
        if self.items is None and self.keys is None and self.elem is None:
            return self
        parts = list(self.items or ()) + [v for _, v in (self.keys or ())] + ([self.elem] if self.elem is not None else [])
        out = Val()
        if self.items is None and self.keys is None:  # an array-like that also knows its elements
            out = Val(self.labels, self.sign, None, self.scaled, opaque=self.opaque, mixed=self.mixed)
        for p in parts:
            p = p.flat()
            out = Val(out.labels | p.labels, _add(out.sign, p.sign), None, out.scaled or p.scaled,
                      opaque=out.opaque or p.opaque, mixed=out.mixed or p.mixed)
        return out


NEUTRAL = Val()
OPAQUE = Val(sign=None, opaque=True)


def _opaque(vals) -> Val:
    labels = frozenset()
    for v in vals:
        labels |= v.flat().labels
    return Val(labels, None, opaque=True)


def _elem(v: Val) -> Val:
    """One element of an iterated value."""
    if v.elem is not None:
        return v.elem
    if v.items is not None:
        return _merge_all(list(v.items)) if v.items else NEUTRAL
    if v.keys is not None:
        return NEUTRAL  # iterating a dict gives its keys
    f = v.flat()
    return Val(f.labels, f.sign, None, f.scaled, is_param=f.is_param, opaque=f.opaque)


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
    return DATA in v.labels and not (v.labels & {PARAM, TARGET}) and not v.opaque


@dataclass
class Update:
    line: int
    name: str
    step: int | None  # -1 downhill, +1 uphill, 0 moves by something with no residual, None unknown
    value: Val
    in_loop: bool
    vague: bool = False  # an update through a computed key or an alias: which parameter is unclear


@dataclass
class Analysis:
    updates: list[Update] = field(default_factory=list)
    returns: list[Val] = field(default_factory=list)
    loop_lines: list[tuple[int, int]] = field(default_factory=list)
    #: (line, what) for every construct the analysis could not follow
    lost: list[tuple[int, str]] = field(default_factory=list)
    #: names bound after the training loop, with their values
    after_loop: dict = field(default_factory=dict)
    #: the entry function's names when it returned (objects resolve `m.b` to the attribute's own name)
    env: dict = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        base, dot, attr = name.partition(".")
        v = self.env.get(base)
        if dot and v is not None and v.obj is not None:
            return v.obj.name(attr)
        return name


_LOOP_UPDATED: "OrderedDict[int, tuple[cst.CSTNode, frozenset[str]]]" = OrderedDict()


def loop_updated_names(fn: cst.CSTNode) -> set[str]:
    """Names a loop in `fn` steps from their own previous value: the trained parameters.

    Counters (`it += 1`) and running extremes (`best = min(best, cur)`) are not parameters.
    Several checks ask this of the same function; the answer is kept per node."""
    hit = _LOOP_UPDATED.get(id(fn))
    if hit is not None and hit[0] is fn:
        return set(hit[1])
    names = frozenset(_loop_updated_names(fn))
    _LOOP_UPDATED[id(fn)] = (fn, names)  # the node is kept, so its id cannot be reused meanwhile
    while len(_LOOP_UPDATED) > 64:
        _LOOP_UPDATED.popitem(last=False)
    return set(names)


_EXTREMES = {"min", "max", "builtins.min", "builtins.max"}
_EXTREME_NAMES = {"min", "max", "minimum", "maximum", "fmin", "fmax"}


def _is_literal(e) -> bool:
    while isinstance(e, cst.UnaryOperation):
        e = e.expression
    return isinstance(e, (cst.Integer, cst.Float))


def _is_extreme(e) -> bool:
    """`min(best, cur)`, `np.maximum(a, b)` of plain names: a running extreme, not a step."""
    if not isinstance(e, cst.Call):
        return False
    f = e.func
    name = f.value if isinstance(f, cst.Name) else f.attr.value if isinstance(f, cst.Attribute) else None
    if name not in _EXTREME_NAMES:
        return False
    return all(isinstance(a.value, (cst.Name, cst.Subscript, cst.Attribute, cst.Integer, cst.Float)) for a in e.args)


def _loop_updated_names(fn: cst.CSTNode) -> set[str]:
    """Names a loop assigns from their own previous value, directly (`w = w - lr * dw`) or
    through one temporary of the same loop (`w_new = w - lr * dw; w = w_new`)."""
    found: set[str] = set()
    for loop in findall(fn, m.For() | m.While()):
        uses: dict[str, set[str]] = {}  # name -> names its assignments in this loop read
        copies: list[tuple[str, str]] = []  # (name, temporary) for `name = temporary`
        for node in findall(loop.body, m.AugAssign() | m.Assign()):
            if isinstance(node, cst.AugAssign):
                t = _target_name(node.target)
                if t and isinstance(node.operator, (cst.SubtractAssign, cst.AddAssign)) and not _is_literal(node.value):
                    found.add(t)
                continue
            if _is_extreme(node.value):
                continue
            used = {n.value for n in findall(node.value, m.Name())}
            used |= {_target_name(a) for a in findall(node.value, m.Attribute() | m.Subscript())} - {None}
            for tgt in node.targets:
                for name in _target_names(tgt.target):
                    uses.setdefault(name, set()).update(used)
                    if name in used:
                        found.add(name)
                pairs = []
                if isinstance(tgt.target, (cst.Tuple, cst.List)) and isinstance(node.value, (cst.Tuple, cst.List)) \
                        and len(tgt.target.elements) == len(node.value.elements):
                    pairs = [(e.value, v.value) for e, v in zip(tgt.target.elements, node.value.elements)]
                else:
                    pairs = [(tgt.target, node.value)]
                for t, v in pairs:
                    tn, vn = _target_name(t), _target_name(v)
                    if tn and vn and tn != vn:
                        copies.append((tn, vn))
        for name, temp in copies:
            if name in uses.get(temp, ()):
                found.add(name)
    return found


def _target_name(t) -> str | None:
    if isinstance(t, cst.Name):
        return t.value
    if isinstance(t, cst.Subscript) and isinstance(t.value, (cst.Name, cst.Attribute)):
        base = _target_name(t.value)
        if base is None:
            return None
        key = _const_key(t)
        return f"{base}[{key}]" if key is not None else base
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
    """A constant subscript key, normalised (`p["w"]` and `p['w']` name the same entry)."""
    if len(sub.slice) == 1 and isinstance(sub.slice[0].slice, cst.Index):
        v = sub.slice[0].slice.value
        if isinstance(v, cst.SimpleString):
            try:
                return repr(v.evaluated_value)
            except Exception:
                return v.value
        if isinstance(v, cst.Integer):
            return v.value
        if isinstance(v, cst.UnaryOperation) and isinstance(v.operator, cst.Minus) and isinstance(v.expression, cst.Integer):
            return "-" + v.expression.value
    return None


def _dynamic_subscript(t) -> bool:
    return isinstance(t, cst.Subscript) and _const_key(t) is None


def _dotted(node) -> bool:
    """`f` or `a.b.f`: a name, not a method of a computed value such as `np.exp(z).sum`."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _imported(src: Source, node) -> bool:
    """The callee is a library function or a builtin, not something defined in the file."""
    return any(q.source in (QualifiedNameSource.IMPORT, QualifiedNameSource.BUILTIN) for q in src.qualified_names(node))


class Interpreter:
    """Abstract interpretation of one entry function (and the helpers it calls)."""

    def __init__(self, src: Source, max_depth: int = 5):
        self.src = src
        self.max_depth = max_depth
        self._cache: dict = {}
        self.lost: list[tuple[int, str]] = []
        self.saw_loop = False
        self.classes = {s.name.value: s for s in src.module.body if isinstance(s, cst.ClassDef)}

    def lose(self, node, what: str) -> None:
        try:
            line = self.src.line(node)
        except Exception:
            line = 1
        if (line, what) not in self.lost:
            self.lost.append((line, what))

    def run(self, fn, args: dict, depth: int = 0, record: bool = True, closure: dict | None = None, caller=None) -> Analysis:
        env: dict[str, Val] = dict(closure or {})
        params = list(fn.params.posonly_params) + list(fn.params.params)
        for i, p in enumerate(params):
            if i in args or p.name.value in args:
                env[p.name.value] = args.get(i, args.get(p.name.value))
            elif p.default is not None:
                env[p.name.value] = _Frame(self, fn, dict(closure or {}), depth, False, mute=True).expr(p.default)
            else:
                env[p.name.value] = NEUTRAL
        for p in fn.params.kwonly_params:
            env[p.name.value] = args.get(p.name.value, NEUTRAL)
        frame = _Frame(self, fn, env, depth, record)
        if caller is not None:  # a method: its updates are the caller's, inside the caller's loops
            frame.sink = caller.sink
            frame.outer_loop = caller.outer_loop + caller.loop
            frame.outer_warm = caller.outer_warm + caller.warmup
        if isinstance(fn, cst.Lambda):
            frame.analysis.returns.append(frame.expr(fn.body))
        else:
            frame.block(fn.body.body)
        frame.analysis.env = frame.env
        return frame.analysis

    def call_closure(self, caller, fn, shared: set[str], argvals, kwvals, node) -> Val:
        """A nested def that rebinds names of the caller (`nonlocal w, b`): it runs with the
        caller's current names, its updates count in the caller's loops, and the shared names
        are copied back."""
        if caller.depth + 1 >= self.max_depth:
            self.lose(node, "calls nested too deeply to follow")
            return _opaque(argvals + list(kwvals.values()))
        args = {i: v for i, v in enumerate(argvals)}
        args.update(kwvals)
        env: dict = dict(caller.env)
        params = list(fn.params.posonly_params) + list(fn.params.params)
        for i, p in enumerate(params):
            if i in args or p.name.value in args:
                env[p.name.value] = args.get(i, args.get(p.name.value))
            elif p.default is not None:
                env[p.name.value] = caller.expr(p.default)
            else:
                env[p.name.value] = NEUTRAL
        frame = _Frame(self, fn, env, caller.depth + 1, caller.record)
        frame.sink, frame.nonlocal_ok = caller.sink, True
        frame.outer_loop = caller.outer_loop + caller.loop
        frame.outer_warm = caller.outer_warm + caller.warmup
        stepped = set()
        for node2 in findall(fn.body, m.AugAssign() | m.Assign()):
            if isinstance(node2, cst.AugAssign):
                stepped |= set(_target_names(node2.target)) if not _is_literal(node2.value) else set()
            else:
                used = {n.value for n in findall(node2.value, m.Name())}
                stepped |= {n for t in node2.targets for n in _target_names(t.target) if n in used}
        frame.params |= (shared & stepped) | (shared & caller.params)
        for name in frame.params & shared:
            if name in frame.env:
                frame.env[name] = frame._as_param(frame.env[name])
        frame.block(fn.body.body)
        for name in shared:
            if name in frame.env:
                caller.env[name] = frame.env[name]
        rets = frame.analysis.returns
        return _merge_all(rets) if rets else NEUTRAL

    def call_method(self, caller, obj: "Obj", method, argvals, kwvals, node) -> Val:
        if caller.depth + 1 >= self.max_depth:
            self.lose(node, "calls nested too deeply to follow")
            return _opaque(argvals + list(kwvals.values()))
        args = {0: Val(obj=obj), **{i + 1: v for i, v in enumerate(argvals)}}
        args.update(kwvals)
        res = self.run(method, args, caller.depth + 1, record=caller.record, caller=caller)
        return _merge_all(res.returns) if res.returns else NEUTRAL

    def call(self, fn, argvals: list[Val], kwvals: dict, depth: int, closure: dict | None = None, node=None) -> Val:
        if depth >= self.max_depth:
            self.lose(node or fn, "calls nested too deeply to follow")
            return _opaque(argvals + list(kwvals.values()))
        key = (id(fn), tuple(argvals), tuple(sorted(kwvals.items())), id(closure))
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = _opaque(argvals)  # recursion guard
        args = {i: v for i, v in enumerate(argvals)}
        args.update(kwvals)
        res = self.run(fn, args, depth + 1, record=False, closure=closure)
        out = _merge_all(res.returns) if res.returns else NEUTRAL
        if getattr(res, "yields", None):
            out = Val(elem=_merge_all(res.yields))
        self._cache[key] = out
        return out


def _merge(a: Val, b: Val) -> Val:
    if a == b:
        return a
    if a.items is not None and b.items is not None and len(a.items) == len(b.items):
        return Val(a.labels | b.labels, items=tuple(_merge(x, y) for x, y in zip(a.items, b.items)))
    elem = _merge(a.elem, b.elem) if a.elem is not None and b.elem is not None else (a.elem or b.elem)
    fn = a.fn if a.fn is b.fn else None
    obj = a.obj if a.obj is b.obj else None
    a, b = a.flat(), b.flat()
    return Val(a.labels | b.labels, a.sign if a.sign == b.sign else None, a.step if a.step == b.step else None,
               a.scaled or b.scaled, is_param=a.is_param and b.is_param, opaque=a.opaque or b.opaque, fn=fn, elem=elem,
               mixed=a.mixed or b.mixed, lib=a.lib and b.lib, obj=obj)


def _merge_all(vals: list[Val]) -> Val:
    out = vals[0]
    for v in vals[1:]:
        out = _merge(out, v)
    return out


def _union(vals) -> Val:
    out = NEUTRAL
    for v in vals:
        v = v.flat()
        out = Val(out.labels | v.labels, _mul(out.sign, v.sign), None, out.scaled or v.scaled, opaque=out.opaque or v.opaque,
                  mixed=out.mixed or v.mixed)
    return Val(out.labels, 0 if out.sign == 0 else None, None, out.scaled, opaque=out.opaque, mixed=out.mixed)


class _Frame:
    def __init__(self, interp: Interpreter, fn, env, depth, record, mute: bool = False):
        self.i = interp
        self.src = interp.src
        self.env = env
        self.depth = depth
        self.record = record
        self.loop = 0
        self.loops_done = 0
        self.warmup = 0
        self.sink = self
        self.nonlocal_ok = False
        self.outer_loop = 0
        self.outer_warm = 0
        self.params = loop_updated_names(fn) if not mute else set()
        self.arg_names = {p.name.value for p in [*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params]} \
            if hasattr(fn, "params") else set()
        self.analysis = Analysis()
        self.analysis.yields = []
        for name in self.params:
            if name in env:
                env[name] = self._as_param(env[name])

    def lose(self, node, what):
        self.i.lose(node, what)

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
            self.i.saw_loop = True
            self.loop += 1
            for rnd in range(2):
                self.warmup += rnd == 0  # the first pass only settles the values the loop carries
                if rnd == 1:
                    self.warmup -= 1
                if isinstance(s, cst.For):
                    it = self.expr(s.iter)
                    self.bind(s.target, _elem(it), loop_target=True)
                else:
                    self.expr(s.test)
                self.block(s.body.body)
            self.loop -= 1
            if self.loop == 0:
                self.loops_done += 1
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
        elif isinstance(s, cst.FunctionDef):
            if s.decorators:
                self.lose(s, f"the decorated function `{s.name.value}`")
                self.env[s.name.value] = OPAQUE
            else:
                self.env[s.name.value] = Val(fn=Fn(s, self.env, self))
        elif isinstance(s, cst.ClassDef):
            self.lose(s, f"the class `{s.name.value}` defined inside a function")
            self.env[s.name.value] = OPAQUE

    def small(self, s):
        if isinstance(s, cst.Assign):
            v = self.expr(s.value)
            for t in s.targets:
                self.bind(t.target, v, s)
        elif isinstance(s, cst.AnnAssign) and s.value is not None:
            self.bind(s.target, self.expr(s.value), s)
        elif isinstance(s, cst.AugAssign):
            self.augassign(s)
        elif isinstance(s, cst.Return) and s.value is not None:
            self.analysis.returns.append(self.expr(s.value))
        elif isinstance(s, cst.Expr):
            self.expr(s.value)
        elif isinstance(s, cst.Nonlocal) and self.nonlocal_ok:
            pass  # the caller copies the names back after the call
        elif isinstance(s, (cst.Global, cst.Nonlocal)):
            self.lose(s, "a global or nonlocal name")
            for n in s.names:
                self.env[n.name.value] = OPAQUE
        elif isinstance(s, cst.Del):
            pass

    def _mutates_argument(self, target, node) -> None:
        """A followed helper that changes an argument in place changes the caller's value unseen."""
        base = target
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        if self.depth > 0 and isinstance(base, cst.Name) and base.value in self.arg_names and not (
            isinstance(target, cst.Attribute) and self._obj_attr(target) is not None
        ):
            self.lose(node, f"a helper that changes its argument `{base.value}` in place")

    def augassign(self, s: cst.AugAssign):
        self._mutates_argument(s.target, s)
        name = _target_name(s.target)
        op = type(s.operator).__name__.replace("Assign", "")
        rhs = self.expr(s.value)
        oa = self._obj_attr(s.target)
        if oa is not None:
            obj, attr = oa
            new = self.binop(op, obj.attrs.get(attr, NEUTRAL), rhs)
            step = "assign"
            if op in ("Subtract", "Add"):
                r = rhs.flat()
                step = r.sign if op == "Add" else _neg(r.sign)
            self._store_attr(obj, attr, new if step == "assign" else rhs.flat(), s, step)
            if step != "assign":
                obj.attrs[attr] = self._as_param(new) if attr in obj.trained else new
            return
        if _dynamic_subscript(s.target):
            # A[idx] op= v changes some entries of A: the rest keep their value
            whole = self.expr(s.target.value)
            part = self.expr(s.target)
            new = self.binop(op, part, rhs)
            idx_labels = frozenset()
            for el in s.target.slice:
                if isinstance(el.slice, cst.Index):
                    idx_labels |= self.expr(el.slice.value).flat().labels
            w = whole.flat()
            if (op in ("Subtract", "Add") and TARGET in idx_labels and PARAM in w.labels and TARGET not in w.labels
                    and w.sign == 0 and rhs.flat().sign == 0 and not rhs.flat().labels):
                # dZ[rows, y] -= 1 on probabilities: probabilities minus one-hot labels
                sign = 1 if op == "Subtract" else -1
                if w.neg:
                    sign = -sign
                combined = Val(w.labels | idx_labels, sign, None, w.scaled)
            else:
                combined = _merge(whole, new)
            if name is not None:
                vague = name in self.params or any(p.startswith(name + "[") for p in self.params)
                if vague and op in ("Subtract", "Add"):
                    r = rhs.flat()
                    step = r.sign if op == "Add" else _neg(r.sign)
                    for p in [q for q in self.params if q == name or q.startswith(name + "[")]:
                        self._record(s, p, step, r, vague=True)
                self.env[name] = self._as_param(combined) if name in self.params else combined
            return
        cur = self.expr(s.target)
        new = self.binop(op, cur, rhs)
        if name is not None:
            if self.record and self.loop == 0 and self.loops_done:
                self.analysis.after_loop[name] = new
            self.env[name] = new if name not in self.params else self._as_param(new)
            if name in self._loop_targets and op in ("Subtract", "Add"):
                self.lose(s, f"`{name}` is a loop variable updated in place (an alias of a parameter)")
        if name in self.params and isinstance(s.operator, (cst.SubtractAssign, cst.AddAssign)):
            r = rhs.flat()
            step = r.sign if isinstance(s.operator, cst.AddAssign) else _neg(r.sign)
            self._record(s, name, step, r)

    @property
    def _loop_targets(self) -> set:
        return getattr(self, "_lt", set())

    def _record(self, node, name, step, value, vague=False):
        if self.record and not (self.warmup + self.outer_warm):
            self.sink.analysis.updates.append(
                Update(self.src.line(node), name, step, value, (self.loop + self.outer_loop) > 0, vague))

    def _obj_attr(self, target):
        """(object, attribute) for `x.attr` when x is an instance of a class in the file."""
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            v = self.env.get(target.value.value)
            if v is not None and v.obj is not None:
                return v.obj, target.attr.value
        return None

    def _store_attr(self, obj, attr, v: Val, node, stepped: int | None | str = "assign"):
        if attr in obj.trained and node is not None:
            if stepped != "assign":
                self._record(node, obj.name(attr), stepped, v)
            elif v.step is not None:
                self._record(node, obj.name(attr), v.step, v)
            elif not v.is_param and hasattr(node, "value") and any(
                isinstance(a, cst.Attribute) and a.attr.value == attr for a in findall(node.value, m.Attribute())
            ):
                self._record(node, obj.name(attr), None if v.sign is None else 0, v)
        obj.attrs[attr] = self._as_param(v) if attr in obj.trained else v

    def _as_param(self, v: Val) -> Val:
        if v.items is not None or v.keys is not None:
            return v
        return Val(frozenset({PARAM}), 0, v.step, False, is_param=True)

    def bind(self, target, v: Val, node=None, loop_target: bool = False):
        if isinstance(target, (cst.Tuple, cst.List)):
            elems = target.elements
            if v.items is not None and len(v.items) == len(elems) and not any(isinstance(e, cst.StarredElement) for e in elems):
                for e, iv in zip(elems, v.items):
                    self.bind(e.value, iv, node, loop_target)
            else:
                f = v.flat()
                for e in elems:
                    self.bind(e.value.value if isinstance(e, cst.StarredElement) else e.value,
                              Val(f.labels, f.sign, opaque=f.opaque), node, loop_target)
            return
        if isinstance(target, cst.StarredElement):
            target = target.value
        oa = self._obj_attr(target)
        if oa is not None:
            self._store_attr(oa[0], oa[1], v, node)
            return
        name = _target_name(target)
        if name is None:
            if isinstance(target, (cst.Subscript, cst.Attribute)):
                self.lose(target, "an assignment into an expression the analysis cannot name")
            return
        if loop_target:
            self._lt = self._loop_targets | {name}
        if isinstance(target, (cst.Subscript, cst.Attribute)):
            self._mutates_argument(target, node if node is not None else target)
        if _dynamic_subscript(target):
            # A[idx] = v: the other entries keep their value
            old = self.env.get(name)
            idx_labels = frozenset()
            for el in target.slice:  # Y[rows, y] = 1 puts the labels into Y
                if isinstance(el.slice, cst.Index):
                    idx_labels |= self.expr(el.slice.value).flat().labels
            if idx_labels - v.flat().labels:
                f = v.flat()
                v = Val(f.labels | idx_labels, f.sign if not (idx_labels & {TARGET, PARAM}) else (0 if f.sign == 0 else None),
                        None, f.scaled, opaque=f.opaque, mixed=f.mixed)
            if name in self.params and node is not None and self.loop > 0:
                self._record(node, name, v.step if v.step is not None else (None if v.sign is None else 0), v, vague=True)
            v = v if old is None else _merge(old, v)
            self.env[name] = self._as_param(v) if name in self.params else v
            return
        if v.keys is not None and any(p.startswith(name + "[") for p in self.params):
            v = replace(v, keys=tuple((k, self._as_param(kv) if f"{name}[{k}]" in self.params else kv) for k, kv in v.keys))
        if name in self.params and v.keys is not None and node is not None:
            for k, kv in v.keys:  # params = {"w": params["w"] - lr * g["w"], ...}
                if kv.step is not None:
                    self._record(node, f"{name}[{k}]", kv.step, kv)
        if name in self.params:
            if node is not None and v.step is not None:
                self._record(node, name, v.step, v)
            elif node is not None and v.items is None and self.loop > 0 and not v.is_param:
                # assigned in the loop from something that is not "itself minus a step"
                used = {n.value for n in findall(node.value, m.Name())} if hasattr(node, "value") else set()
                if name.split("[")[0].split(".")[0] in used:
                    self._record(node, name, None if v.sign is None else 0, v)
            v = self._as_param(v)
        if self.record and self.loop == 0 and self.loops_done:
            self.analysis.after_loop[name] = v
        self.env[name] = v

    # --- expressions --------------------------------------------------------------
    def expr(self, e) -> Val:
        if isinstance(e, cst.Name):
            if e.value in self.env:
                v = self.env[e.value]
                if v.items is not None and any(f"{e.value}[{i}]" in self.env for i in range(len(v.items))):
                    v = replace(v, items=tuple(self.env.get(f"{e.value}[{i}]", x) for i, x in enumerate(v.items)))
                return v
            if e.value in self.src.functions:
                return Val(fn=self.src.functions[e.value])
            return NEUTRAL
        if isinstance(e, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return NEUTRAL
        if isinstance(e, cst.UnaryOperation):
            v = self.expr(e.expression).flat()
            if isinstance(e.operator, cst.Minus):
                if v.sign == 0:
                    return Val(v.labels, 0, None, v.scaled, neg=not v.neg, opaque=v.opaque, mixed=v.mixed)
                return Val(v.labels, _neg(v.sign), None, v.scaled, opaque=v.opaque)
            if isinstance(e.operator, cst.Not):
                return Val(v.labels)
            return replace(v, step=None, is_param=False)
        if isinstance(e, cst.BinaryOperation):
            op = type(e.operator).__name__
            return self.binop(op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, (cst.Tuple, cst.List)):
            if any(isinstance(x, cst.StarredElement) for x in e.elements):
                vals = [self.expr(x.value) for x in e.elements]
                return Val(elem=_merge_all([_elem(v) if isinstance(x, cst.StarredElement) else v
                                            for v, x in zip(vals, e.elements)]) if vals else NEUTRAL)
            return Val(items=tuple(self.expr(x.value) for x in e.elements))
        if isinstance(e, cst.Dict):
            keys = []
            for el in e.elements:
                if isinstance(el, cst.DictElement) and isinstance(el.key, (cst.SimpleString, cst.Integer)):
                    k = repr(el.key.evaluated_value) if isinstance(el.key, cst.SimpleString) else el.key.value
                    keys.append((k, self.expr(el.value)))
                else:
                    self.lose(e, "a dictionary with computed keys")
                    return _opaque([self.expr(el.value) for el in e.elements if hasattr(el, "value")])
            return Val(keys=tuple(keys))
        if isinstance(e, cst.Attribute):
            if e.attr.value in _NEUTRAL_ATTRS:
                return NEUTRAL
            if not _dotted(e):
                v = self.expr(e.value)
                if v.lib and not v.opaque:  # LogisticRegression().fit(X, y).intercept_
                    return Val(v.flat().labels, None, lib=True)
            oa = self._obj_attr(e)
            if oa is not None:
                if oa[1] in oa[0].attrs:
                    return oa[0].attrs[oa[1]]
                if oa[0].method(oa[1]) is None:
                    self.lose(e, f"the attribute `{oa[1]}`, never set by the class")
                    return OPAQUE
                return NEUTRAL
            name = _target_name(e)
            if name in self.env:
                return self.env[name]
            if e.attr.value == "T":
                v = self.expr(e.value).flat()
                return Val(v.labels, v.sign, None, v.scaled, is_param=v.is_param, opaque=v.opaque, neg=v.neg)
            if _dotted(e) and _imported(self.src, e):
                return NEUTRAL  # a module constant (np.pi, sys.float_info.epsilon)
            base = self.expr(e.value).flat()
            if isinstance(e.value, cst.Name) and self.env.get(e.value.value, NEUTRAL).lib:
                return Val(base.labels, None, lib=True)
            if isinstance(e.value, cst.Name) and e.value.value in self.env:
                self.lose(e, f"the attribute `{e.attr.value}` of an object")
                return Val(base.labels, None, opaque=True)
            return Val(base.labels, 0, opaque=base.opaque)
        if isinstance(e, cst.Subscript):
            base = self.expr(e.value)
            key = _const_key(e)
            name = _target_name(e)
            if name in self.env and key is not None:
                return self.env[name]
            if base.items is not None and key is not None and key.lstrip("-").isdigit():
                k = int(key)
                if -len(base.items) <= k < len(base.items):
                    return base.items[k]
            if base.keys is not None:
                if key is not None:
                    for kk, vv in base.keys:
                        if kk == key:
                            return vv
                return _merge_all([v for _, v in base.keys]) if base.keys else NEUTRAL
            b = base.flat() if base.elem is None else base.elem
            idx = Val()
            for el in e.slice:
                if isinstance(el.slice, cst.Index):
                    idx = _union([idx, self.expr(el.slice.value)])
            return Val(b.labels | idx.labels, b.sign, None, b.scaled, is_param=b.is_param and not idx.labels,
                       opaque=b.opaque or idx.opaque, neg=b.neg, mixed=b.mixed)
        if isinstance(e, cst.Call):
            return self.call(e)
        if isinstance(e, cst.IfExp):
            self.expr(e.test)
            return _merge(self.expr(e.body), self.expr(e.orelse))
        if isinstance(e, cst.Comparison):
            parts = [self.expr(e.left)] + [self.expr(c.comparator) for c in e.comparisons]
            return Val(_union(parts).labels)
        if isinstance(e, cst.BooleanOperation):
            return _merge(self.expr(e.left), self.expr(e.right))
        if isinstance(e, cst.Lambda):
            return Val(fn=Fn(e, self.env))
        if isinstance(e, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self.comprehension(e)
        if isinstance(e, (cst.Yield,)):
            v = self.expr(e.value) if e.value is not None and not isinstance(e.value, cst.From) else NEUTRAL
            if isinstance(e.value, cst.From):
                v = _elem(self.expr(e.value.item))
            self.analysis.yields.append(v)
            return OPAQUE
        if isinstance(e, cst.NamedExpr):
            v = self.expr(e.value)
            self.bind(e.target, v)
            return v
        if isinstance(e, (cst.DictComp, cst.Await)):
            self.lose(e, "a dict comprehension")
            return OPAQUE
        return NEUTRAL

    def comprehension(self, e) -> Val:
        fors = []
        c = e.for_in
        while c is not None:
            fors.append(c)
            c = c.inner_for_in
        saved = dict(self.env)
        self.i.saw_loop = True
        self.loop += 1
        try:
            if len(fors) == 1 and not fors[0].ifs:
                it = self.expr(fors[0].iter)
                if it.items is not None:  # [f(g) for g in (a, b, c)] keeps one value per element
                    out = []
                    for item in it.items:
                        self.bind(fors[0].target, item)
                        out.append(self.expr(e.elt))
                    return Val(items=tuple(out))
            for rnd in range(2):  # like a loop: the first pass only settles the values
                self.warmup += 1 - rnd
                for c in fors:
                    self.bind(c.target, _elem(self.expr(c.iter)))
                    for cond in c.ifs:
                        self.expr(cond.test)
                out = self.expr(e.elt)
                self.warmup -= 1 - rnd
            return Val(elem=out)
        finally:
            self.loop -= 1
            self.env = saved

    def binop(self, op: str, a: Val, b: Val) -> Val:
        if (a.items is not None or b.items is not None) and op == "Add":
            return Val(elem=_merge(_elem(a), _elem(b)))  # list concatenation
        a, b = a.flat(), b.flat()
        labels = a.labels | b.labels
        scaled = a.scaled or b.scaled
        opaque = a.opaque or b.opaque
        if op == "Subtract" or op == "Add":
            flip = op == "Subtract"
            if op == "Subtract" and a.sign == 0 and b.sign == 0 and not opaque:
                a_model = PARAM in a.labels and TARGET not in a.labels
                b_model = PARAM in b.labels and TARGET not in b.labels
                a_target = TARGET in a.labels and PARAM not in a.labels
                b_target = TARGET in b.labels and PARAM not in b.labels
                if a_model and b_target:
                    return Val(labels, -1 if (a.neg and not b.neg) else 1, None, scaled)
                if a_target and b_model:
                    return Val(labels, 1 if (b.neg and not a.neg) else -1, None, scaled)
            bs = _neg(b.sign) if flip else b.sign
            if a.is_param and a.sign == 0 and b.sign != 0:  # param -/+ oriented step
                return Val(labels, 0, bs, False, opaque=opaque)
            if b.is_param and b.sign == 0 and a.sign != 0 and not flip:  # oriented step + param
                return Val(labels, 0, a.sign, False, opaque=opaque)
            mixed = a.mixed or b.mixed
            if flip and a.sign == 0 and b.sign == 0 and a.labels and not a.is_param:
                # a difference of two non-residual quantities (Z - Z.max(), h ** 2 - 1) may have either sign;
                # a constant minus something (1 - h ** 2, 1 - p) is taken as positive, the known limit
                mixed = True
            return Val(labels, _add(a.sign, bs), None, scaled, opaque=opaque, mixed=mixed and _add(a.sign, bs) == 0)
        if op in ("Multiply", "MatrixMultiply", "Divide", "FloorDivide"):
            if op != "Divide" and ((_pure_data(a) and b.sign) or (_pure_data(b) and a.sign)):
                scaled = True
            if op == "Divide" and _pure_data(b) and a.sign:
                scaled = True
            sign = _mul(a.sign, b.sign)
            if sign == 0:
                return Val(labels, 0, None, scaled, neg=a.neg != b.neg, opaque=opaque, mixed=a.mixed or b.mixed)
            if a.mixed or b.mixed:
                return Val(labels, None, None, scaled, opaque=opaque)
            if sign is not None and (a.neg or b.neg) and not (a.neg and b.neg):
                sign = -sign
            return Val(labels, sign, None, scaled, opaque=opaque)
        if op == "Power":
            return Val(labels, 0 if a.sign == 0 else None, None, scaled, opaque=opaque)  # x ** 2 is not negative
        return Val(labels, 0 if (a.sign == 0 and b.sign == 0) else None, None, scaled, opaque=opaque)

    def _follow(self, fnval, argvals, kwvals, node) -> Val:
        f = fnval.fn
        if isinstance(f, Fn) and f.frame is self and _nonlocal_names(f.node) and "*" not in _nonlocal_names(f.node):
            return self.i.call_closure(self, f.node, _nonlocal_names(f.node), argvals, kwvals, node)
        if isinstance(f, Fn):
            return self.i.call(f.node, argvals, kwvals, self.depth, closure=f.env, node=node)
        return self.i.call(f, argvals, kwvals, self.depth, node=node)

    def call(self, e: cst.Call) -> Val:
        names = self.src.names(e.func)
        if any(a.star for a in e.args):
            for a in e.args:
                self.expr(a.value)
            self.lose(e, "a call with *args or **kwargs")
            return _opaque([self.expr(a.value) for a in e.args])
        argvals = [self.expr(a.value) for a in e.args if a.keyword is None]
        kwvals = {a.keyword.value: self.expr(a.value) for a in e.args if a.keyword is not None}
        for a in e.args:
            if a.keyword is not None and a.keyword.value in _OUT_MUTATORS:
                n = _target_name(a.value)
                self.lose(e, "a result written through `out=`")
                if n is not None:
                    self.env[n] = _opaque([self.env.get(n, NEUTRAL)])
        oa = self._obj_attr(e.func)
        base_val = None
        if oa is None and isinstance(e.func, cst.Attribute) and not _dotted(e.func):
            base_val = self.expr(e.func.value)  # a method of a computed value: Model(d).fit(...)
            if base_val.obj is not None:
                oa = (base_val.obj, e.func.attr.value)
        if oa is not None:
            method = oa[0].method(oa[1])
            if method is None:
                self.lose(e, f"the method `{oa[1]}`, which the analysis cannot find in the class")
                return _opaque(argvals + list(kwvals.values()))
            return self.i.call_method(self, oa[0], method, argvals, kwvals, e)
        if isinstance(e.func, cst.Lambda):  # (lambda p: p - y)(pred)
            return self._follow(Val(fn=Fn(e.func, self.env)), argvals, kwvals, e)
        # a callable value: nested def, lambda, module function passed around
        if isinstance(e.func, cst.Name):
            fnval = self.env.get(e.func.value)
            if fnval is None and e.func.value in self.src.functions and not (names - {e.func.value}):
                fnval = Val(fn=self.src.functions[e.func.value])
            if fnval is not None and fnval.fn is not None:
                return self._follow(fnval, argvals, kwvals, e)
            if e.func.value in self.i.classes and not (names - {e.func.value}) and e.func.value not in self.env:
                cls = self.i.classes[e.func.value]
                if cls.bases or cls.decorators:
                    self.lose(e, f"an object of the class `{e.func.value}` (a subclass or decorated class)")
                    return _opaque(argvals + list(kwvals.values()))
                obj = Obj(cls)
                init = obj.method("__init__")
                if init is not None:
                    self.i.call_method(self, obj, init, argvals, kwvals, e)
                return Val(obj=obj)
            if fnval is not None and not names & _CLEAN:
                self.lose(e, f"a call of `{e.func.value}`, a value the analysis cannot follow")
                return _opaque(argvals + list(kwvals.values()))
        flat = [v.flat() for v in argvals]
        if names & {"builtins.zip", "zip"}:
            return Val(elem=Val(items=tuple(_elem(v) for v in argvals)))
        if names & {"builtins.enumerate", "enumerate"} and argvals:
            return Val(elem=Val(items=(NEUTRAL, _elem(argvals[0]))))
        if names & {"builtins.reversed", "reversed", "builtins.sorted", "sorted"} and argvals:
            return Val(elem=_elem(argvals[0]))
        if names & _CLEAN:
            return NEUTRAL
        if names & _POSITIVE and flat:
            f0 = flat[0]
            return Val(_union(flat).labels, 0 if f0.sign == 0 else None, None, f0.scaled, opaque=f0.opaque)
        if names & {"numpy.negative"} and flat:
            return Val(flat[0].labels, _neg(flat[0].sign), None, flat[0].scaled, neg=not flat[0].neg if flat[0].sign == 0 else False, opaque=flat[0].opaque)
        if names & {"numpy.subtract"} and len(argvals) == 2:
            return self.binop("Subtract", argvals[0], argvals[1])
        if names & {"numpy.add"} and len(argvals) == 2:
            return self.binop("Add", argvals[0], argvals[1])
        if names & _PRODUCT:
            vals = [v for v, a in zip(flat, [a for a in e.args if a.keyword is None]) if not isinstance(a.value, cst.SimpleString)]
            out = vals[0] if vals else NEUTRAL
            for v in vals[1:]:
                out = self.binop("MatrixMultiply", out, v)
            return Val(out.labels, out.sign, None, out.scaled, neg=out.neg, opaque=out.opaque)
        if names & {"list", "builtins.list", "tuple", "builtins.tuple", "iter", "builtins.iter"} and argvals:
            return argvals[0] if argvals[0].items is not None else Val(elem=_elem(argvals[0]))
        if names & _KEEP_FIRST and flat:
            extra = _union(flat[1:] + list(kwvals.values()))
            keep = bool(names & _KEEP_PARAM)
            return Val(flat[0].labels | extra.labels, flat[0].sign, flat[0].step if keep else None, flat[0].scaled,
                       neg=flat[0].neg, is_param=flat[0].is_param and keep, opaque=flat[0].opaque or extra.opaque,
                       elem=argvals[0].elem, mixed=flat[0].mixed)
        base = e.func.value if isinstance(e.func, cst.Attribute) else None
        from_module = _imported(self.src, e.func) and _dotted(e.func)
        if base is not None and not from_module:
            objv = base_val if base_val is not None else self.expr(e.func.value)
            obj = objv.flat()
            meth = e.func.attr.value
            if meth in _KEEP_METHODS:
                keep = meth in _PARAM_METHODS
                return Val(obj.labels, obj.sign, obj.step if keep else None, obj.scaled, neg=obj.neg,
                           is_param=obj.is_param and keep, opaque=obj.opaque, mixed=obj.mixed)
            if objv.lib and not objv.opaque:
                return Val(_union([obj] + flat).labels, None, lib=True)
            if meth == "dot" and flat:
                return self.binop("MatrixMultiply", obj, flat[0])
            if meth in ("append", "extend", "insert"):
                return NEUTRAL
            if objv.keys is not None and meth in ("values", "items", "keys", "get", "copy"):
                vals = [v for _, v in objv.keys]
                one = _merge_all(vals) if vals else NEUTRAL
                if meth == "values":
                    return Val(elem=one)
                if meth == "items":
                    return Val(elem=Val(items=(NEUTRAL, one)))
                if meth == "get" and argvals:
                    return one
                if meth == "copy":
                    return objv
                return NEUTRAL
            if meth in ("max", "min", "argmax", "argmin", "std", "var", "any", "all", "prod", "cumsum", "round", "nonzero"):
                return Val(_union([obj] + flat).labels, 0 if obj.sign == 0 and all(v.sign == 0 for v in flat) else None,
                           opaque=obj.opaque)
            if meth in ("normal", "uniform", "random", "permutation", "choice", "integers", "standard_normal", "shuffle"):
                return Val(_union(flat).labels if meth in ("permutation", "choice", "shuffle") else frozenset())
            self.lose(e, f"the method `{meth}` of an object the analysis cannot follow")
            return _opaque([obj] + flat + list(kwvals.values()))
        allv = flat + [v.flat() for v in kwvals.values()]
        if not names or not from_module:
            self.lose(e, "a call the analysis cannot resolve")
            return _opaque(allv)
        return Val(_union(allv).labels, 0 if all(v.sign == 0 for v in allv) else None, opaque=any(v.opaque for v in allv),
                   lib=True)


def analyse(src: Source, fn_name: str, roles: dict) -> Analysis | None:
    fn = src.functions.get(fn_name)
    if fn is None:
        return None
    args = {k: Val(frozenset({r})) for k, r in roles.items()}
    interp = Interpreter(src)
    a = interp.run(fn, args)
    a.lost = list(interp.lost)
    a.saw_loop = interp.saw_loop
    return a


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

#: an inherited step method: the training checks do not follow inheritance (cannot tell)
_INHERITED_STEP_SNIPPET = _TRAIN_SNIPPET_HEAD + """
class Base:
    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w -= lr * dw
        self.b -= lr * db

class Model(Base):
    def __init__(self, d):
        self.w, self.b = np.zeros(d), 0.0

def train(X, y, lr, n_iter):
    m = Model(X.shape[1])
    for _ in range(n_iter):
        m.step(X, y, lr)
    return m.w, m.b, []
"""

#: a model class with fit/step methods: valid for more than one training check
_CLASS_MODEL_SNIPPET = _TRAIN_SNIPPET_HEAD + """
class Model:
    def __init__(self, d):
        self.w, self.b = np.zeros(d), 0.0

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w -= lr * dw
        self.b = self.b - lr * db
        return self

    def fit(self, X, y, lr, n_iter):
        return [self.step(X, y, lr) for _ in range(n_iter)]

def train(X, y, lr, n_iter):
    m = Model(X.shape[1])
    m.fit(X, y, lr, n_iter)
    return m.w, float(m.b), []
"""


def _safe(assess):
    """A check that fails on code it did not expect says 'cannot tell', never 'wrong'."""
    import functools

    @functools.wraps(assess)
    def wrapper(self, src):
        try:
            return assess(self, src)
        except (Exception, RecursionError):
            return Assessment.unknown("the static check could not follow this code")

    return wrapper


def _lost_note(a: Analysis, what: str) -> tuple[str, int | None]:
    line, construct = a.lost[0]
    return f"{what}: the static check could not follow {construct} (line {line})", line


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
        """
import numpy as np
def gradients(w, b, X, y):
    def residual(w=w, b=b):
        return X @ w + b - y
    r = residual()
    return X.T.dot(r) / len(y), float(r.mean())
""",
        """
import numpy as np
def gradients(w, b, X, y):
    g = {"w": None, "b": None}
    err = y - (X @ w + b)
    err *= -1
    g["w"] = X.T @ err / len(y)
    g["b"] = err.mean()
    return g["w"], g["b"]
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
        """
import numpy as np
def gradients(w, b, X, y):
    grad = lambda r: (X.T @ r / len(y), r.mean())
    return grad(y - X @ w - b)
""",
    ]
    UNKNOWN = [
        """
import numpy as np
class Model:
    def grads(self, w, b, X, y):
        return X.T @ (y - X @ w - b), np.mean(y - X @ w - b)
gradients = Model().grads
""",
        """
import numpy as np
from mylib import residual
def gradients(w, b, X, y):
    r = residual(w, b, X, y)
    return X.T @ r / len(y), r.mean()
""",
    ]

    def __init__(self, function: str = "gradients", roles: dict | None = None, what: str = "the loss"):
        self.function = function
        self.roles = roles if roles is not None else {0: PARAM, 1: PARAM, 2: DATA, 3: TARGET}
        self.what = what

    def findings(self, src: Source) -> list[Finding]:
        a = self.assess(src)
        return a.findings if a.outcome == WRONG else []

    @_safe
    def assess(self, src: Source) -> Assessment:
        fn = src.functions.get(self.function)
        if fn is None:
            return Assessment.unknown(f"`{self.function}` is not a plain module-level function the static check can read")
        a = analyse(src, self.function, self.roles)
        if not a.returns:
            return Assessment.unknown(f"the static check found no return value of `{self.function}` it can follow", src.line(fn))
        bad, signs = None, []
        for ret in a.returns:
            parts = ret.items if ret.items is not None else (ret,)
            signs += [p.flat().sign for p in parts]
            wrong = [i for i, p in enumerate(parts) if p.flat().sign == -1]
            if wrong and bad is None:
                bad = wrong
        if bad is not None:
            if a.lost:
                return Assessment.unknown(*_lost_note(a, f"`{self.function}` seems to return target minus prediction"))
            which = (f"value {bad[0] + 1} of what it returns is" if len(bad) == 1 else
                     "values " + ", ".join(str(i + 1) for i in bad[:-1]) + f" and {bad[-1] + 1} of what it returns are")
            return Assessment.wrong([Finding(
                src.line(fn),
                f"`{self.function}` returns the negative of the gradient of {self.what} ({which} built from target "
                "minus prediction without flipping it back), so subtracting it climbs the loss",
            )])
        if a.lost:
            return Assessment.unknown(*_lost_note(a, f"the orientation of `{self.function}` is unclear"))
        if signs and all(s == 1 for s in signs):
            return Assessment.right()
        return Assessment.unknown(f"the static check could not tell which way each value returned by `{self.function}` points", src.line(fn))


class UpdateAgainstGradient(StaticCheck):
    """No parameter update in the training loop moves along the gradient of the loss."""

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
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    params = {"w": np.zeros(X.shape[1]), "b": 0.0}
    it = 0
    best = np.inf
    while it < n_iter:
        dw, db = gradients(params["w"], params["b"], X, y)
        params["w"] -= lr * dw
        params["b"] -= lr * db
        best = min(best, float(np.mean(dw)))
        it += 1
    return params["w"], params["b"], []
""",
        _CLASS_MODEL_SNIPPET,
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
        _TRAIN_SNIPPET_HEAD + """
def step(w, b, dw, db, lr=0.1):
    return w + lr * dw, b + lr * db

def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w, b = step(w, b, dw, db, lr)
    return w, b, []
""",
    ]
    UNKNOWN = [
        _INHERITED_STEP_SNIPPET,
    ]

    def __init__(self, function: str = "train", roles: dict | None = None):
        self.function = function
        self.roles = roles if roles is not None else {0: DATA, 1: TARGET}

    def findings(self, src: Source) -> list[Finding]:
        a = self.assess(src)
        return a.findings if a.outcome == WRONG else []

    @_safe
    def assess(self, src: Source) -> Assessment:
        fn = src.functions.get(self.function)
        if fn is None:
            return Assessment.unknown(f"`{self.function}` is not a plain module-level function the static check can read")
        a = analyse(src, self.function, self.roles)
        loop_updates = [u for u in a.updates if u.in_loop]
        uphill, seen = [], set()
        for u in loop_updates:
            if u.step == 1 and not u.vague and (u.line, u.name) not in seen:
                seen.add((u.line, u.name))
                uphill.append(Finding(
                    u.line,
                    f"the update of `{u.name}` moves along the gradient of the loss (uphill), so every iteration makes "
                    "the loss larger; the sign of the gradient and the sign of the update disagree",
                ))
        if uphill:
            if a.lost:
                return Assessment.unknown(*_lost_note(a, "an update seems to move uphill"))
            return Assessment.wrong(uphill)
        if not loop_updates:
            if not a.saw_loop and not a.lost:
                return Assessment.wrong([Finding(
                    src.line(fn),
                    f"`{self.function}` has no loop, so it does not train the parameters by gradient descent",
                )])
            if a.lost:
                return Assessment.unknown(*_lost_note(a, "no parameter update was found in the loop"))
            return Assessment.unknown(f"the static check found no parameter update it can follow in `{self.function}`'s loop", src.line(fn))
        if a.lost:
            return Assessment.unknown(*_lost_note(a, "the direction of some updates is unclear"))
        if all(u.step == -1 for u in loop_updates):
            return Assessment.right()
        return Assessment.unknown("the static check could not tell the direction of every update", loop_updates[0].line)


_PARAM_WRAPPERS = {"float", "builtins.float", "numpy.asarray", "numpy.array", "numpy.squeeze", "numpy.ravel",
                   "numpy.atleast_1d", "numpy.float64", "numpy.copy", "numpy.reshape", "numpy.asanyarray"}


def _unwrap_names(src: Source, e) -> list[str] | None:
    """Names a returned expression reads its value from: `b`, `float(b)`, `b.ravel()`,
    `self.b`, `params["b"]`, `b[0]`. None if it is anything else."""
    if isinstance(e, cst.Call):
        if isinstance(e.func, cst.Attribute) and e.func.attr.value in _PARAM_METHODS and not src.names(e.func) & _MODULE_CALLS(src, e):
            return _unwrap_names(src, e.func.value)
        if src.names(e.func) & _PARAM_WRAPPERS and e.args:
            return _unwrap_names(src, e.args[0].value)
        return None
    if isinstance(e, cst.Subscript):
        exact = _target_name(e)
        base = _unwrap_names(src, e.value)
        if exact is None and base is None:
            return None
        return ([exact] if exact else []) + (base or [])
    n = _target_name(e)
    return [n] if n else None


def _MODULE_CALLS(src, e):  # method calls on modules (np.ravel written as an attribute) are not methods of b
    return {n for n in src.names(e.func) if n.split(".")[0] in _MODULES}


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
        _TRAIN_SNIPPET_HEAD + """
def batches(X, y, size):
    for i in range(0, len(y), size):
        yield X[i:i + size], y[i:i + size]

def train(X, y, lr, n_iter):
    p = {"w": np.zeros(X.shape[1]), "b": np.zeros(1)}
    for _ in range(n_iter):
        for xb, yb in batches(X, y, 16):
            dw, db = gradients(p["w"], p["b"], xb, yb)
            p["w"] -= lr * dw
            p['b'] -= lr * db
    return p["w"], float(p["b"][0]), []
""",
        """
import numpy as np
def train(X, y, lr, n_iter):
    W, b = np.zeros((X.shape[1], 3)), np.zeros(3)
    for _ in range(n_iter):
        Z = X @ W + b
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        dZ = P.copy()
        dZ[np.arange(len(y)), y] -= 1
        W -= lr * X.T @ dZ / len(y)
        b -= lr * dZ.mean(axis=0)
    return W, b.ravel(), []
""",
        _CLASS_MODEL_SNIPPET,
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w_new = w - lr * dw
        b_new = b - lr * db
        w, b = w_new, b_new
    return w, b, []
""",
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0

    def step(rate=lr):
        nonlocal w, b
        dw, db = gradients(w, b, X, y)
        w, b = w - rate * dw, b - rate * db

    for _ in range(n_iter):
        step()
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
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    b = float(np.mean(y))
    return w, float(b), []
""",
        _TRAIN_SNIPPET_HEAD + """
class Model:
    def __init__(self, d):
        self.w, self.b = np.zeros(d), 0.0

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w -= lr * dw

def train(X, y, lr, n_iter):
    m = Model(X.shape[1])
    for _ in range(n_iter):
        m.step(X, y, lr)
    return m.w, m.b, []
""",
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0

    def step():
        nonlocal w, b
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw

    for _ in range(n_iter):
        step()
    return w, b, []
""",
    ]
    UNKNOWN = [
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    A = np.c_[X, np.ones(len(y))]
    theta = np.zeros(A.shape[1])
    for _ in range(n_iter):
        theta -= lr * A.T @ (A @ theta - y) / len(y)
    return theta[:-1], theta[-1], []
""",
        _TRAIN_SNIPPET_HEAD + """
def step_(p, g, lr):
    p -= lr * g

def train(X, y, lr, n_iter):
    w, b = np.zeros(X.shape[1]), np.zeros(1)
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        step_(w, dw, lr)
        step_(b, db, lr)
    return w, b, []
""",
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    params = [np.zeros(X.shape[1]), 0.0]
    for _ in range(n_iter):
        dw, db = gradients(params[0], params[1], X, y)
        params[0] -= lr * dw
        params[1] -= lr * db
    w, b = params
    return w, b, []
""",
        _INHERITED_STEP_SNIPPET,
        _TRAIN_SNIPPET_HEAD + """
def train(X, y, lr, n_iter):
    params = [np.zeros(X.shape[1]), np.zeros(1)]
    for _ in range(n_iter):
        for p, g in zip(params, gradients(params[0], params[1], X, y)):
            p -= lr * g
    return params[0], params[1][0], []
""",
    ]

    def __init__(self, function: str = "train", roles: dict | None = None, bias_position: int = 1, what: str = "the bias"):
        self.function = function
        self.roles = roles if roles is not None else {0: DATA, 1: TARGET}
        self.bias_position = bias_position
        self.what = what

    def findings(self, src: Source) -> list[Finding]:
        a = self.assess(src)
        return a.findings if a.outcome == WRONG else []

    @_safe
    def assess(self, src: Source) -> Assessment:
        fn = src.functions.get(self.function)
        if fn is None:
            return Assessment.unknown(f"`{self.function}` is not a plain module-level function the static check can read")
        line = src.line(fn)
        bias: set[str] = set()
        exact: set[str] = set()
        for ret in findall(fn.body, m.Return()):
            v = ret.value
            if isinstance(v, (cst.Tuple, cst.List)) and len(v.elements) > self.bias_position:
                names = _unwrap_names(src, v.elements[self.bias_position].value)
                if names is None:
                    return Assessment.unknown(f"the static check cannot tell which variable `{self.function}` returns as {self.what}", src.line(ret))
                bias |= set(names)
                exact.add(names[0])
        if not bias:
            return Assessment.unknown(f"the static check found no return of {self.what} from `{self.function}` it can follow", line)
        a = analyse(src, self.function, self.roles)
        bias = {a.canonical(n) for n in bias}
        exact = {a.canonical(n) for n in exact}
        ups = [u for u in a.updates if u.name in bias]
        loop_ups = [u for u in ups if u.in_loop]
        if loop_ups and not any(u.name in exact for u in loop_ups):
            return Assessment.unknown(f"{self.what} is one entry of a parameter array trained as a whole", loop_ups[0].line)
        if not loop_ups:
            returned = [r.items[self.bias_position] for r in a.returns
                        if r.items is not None and len(r.items) > self.bias_position]
            if any(v.is_param or v.opaque for v in returned):
                return Assessment.unknown(f"{self.what} is read from a trained array or from code the check cannot follow", line)
            if a.lost:
                return Assessment.unknown(*_lost_note(a, f"no update of {self.what} was found in the loop"))
            if ups:
                return Assessment.wrong([Finding(
                    ups[0].line,
                    f"{self.what} is changed only once, after the training loop has finished; it has to take a "
                    "gradient step on every iteration like the weights do",
                )])
            return Assessment.wrong([Finding(
                line,
                f"{self.what} is never updated inside the training loop, so it keeps its starting value (or a value set "
                "outside training) instead of learning from the data",
            )])
        out, unclear = [], None
        for u in loop_ups:
            v = u.value.flat()
            if v.opaque or u.vague:
                unclear = unclear or u.line
                continue
            if PARAM not in v.labels:
                out.append(Finding(u.line, f"{self.what} is updated with a quantity that does not depend on the model's "
                                           "output, so it is not the gradient of the loss for the bias"))
            elif TARGET not in v.labels:
                out.append(Finding(u.line, f"{self.what} is updated with a quantity that does not involve the targets "
                                           "(labels), so it is not the gradient of the loss for the bias"))
            elif v.scaled:
                out.append(Finding(u.line, f"{self.what} is updated with a quantity weighted by the input features, "
                                           "which is a weight gradient; the bias needs the gradient of the loss with "
                                           "respect to the bias itself"))
            elif u.step not in (-1, 1):
                unclear = unclear or u.line
        if out and not a.lost:
            return Assessment.wrong(list({(f.line, f.message): f for f in out}.values()))
        if out or a.lost:
            return Assessment.unknown(*_lost_note(a, f"the update of {self.what} looks wrong")) if a.lost else \
                Assessment.unknown(f"the update of {self.what} could not be followed", out[0].line)
        if unclear is not None:
            return Assessment.unknown(f"the static check could not tell what {self.what} is updated with", unclear)
        return Assessment.right()
