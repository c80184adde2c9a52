"""Root-cause checks for numerically unstable exp and log calls.

A small abstract interpreter walks each graded function in execution order and tags the
value of every expression and local name with facts it can prove syntactically:

- ``clipped``: bounded on both sides (np.clip, np.minimum/np.maximum with a constant,
  a boolean-mask selection as in the masked stable sigmoid, a constant);
- ``upper``: bounded above (x minus its max or its log-sum-exp, minus a non-negative value
  such as -|z| or -logaddexp(0, z), log-sigmoid forms);
- ``nonneg``: never negative (abs, square, exp, logaddexp(0, .));
- ``maxlike``: a max or log-sum-exp of the data, so subtracting it leaves ``upper``;
- ``pos``: bounded away from zero (clip/maximum with a positive floor, + a positive
  constant, 1 - x when x is kept below 1, a sum of max-shifted exponentials);
- ``lt1``: bounded above by a constant below 1.

`exp` is safe on ``clipped``/``upper`` arguments; `log` on ``pos`` ones; `log1p` on
``nonneg`` ones or on ``-x`` with x kept below 1. Calls are resolved by qualified name,
so aliases and renamed variables change nothing. The checks are necessary, not
sufficient: a wrong bound (clipping at the wrong side, subtracting a global max) passes
here and is caught by the runtime probe.
"""
from __future__ import annotations

from typing import ClassVar

import libcst as cst

from .base import Finding, Source, StaticCheck

Tags = frozenset
NONE: Tags = frozenset()

EXP_FUNCS = {"numpy.exp", "numpy.exp2", "numpy.expm1", "math.exp", "math.expm1"}
LOG_FUNCS = {"numpy.log", "numpy.log2", "numpy.log10", "math.log", "math.log2", "math.log10"}
LOG1P_FUNCS = {"numpy.log1p", "math.log1p"}
CLIP_FUNCS = {"numpy.clip"}
MAXIMUM_FUNCS = {"numpy.maximum", "numpy.fmax", "builtins.max", "max"}
MINIMUM_FUNCS = {"numpy.minimum", "numpy.fmin", "builtins.min", "min"}
ABS_FUNCS = {"numpy.abs", "numpy.absolute", "numpy.fabs", "builtins.abs", "abs", "math.fabs", "numpy.square"}
ROWMAX_FUNCS = {"numpy.max", "numpy.amax", "numpy.nanmax"}
LSE_FUNCS = {"scipy.special.logsumexp", "scipy.special._logsumexp.logsumexp", "numpy.logaddexp", "numpy.logaddexp2"}
LOG_SIGMOID_FUNCS = {"scipy.special.log_expit", "scipy.special.log_softmax"}
SUM_FUNCS = {"numpy.sum", "builtins.sum", "sum", "numpy.mean"}
WHERE_FUNCS = {"numpy.where"}
TRANSPARENT_FUNCS = {
    "numpy.asarray", "numpy.array", "numpy.asanyarray", "numpy.ravel", "numpy.reshape", "numpy.squeeze",
    "numpy.atleast_1d", "numpy.atleast_2d", "numpy.copy", "builtins.float", "float",
}
TRANSPARENT_METHODS = {"reshape", "ravel", "flatten", "copy", "astype", "squeeze", "transpose"}
FINFO_ATTRS = {"eps", "tiny", "smallest_normal", "resolution", "epsneg"}

EXP_SAFE = {"clipped", "upper"}
_LIBS = {"numpy", "math", "scipy", "builtins"}


def _is_finfo(src: Source, node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value in FINFO_ATTRS
        and isinstance(node.value, cst.Call)
        and bool(src.names(node.value.func) & {"numpy.finfo", "numpy.core.getlimits.finfo"})
    )


class _Interp:
    """Walks one function, tagging values; records the exp/log calls it meets."""

    def __init__(self, src: Source, consts: dict[str, float]):
        self.src = src
        self.consts = consts
        self.calls: dict[tuple, tuple[str, cst.Call, Tags]] = {}

    # --- constants ---------------------------------------------------------------------
    def const(self, e, env) -> float | None:
        if isinstance(e, cst.Integer) or isinstance(e, cst.Float):
            try:
                return float(e.evaluated_value)
            except (ValueError, OverflowError):
                return None
        if isinstance(e, cst.Name):
            if e.value in env:
                return env[e.value][1]
            return self.consts.get(e.value)
        if _is_finfo(self.src, e):
            return 2.220446049250313e-16
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
        if isinstance(e, cst.Call) and self.src.names(e.func) & {"builtins.float", "float"} and e.args:
            return self.const(e.args[0].value, env)
        return None

    def const_tags(self, c: float) -> Tags:
        out = {"clipped", "upper", "const"}
        if c > 0:
            out.add("pos")
        if c >= 0:
            out.add("nonneg")
        if c < 1:
            out.add("lt1")
        return frozenset(out)

    # --- expressions -------------------------------------------------------------------
    def tags(self, e, env) -> Tags:
        if e is None:
            return NONE
        c = self.const(e, env)
        if c is not None:
            self._visit_children(e, env)
            return self.const_tags(c)
        if isinstance(e, cst.Name):
            return env.get(e.value, (NONE, None))[0]
        if isinstance(e, cst.Call):
            return self.call(e, env)
        if isinstance(e, cst.UnaryOperation):
            t = self.tags(e.expression, env)
            if isinstance(e.operator, cst.Minus):
                out = set()
                if "clipped" in t:
                    out.add("clipped")
                if "nonneg" in t:
                    out.add("upper")
                return frozenset(out)
            if isinstance(e.operator, cst.Plus):
                return t
            if isinstance(e.operator, cst.BitInvert) and "mask" in t:
                return frozenset({"mask"})
            return NONE
        if isinstance(e, cst.BinaryOperation):
            return self.binop(e, env)
        if isinstance(e, cst.Comparison):
            self._visit_children(e, env)
            return frozenset({"mask"})
        if isinstance(e, cst.BooleanOperation):
            self._visit_children(e, env)
            return NONE
        if isinstance(e, cst.Subscript):
            base = self.tags(e.value, env)
            masked = False
            for el in e.slice:
                if isinstance(el.slice, cst.Index):
                    if "mask" in self.tags(el.slice.value, env):
                        masked = True
                else:
                    self._visit_children(el.slice, env)
            out = set(base - {"mask", "const"})
            if masked:
                out.add("clipped")
            return frozenset(out)
        if isinstance(e, cst.Attribute):
            t = self.tags(e.value, env)
            if e.attr.value in ("T", "real"):
                return t - {"const"}
            return NONE
        if isinstance(e, cst.IfExp):
            self.tags(e.test, env)
            return self.tags(e.body, env) & self.tags(e.orelse, env)
        if isinstance(e, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            inner = dict(env)
            f = e.for_in
            while f is not None:
                self.tags(f.iter, inner)
                self.bind(f.target, NONE, inner)
                for cond in f.ifs:
                    self.tags(cond.test, inner)
                f = f.inner_for_in
            if isinstance(e, cst.DictComp):
                self.tags(e.key, inner)
                self.tags(e.value, inner)
            else:
                self.tags(e.elt, inner)
            return NONE
        if isinstance(e, cst.Lambda):
            inner = dict(env)
            for p in e.params.params:
                inner[p.name.value] = (NONE, None)
            self.tags(e.body, inner)
            return NONE
        self._visit_children(e, env)
        return NONE

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

    def binop(self, e: cst.BinaryOperation, env) -> Tags:
        a, b = self.tags(e.left, env), self.tags(e.right, env)
        ca, cb = self.const(e.left, env), self.const(e.right, env)
        return self.combine(e.operator, a, b, ca, cb)

    def combine(self, op, a: Tags, b: Tags, ca: float | None, cb: float | None) -> Tags:
        out = set()
        if isinstance(op, cst.Subtract):
            if "maxlike" in b:
                out |= {"upper", "shifted"}
            if "clipped" in a and "clipped" in b:
                out.add("clipped")
            if "upper" in a and ("nonneg" in b or "clipped" in b):
                out.add("upper")
            if "lt1" in b and (ca is not None and ca >= 1 or "pos" in a and "const" in a):
                out.add("pos")
            if ca is not None and ca >= 1 and "lt1" in b:
                out.add("pos")
        elif isinstance(op, cst.Add):
            for x, y, cy in ((a, b, cb), (b, a, ca)):
                if cy is not None and cy > 0:
                    out.add("pos")  # the logged values are probabilities, so p + eps > 0
                if "pos" in x and "nonneg" in y:
                    out.add("pos")
                if "maxlike" in x and "nonneg" in y:
                    out.add("maxlike")
                if "upper" in x and "clipped" in y:
                    out.add("upper")
            if "clipped" in a and "clipped" in b:
                out.add("clipped")
            if "nonneg" in a and "nonneg" in b:
                out.add("nonneg")
        elif isinstance(op, (cst.Multiply, cst.Divide)):
            for x, cy in ((a, cb), (b, ca if isinstance(op, cst.Multiply) else None)):
                if cy is None:
                    continue
                if "clipped" in x:
                    out.add("clipped")
                if cy > 0:
                    out |= x & {"upper", "pos", "nonneg", "shifted"}
            if "nonneg" in a and "nonneg" in b:
                out.add("nonneg")
            if "pos" in a and "pos" in b:
                out.add("pos")
        elif isinstance(op, cst.Power):
            if cb is not None and cb % 2 == 0:
                out.add("nonneg")
        return frozenset(out)

    def call(self, e: cst.Call, env) -> Tags:
        names = {n for n in self.src.names(e.func) if "." not in n or n.split(".")[0] in _LIBS}
        args = [a.value for a in e.args if not a.keyword]
        kw = {a.keyword.value: a.value for a in e.args if a.keyword}
        arg_tags = [self.tags(a, env) for a in args]
        for v in kw.values():
            self.tags(v, env)
        method = e.func.attr.value if isinstance(e.func, cst.Attribute) else None
        recv = NONE
        if method is not None and not names:
            recv = self.tags(e.func.value, env)
        elif isinstance(e.func, cst.Attribute):
            self.tags(e.func.value, env) if not names else None
        first = arg_tags[0] if arg_tags else NONE

        if names & EXP_FUNCS:
            self._record("exp", e, first)
            out = {"nonneg"}
            if "shifted" in first:
                out.add("expshifted")
            return frozenset(out)
        if names & LOG_FUNCS:
            self._record("log", e, first)
            return frozenset({"nonneg"}) if "ge1" in first else NONE
        if names & LOG1P_FUNCS:
            self._record("log1p", e, first)
            return frozenset({"nonneg"}) if "nonneg" in first else NONE
        if names & CLIP_FUNCS or method == "clip" and not names:
            if method == "clip" and not names:
                lo, hi = (args + [None, None])[:2]
                base = recv
            else:
                lo, hi = (args[1:] + [None, None])[:2]
                base = first
            lo = kw.get("a_min", kw.get("min", lo))
            hi = kw.get("a_max", kw.get("max", hi))
            return self._bounds(base, lo, hi, env)
        if names & MAXIMUM_FUNCS and len(args) >= 2:
            out = {"clipped"} if any("const" in t for t in arg_tags) else set()
            if any("pos" in t for t in arg_tags):
                out.add("pos")
            if any("nonneg" in t for t in arg_tags):
                out.add("nonneg")
            if all("clipped" in t for t in arg_tags):
                out.add("clipped")
            return frozenset(out)
        if names & MINIMUM_FUNCS and len(args) >= 2:
            out = {"clipped"} if any("const" in t for t in arg_tags) else set()
            if any("lt1" in t for t in arg_tags):
                out.add("lt1")
            if any("upper" in t or "clipped" in t for t in arg_tags):
                out.add("upper")
            if all("pos" in t for t in arg_tags):
                out.add("pos")
            return frozenset(out)
        if names & ABS_FUNCS:
            return frozenset({"nonneg"})
        if names & ROWMAX_FUNCS or (names & MAXIMUM_FUNCS and len(args) == 1) or (method in ("max", "amax") and not names):
            return frozenset({"maxlike"})
        if names & LSE_FUNCS:
            out = {"maxlike"}
            if any("const" in t and "nonneg" in t for t in arg_tags):
                out.add("nonneg")
            return frozenset(out)
        if names & LOG_SIGMOID_FUNCS:
            return frozenset({"upper"})
        if names & SUM_FUNCS or (method in ("sum", "mean") and not names):
            t = first if names else recv
            out = set()
            if "expshifted" in t and (method == "sum" or names & {"numpy.sum", "builtins.sum", "sum"}):
                out |= {"pos", "ge1", "nonneg"}
            if "nonneg" in t:
                out.add("nonneg")
            if "pos" in t:
                out.add("pos")
            return frozenset(out)
        if names & WHERE_FUNCS and len(arg_tags) == 3:
            return arg_tags[1] & arg_tags[2]
        if names & TRANSPARENT_FUNCS:
            return first - {"const"}
        if method in TRANSPARENT_METHODS and not names:
            return recv - {"const"}
        return NONE

    def _bounds(self, base: Tags, lo, hi, env) -> Tags:
        out = {"clipped", "upper"}
        lo_c = self.const(lo, env) if lo is not None else None
        hi_c = self.const(hi, env) if hi is not None else None
        lo_none = lo is None or (isinstance(lo, cst.Name) and lo.value == "None")
        hi_none = hi is None or (isinstance(hi, cst.Name) and hi.value == "None")
        if hi_none:
            out.discard("upper")
            if lo_none:
                out.discard("clipped")
        if lo_none:
            out.discard("clipped")
        if lo_c is not None:
            if lo_c > 0:
                out |= {"pos", "nonneg"}
            elif lo_c == 0:
                out.add("nonneg")
        elif not lo_none:
            # a floor the checker cannot evaluate (a parameter, an expression): assume it is
            # a small positive epsilon; the runtime probe checks the values.
            out |= {"pos", "nonneg"}
        if hi_c is not None:
            if hi_c < 1:
                out.add("lt1")
        elif not hi_none:
            out.add("lt1")
        out |= base & {"pos", "nonneg"}
        return frozenset(out)

    def _record(self, kind: str, call: cst.Call, arg: Tags):
        key = (self.src.line(call), self.src.positions[call].start.column)
        prev = self.calls.get(key)
        if prev is not None:
            arg = prev[2] & arg  # seen again (a loop body): safe only if safe on every pass
        self.calls[key] = (kind, call, arg)

    # --- statements --------------------------------------------------------------------
    def bind(self, target, tags: Tags, env, const: float | None = None):
        if isinstance(target, cst.Name):
            env[target.value] = (tags, const)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self.bind(el.value, NONE, env)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, NONE, env)
        else:
            self.tags(target, env)

    def block(self, stmts, env):
        for s in stmts:
            self.stmt(s, env)

    def stmt(self, s, env):
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                self.small(small, env)
        elif isinstance(s, cst.If):
            self.tags(s.test, env)
            other = dict(env)
            self.block(s.body.body, env)
            if s.orelse is not None:
                body = s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse]
                self.block(body, other)
            _meet(env, other)
        elif isinstance(s, (cst.For, cst.While)):
            before = dict(env)
            for _ in range(2):
                if isinstance(s, cst.For):
                    self.tags(s.iter, env)
                    self.bind(s.target, NONE, env)
                else:
                    self.tags(s.test, env)
                self.block(s.body.body, env)
                _meet(env, before)
            if s.orelse is not None:
                self.block(s.orelse.body.body, env)
        elif isinstance(s, cst.With):
            for item in s.items:
                self.tags(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, NONE, env)
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
            inner = dict(env)
            for p in _params(s):
                inner[p] = (NONE, None)
            self.block(s.body.body, inner)
            env[s.name.value] = (NONE, None)
        elif isinstance(s, cst.ClassDef):
            for item in s.body.body:
                self.stmt(item, dict(env))

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
                a, ca = env.get(s.target.value, (NONE, None))
                if ca is None:
                    ca = self.consts.get(s.target.value) if s.target.value not in env else None
                self.bind(s.target, self.combine(op, a, b, ca, cb), env)
            else:
                self.tags(s.value, env)
                self.bind(s.target, NONE, env) if isinstance(s.target, cst.Name) else self.tags(s.target, env)
        elif isinstance(s, cst.Expr):
            self.tags(s.value, env)
        elif isinstance(s, cst.Return) and s.value is not None:
            self.tags(s.value, env)

    def run(self, fn: cst.FunctionDef):
        env: dict = {}
        for p in _params(fn):
            env[p] = (NONE, None)
        self.block(fn.body.body, env)


def _params(fn: cst.FunctionDef) -> list[str]:
    p = fn.params
    names = [x.name.value for x in list(p.posonly_params) + list(p.params) + list(p.kwonly_params)]
    for star in (p.star_arg, p.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names


def _meet(env, other):
    for k in set(env) | set(other):
        a, b = env.get(k, (NONE, None)), other.get(k, (NONE, None))
        env[k] = (a[0] & b[0], a[1] if a[1] == b[1] else None)


def module_constants(src: Source) -> dict[str, float]:
    """Module-level names bound once to a numeric constant (EPS = 1e-12, CLIP = 500.0)."""
    interp = _Interp(src, {})
    consts: dict[str, float] = {}
    counts: dict[str, int] = {}
    for stmt in src.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    for t in targets:
                        if isinstance(t, cst.Name):
                            counts[t.value] = counts.get(t.value, 0) + 1
                            interp.consts = consts
                            v = interp.const(small.value, {}) if small.value is not None else None
                            if v is not None:
                                consts[t.value] = v
    return {k: v for k, v in consts.items() if counts.get(k) == 1}


def analyze_calls(src: Source, functions: tuple[str, ...] | None = None):
    """(function name, kind, call node, argument tags) for every exp/log call in the graded
    functions (module-level functions and methods; `functions` narrows the set)."""
    consts = module_constants(src)
    out = []
    for stmt in src.graded_nodes():
        targets: list[tuple[str, cst.FunctionDef]] = []
        if isinstance(stmt, cst.FunctionDef):
            targets.append((stmt.name.value, stmt))
        elif isinstance(stmt, cst.ClassDef):
            for item in stmt.body.body:
                if isinstance(item, cst.FunctionDef):
                    targets.append((f"{stmt.name.value}.{item.name.value}", item))
        for name, fn in targets:
            if functions is not None and name.split(".")[-1] not in functions:
                continue
            interp = _Interp(src, consts)
            interp.run(fn)
            for kind, call, tags in interp.calls.values():
                out.append((name, kind, call, tags))
    return out


def _safe(kind: str, tags: Tags) -> bool:
    if kind == "exp":
        return bool(tags & EXP_SAFE)
    if kind == "log":
        return "pos" in tags
    return "nonneg" in tags or "pos" in tags  # log1p


class _NumericCheck(StaticCheck):
    kinds: ClassVar[tuple[str, ...]] = ()

    def __init__(self, exercise: str = "", functions: tuple[str, ...] | None = None, what: str | None = None):
        self.exercise = exercise
        self.functions = functions
        if what:
            self.what = what

    def _prefix(self) -> str:
        return f"Exercise {self.exercise} should " if self.exercise else "The code should "

    def findings(self, src: Source) -> list[Finding]:
        out = []
        seen = set()
        for fname, kind, call, tags in analyze_calls(src, self.functions):
            if kind not in self.kinds or _safe(kind, tags):
                continue
            line = src.line(call)
            if (line, kind) in seen:
                continue
            seen.add((line, kind))
            code = src.module.code_for_node(call)
            if len(code) > 60:
                code = code[:57] + "..."
            out.append(Finding(line, self.message(fname, code)))
        return out


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
    ]
    INVALID = [
        """
import numpy as np
def bce(y, p):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
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
    ]

    def passed_message(self) -> str:
        return f"every log in {self.what} gets an argument bounded away from zero"

    def message(self, fname: str, code: str) -> str:
        return (
            f"{self._prefix()}keep the argument of every log in {self.what} bounded away from zero, because "
            "probabilities can be exactly 0 or 1 in floating point; found "
            f"`{code}` in `{fname}`, whose argument can be exactly 0 (log(0) is -inf, and 0 * -inf is nan)"
        )
