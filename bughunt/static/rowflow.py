"""The row-provenance analysis of `dataflow`, taught to say "cannot tell".

`dataflow.FlowAnalyzer` labels values ALL / TRAIN / TEST / TARGET. Where it loses track it
guesses, and a guess of ALL reads as a leak. This subclass adds a label UNSURE ("rows chosen
by something the analysis cannot follow") and follows more constructs:

- folds: `for tr, te in cv.split(X)`, `for k, (tr, te) in enumerate(cv.split(X))`,
  `folds = list(cv.split(X))` then `folds[k]` or a loop over it, `next(cv.split(X))`,
  `zip(...)` over batches;
- nested functions and closures (followed with the enclosing names), helpers with default
  arguments (module-level functions are followed by the base analysis);
- rows picked by an index the analysis cannot attribute (a permutation cut, `np.setdiff1d`,
  a manual index split): UNSURE rather than ALL;
- lambdas, classes defined in the file, generators and unresolvable callables that receive
  data: UNSURE, with a note.

Checks built on it report a leak only for sinks whose rows are *proven* to include rows
outside the training split, and say "unknown" when an UNSURE value reached a sink.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from .base import Assessment, Finding, Source
from .dataflow import ALL, EMPTY, TARGET, TEST, TRAIN, FlowAnalyzer, Sink, _flat, _role, _Split, run

UNSURE = "unsure"
SPLITTER_PREFIX = "sklearn.model_selection."
ITER_FUNCS = {"list", "tuple", "iter", "sorted", "reversed", "builtins.list", "builtins.tuple", "builtins.iter"}


@dataclass
class _Seq(_Split):
    """A sequence whose every element is `parts[0]` (folds, batches, rows)."""


def _elem(v):
    if isinstance(v, _Seq):
        return v.parts[0]
    return v


class RowFlow(FlowAnalyzer):
    def __init__(self, src: Source, max_depth: int = 4):
        super().__init__(src, max_depth)
        self.notes: list[tuple[str, int]] = []
        self._local_funcs: list[dict] = [{}]
        self._module_classes = {s.name.value for s in src.module.body if isinstance(s, cst.ClassDef)}
        self._yields = False

    def note(self, text: str, node) -> None:
        line = self.src.line(node) if node is not None else None
        if (text, line) not in self.notes:
            self.notes.append((text, line))

    # --- statements ------------------------------------------------------------------
    def _stmt(self, s, env):
        if isinstance(s, cst.FunctionDef):
            self._local_funcs[-1][s.name.value] = (s, env)
            env[s.name.value] = EMPTY
            return
        if isinstance(s, cst.ClassDef):
            self._local_funcs[-1][s.name.value] = (None, env)
            env[s.name.value] = EMPTY
            return
        super()._stmt(s, env)

    def _small(self, s, env):
        if isinstance(s, cst.Assign) and isinstance(s.value, cst.Lambda):
            for t in s.targets:
                if isinstance(t.target, cst.Name):
                    self._local_funcs[-1][t.target.value] = (None, env)
                    env[t.target.value] = EMPTY
            return
        if isinstance(s, cst.Expr) and isinstance(s.value, (cst.Yield,)):
            self._yields = True
        super()._small(s, env)

    def _bind(self, target, value, env):
        if isinstance(value, _Seq):
            if isinstance(target, cst.Name):
                env[target.value] = value
                return
            if isinstance(target, (cst.Tuple, cst.List)):
                for e in target.elements:
                    self._bind(e.value, _elem(value), env)
                return
        super()._bind(target, value, env)

    def _iter(self, it, env):
        v = self._expr(it, env)
        if isinstance(v, _Seq):
            return v.parts[0]
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value == "split":
            return _Split([_role(EMPTY, TRAIN), _role(EMPTY, TEST)])
        if isinstance(v, _Split):
            return _flat(v)
        return v

    # --- expressions -------------------------------------------------------------------
    def _expr(self, e, env):
        if isinstance(e, cst.Name):
            return env.get(e.value, EMPTY)
        if isinstance(e, cst.Lambda):
            return EMPTY
        if isinstance(e, (cst.Yield, cst.Await)):
            self._yields = True
        return super()._expr(e, env)

    def _subscript(self, e: cst.Subscript, env):
        container = self._expr(e.value, env)
        if isinstance(container, _Seq) and e.slice and isinstance(e.slice[0].slice, cst.Index):
            return container.parts[0]
        if isinstance(container, _Seq):
            return container
        if isinstance(container, _Split) and e.slice and isinstance(e.slice[0].slice, cst.Index):
            idx = e.slice[0].slice.value
            if isinstance(idx, cst.Integer) and int(idx.value) < len(container.parts):
                return container.parts[int(idx.value)]
        base = _flat(container)
        first = e.slice[0].slice if e.slice else None
        if isinstance(first, cst.Slice) and (first.lower is not None or first.upper is not None):
            rest = EMPTY
            for s in e.slice[1:]:
                if isinstance(s.slice, cst.Index):
                    rest |= _flat(self._expr(s.slice.value, env))
            if not base & {ALL, TRAIN, TEST, TARGET, UNSURE}:
                return base | rest  # a cut of an index or of a constant: no rows yet
            if ALL in base:
                # `X[:k]` may be the training or the test part (test-first slicing is common)
                self.note("rows are split by position; which part is the test split is not known statically", e)
                return (base - {ALL}) | {UNSURE} | rest
        if ALL in base and e.slice and isinstance(e.slice[0].slice, cst.Index) and not isinstance(
            e.slice[0].slice.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
        ):
            idx = _flat(self._expr(e.slice[0].slice.value, env))
            if not idx & {TRAIN, TEST, ALL, TARGET, UNSURE}:
                # rows chosen by an index made without data (a permutation, a range, a
                # manual index split): which rows these are is not known statically
                rest = EMPTY
                for s in e.slice[1:]:
                    if isinstance(s.slice, cst.Index):
                        rest |= _flat(self._expr(s.slice.value, env))
                self.note("rows are chosen by an index the check cannot attribute to the training or test split", e)
                return (base - {ALL}) | {UNSURE} | rest
        return super()._subscript(e, env)

    def _call(self, e: cst.Call, env):
        names = self.src.names(e.func)
        func = e.func
        # folds and batches
        if isinstance(func, cst.Attribute) and func.attr.value == "split" and self._is_splitter(func.value, env):
            for a in e.args:
                self._expr(a.value, env)
            return _Seq([_Split([_role(EMPTY, TRAIN), _role(EMPTY, TEST)])])
        if isinstance(func, cst.Name) and func.value in {"enumerate", "zip", "next"} | ITER_FUNCS and func.value not in self._shadowed(env):
            vals = [self._expr(a.value, env) for a in e.args]
            if func.value == "enumerate" and vals:
                return _Seq([_Split([EMPTY, _elem(vals[0])])])
            if func.value == "zip":
                return _Seq([_Split([_elem(v) for v in vals])])
            if func.value == "next" and vals:
                return _elem(vals[0])
            if func.value in ITER_FUNCS and vals:
                return vals[0] if isinstance(vals[0], _Seq) else vals[0]
        if names & {"numpy.take"} and len(e.args) >= 2:
            base = _flat(self._expr(e.args[0].value, env))
            idx = _flat(self._expr(e.args[1].value, env))
            roles = idx & {TRAIN, TEST}
            if ALL in base and len(roles) == 1:
                return _role(base, next(iter(roles))) | (idx - roles - {ALL})
            if ALL in base and not idx & {ALL, TARGET, UNSURE, TRAIN, TEST}:
                self.note("rows are chosen by an index the check cannot attribute to the training or test split", e)
                return (base - {ALL}) | {UNSURE}
            return base | idx
        if names & {"numpy.setdiff1d"} and len(e.args) >= 2:
            a = _flat(self._expr(e.args[0].value, env))
            b = _flat(self._expr(e.args[1].value, env))
            roles = b & {TRAIN, TEST}
            if len(roles) == 1 and not a & {TRAIN, TEST}:
                # the rows that are not the test rows are the training rows, and vice versa
                return frozenset({TRAIN} if TEST in roles else {TEST})
            return a | b
        # functions, lambdas and classes defined inside the graded function
        if isinstance(func, cst.Name):
            local = self._lookup_local(func.value)
            if local is not None:
                fn, outer = local
                if fn is not None and self._depth < self.max_depth:
                    return self._follow_local(fn, outer, e, env)
                return self._opaque(e, env, f"`{func.value}` (a lambda or class defined in the function)")
            if func.value in self._module_classes:
                self.note(f"the class `{func.value}` defined in the file is not followed", e)
                return self._opaque(e, env, f"the class `{func.value}` defined in the file")
            if func.value in self.src.functions:
                fn = self.src.functions[func.value]
                if any(True for _ in self.src.find(fn, m.Yield())):
                    return self._opaque(e, env, f"the generator `{func.value}`")
        if isinstance(func, cst.Lambda) or (isinstance(func, cst.Call) and not names):
            return self._opaque(e, env, "a function built on the fly")
        return super()._call(e, env)

    def _shadowed(self, env) -> set:
        return set(self._local_funcs[-1])

    def _lookup_local(self, name):
        for scope in reversed(self._local_funcs):
            if name in scope:
                return scope[name]
        return None

    def _opaque(self, e: cst.Call, env, what: str):
        labels = EMPTY
        for a in e.args:
            labels |= _flat(self._expr(a.value, env))
        if labels & {ALL, TRAIN, TEST, TARGET, UNSURE}:
            self.note(f"data passes through {what}, which the check does not follow", e)
            return (labels - {ALL}) | {UNSURE}
        return labels

    def _follow_local(self, fn: cst.FunctionDef, outer: dict, call: cst.Call, env):
        labels: dict = {}
        pos = 0
        params = [p.name.value for p in fn.params.params]
        for a in call.args:
            raw = self._expr(a.value, env)
            v = _flat(raw)
            if a.keyword is not None:
                if a.keyword.value in params:
                    labels[params.index(a.keyword.value)] = v
                labels[a.keyword.value] = v
            elif a.star == "":
                labels[pos] = v
                pos += 1
            elif a.star == "*" and isinstance(raw, _Split) and not isinstance(raw, _Seq):
                for part in raw.parts:
                    labels[pos] = _flat(part)
                    pos += 1
        if any(True for _ in self.src.find(fn, m.Yield())):
            return self._opaque(call, env, f"the generator `{fn.name.value}`")
        saved = (self._returns, self._depth)
        self._local_funcs.append({})
        try:
            inner = dict(outer)
            inner.update(env)
            result = self._run_with_env(fn, labels, inner)
        finally:
            self._local_funcs.pop()
            self._returns, self._depth = saved
        return result

    def _run_with_env(self, fn: cst.FunctionDef, args: dict, env: dict):
        params = list(fn.params.posonly_params) + list(fn.params.params)
        for i, p in enumerate(params):
            env[p.name.value] = args.get(i, args.get(p.name.value, EMPTY))
        for p in fn.params.kwonly_params:
            env[p.name.value] = args.get(p.name.value, EMPTY)
        self._returns = []
        self._depth += 1
        self._block(fn.body.body, env)
        result = EMPTY
        for r in self._returns:
            result |= _flat(r)
        return result

    def _is_splitter(self, node, env) -> bool:
        """A sklearn splitter: `KFold(...)`, a name bound to one anywhere in the file, or
        anything whose qualified name is in sklearn.model_selection."""
        if isinstance(node, cst.Call):
            return any(n.startswith(SPLITTER_PREFIX) for n in self.src.names(node.func))
        if isinstance(node, cst.Name):
            for a in self.src.find(self.src.module, m.Assign(value=m.Call())):
                if any(isinstance(t.target, cst.Name) and t.target.value == node.value for t in a.targets):
                    if any(n.startswith(SPLITTER_PREFIX) for n in self.src.names(a.value.func)):
                        return True
            return bool(self.types.get(node.value, EMPTY) and any(n.startswith(SPLITTER_PREFIX) for n in self.types[node.value]))
        return False


def run_rowflow(src: Source, entry_points: dict, analyzer_cls=RowFlow) -> RowFlow:
    """Run `analyzer_cls` from each entry point and merge sinks reached along several paths."""
    return run(src, entry_points, analyzer_cls)


def proven_leak(sink: Sink) -> bool:
    """Learned from rows that include rows outside the training split, proven."""
    seen = sink.x | sink.y
    if ALL in seen:
        return True
    if TEST in seen:
        return sink.kind != "stat" or sink.what.endswith("[axis]")
    return False


def unsure(sink: Sink) -> bool:
    return UNSURE in (sink.x | sink.y)


def settle(findings: list[Finding], notes: list[tuple[str, int]], doubtful: Sink | None = None, doubt: str = "") -> Assessment:
    """Three-valued outcome: proven findings fail; otherwise the first thing the analysis could
    not follow (a sink fed by UNSURE rows, then any note) makes it "cannot tell"."""
    if findings:
        return Assessment.wrong(findings)
    if doubtful is not None:
        return Assessment.unknown(doubt, doubtful.line)
    if notes:
        text, line = notes[0]
        return Assessment.unknown(text, line)
    return Assessment.right()


def unused_result(src: Source, fn: cst.FunctionDef, line: int) -> bool:
    """True when the statement of `fn` on `line` learns something that is never read again:
    every name it assigns, and the object whose method it calls, appear nowhere else in the
    function (dead code left behind, such as the old scaler after the fix)."""
    stmt = None
    for node in src.find(fn, m.SimpleStatementLine()):
        if src.line(node) == line:
            stmt = node
            break
    if stmt is None:
        # a statistic in the test of an `if` or `while`: it steers control flow (a sanity
        # check, a raise) and is not shown to learn anything
        return any(src.line(n.test) == line for n in src.find(fn, m.OneOf(m.If(), m.While())))
    if len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    if isinstance(small, (cst.Assert, cst.Raise)):
        return True  # a check on the data, not a learned value
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and (
        src.names(small.value.func) & {"print", "builtins.print"}
        or any(n.startswith("logging.") for n in src.names(small.value.func))
    ):
        return True  # only printed
    names: set[str] = set()
    if isinstance(small, cst.Assign):
        for t in small.targets:
            names |= {n.value for n in src.find(t.target, m.Name())}
        value = small.value
    elif isinstance(small, cst.Expr):
        value = small.value
    else:
        return False
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Name):
        names.add(value.func.value.value)
    if not names:
        return False
    for node in src.find(fn, m.Name()):
        if node.value in names and not _inside(src, node, stmt) and not _is_store(src, node):
            return False
    return True


def _is_store(src: Source, node) -> bool:
    """A name being assigned (`name = ...`, `a, name = ...`), not read."""
    parent = src.parents.get(node)
    while isinstance(parent, (cst.Element, cst.Tuple, cst.List)):
        parent = src.parents.get(parent)
    return isinstance(parent, cst.AssignTarget)


def _inside(src: Source, node, ancestor) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = src.parents.get(node)
    return False
