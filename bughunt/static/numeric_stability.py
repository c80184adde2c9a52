"""Root-cause checks for numerically unstable exp and log calls, three-valued.

A small abstract interpreter walks the graded functions in execution order and tags the
value of every expression and local name with facts it can prove syntactically:

- ``clipped``: bounded on both sides (np.clip, np.minimum/np.maximum with a constant, a
  constant, tanh/expit, a value clamped on both sides by boolean masks);
- ``upper`` / ``lower``: bounded above / below (x minus its max or its log-sum-exp,
  minus a non-negative value such as -|z|, `z[z > 500] = 500`, a mask `z[z >= 0]`, a
  branch of `if z >= 0:` or of np.where/np.piecewise);
- ``nonneg``: never negative; ``pos``: bounded away from zero (a floor such as
  clip/maximum/np.where with a positive constant, + a positive constant, 1 - x when x is
  kept below 1, a sum of max-shifted exponentials); ``lt1``: below a constant < 1;
  ``gtm1``: above a constant > -1 (so log1p is safe);
- ``maxlike``: a max or log-sum-exp of the data, so subtracting it leaves ``upper``;
- ``?``: the checker lost track of where the value comes from (an unknown call or library
  function, an attribute of an object, a closure variable, a generator...).

`exp` is safe on ``clipped``/``upper`` arguments; `log` on ``pos`` ones; `log1p` on
``nonneg``/``pos``/``gtm1`` ones. A call that is not proven safe is *proven wrong* only if
its argument was tracked all the way (no ``?``); otherwise the check says it cannot tell
and the runtime probes decide.

What it follows: calls are resolved by qualified name (aliases, renames); module-level
helpers (default arguments included), nested functions, closures and lambdas are inlined
at their call sites with the tags of the actual arguments; np.vectorize / np.piecewise /
map call their functions on the input's elements; classes are followed through
`ClassName(...).method(...)`, instances bound to a name, `self.method(...)` and constant
`self.x = ...` attributes; dicts of constant parameters; for loops over arrays, zip and
enumerate; method chains on call results (`np.clip(z, a, b).astype(float)`,
`np.asarray(z).clip(a, b)`, `np.amax(Z, axis=1).reshape(-1, 1)`); module constants,
`np.finfo(...).eps/tiny`, `sys.float_info.epsilon/min`.

The entry points are the functions the grader calls (their parameters can be anything);
a helper is judged in the contexts it is called from. The checks are necessary, not
sufficient: a wrong bound (clipping too tightly, subtracting a global max) passes here and
is caught by the runtime probe.
"""
from __future__ import annotations

import math
import re
from typing import ClassVar

import libcst as cst

from .base import Assessment, Finding, Source, StaticCheck

Tags = frozenset
NONE: Tags = frozenset()
UNK = "?"
Q: Tags = frozenset({UNK})

EXP_FUNCS = {"numpy.exp", "numpy.exp2", "numpy.expm1", "math.exp", "math.expm1", "numpy.power.exp"}
LOG_FUNCS = {"numpy.log", "numpy.log2", "numpy.log10", "math.log", "math.log2", "math.log10"}
LOG1P_FUNCS = {"numpy.log1p", "math.log1p"}
CLIP_FUNCS = {"numpy.clip"}
MAXIMUM_FUNCS = {"numpy.maximum", "numpy.fmax", "builtins.max", "max"}
MINIMUM_FUNCS = {"numpy.minimum", "numpy.fmin", "builtins.min", "min"}
ABS_FUNCS = {"numpy.abs", "numpy.absolute", "numpy.fabs", "builtins.abs", "abs", "math.fabs", "numpy.square"}
ROWMAX_FUNCS = {"numpy.max", "numpy.amax", "numpy.nanmax"}
LSE_FUNCS = {"scipy.special.logsumexp", "scipy.special._logsumexp.logsumexp", "numpy.logaddexp", "numpy.logaddexp2"}
LOG_SIGMOID_FUNCS = {"scipy.special.log_expit", "scipy.special.log_softmax"}
SUM_FUNCS = {"numpy.sum", "builtins.sum", "sum", "numpy.mean", "math.fsum", "numpy.add.reduce"}
WHERE_FUNCS = {"numpy.where"}
PIECEWISE_FUNCS = {"numpy.piecewise"}
VECTORIZE_FUNCS = {"numpy.vectorize", "numpy.frompyfunc"}
MAP_FUNCS = {"builtins.map", "map"}
#: outputs bounded on both sides; expit and friends are also never negative
BOUNDED_FUNCS = {
    "numpy.tanh", "numpy.sin", "numpy.cos", "numpy.arctan", "numpy.sign", "math.tanh", "math.sin", "math.cos",
    "math.atan", "math.erf", "scipy.special.erf", "scipy.special.expit", "scipy.special.softmax",
    "scipy.special._logsumexp.softmax",
}
UNIT_FUNCS = {"scipy.special.expit", "scipy.special.softmax", "scipy.special._logsumexp.softmax"}
#: library functions whose result is known but not bounded (tracked, no bound)
UNBOUNDED_FUNCS = {
    f"numpy.{n}" for n in (
        "dot matmul add subtract multiply negative outer einsum inner vdot tensordot divide true_divide power "
        "float_power cumsum prod median vstack hstack concatenate column_stack stack row_stack zeros_like empty_like "
        "ones_like full_like zeros empty ones full linspace arange eye tile repeat take take_along_axis diff "
        "expand_dims broadcast_to swapaxes transpose moveaxis sort flip roll where"
    ).split()
} | {"builtins.range", "range", "builtins.int", "int", "builtins.round", "round"}
TRANSPARENT_FUNCS = {
    "numpy.asarray", "numpy.array", "numpy.asanyarray", "numpy.ravel", "numpy.reshape", "numpy.squeeze",
    "numpy.atleast_1d", "numpy.atleast_2d", "numpy.copy", "builtins.float", "float", "numpy.float64",
    "numpy.longdouble", "numpy.float128", "numpy.ascontiguousarray", "numpy.asfarray", "builtins.list", "list",
    "numpy.nan_to_num",
}
TRANSPARENT_METHODS = {"reshape", "ravel", "flatten", "copy", "astype", "squeeze", "transpose", "item", "tolist", "view", "swapaxes", "__array__"}
UNBOUNDED_METHODS = {"dot", "cumsum", "prod", "repeat", "take", "sort", "diagonal", "round"}
FINFO_ATTRS = {"eps": 2.220446049250313e-16, "tiny": 2.2250738585072014e-308, "smallest_normal": 2.2250738585072014e-308,
               "resolution": 1e-15, "epsneg": 1.1102230246251565e-16, "smallest_subnormal": 5e-324, "max": 1.7976931348623157e308}
FLOAT_INFO = {"sys.float_info.epsilon": 2.220446049250313e-16, "sys.float_info.min": 2.2250738585072014e-308,
              "sys.float_info.max": 1.7976931348623157e308}
NAMED_CONSTS = {"numpy.pi": math.pi, "numpy.e": math.e, "math.pi": math.pi, "math.e": math.e, "numpy.inf": math.inf,
                "math.inf": math.inf, "numpy.euler_gamma": 0.5772156649015329}

EXP_SAFE = {"clipped", "upper"}
_LIBS = {"numpy", "math", "scipy", "builtins", "sys"}
MAX_DEPTH = 4


def _lib(names: set[str]) -> set[str]:
    return {n for n in names if "." not in n or n.split(".")[0] in _LIBS}


def _neg(t: Tags) -> Tags:
    out = set(t & {UNK})
    if "clipped" in t:
        out.add("clipped")
    if "nonneg" in t or "lower" in t or "pos" in t:
        out.add("upper")
    if "upper" in t:
        out.add("lower")
    if "lt1" in t:
        out.add("gtm1")
    return frozenset(out)


class _Fn:
    """A function the interpreter can inline: a def (module-level, nested, method) or a lambda."""

    def __init__(self, node, closure: dict | None, owner: str | None = None):
        self.node = node
        self.closure = closure
        self.owner = owner  # class name for methods


class _Interp:
    """Walks functions, tagging values; records every exp/log call it meets, per context."""

    def __init__(self, src: Source, consts: dict, functions: dict, classes: dict):
        self.src = src
        self.consts = consts
        self.functions = functions  # module-level name -> FunctionDef
        self.classes = classes  # name -> (ClassDef, {method: FunctionDef}, {attr: const})
        self.calls: dict[tuple, tuple[str, cst.Call, list[Tags]]] = {}
        self.stack: list[int] = []
        self.returns: list[list[Tags]] = []
        self.reached: set[int] = set()
        self._registry: dict = {}
        self.instances: dict[str, str] = {}
        self.lambdas: dict[str, cst.Lambda] = {}
        self.quiet = 0

    # --- constants ---------------------------------------------------------------------
    def const(self, e, env) -> float | None:
        if isinstance(e, (cst.Integer, cst.Float)):
            try:
                return float(e.evaluated_value)
            except (ValueError, OverflowError):
                return None
        if isinstance(e, cst.Name):
            if e.value in env:
                c = env[e.value][1]
                return c if isinstance(c, float) else None
            c = self.consts.get(e.value)
            return c if isinstance(c, float) else None
        if isinstance(e, cst.Attribute):
            if isinstance(e.value, cst.Call) and self.src.names(e.value.func) & {"numpy.finfo", "numpy.core.getlimits.finfo", "numpy._core.getlimits.finfo"}:
                return FINFO_ATTRS.get(e.attr.value)
            for n in self.src.names(e):
                if n in FLOAT_INFO:
                    return FLOAT_INFO[n]
                if n in NAMED_CONSTS:
                    return NAMED_CONSTS[n]
            if isinstance(e.value, cst.Name) and e.value.value == "self":
                c = env.get("self." + e.attr.value, (None, None))[1]
                return c if isinstance(c, float) else None
            return None
        if isinstance(e, cst.Subscript):
            d = self._dict_of(e.value, env)
            key = self._key(e)
            if d is not None and key is not None and key in d:
                c = d[key][1]
                return c if isinstance(c, float) else None
            return None
        if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, (cst.Minus, cst.Plus)):
            v = self.const(e.expression, env)
            return None if v is None else (-v if isinstance(e.operator, cst.Minus) else v)
        if isinstance(e, cst.BinaryOperation):
            a, b = self.const(e.left, env), self.const(e.right, env)
            if a is None or b is None:
                return None
            try:
                if isinstance(e.operator, cst.Add):
                    return a + b
                if isinstance(e.operator, cst.Subtract):
                    return a - b
                if isinstance(e.operator, cst.Multiply):
                    return a * b
                if isinstance(e.operator, cst.Divide):
                    return a / b
                if isinstance(e.operator, cst.Power):
                    return float(a**b)
            except (ZeroDivisionError, OverflowError, TypeError):
                return None
        if isinstance(e, cst.Call) and e.args:
            names = self.src.names(e.func)
            if names & {"builtins.float", "float", "numpy.float64"}:
                return self.const(e.args[0].value, env)
            if names & {"numpy.nextafter"} and len(e.args) == 2:
                a, b = self.const(e.args[0].value, env), self.const(e.args[1].value, env)
                if a == 0.0 and b is not None and b > 0:
                    return 5e-324
            if names & {"numpy.spacing"}:
                a = self.const(e.args[0].value, env)
                if a is not None and a != 0:
                    return float(abs(a) * 2.220446049250313e-16)
        return None

    @staticmethod
    def const_tags(c: float) -> Tags:
        if math.isinf(c) or math.isnan(c):
            return NONE
        out = {"clipped", "upper", "lower", "const"}
        if c > 0:
            out.add("pos")
        if c >= 0:
            out.add("nonneg")
        if c < 1:
            out.add("lt1")
        if c > -1:
            out.add("gtm1")
        return frozenset(out)

    def _key(self, e: cst.Subscript):
        if len(e.slice) == 1 and isinstance(e.slice[0].slice, cst.Index):
            k = e.slice[0].slice.value
            if isinstance(k, cst.SimpleString):
                return k.evaluated_value
        return None

    def _dict_of(self, e, env):
        if isinstance(e, cst.Name):
            if e.value in env:
                v = env[e.value][1]
                return v if isinstance(v, dict) else None
            v = self.consts.get(e.value)
            return v if isinstance(v, dict) else None
        return None

    # --- expressions -------------------------------------------------------------------
    def tags(self, e, env) -> Tags:
        if e is None:
            return NONE
        out = self._tags(e, env)
        if isinstance(e, (cst.Name, cst.Subscript, cst.Attribute, cst.BinaryOperation, cst.UnaryOperation, cst.Call)) and any(
            k.startswith("#") for k in env
        ):
            extra = env.get("#" + self._code(e))
            if extra is not None:
                out = (out - {UNK}) | extra[0] if UNK not in extra[0] else out | extra[0]
        return out

    def _code(self, e) -> str:
        try:
            return self.src.module.code_for_node(e)
        except Exception:  # pragma: no cover
            return repr(e)

    def _tags(self, e, env) -> Tags:
        c = self.const(e, env)
        if c is not None:
            self._visit_children(e, env)
            return self.const_tags(c)
        if isinstance(e, cst.Name):
            if e.value in env:
                return env[e.value][0]
            return self._global(e)
        if isinstance(e, cst.Call):
            return self.call(e, env)
        if isinstance(e, cst.UnaryOperation):
            t = self.tags(e.expression, env)
            if isinstance(e.operator, cst.Minus):
                return _neg(t)
            if isinstance(e.operator, cst.Plus):
                return t
            if isinstance(e.operator, (cst.BitInvert, cst.Not)) and any(x.startswith("cmp|") for x in t):
                swapped = {"disj"} if "conj" in t else ({"conj"} if "disj" in t else set())
                return frozenset(_flip(x) for x in t if x.startswith("cmp|")) | {"mask"} | swapped
            if isinstance(e.operator, cst.Not):
                return NONE
            return t & Q
        if isinstance(e, cst.BinaryOperation):
            return self.binop(e, env)
        if isinstance(e, cst.Comparison):
            return self.compare(e, env)
        if isinstance(e, cst.BooleanOperation):
            a, b = self.tags(e.left, env), self.tags(e.right, env)
            return _logic(isinstance(e.operator, cst.And), a, b)
        if isinstance(e, cst.Subscript):
            return self.subscript(e, env)
        if isinstance(e, cst.Attribute):
            return self.attribute(e, env)
        if isinstance(e, cst.IfExp):
            cond = self.tags(e.test, env)
            body = self.tags(e.body, self._refined(env, cond, True))
            orelse = self.tags(e.orelse, self._refined(env, cond, False))
            return _join(body, orelse)
        if isinstance(e, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            inner = dict(env)
            f = e.for_in
            while f is not None:
                self.bind_iter(f.target, f.iter, inner)
                for cond in f.ifs:
                    self.tags(cond.test, inner)
                f = f.inner_for_in
            if isinstance(e, cst.DictComp):
                self.tags(e.key, inner)
                return self.tags(e.value, inner) & Q
            return self.tags(e.elt, inner) - {"const"}
        if isinstance(e, (cst.List, cst.Tuple)):
            parts = [self.tags(el.value, env) for el in e.elements]
            return _meet_all(parts) - {"const"} if parts else NONE
        if isinstance(e, cst.Lambda):
            return frozenset({f"fn#{self._register(_Fn(e, dict(env)))}"})
        if isinstance(e, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return NONE
        self._visit_children(e, env)
        return Q

    def _global(self, e: cst.Name) -> Tags:
        name = e.value
        if name in self.functions:
            return frozenset({f"mod#{name}"})
        if name in self.classes:
            return frozenset({f"class#{name}"})
        if name in ("True", "False", "None"):
            return NONE
        if name in self.instances:
            return frozenset({f"inst#{self.instances[name]}"})
        if name in self.lambdas:
            return frozenset({f"fn#{self._register(_Fn(self.lambdas[name], {}))}"})
        if name in self.consts:
            return Q  # a module-level dict or a non-numeric constant
        if self.src.names(e) - {name}:
            return NONE  # an imported name (a module or a library function used as a value)
        return Q

    def _register(self, fn: _Fn) -> int:
        key = id(fn.node)
        self._registry[key] = fn
        return key

    def _visit_children(self, node, env):
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.tags(child, env)
            elif isinstance(child, (cst.Arg, cst.Element, cst.StarredElement)):
                self.tags(child.value, env)
            elif isinstance(child, cst.DictElement):
                self.tags(child.key, env)
                self.tags(child.value, env)
            elif isinstance(child, cst.CSTNode) and not isinstance(child, (cst.BaseStatement, cst.BaseSmallStatement)):
                self._visit_children(child, env)

    def compare(self, e: cst.Comparison, env) -> Tags:
        left = e.left
        self.tags(left, env)
        out = {"mask"}
        for target in e.comparisons:
            self.tags(target.comparator, env)
        if len(e.comparisons) == 1:
            op, right = e.comparisons[0].operator, e.comparisons[0].comparator
            cl, cr = self.const(left, env), self.const(right, env)
            if cr is not None and cl is None:
                code, c, flip = self._code(left), cr, False
            elif cl is not None and cr is None:
                code, c, flip = self._code(right), cl, True
            else:
                return frozenset(out)
            kind = {cst.GreaterThan: "gt", cst.GreaterThanEqual: "ge", cst.LessThan: "lt", cst.LessThanEqual: "le",
                    cst.Equal: "eq", cst.NotEqual: "ne"}.get(type(op))
            if kind:
                if flip:
                    kind = _SWAP[kind]
                out.add(f"cmp|{code}|{kind}|{c!r}")
        return frozenset(out)

    def _refined(self, env, cond: Tags, positive: bool) -> dict:
        cmps = _cmps(cond, positive)
        if not cmps:
            return env
        env = dict(env)
        for code, kind, c in cmps:
            env["#" + code] = (_cmp_tags(kind, c) | env.get("#" + code, (NONE, None))[0], None)
        return env

    def subscript(self, e: cst.Subscript, env) -> Tags:
        d = self._dict_of(e.value, env)
        key = self._key(e)
        if d is not None:
            if key is not None and key in d:
                return d[key][0]
            return Q
        base = self.tags(e.value, env)
        out = set(base - {"const", "mask"})
        if any(x.startswith(("fn#", "mod#", "class#", "inst#")) for x in base):
            return Q
        base_code = self._code(e.value)
        for el in e.slice:
            if isinstance(el.slice, cst.Index):
                t = self.tags(el.slice.value, env)
                for code, kind, c in _cmps(t, True):
                    if code == base_code:
                        out |= _cmp_tags(kind, c)
            else:
                self._visit_children(el.slice, env)
        return frozenset(out)

    def attribute(self, e: cst.Attribute, env) -> Tags:
        if isinstance(e.value, cst.Name) and e.value.value == "self":
            return env.get("self." + e.attr.value, (Q, None))[0]
        t = self.tags(e.value, env)
        if e.attr.value in ("T", "real", "mT"):
            return t - {"const"}
        if self.src.names(e) & (set(FLOAT_INFO) | set(NAMED_CONSTS)):
            return NONE
        return Q

    def binop(self, e: cst.BinaryOperation, env) -> Tags:
        a, b = self.tags(e.left, env), self.tags(e.right, env)
        if isinstance(e.operator, (cst.BitAnd, cst.BitOr)) and "mask" in a and "mask" in b:
            return _logic(isinstance(e.operator, cst.BitAnd), a, b)
        ca, cb = self.const(e.left, env), self.const(e.right, env)
        return self.combine(e.operator, a, b, ca, cb)

    def combine(self, op, a: Tags, b: Tags, ca: float | None, cb: float | None) -> Tags:
        out = set((a | b) & Q)
        if "mask" in a or "mask" in b:
            out.add(UNK)  # arithmetic with booleans (p + (p == 0)): not followed
        if isinstance(op, cst.Subtract):
            if "maxlike" in b:
                out |= {"upper", "shifted"}
            if "clipped" in a and "clipped" in b:
                out.add("clipped")
            if (a & {"upper", "clipped"}) and (b & {"nonneg", "pos", "lower", "clipped"}):
                out.add("upper")
            if (a & {"lower", "clipped"}) and (b & {"upper", "clipped"}):
                out.add("lower")
            if "lt1" in b and ca is not None and ca >= 1:
                out.add("pos")
            if cb is not None and cb < 0 and (a & {"nonneg", "pos"}):
                out.add("pos")
            if "upper" in out and "lower" in out:
                out.add("clipped")
            return frozenset(out)
        elif isinstance(op, cst.Add):
            for x, y, cy in ((a, b, cb), (b, a, ca)):
                if cy is not None and cy > 0 and (x & {"nonneg", "pos"} or not (x - Q)):
                    # p + eps > 0: a value the checker knows nothing about is read as the
                    # probability the exercise passes in (the runtime probe checks that)
                    out.add("pos")
                if "pos" in x and "nonneg" in y:
                    out.add("pos")
                if "maxlike" in x and "nonneg" in y:
                    out.add("maxlike")
                if "upper" in x and ("upper" in y or "clipped" in y):
                    out.add("upper")
                if "lower" in x and ("lower" in y or "clipped" in y):
                    out.add("lower")
            if "clipped" in a and "clipped" in b:
                out.add("clipped")
            if "nonneg" in a and "nonneg" in b:
                out.add("nonneg")
            if ("nonneg" in a or "pos" in a) and ("nonneg" in b or "pos" in b):
                out.add("nonneg")
            if "lower" in out and "upper" in out:
                out.add("clipped")
        elif isinstance(op, (cst.Multiply, cst.Divide)):
            for x, cy in ((a, cb), (b, ca if isinstance(op, cst.Multiply) else None)):
                if cy is None:
                    continue
                if "clipped" in x:
                    out.add("clipped")
                if cy > 0:
                    out |= x & {"upper", "lower", "pos", "nonneg", "shifted"}
                elif cy < 0:
                    out |= _neg(x) - {"gtm1"}
            if "nonneg" in a and "nonneg" in b:
                out.add("nonneg")
            if "pos" in a and "pos" in b:
                out.add("pos")
            if isinstance(op, cst.Multiply) and "clipped" in a and "clipped" in b:
                out.add("clipped")
        elif isinstance(op, cst.Power):
            if cb is not None and cb % 2 == 0:
                out.add("nonneg")
        return frozenset(out)

    # --- calls -------------------------------------------------------------------------
    def call(self, e: cst.Call, env) -> Tags:
        # a method on a call's result (np.clip(z, a, b).astype(float)) is not the library
        # function libcst names it after ("numpy.clip.astype")
        names = _lib(self.src.names(e.func)) if _dotted(e.func) else set()
        args = [a.value for a in e.args if not a.keyword and not a.star]
        kw = {a.keyword.value: a.value for a in e.args if a.keyword}
        starred = any(a.star for a in e.args)
        method = e.func.attr.value if isinstance(e.func, cst.Attribute) else None
        recv = NONE
        if method is not None and not names:
            recv = self.tags(e.func.value, env)
        # user code first: module functions, classes, methods, local functions, lambdas
        target = self._callee(e.func, env, names, recv, method)
        if target is not None:
            fn, bound_self = target
            arg_tags = [self.tags(a, env) for a in args]
            kw_tags = {k: self.tags(v, env) for k, v in kw.items()}
            if starred:
                for a in e.args:
                    if a.star:
                        self.tags(a.value, env)
                return Q
            return self.inline(fn, arg_tags, kw_tags, bound_self, [self.const(a, env) for a in args], {k: self.const(v, env) for k, v in kw.items()})
        arg_tags = [self.tags(a, env) for a in args]
        kw_tags = {k: self.tags(v, env) for k, v in kw.items()}
        first = arg_tags[0] if arg_tags else NONE
        if "where" in kw and args:
            # np.log(P, where=P > 0, out=...): evaluated only where the condition holds
            first = self._refine_value(args[0], first, kw_tags["where"], True) | Q

        if names & EXP_FUNCS:
            self._record("exp", e, first)
            out = {"nonneg"} | (first & Q)
            if "shifted" in first:
                out.add("expshifted")
            return frozenset(out)
        if names & LOG_FUNCS:
            self._record("log", e, first)
            return frozenset({"nonneg"} if "ge1" in first else set()) | (first & Q)
        if names & LOG1P_FUNCS:
            self._record("log1p", e, first)
            return frozenset({"nonneg"} if "nonneg" in first else set()) | (first & Q)
        if names & CLIP_FUNCS or (method == "clip" and not names):
            if method == "clip" and not names:
                lo, hi = (args + [None, None])[:2]
                base = recv
            else:
                lo, hi = (args[1:] + [None, None])[:2]
                base = first
            lo = kw.get("a_min", kw.get("min", lo))
            hi = kw.get("a_max", kw.get("max", hi))
            out = self._bounds(base, lo, hi, env)
            target_out = kw.get("out")
            if isinstance(target_out, cst.Name):
                env[target_out.value] = (out, None)
            return out
        if names & MAXIMUM_FUNCS and len(args) >= 2:
            return self._floor_or_ceiling(arg_tags, [self.const(a, env) for a in args], floor=True)
        if names & MINIMUM_FUNCS and len(args) >= 2:
            return self._floor_or_ceiling(arg_tags, [self.const(a, env) for a in args], floor=False)
        if names & ABS_FUNCS:
            return frozenset({"nonneg"} | (first & Q) | ({"clipped"} if "clipped" in first else set()))
        if names & ROWMAX_FUNCS or (names & MAXIMUM_FUNCS and len(args) == 1) or (method in ("max", "amax") and not names):
            return frozenset({"maxlike"}) | ((first if names else recv) & Q)
        if names & LSE_FUNCS:
            out = {"maxlike"} | (first & Q)
            if any("const" in t and "nonneg" in t for t in arg_tags):
                out.add("nonneg")
            return frozenset(out)
        if names & LOG_SIGMOID_FUNCS:
            return frozenset({"upper"})
        if names & SUM_FUNCS or (method in ("sum", "mean") and not names):
            t = first if names else recv
            out = set(t & Q)
            if "expshifted" in t and (method == "sum" or names & {"numpy.sum", "builtins.sum", "sum", "numpy.add.reduce"}):
                out |= {"pos", "ge1", "nonneg"}
            if "nonneg" in t:
                out.add("nonneg")
            if "pos" in t and (method == "mean" or names & {"numpy.mean"}):
                out.add("pos")
            return frozenset(out)
        if names & WHERE_FUNCS and len(args) == 3:
            cond = arg_tags[0]
            a = self._quiet(args[1], self._refined(env, cond, True)) | arg_tags[1]
            b = self._quiet(args[2], self._refined(env, cond, False)) | arg_tags[2]
            return _join(a, b) | (cond & Q)
        if (names & WHERE_FUNCS and len(args) == 1) or names & {"numpy.nonzero", "numpy.flatnonzero", "numpy.argwhere"}:
            return frozenset(x for x in first if x.startswith("cmp|") or x in ("mask", "conj", "disj", UNK))
        if names & PIECEWISE_FUNCS and len(args) >= 3:
            return self._piecewise(args, arg_tags, env)
        if names & VECTORIZE_FUNCS and args:
            fn = self._fn_of(first)
            return frozenset({f"vec#{self._register(fn)}"}) if fn is not None else Q
        if names & MAP_FUNCS and len(args) >= 2:
            fn = self._fn_of(first)
            if fn is None:
                return Q
            return self.inline(fn, [t - {"const", "mask"} for t in arg_tags[1:]], {}, None, [], {}) - {"const"}
        if names & BOUNDED_FUNCS:
            out = {"clipped"} | (first & Q)
            if first & {"clipped", "upper", "lower"}:
                # tanh(15) is 1 - 2e-13, tanh(20) is exactly 1.0: whether a bounded
                # argument keeps the result off its limits is a question of magnitude
                # the checker does not answer
                out.add(UNK)
            if names & UNIT_FUNCS:
                out |= {"nonneg", "lower", "upper"}
            return frozenset(out)
        if names & TRANSPARENT_FUNCS:
            return first - {"const"}
        if names & {"builtins.len", "len"}:
            return frozenset({"nonneg", "lower", "gtm1", UNK})
        if names & UNBOUNDED_FUNCS:
            return _meet_all(arg_tags) & Q if arg_tags else NONE
        if method is not None and not names:
            if method in TRANSPARENT_METHODS:
                return recv - {"const"}
            if method in UNBOUNDED_METHODS:
                return (recv | _meet_all(arg_tags)) & Q
            if any(x.startswith("vec#") for x in recv):
                return Q
        if isinstance(e.func, (cst.Name, cst.Call)):
            called = self.tags(e.func, env)
            vec = [x for x in called if x.startswith("vec#")]
            if vec:
                fn = self._registry.get(int(vec[0][4:]))
                return self.inline(fn, [t - {"const", "mask"} for t in arg_tags], {}, None, [], {}) - {"const"}
        return Q

    def _fn_of(self, t: Tags):
        for x in t:
            if x.startswith("fn#"):
                return self._registry.get(int(x[3:]))
            if x.startswith("mod#"):
                return _Fn(self.functions[x[4:]], None)
        return None

    def _callee(self, func, env, names, recv, method):
        """The user-defined function a call runs, and the instance it is bound to, or None
        (a library function, or something the checker cannot see into)."""
        if isinstance(func, cst.Name):
            t = env[func.value][0] if func.value in env else self._global(func)
        elif isinstance(func, cst.Call):
            t = self.tags(func, env)
        elif method is not None and not names:
            if isinstance(func.value, cst.Name) and func.value.value == "self":
                owner = env.get("#class", (NONE, None))[1]
                methods = self.classes.get(owner, (None, {}, {}))[1] if isinstance(owner, str) else {}
                if method in methods:
                    return _Fn(methods[method], None, owner), f"inst#{owner}"
                return None
            for x in recv:
                if x.startswith("inst#"):
                    methods = self.classes.get(x[5:], (None, {}, {}))[1]
                    if method in methods:
                        return _Fn(methods[method], None, x[5:]), x
            return None
        else:
            return None
        fn = self._fn_of(t)
        if fn is not None:
            return fn, None
        for x in t:
            if x.startswith("class#"):
                cls = x[6:]
                init = self.classes[cls][1].get("__init__")
                return (_Fn(init, None, cls) if init is not None else _ClassNew(cls)), f"inst#{cls}"
            if x.startswith("inst#"):
                call = self.classes.get(x[5:], (None, {}, {}))[1].get("__call__")
                if call is not None:
                    return _Fn(call, None, x[5:]), x
        return None

    def inline(self, fn, arg_tags, kw_tags, bound_self, arg_consts, kw_consts) -> Tags:
        if isinstance(fn, _ClassNew):
            return frozenset({f"inst#{fn.cls}"})
        if fn is None or id(fn.node) in self.stack or len(self.stack) >= MAX_DEPTH:
            return Q
        node = fn.node
        env: dict = dict(fn.closure) if fn.closure is not None else {}
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        if bound_self is not None and positional:
            env[positional[0].name.value] = (frozenset({bound_self}), None)
            positional = positional[1:]
        if fn.owner is not None:
            env["#class"] = (NONE, fn.owner)
            for attr, value in self.classes.get(fn.owner, (None, {}, {}))[2].items():
                env["self." + attr] = value
        for i, p in enumerate(positional):
            if i < len(arg_tags):
                c = arg_consts[i] if i < len(arg_consts) else None
                env[p.name.value] = (arg_tags[i], c)
            elif p.name.value in kw_tags:
                env[p.name.value] = (kw_tags[p.name.value], kw_consts.get(p.name.value))
            else:
                env[p.name.value] = self._default(p, env)
        for p in params.kwonly_params:
            env[p.name.value] = (kw_tags[p.name.value], kw_consts.get(p.name.value)) if p.name.value in kw_tags else self._default(p, env)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                env[star.name.value] = (Q, None)
        self.stack.append(id(node))
        self.returns.append([])
        self.reached.add(id(node))
        try:
            if isinstance(node, cst.Lambda):
                result = self.tags(node.body, env)
            else:
                if _is_generator(self.src, node):
                    self.block(node.body.body, env)
                    return Q
                self.block(node.body.body, env)
                rets = self.returns[-1]
                result = _meet_all(rets) if rets else NONE
        finally:
            self.stack.pop()
            self.returns.pop()
        if fn.owner is not None and node.name.value == "__init__" and bound_self is not None:
            return frozenset({bound_self})
        return result

    def _default(self, p: cst.Param, env):
        if p.default is None:
            return (Q, None)
        return (self.tags(p.default, env), self.const(p.default, env))

    def _piecewise(self, args, arg_tags, env) -> Tags:
        x_tags, x_code = arg_tags[0], self._code(args[0])
        conds = args[1].elements if isinstance(args[1], (cst.List, cst.Tuple)) else None
        funcs = args[2].elements if isinstance(args[2], (cst.List, cst.Tuple)) else None
        if conds is None or funcs is None:
            return Q
        outs = []
        for i, f in enumerate(funcs):
            t = self.tags(f.value, env)
            if i < len(conds):
                cond = self.tags(conds[i].value, env)
                elem = set(x_tags - {"const", "mask"})
                for x in cond:
                    if x.startswith("cmp|"):
                        _, code, kind, c = x.split("|", 3)
                        if code == x_code:
                            elem |= _cmp_tags(kind, float(c))
                elem = frozenset(elem)
            else:
                elem = x_tags | Q
            fn = self._fn_of(t)
            if fn is not None:
                outs.append(self.inline(fn, [elem], {}, None, [], {}))
            else:
                outs.append(t)
        return _meet_all(outs) - {"const"} if outs else Q

    def _quiet(self, expr, env) -> Tags:
        """Tags of `expr` where a condition holds, without recording its calls again (they
        run on every element, which the first reading already recorded)."""
        self.quiet += 1
        try:
            return self.tags(expr, env)
        finally:
            self.quiet -= 1

    def _refine_value(self, expr, t: Tags, cond: Tags, positive: bool) -> Tags:
        code = self._code(expr)
        out = set(t)
        for c_code, kind, c in _cmps(cond, positive):
            if c_code == code:
                out |= _cmp_tags(kind, c)
        return frozenset(out)

    def _floor_or_ceiling(self, arg_tags, consts, floor: bool) -> Tags:
        out = set()
        if any(c is not None for c in consts):
            out.add("lower" if floor else "upper")
        if floor:
            if any("pos" in t for t in arg_tags):
                out.add("pos")
            if any("nonneg" in t for t in arg_tags):
                out.add("nonneg")
            if any("lower" in t for t in arg_tags):
                out.add("lower")
            if all("upper" in t or "clipped" in t for t in arg_tags):
                out.add("upper")
            if any(c is not None and c > -1 for c in consts):
                out.add("gtm1")
        else:
            if any("lt1" in t for t in arg_tags):
                out.add("lt1")
            if any("upper" in t or "clipped" in t for t in arg_tags):
                out.add("upper")
            if all("pos" in t for t in arg_tags):
                out.add("pos")
            if all("lower" in t or "clipped" in t for t in arg_tags):
                out.add("lower")
        if "upper" in out and "lower" in out:
            out.add("clipped")
        if all("clipped" in t for t in arg_tags):
            out.add("clipped")
        out |= {UNK} if any(UNK in t for t in arg_tags) else set()
        return frozenset(out)

    def _bounds(self, base: Tags, lo, hi, env) -> Tags:
        lo_c = self.const(lo, env) if lo is not None else None
        hi_c = self.const(hi, env) if hi is not None else None
        lo_none = lo is None or (isinstance(lo, cst.Name) and lo.value == "None") or (lo_c is not None and math.isinf(lo_c))
        hi_none = hi is None or (isinstance(hi, cst.Name) and hi.value == "None") or (hi_c is not None and math.isinf(hi_c))
        out = set(base & {"pos", "nonneg", "lower", "upper", "lt1", "gtm1"})
        if not lo_none:
            out.add("lower")
            if lo_c is not None:
                if lo_c > 0:
                    out |= {"pos", "nonneg"}
                elif lo_c == 0:
                    out.add("nonneg")
                if lo_c > -1:
                    out.add("gtm1")
            else:
                # a floor the checker cannot evaluate (a parameter, an expression): assume it is
                # a small positive epsilon; the runtime probe checks the values.
                out |= {"pos", "nonneg"}
        if not hi_none:
            out.add("upper")
            if hi_c is None or hi_c < 1:
                out.add("lt1")
        if "lower" in out and "upper" in out:
            out.add("clipped")
        if (not lo_none and lo_c is None and UNK in self.tags(lo, env)) or (not hi_none and hi_c is None and UNK in self.tags(hi, env)):
            out.add(UNK)
        return frozenset(out | (base & Q))

    def _record(self, kind: str, call: cst.Call, arg: Tags):
        if self.quiet:
            return
        key = (self.src.line(call), self.src.positions[call].start.column)
        prev = self.calls.get(key)
        if prev is None:
            self.calls[key] = (kind, call, [arg])
        else:
            prev[2].append(arg)

    # --- statements --------------------------------------------------------------------
    def bind(self, target, tags: Tags, env, const=None):
        if isinstance(target, cst.Name):
            _forget(env, target.value)
            env[target.value] = (tags, const)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self.bind(el.value, tags - {"const"} if tags & Q else Q, env)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, Q, env)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            env["self." + target.attr.value] = (tags, const)
        elif isinstance(target, cst.Subscript):
            self.assign_subscript(target, tags, const, env)
        else:
            self.tags(target, env)

    def assign_subscript(self, target: cst.Subscript, tags: Tags, const, env):
        """`z[z > 500] = 500` clamps z; `d["k"] = v` updates a dict; any other element update
        keeps only what both the old values and the new ones share."""
        base = target.value
        if isinstance(base, cst.Name) and base.value in env and isinstance(env[base.value][1], dict):
            key = self._key(target)
            d = dict(env[base.value][1])
            if key is not None:
                d[key] = (tags, const)
            else:
                d = {}
            env[base.value] = (env[base.value][0], d)
            return
        if not isinstance(base, cst.Name):
            self.tags(target, env)
            return
        old = self.tags(base, env)
        slice_tags = NONE
        for el in target.slice:
            if isinstance(el.slice, cst.Index):
                slice_tags |= self.tags(el.slice.value, env)
        new = set()
        if any(x.startswith(f"cmp|{base.value}|eq|") or x.startswith(f"cmp|{base.value}|ne|") for x in slice_tags):
            env[base.value] = (_join(old, tags) | Q, None)  # p[p == 0] = eps
            return
        if const is not None:
            for code, kind, c in _cmps(slice_tags, True):
                if code == base.value:
                    if kind in ("gt", "ge"):  # values above c replaced by const: at most max(c, const)
                        new.add("upper")
                        if max(c, const) < 1:
                            new.add("lt1")
                    else:  # values below c replaced by const: at least min(c, const)
                        new.add("lower")
                        if min(c, const) > 0:
                            new |= {"pos", "nonneg"}
                        elif min(c, const) >= 0:
                            new.add("nonneg")
                        if min(c, const) > -1:
                            new.add("gtm1")
        if new:
            kept = {"lower", "pos", "nonneg", "gtm1"} if "upper" in new else {"upper", "lt1"}
            merged = set(new) | (old & kept)
            if "upper" in merged and "lower" in merged:
                merged.add("clipped")
            env[base.value] = (frozenset(merged | (old & Q)), None)
            return
        env[base.value] = (_join(old, tags) | (slice_tags & Q), None)

    def bind_iter(self, target, it, env):
        """A for-loop or comprehension target: elements keep the bounds of the iterable;
        zip and enumerate are followed, anything else the checker cannot see into is '?'."""
        if isinstance(it, cst.Call):
            names = _lib(self.src.names(it.func))
            if names & {"builtins.zip", "zip"} and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == len(it.args):
                for el, a in zip(target.elements, it.args):
                    self.bind(el.value, self.tags(a.value, env) - {"const", "mask"}, env)
                return
            if names & {"builtins.enumerate", "enumerate"} and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2 and it.args:
                self.bind(target.elements[0].value, NONE, env)
                self.bind_iter(target.elements[1].value, it.args[0].value, env)
                return
            if names & {"builtins.range", "range"}:
                # a loop counter: never negative when counting up from 0 or more, and below
                # its stop when that is a constant
                self.tags(it, env)
                args = [self.const(a.value, env) for a in it.args]
                t = set()
                start = args[0] if len(args) >= 2 else 0.0
                step = args[2] if len(args) == 3 else 1.0
                if start is not None and start >= 0 and step is not None and step > 0:
                    t |= {"nonneg", "lower", "gtm1"}
                    stop = args[1] if len(args) >= 2 else args[0]
                    if stop is not None:
                        t |= {"upper", "clipped"}
                self.bind(target, frozenset(t) if t else Q, env)
                return
        t = self.tags(it, env)
        if any(x.startswith(("fn#", "mod#", "inst#")) for x in t):
            t = Q
        self.bind(target, t - {"const", "mask"}, env)

    def block(self, stmts, env):
        for s in stmts:
            self.stmt(s, env)

    def stmt(self, s, env):
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                self.small(small, env)
        elif isinstance(s, cst.If):
            cond = self.tags(s.test, env)
            body_env = self._refined(env, cond, True)
            other = self._refined(env, cond, False)
            body_env = dict(body_env)
            self.block(s.body.body, body_env)
            if s.orelse is not None:
                body = s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse]
                other = dict(other)
                self.block(body, other)
            if _returns(s.body.body):
                env.clear()
                env.update(other)
            elif s.orelse is not None and isinstance(s.orelse, cst.Else) and _returns(s.orelse.body.body):
                env.clear()
                env.update(body_env)
            else:
                merged = _meet_env(body_env, other)
                env.clear()
                env.update(merged)
        elif isinstance(s, (cst.For, cst.While)):
            before = dict(env)
            for _ in range(2):
                if isinstance(s, cst.For):
                    self.bind_iter(s.target, s.iter, env)
                else:
                    self.tags(s.test, env)
                self.block(s.body.body, env)
                merged = _meet_env(env, before)
                env.clear()
                env.update(merged)
            if s.orelse is not None:
                self.block(s.orelse.body.body, env)
        elif isinstance(s, cst.With):
            for item in s.items:
                t = self.tags(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, t & Q or Q, env)
            self.block(s.body.body, env)
        elif isinstance(s, cst.Try):
            self.block(s.body.body, env)
            for h in s.handlers:
                self.block(h.body.body, env)
            if s.orelse is not None:
                self.block(s.orelse.body.body, env)
            if s.finalbody is not None:
                self.block(s.finalbody.body.body, env)
        elif isinstance(s, cst.FunctionDef):
            env[s.name.value] = (frozenset({f"fn#{self._register(_Fn(s, env))}"}), None)
        elif isinstance(s, cst.ClassDef):
            env[s.name.value] = (Q, None)

    def small(self, s, env):
        if isinstance(s, cst.Assign):
            if (
                len(s.targets) == 1
                and isinstance(s.targets[0].target, (cst.Tuple, cst.List))
                and isinstance(s.value, (cst.Tuple, cst.List))
                and len(s.targets[0].target.elements) == len(s.value.elements)
            ):
                vals = [(self.tags(el.value, env), self.const(el.value, env)) for el in s.value.elements]
                for t, (tg, c) in zip(s.targets[0].target.elements, vals):
                    self.bind(t.value, tg, env, c)
                return
            if isinstance(s.value, cst.Dict):
                d = self._dict_literal(s.value, env)
                for t in s.targets:
                    if isinstance(t.target, cst.Name):
                        env[t.target.value] = (Q, d)
                    else:
                        self.bind(t.target, Q, env)
                return
            tg, c = self.tags(s.value, env), self.const(s.value, env)
            for t in s.targets:
                self.bind(t.target, tg, env, c)
        elif isinstance(s, cst.AnnAssign) and s.value is not None:
            self.bind(s.target, self.tags(s.value, env), env, self.const(s.value, env))
        elif isinstance(s, cst.AugAssign):
            op_map = {
                cst.AddAssign: cst.Add(), cst.SubtractAssign: cst.Subtract(),
                cst.MultiplyAssign: cst.Multiply(), cst.DivideAssign: cst.Divide(),
            }
            op = op_map.get(type(s.operator))
            if op is not None and isinstance(s.target, cst.Name):
                b, cb = self.tags(s.value, env), self.const(s.value, env)
                a, ca = env.get(s.target.value, (self._global(s.target), None))
                if not isinstance(ca, float):
                    ca = self.consts.get(s.target.value) if s.target.value not in env else None
                    ca = ca if isinstance(ca, float) else None
                self.bind(s.target, self.combine(op, a, b, ca, cb), env)
            else:
                t = self.tags(s.value, env)
                if isinstance(s.target, cst.Name):
                    self.bind(s.target, Q, env)
                elif isinstance(s.target, cst.Subscript) and isinstance(s.target.value, cst.Name):
                    old = self.tags(s.target.value, env)
                    self.tags(s.target, env)
                    env[s.target.value.value] = ((old & Q) | (t & Q) if op is None else self.combine(op, old, t, None, self.const(s.value, env)), None)
                else:
                    self.tags(s.target, env)
        elif isinstance(s, cst.Expr):
            self.tags(s.value, env)
        elif isinstance(s, cst.Return):
            t = self.tags(s.value, env) if s.value is not None else NONE
            if self.returns:
                self.returns[-1].append(t)

    def _dict_literal(self, d: cst.Dict, env) -> dict:
        out = {}
        for el in d.elements:
            if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString):
                out[el.key.evaluated_value] = (self.tags(el.value, env), self.const(el.value, env))
            else:
                return {}
        return out


def _dotted(e) -> bool:
    while isinstance(e, cst.Attribute):
        e = e.value
    return isinstance(e, cst.Name)


def _forget(env: dict, name: str) -> None:
    """A rebound name invalidates what an if/where condition proved about it."""
    for k in [k for k in env if k.startswith("#") and name in re.findall(r"\w+", k)]:
        del env[k]


class _ClassNew:
    def __init__(self, cls):
        self.cls = cls
        self.node = None


_SWAP = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge", "eq": "eq", "ne": "ne"}  # operands swapped
_NEGATE = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt", "eq": "ne", "ne": "eq"}  # condition false


def _cmp_tags(kind: str, c: float) -> Tags:
    """What `x <kind> c` proves about x (strict comparisons with 0 prove x > 0). `x == c`
    makes x the constant; `x != c` proves nothing the checker uses, so it says unknown
    (np.where(p == 0, eps, p) keeps an exact 0 out without a bound it can state)."""
    if kind == "eq":
        return _Interp.const_tags(c) - {"const"}
    if kind == "ne":
        return Q
    if kind in ("gt", "ge"):
        out = {"lower"}
        if c > 0 or (kind == "gt" and c >= 0):
            out |= {"pos", "nonneg"}
        elif c >= 0:
            out.add("nonneg")
        if c > -1 or (kind == "gt" and c >= -1):
            out.add("gtm1")
    else:
        out = {"upper"}
        if c < 1 or (kind == "lt" and c <= 1):
            out.add("lt1")
    return frozenset(out)


def _cmps(cond: Tags, positive: bool) -> list[tuple[str, str, float]]:
    """(expression, kind, constant) facts that hold where `cond` is true (positive) or
    false. A conjunction proves all its parts when true, a disjunction all the negated
    parts when false; otherwise nothing."""
    if ("disj" in cond and positive) or ("conj" in cond and not positive):
        return []
    out = []
    for x in cond:
        if x.startswith("cmp|"):
            _, code, kind, c = x.split("|", 3)
            out.append((code, kind if positive else _NEGATE[kind], float(c)))
    if len(out) > 1 and not (cond & {"conj", "disj"}):
        return []
    return out


def _logic(conj: bool, a: Tags, b: Tags) -> Tags:
    """`a and b` / `a & b` (conj) or `a or b` / `a | b` of two conditions."""
    mixed = (a | b) & {"conj", "disj"}
    if mixed and mixed != {"conj" if conj else "disj"}:
        return frozenset({"mask"}) | ((a | b) & Q)
    parts = {x for x in a | b if x.startswith("cmp|")}
    return frozenset(parts | {"mask", "conj" if conj else "disj"} | ((a | b) & Q))


def _flip(x: str) -> str:
    _, code, kind, c = x.split("|", 3)
    return f"cmp|{code}|{_NEGATE[kind]}|{c}"


def _join(a: Tags, b: Tags) -> Tags:
    """Either value may be the result: keep what both guarantee; unknown if either is."""
    out = (a & b) | ((a | b) & Q)
    return frozenset(x for x in out if not x.startswith("cmp|")) if not (a & b & {"mask"}) else out


def _meet_all(parts) -> Tags:
    parts = list(parts)
    if not parts:
        return NONE
    out = parts[0]
    for p in parts[1:]:
        out = _join(out, p)
    return out


def _meet_env(env: dict, other: dict) -> dict:
    out = {}
    for k in set(env) | set(other):
        if k not in env or k not in other:
            if not k.startswith("#"):
                a = env.get(k) or other.get(k)
                out[k] = (a[0], a[1] if isinstance(a[1], dict) else None)
            continue
        a, b = env[k], other[k]
        out[k] = (_join(a[0], b[0]), a[1] if a[1] == b[1] else None)
    return out


def _returns(stmts) -> bool:
    last = stmts[-1] if stmts else None
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(x, (cst.Return, cst.Raise)) for x in last.body)
    return False


def _is_generator(src: Source, fn: cst.FunctionDef) -> bool:
    import libcst.matchers as m

    for node in src.find(fn.body, m.Yield()):
        return True
    return False


def module_constants(src: Source) -> dict:
    """Module-level names bound once to a numeric constant (EPS = 1e-12, CLIP = 500.0) or to
    a dict of them (PARAMS = {"eps": 1e-12})."""
    interp = _Interp(src, {}, {}, {})
    consts: dict = {}
    counts: dict[str, int] = {}
    for stmt in src.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    for t in targets:
                        if isinstance(t, cst.Name):
                            counts[t.value] = counts.get(t.value, 0) + (2 if isinstance(small, cst.AugAssign) else 1)
                            interp.consts = consts
                            if isinstance(small.value, cst.Dict):
                                d = interp._dict_literal(small.value, {})
                                if d:
                                    consts[t.value] = d
                                continue
                            v = interp.const(small.value, {}) if small.value is not None else None
                            if v is not None:
                                consts[t.value] = v
    return {k: v for k, v in consts.items() if counts.get(k) == 1}


def _classes(src: Source, consts) -> dict:
    out = {}
    interp = _Interp(src, consts, {}, {})
    for stmt in src.graded_nodes():
        if isinstance(stmt, cst.ClassDef):
            methods = {s.name.value: s for s in stmt.body.body if isinstance(s, cst.FunctionDef)}
            attrs: dict = {}
            counts: dict = {}
            for m_ in methods.values():
                for node in src.find(m_, _SELF_ASSIGN):
                    for t in (node.targets if isinstance(node, cst.Assign) else [node]):
                        tgt = t.target
                        if isinstance(tgt, cst.Attribute) and isinstance(tgt.value, cst.Name) and tgt.value.value == "self":
                            counts[tgt.attr.value] = counts.get(tgt.attr.value, 0) + 1
                            if isinstance(node, cst.Assign):
                                c = interp.const(node.value, {})
                                if c is not None:
                                    attrs[tgt.attr.value] = (_Interp.const_tags(c), c)
            for s in stmt.body.body:  # class attributes: LIMIT = 500.0
                if isinstance(s, cst.SimpleStatementLine):
                    for small in s.body:
                        if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                            c = interp.const(small.value, {})
                            name = small.targets[0].target.value
                            if c is not None and name not in counts:
                                attrs[name] = (_Interp.const_tags(c), c)
                                counts[name] = 1
            out[stmt.name.value] = (stmt, methods, {k: v for k, v in attrs.items() if counts.get(k) == 1})
    return out


import libcst.matchers as _m  # noqa: E402

_SELF_ASSIGN = _m.Assign() | _m.AugAssign() | _m.AnnAssign()


def analyze(src: Source, entry: tuple[str, ...] | None = None) -> list[tuple[str, str, cst.Call, list[Tags]]]:
    """(function name, kind, call node, argument tags per context) for every exp/log call the
    graded code can run. `entry` names the functions the grader calls (default: every
    module-level function); their parameters are unknown data. Helpers are judged where
    they are called; code reached from no entry point is read with unknown inputs.
    Computed once per source and entry (the checks only read it)."""
    entry = None if entry is None else tuple(entry)
    return list(src.cached(("numeric_stability.analyze", entry), lambda: _analyze(src, entry)))


def _analyze(src: Source, entry: tuple[str, ...] | None) -> list[tuple[str, str, cst.Call, list[Tags]]]:
    consts = module_constants(src)
    functions = {s.name.value: s for s in src.graded_nodes() if isinstance(s, cst.FunctionDef)}
    classes = _classes(src, consts)
    interp = _Interp(src, consts, functions, classes)
    owner_of: dict[int, str] = {}
    for name, fn in functions.items():
        owner_of[id(fn)] = name
    for cname, (_, methods, _) in classes.items():
        for mname, fn in methods.items():
            owner_of[id(fn)] = f"{cname}.{mname}"
    entries = list(functions) if entry is None else [n for n in entry if n in functions]
    # module-level instances used as entry points: sigmoid = Sigmoid()
    instances = {}
    for stmt in src.graded_nodes():
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Name) and small.value.func.value in classes:
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            instances[t.target.value] = small.value.func.value
    interp.instances = instances
    interp.lambdas = {
        t.target.value: small.value
        for stmt in src.graded_nodes() if isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body if isinstance(small, cst.Assign) and isinstance(small.value, cst.Lambda)
        for t in small.targets if isinstance(t.target, cst.Name)
    }
    for name in entries:
        fn = functions[name]
        required = [NONE for p in list(fn.params.posonly_params) + list(fn.params.params) if p.default is None]
        interp.inline(_Fn(fn, None), required, {}, None, [], {})
    for name in (entry or ()):
        if name in instances and name not in functions:
            call = classes[instances[name]][1].get("__call__")
            if call is not None:
                n_args = len([p for p in list(call.params.posonly_params) + list(call.params.params) if p.default is None]) - 1
                interp.inline(_Fn(call, None, instances[name]), [NONE] * max(n_args, 0), {}, f"inst#{instances[name]}", [], {})
    # nested functions and lambdas handed to code the checker cannot follow
    # (np.apply_along_axis, a library): read with unknown inputs
    for _ in range(3):
        pending = [fn for fn in list(interp._registry.values()) if id(fn.node) not in interp.reached]
        if not pending:
            break
        for fn in pending:
            node = fn.node
            n_args = len([p for p in list(node.params.posonly_params) + list(node.params.params) if p.default is None])
            interp.inline(fn, [Q] * n_args, {}, None, [], {})
    # whatever no entry point reached: read with unknown inputs
    for fn_id, fname in owner_of.items():
        if fn_id in interp.reached:
            continue
        fn = functions.get(fname) or classes[fname.split(".")[0]][1][fname.split(".")[1]]
        owner = fname.split(".")[0] if "." in fname else None
        n_args = len([p for p in list(fn.params.posonly_params) + list(fn.params.params) if p.default is None])
        interp.inline(_Fn(fn, None, owner), [Q] * (n_args - (1 if owner else 0)), {}, f"inst#{owner}" if owner else None, [], {})
    out = []
    for kind, call, contexts in interp.calls.values():
        out.append((_enclosing(src, call, owner_of), kind, call, contexts))
    return out


def _enclosing(src: Source, node, owner_of) -> str:
    """The name of the innermost graded function (or method) whose text holds `node`."""
    span = src._index.span
    where = span.get(id(node))
    best, size = "the module", None
    if where is None:
        return best
    for fn_id, name in owner_of.items():
        fs = span.get(fn_id)
        if fs and fs[0] <= where[0] and where[1] <= fs[1] and (size is None or fs[1] - fs[0] < size):
            best, size = name, fs[1] - fs[0]
    return best


def _safe(kind: str, tags: Tags) -> bool:
    if kind == "exp":
        return bool(tags & EXP_SAFE)
    if kind == "log":
        return "pos" in tags
    return bool(tags & {"nonneg", "pos", "gtm1"})  # log1p


def verdict(kind: str, contexts: list[Tags]) -> str:
    """'right', 'wrong' or 'unknown' for one call over every context it runs in."""
    status = "right"
    for t in contexts:
        if _safe(kind, t):
            continue
        if UNK in t:
            status = "unknown"
        else:
            return "wrong"
    return status


def analyze_calls(src: Source, functions: tuple[str, ...] | None = None):
    """Compatibility: (function, kind, call, merged tags) with tags safe only if every
    context is safe and '?' if some context could not be followed."""
    out = []
    for fname, kind, call, contexts in analyze(src, functions):
        v = verdict(kind, contexts)
        tags = frozenset({"clipped", "upper", "pos", "nonneg"}) if v == "right" else (Q if v == "unknown" else NONE)
        out.append((fname, kind, call, tags))
    return out


class _NumericCheck(StaticCheck):
    kinds: ClassVar[tuple[str, ...]] = ()

    def __init__(self, exercise: str = "", functions: tuple[str, ...] | None = None, what: str | None = None):
        self.exercise = exercise
        self.functions = tuple(functions) if functions is not None else None
        if what:
            self.what = what

    def _prefix(self) -> str:
        return f"Exercise {self.exercise} should " if self.exercise else "The code should "

    def assess(self, src: Source) -> Assessment:
        findings, unknown = [], None
        seen = set()
        for fname, kind, call, contexts in analyze(src, self.functions):
            if kind not in self.kinds:
                continue
            v = verdict(kind, contexts)
            line = src.line(call)
            if v == "unknown" and unknown is None:
                code = _short(src.module.code_for_node(call))
                unknown = (f"could not tell whether the argument of `{code}` in `{fname}` stays in the safe range", line)
            if v != "wrong" or (line, kind) in seen:
                continue
            seen.add((line, kind))
            findings.append(Finding(line, self.message(fname, _short(src.module.code_for_node(call)))))
        if findings:
            return Assessment.wrong(findings)
        if unknown:
            return Assessment.unknown(*unknown)
        return Assessment.right()

    def findings(self, src: Source) -> list[Finding]:
        a = self.assess(src)
        return a.findings


def _short(code: str) -> str:
    code = " ".join(code.split())
    return code if len(code) <= 60 else code[:57] + "..."


class ExpArgumentBounded(_NumericCheck):
    name = "exp_argument_bounded"
    summary = "every exp gets an argument that cannot grow without bound"
    kinds = ("exp",)
    what = "the sigmoid"
    VALID = [
        """
import numpy as np
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
""",
        """
import numpy as np
def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))
""",
        """
import numpy as np
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
""",
        """
import numpy as np
def sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))
""",
        """
import numpy as np
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out
""",
        """
from scipy.special import expit
import numpy as np
def sigmoid(z):
    return expit(z)
def tanh_sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))
""",
        """
import numpy as np
def softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
""",
        """
import numpy as np
from scipy.special import logsumexp
def softmax(Z):
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
""",
        """
import numpy as np
def softmax(Z):
    Z = Z - np.max(Z, axis=-1, keepdims=True)
    return np.exp(Z) / np.sum(np.exp(Z), axis=-1, keepdims=True)
""",
        """
import numpy as np
LIMIT = 500.0
def sigmoid(z):
    z = np.minimum(np.maximum(z, -LIMIT), LIMIT)
    return 1 / (1 + np.exp(-z))
""",
        # method on a call's result
        """
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500).astype(float)))
""",
        """
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float).clip(-500, 500)))
""",
        """
import numpy as np
def softmax(Z):
    e = np.exp(Z - np.amax(Z, axis=1).reshape(-1, 1))
    return e / e.sum(axis=1).reshape(-1, 1)
""",
        # boolean-mask clamps
        """
import numpy as np
def sigmoid(z):
    z = np.array(z, dtype=float)
    z[z > 500] = 500
    z[z < -500] = -500
    return 1 / (1 + np.exp(-z))
""",
        # helper with a default argument, lambda, closure
        """
import numpy as np
def _bounded(z, limit=600.0):
    return np.clip(z, -limit, limit)
def sigmoid(z):
    return 1 / (1 + np.exp(-_bounded(z)))
""",
        """
import numpy as np
def sigmoid(z):
    f = lambda t: 1 / (1 + np.exp(-t))
    return f(np.clip(z, -500, 500))
""",
        """
import numpy as np
def sigmoid(z):
    def pos(t):
        return 1 / (1 + np.exp(-t))
    def neg(t):
        e = np.exp(t)
        return e / (1 + e)
    return np.piecewise(z, [z >= 0, z < 0], [pos, neg])
""",
        """
import math
import numpy as np
def _one(t):
    if t >= 0:
        return 1 / (1 + math.exp(-t))
    e = math.exp(t)
    return e / (1 + e)
def sigmoid(z):
    return np.vectorize(_one)(z)
""",
        # a class with a dict of parameters
        """
import numpy as np
class Logistic:
    def __init__(self):
        self.limit = 500.0
    def __call__(self, z):
        return 1 / (1 + np.exp(-np.clip(z, -self.limit, self.limit)))
def sigmoid(z):
    return Logistic()(z)
""",
        """
import numpy as np
logistic = lambda t: 1 / (1 + np.exp(-np.clip(t, -500, 500)))
def sigmoid(z):
    return logistic(z)
""",
        """
import numpy as np
PARAMS = {"limit": 500.0}
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -PARAMS["limit"], PARAMS["limit"])))
""",
    ]
    INVALID = [
        """
import numpy as np
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))
""",
        """
import numpy as np
def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
""",
        """
import numpy as np
def softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)
""",
        """
import numpy as np
def sigmoid(z):
    return np.clip(1 / (1 + np.exp(-z)), 1e-12, 1 - 1e-12)
""",
        """
from numpy import exp as e
def sigmoid(t):
    return 1 / (1 + e(-t * 2.0))
""",
        """
import numpy as np
def sigmoid(z):
    if z.max() > 0:
        z = np.clip(z, -500, 500)
    return 1 / (1 + np.exp(-z))
""",
        """
import numpy as np
def _raw(z, scale=1.0):
    return 1 / (1 + np.exp(-z * scale))
def sigmoid(z):
    return _raw(z)
""",
        """
import numpy as np
def sigmoid(z):
    f = lambda t: 1 / (1 + np.exp(-t))
    return f(z)
""",
        """
import numpy as np
def sigmoid(z):
    z = np.array(z, dtype=float)
    z[z > 500] = 500
    return 1 / (1 + np.exp(-z))
""",
    ]
    UNKNOWN = [
        """
import numpy as np
from mylib import squash
def sigmoid(z):
    return 1 / (1 + np.exp(-squash(z)))
""",
        """
import numpy as np
class Model:
    def step(self, z):
        return 1 / (1 + np.exp(-self.prepare(z)))
def sigmoid(z):
    return Model().step(z)
""",
    ]

    def passed_message(self) -> str:
        return f"every exp in {self.what} gets an argument that cannot grow without bound"

    def message(self, fname: str, code: str) -> str:
        return (
            f"{self._prefix()}keep the argument of every exp in {self.what} bounded, so it cannot "
            f"overflow for large inputs; found `{code}` in `{fname}`, whose argument can grow without bound "
            "(exp overflows to inf for arguments above about 709)"
        )


class LogArgumentPositive(_NumericCheck):
    name = "log_argument_positive"
    summary = "every log gets an argument bounded away from zero"
    kinds = ("log", "log1p")
    what = "the loss"
    VALID = [
        """
import numpy as np
def bce(y, p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
        """
import numpy as np
EPS = 1e-12
def bce(y, p):
    return -np.mean(y * np.log(np.maximum(p, EPS)) + (1 - y) * np.log(np.maximum(1 - p, EPS)))
""",
        """
import numpy as np
def bce(y, p, eps=1e-7):
    return -np.mean(y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7))
""",
        """
import numpy as np
def loss_from_logits(y, z):
    return np.mean(np.logaddexp(0, z) - y * z)
""",
        """
import numpy as np
def log_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    return Z - m - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
""",
        """
import numpy as np
def softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
""",
        """
import numpy as np
def cross_entropy(Y, P):
    eps = np.finfo(float).eps
    return -np.mean(np.sum(Y * np.log(P.clip(eps, 1.0)), axis=1))
""",
        # sys.float_info.epsilon, np.where as a floor, log1p(-p) after a clip
        """
import sys
import numpy as np
def bce(y, p):
    eps = sys.float_info.epsilon
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
""",
        """
import numpy as np
def bce(y, p):
    safe = np.where(p > 1e-12, p, 1e-12)
    other = np.where(1 - p > 1e-12, 1 - p, 1e-12)
    return -np.mean(y * np.log(safe) + (1 - y) * np.log(other))
""",
        """
import numpy as np
def _safe_log(x, eps=1e-12):
    return np.log(np.maximum(x, eps))
def bce(y, p):
    return -np.mean(y * _safe_log(p) + (1 - y) * _safe_log(1 - p))
""",
        """
import math
def bce(y, p):
    total = 0.0
    for yi, pi in zip(y, p):
        pi = min(max(pi, 1e-12), 1 - 1e-12)
        total += yi * math.log(pi) + (1 - yi) * math.log(1 - pi)
    return -total / len(y)
""",
    ]
    INVALID = [
        """
import numpy as np
def bce(y, p):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
        """
import numpy as np
def loss(y, z):
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    return -np.mean(y * np.log(p))
""",
        """
import numpy as np
def bce(y, p):
    p = np.clip(p, 1e-12, 1)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""",
        """
import numpy as np
def bce(y, p):
    return -np.mean(np.where(p > 0, np.log(p), 0.0))
""",
        """
import numpy as np
def cross_entropy(Y, P):
    return -np.mean(np.sum(Y * np.log(np.clip(P, 0, 1)), axis=1))
""",
        """
import numpy as np
def bce(y, p):
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
""",
        """
import numpy as np
def _log(x):
    return np.log(x)
def bce(y, p):
    return -np.mean(y * _log(np.clip(p, 1e-12, 1)) + (1 - y) * _log(1 - p))
""",
    ]
    UNKNOWN = [
        """
import numpy as np
def bce(y, p):
    p = np.where(p == 0, 1e-12, p)
    q = np.where(p == 1, 1e-12, 1 - p)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(q))
""",
        """
import numpy as np
def bce(y, p):
    p = np.array(p, dtype=float)
    p[p == 0] = 1e-12
    return -np.mean(np.log(p))
""",
        """
import numpy as np
def bce(y, p, guard=None):
    return -np.mean(y * np.log(guard(p)) + (1 - y) * np.log(guard(1 - p)))
""",
    ]

    def passed_message(self) -> str:
        return f"every log in {self.what} gets an argument bounded away from zero"

    def message(self, fname: str, code: str) -> str:
        return (
            f"{self._prefix()}keep the argument of every log in {self.what} bounded away from zero, because "
            "probabilities can be exactly 0 or 1 in floating point; found "
            f"`{code}` in `{fname}`, whose argument can be exactly 0 (log(0) is -inf, and 0 * -inf is nan)"
        )
