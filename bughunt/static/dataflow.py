"""Flow-sensitive row-provenance analysis: which values come from all rows, the training
split, the test split, or the label.

The interpreter walks a function body in execution order, keeping a label set per local
name. Calls are resolved through libcst scopes (qualified names), so aliases (`import numpy as np`,
`from sklearn.model_selection import train_test_split as tts`) and renamed variables
change nothing. Module-level helper functions are followed with the labels of their
arguments. "Sinks" (fitting, resampling, column statistics) report what rows they saw.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .base import Source

ALL, TRAIN, TEST, TARGET = "all", "train", "test", "target"
Label = frozenset
EMPTY: Label = frozenset()

FIT_METHODS = {"fit", "fit_transform", "partial_fit", "fit_resample", "fit_predict"}
PASSTHROUGH_METHODS = {"transform", "predict", "predict_proba", "decision_function", "score", "predict_log_proba"}
STAT_FUNCS = {
    f"numpy.{n}"
    for n in (
        "mean std var median percentile quantile nanmean nanstd nanvar nanmedian nanpercentile "
        "nanquantile min max amin amax nanmin nanmax ptp corrcoef cov average"
    ).split()
}
# univariate feature scores learn from the rows (and labels) they are given, like a statistic
STAT_FUNCS |= {
    f"sklearn.feature_selection.{n}"
    for n in "f_classif f_regression r_regression chi2 mutual_info_classif mutual_info_regression".split()
}
STAT_METHODS = {"mean", "std", "var", "min", "max", "median", "quantile", "ptp"}
RESAMPLE_FUNCS = {"sklearn.utils.resample", "sklearn.utils.shuffle"}
SPLIT_FUNCS = {"sklearn.model_selection.train_test_split", "sklearn.model_selection._split.train_test_split"}
CLEAN_FUNCS = {"len", "range", "int", "float", "round", "isinstance", "type", "print", "str"}
#: attributes that describe an array or a frame, not its rows: they carry no row of data
CLEAN_ATTRS = {"shape", "ndim", "dtype", "size", "columns", "dtypes"}


@dataclass
class Sink:
    """One place where something is learned from data."""

    line: int
    what: str  # e.g. "StandardScaler().fit_transform" or "np.mean"
    kind: str  # fit | stat | resample
    x: Label
    y: Label = EMPTY
    obj: frozenset = EMPTY
    col: int = 0


@dataclass
class _Split:
    """The value of a splitting call: output i is parts[i]."""

    parts: list


@dataclass
class Flow:
    sinks: list[Sink] = field(default_factory=list)

    def leaky(self) -> list[Sink]:
        """Sinks that learned from rows outside the training split."""
        return [s for s in self.sinks if _leaks(s)]


def _leaks(s: Sink) -> bool:
    seen = s.x | s.y
    if ALL in seen:
        return True
    if TEST in seen:
        return s.kind != "stat" or s.what.endswith("[axis]")
    return False


def _role(label: Label, role: str) -> Label:
    if ALL in label:
        return (label - {ALL}) | {role}
    if not label & {TRAIN, TEST}:
        return label | {role}
    return label


class FlowAnalyzer:
    def __init__(self, src: Source, max_depth: int = 4):
        self.src = src
        self.flow = Flow()
        self.max_depth = max_depth
        self._seen_calls: set = set()
        self.types: dict[str, frozenset] = {}  # local name -> classes it was constructed from

    # --- entry -----------------------------------------------------------------------
    def run_function(self, fn: cst.FunctionDef, args: dict[int, Label], depth: int = 0) -> Label:
        env: dict[str, object] = {}
        params = list(fn.params.posonly_params) + list(fn.params.params)
        for i, p in enumerate(params):
            env[p.name.value] = args.get(i, EMPTY)
        for p in fn.params.kwonly_params:
            env[p.name.value] = args.get(p.name.value, EMPTY)
        self._returns: list = []
        saved_returns = self._returns
        self._depth = depth
        self._block(fn.body.body, env)
        result = EMPTY
        for r in self._returns:
            result |= _flat(r)
        self._returns = saved_returns
        return result

    # --- statements --------------------------------------------------------------------
    def _block(self, stmts, env):
        for s in stmts:
            self._stmt(s, env)

    def _stmt(self, s, env):
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                self._small(small, env)
        elif isinstance(s, cst.If):
            self._expr(s.test, env)
            other = dict(env)
            self._block(s.body.body, env)
            if s.orelse is not None:
                body = s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse]
                self._block(body, other)
            _join(env, other)
        elif isinstance(s, (cst.For, cst.While)):
            for _ in range(2):  # twice, so values from a previous iteration reach the loop body
                if isinstance(s, cst.For):
                    self._bind(s.target, self._iter(s.iter, env), env)
                else:
                    self._expr(s.test, env)
                self._block(s.body.body, env)
            if s.orelse is not None:
                self._block(s.orelse.body.body, env)
        elif isinstance(s, cst.With):
            for item in s.items:
                v = self._expr(item.item, env)
                if item.asname is not None:
                    self._bind(item.asname.name, v, env)
            self._block(s.body.body, env)
        elif isinstance(s, cst.Try):
            self._block(s.body.body, env)
            for h in s.handlers:
                self._block(h.body.body, env)
            if s.orelse is not None:
                self._block(s.orelse.body.body, env)
            if s.finalbody is not None:
                self._block(s.finalbody.body.body, env)
        elif isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            env[s.name.value] = EMPTY

    def _small(self, s, env):
        if isinstance(s, cst.Assign):
            if (
                len(s.targets) == 1
                and isinstance(s.targets[0].target, (cst.Tuple, cst.List))
                and isinstance(s.value, (cst.Tuple, cst.List))
                and len(s.targets[0].target.elements) == len(s.value.elements)
                and not any(isinstance(e, cst.StarredElement) for e in s.value.elements)
            ):
                values = [self._expr(e.value, env) for e in s.value.elements]  # evaluate all, then bind
                for t, v in zip(s.targets[0].target.elements, values):
                    self._bind(t.value, v, env)
                return
            v = self._expr(s.value, env)
            for t in s.targets:
                self._bind(t.target, v, env)
                if isinstance(t.target, cst.Name):
                    self.types[t.target.value] = self._classes(s.value, env)
        elif isinstance(s, cst.AnnAssign) and s.value is not None:
            self._bind(s.target, self._expr(s.value, env), env)
        elif isinstance(s, cst.AugAssign):
            v = _flat(self._expr(s.value, env)) | _flat(self._expr(s.target, env))
            self._bind(s.target, v, env)
        elif isinstance(s, cst.Expr):
            self._expr(s.value, env)
        elif isinstance(s, cst.Return) and s.value is not None:
            self._returns.append(self._expr(s.value, env))

    def _bind(self, target, value, env):
        if isinstance(target, cst.Name):
            env[target.value] = value if isinstance(value, _Split) else _flat(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elems = [e.value for e in target.elements]
            if isinstance(value, _Split) and len(value.parts) == len(elems):
                for e, part in zip(elems, value.parts):
                    self._bind(e, part, env)
            else:
                for e in elems:
                    self._bind(e, _flat(value), env)
        elif isinstance(target, cst.Subscript):
            # X[rows] = ... mixes the value into X's provenance
            base = target.value
            if isinstance(base, cst.Name):
                env[base.value] = _flat(env.get(base.value, EMPTY)) | _flat(value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, value, env)

    def _iter(self, it, env):
        v = self._expr(it, env)
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value == "split":
            return _Split([_role(EMPTY, TRAIN), _role(EMPTY, TEST)])
        if isinstance(v, _Split):
            return _flat(v)
        return v

    # --- expressions -------------------------------------------------------------------
    def _expr(self, e, env):
        if e is None:
            return EMPTY
        if isinstance(e, cst.Name):
            return env.get(e.value, EMPTY)
        if isinstance(e, cst.Call):
            return self._call(e, env)
        if isinstance(e, cst.Attribute):
            if e.attr.value in CLEAN_ATTRS:
                return EMPTY
            return _flat(self._expr(e.value, env))
        if isinstance(e, cst.Subscript):
            return self._subscript(e, env)
        if isinstance(e, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            inner = dict(env)
            self._comp(e.for_in, inner)
            return _flat(self._expr(e.elt, inner))
        if isinstance(e, cst.DictComp):
            inner = dict(env)
            self._comp(e.for_in, inner)
            return _flat(self._expr(e.key, inner)) | _flat(self._expr(e.value, inner))
        if isinstance(e, cst.Lambda):
            return EMPTY
        out = EMPTY
        for child in e.children:
            if isinstance(child, cst.BaseExpression) or isinstance(child, (cst.Element, cst.DictElement, cst.StarredDictElement, cst.Arg, cst.ComparisonTarget, cst.FormattedStringExpression)):
                out |= _flat(self._expr_any(child, env))
        return out

    def _expr_any(self, node, env):
        if isinstance(node, cst.BaseExpression):
            return self._expr(node, env)
        if isinstance(node, (cst.Element, cst.Arg)):
            return self._expr(node.value, env)
        if isinstance(node, cst.DictElement):
            return _flat(self._expr(node.key, env)) | _flat(self._expr(node.value, env))
        if isinstance(node, cst.StarredDictElement):
            return self._expr(node.value, env)
        if isinstance(node, cst.ComparisonTarget):
            return self._expr(node.comparator, env)
        if isinstance(node, cst.FormattedStringExpression):
            return self._expr(node.expression, env)
        return EMPTY

    def _comp(self, for_in, env):
        while for_in is not None:
            self._bind(for_in.target, self._iter(for_in.iter, env), env)
            for cond in for_in.ifs:
                self._expr(cond.test, env)
            for_in = for_in.inner_for_in

    def _subscript(self, e: cst.Subscript, env):
        base = _flat(self._expr(e.value, env))
        if not e.slice:
            return base
        first = e.slice[0].slice
        rest = EMPTY
        for s in e.slice[1:]:
            if isinstance(s.slice, cst.Index):
                rest |= _flat(self._expr(s.slice.value, env))
        if isinstance(first, cst.Slice):
            lower, upper = first.lower, first.upper
            if lower is None and upper is None:
                return base | rest
            role = TRAIN if lower is None or upper is not None else TEST
            return _role(base, role) | rest
        idx = _flat(self._expr(first.value, env))
        roles = idx & {TRAIN, TEST}
        if len(roles) == 1 and ALL in base:
            return _role(base, next(iter(roles))) | (idx - roles - {ALL}) | rest
        return base | idx | rest

    def _call(self, e: cst.Call, env):
        names = self.src.names(e.func)
        args = [a for a in e.args if a.keyword is None]
        kwargs = {a.keyword.value: a for a in e.args if a.keyword is not None}
        arg_vals = [self._expr(a.value, env) for a in e.args]
        all_args = EMPTY
        for v in arg_vals:
            all_args |= _flat(v)
        line = self.src.line(e)

        if names & SPLIT_FUNCS:
            arrays = [_flat(self._expr(a.value, env)) for a in args if a.star == ""]
            parts = []
            for lab in arrays:
                parts += [_role(lab, TRAIN), _role(lab, TEST)]
            return _Split(parts)
        if names & {"len", "range", "int", "float", "isinstance", "type", "print", "str", "builtins.len", "builtins.range", "builtins.int", "builtins.float", "builtins.print", "builtins.str", "builtins.isinstance"}:
            return EMPTY
        if names & RESAMPLE_FUNCS:
            self._sink(line, self._describe(e), "resample", all_args)
            return all_args
        if names & STAT_FUNCS:
            columnwise = "axis" in kwargs or (len(args) > 1 and not names & {"numpy.corrcoef", "numpy.cov"})
            what = self._describe(e) + ("[axis]" if columnwise else "")
            first = _flat(arg_vals[0]) if arg_vals else EMPTY
            others = EMPTY
            for v in arg_vals[1:]:
                others |= _flat(v)
            self._sink(line, what, "stat", first | (others if "corrcoef" in what or "cov" in what else EMPTY))
            return all_args
        if isinstance(e.func, cst.Attribute):
            method = e.func.attr.value
            receiver = _flat(self._expr(e.func.value, env))
            if method in FIT_METHODS:
                x = _flat(arg_vals[0]) if arg_vals else EMPTY
                y = _flat(arg_vals[1]) if len(arg_vals) > 1 else EMPTY
                if "X" in kwargs:
                    x = _flat(self._expr(kwargs["X"].value, env))
                if "y" in kwargs:
                    y = _flat(self._expr(kwargs["y"].value, env))
                self._sink(line, self._describe(e), "fit", x, y, self._classes(e.func.value, env), self.src.positions[e].start.column)
                return x if method in ("fit_transform", "fit_resample", "fit_predict") else EMPTY
            if method in PASSTHROUGH_METHODS:
                return all_args
            if method in STAT_METHODS and receiver:
                what = self._describe(e) + ("[axis]" if "axis" in kwargs or args else "")
                self._sink(line, what, "stat", receiver)
                return receiver | all_args
            return receiver | all_args
        if isinstance(e.func, cst.Name) and e.func.value in self.src.functions and self._depth < self.max_depth:
            return self._follow(self.src.functions[e.func.value], e, env)
        return all_args

    def _follow(self, fn: cst.FunctionDef, call: cst.Call, env) -> Label:
        labels: dict = {}
        pos = 0
        for a in call.args:
            v = _flat(self._expr(a.value, env))
            if a.keyword is not None:
                params = [p.name.value for p in fn.params.params]
                if a.keyword.value in params:
                    labels[params.index(a.keyword.value)] = v
                labels[a.keyword.value] = v
            elif a.star == "":
                labels[pos] = v
                pos += 1
        key = (fn.name.value, tuple(sorted((str(k), tuple(sorted(v))) for k, v in labels.items())))
        if key in self._seen_calls:
            return EMPTY
        self._seen_calls.add(key)
        saved = (self._returns, self._depth)
        try:
            result = self.run_function(fn, labels, self._depth + 1)
        finally:
            self._returns, self._depth = saved
        return result

    def _describe(self, call: cst.Call) -> str:
        code = self.src.module.code_for_node(call.func)
        return code if len(code) <= 60 else code[:57] + "..."

    def _sink(self, line, what, kind, x, y=EMPTY, obj=EMPTY, col=0):
        self.flow.sinks.append(Sink(line, what, kind, x, y, obj, col))

    def _classes(self, receiver, env) -> frozenset:
        """Qualified class names of an object expression: `Cls(...)` or a name bound to one."""
        node = receiver
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in FIT_METHODS | {"set_params"}:
            node = node.func.value
        if isinstance(node, cst.Call):
            return frozenset(self.src.names(node.func))
        if isinstance(node, cst.Name):
            return self.types.get(node.value, EMPTY)
        return EMPTY


def _flat(v) -> Label:
    if isinstance(v, _Split):
        out = EMPTY
        for p in v.parts:
            out |= _flat(p)
        return out
    return v if isinstance(v, frozenset) else EMPTY


def _join(env, other):
    for k, v in other.items():
        if k in env:
            a, b = env[k], v
            env[k] = a if a is b else (_flat(a) | _flat(b))
        else:
            env[k] = v


def analyze(src: Source, entry_points: dict[str, dict]) -> Flow:
    """Run the analysis from each graded function, with its data parameters labelled.

    entry_points maps a function name to {param position: labels}, e.g.
    {"evaluate": {0: {ALL}, 1: {ALL, TARGET}}}. Positions, not names, so renamed
    parameters are understood.
    """
    return run(src, entry_points).flow


def run(src: Source, entry_points: dict[str, dict], analyzer_cls=None):
    """Run `analyzer_cls` (FlowAnalyzer, or a subclass) from each entry point and return
    it, with a sink reached along several paths kept once per line/what, merged."""
    analyzer = (analyzer_cls or FlowAnalyzer)(src)
    for name, params in entry_points.items():
        fn = src.functions.get(name)
        if fn is not None:
            analyzer._seen_calls.clear()
            analyzer.run_function(fn, {k: frozenset(v) for k, v in params.items()})
    merged: dict = {}
    for s in analyzer.flow.sinks:
        key = (s.line, s.col, s.what, s.kind)
        if key in merged:
            merged[key].x |= s.x
            merged[key].y |= s.y
        else:
            merged[key] = Sink(s.line, s.what, s.kind, s.x, s.y, s.obj, s.col)
    analyzer.flow.sinks = sorted(merged.values(), key=lambda s: s.line)
    return analyzer
