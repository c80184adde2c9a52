"""Root-cause checks for data leakage, built on the row-provenance analysis."""
from __future__ import annotations

from typing import Callable

import libcst as cst
import libcst.matchers as m

from dataclasses import dataclass

from .base import Assessment, Finding, Source, StaticCheck, findall
from .dataflow import ALL, EMPTY, FIT_METHODS, TARGET, TEST, TRAIN, Sink, _flat, _Split
from .rowflow import UNSURE, RowFlow, proven_leak, run_rowflow, unsure

DEFAULT_ENTRY = {"evaluate": {0: {ALL}, 1: {ALL, TARGET}}}


def describe_rows(sink: Sink) -> str:
    seen = sink.x | sink.y
    if ALL in seen:
        return "every row, including the rows that later form the test split"
    if TRAIN in seen and TEST in seen:
        return "training and test rows put back together"
    return "the test split"


_ROLES = frozenset({TRAIN, TEST})
#: pandas / array methods that keep some rows only, chosen by something the analysis cannot attribute
_ROW_PICKING_METHODS = {"sample", "head", "tail", "query", "dropna", "nlargest", "nsmallest", "take", "compress",
                        "drop_duplicates", "groupby", "filter"}


def _flip(labels: frozenset) -> frozenset:
    """The complement of a set of rows: training <-> test; anything else becomes unsure."""
    roles = labels & _ROLES
    if len(roles) == 1 and not labels & {ALL, UNSURE}:
        return (labels - roles) | ({TEST} if TRAIN in roles else {TRAIN})
    if labels & (_ROLES | {ALL, UNSURE}):
        return (labels - _ROLES - {ALL}) | {UNSURE}
    return labels


@dataclass
class _Dict(_Split):
    """A dict literal with constant keys: `data["train"]` is the value stored under "train"."""

    keys: list = None


@dataclass
class _Instance(_Split):
    """An object of a class defined in the file; its attributes hold labels like names do."""

    cls: cst.ClassDef = None
    attrs: dict = None


class LeakFlow(RowFlow):
    """RowFlow, plus: a statistic counts as learning only if its result reaches a fit, the
    returned value or an object's attribute (one that is only printed does not); complements
    of row sets (`~mask`, `np.logical_not`, `np.delete(X, rows, axis=0)`, a mask filled at
    the test rows); dicts of arrays; pandas methods that pick rows."""

    def __init__(self, src: Source, max_depth: int = 4):
        super().__init__(src, max_depth)
        self.stat_token: dict[tuple, str] = {}  # (line, what) of a stat sink -> its token
        self.deps: dict[str, frozenset] = {}  # token -> tokens the stat itself used
        self.used: set[str] = set()

    @staticmethod
    def tokens(labels) -> set[str]:
        return {t for t in _flat(labels) if t.startswith("#stat")}

    def run_function(self, fn, args, depth=0):
        result = super().run_function(fn, args, depth)
        if depth == 0:
            self.used |= self.tokens(result)  # what the graded function returns is used
        return result

    def _sink(self, line, what, kind, x, y=EMPTY, obj=EMPTY, col=0):
        super()._sink(line, what, kind, x, y, obj, col)
        if kind != "stat":
            self.used |= self.tokens(x | y)

    # --- classes defined in the file: objects, attributes, methods ---------------------------
    def _class_def(self, name: str):
        for stmt in self.src.module.body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == name:
                return stmt
        return None

    def _method(self, obj: "_Instance", name: str):
        for stmt in obj.cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                return stmt
        return None

    def _call_method(self, obj: "_Instance", fn, call, env):
        """Run a method with `self` bound to the object; a method that returns `self` gives the object."""
        if self._depth >= self.max_depth or any(True for _ in self.src.find(fn, m.Yield())) or fn.params.star_arg not in (None, cst.MaybeSentinel.DEFAULT):
            return self._opaque(call, env, f"the method `{fn.name.value}` of `{obj.cls.name.value}`")
        params = [p.name.value for p in fn.params.params]
        args: dict = {0: obj}
        pos = 1
        for a in call.args:
            v = self._expr(a.value, env)
            if a.keyword is not None:
                if a.keyword.value not in params:
                    return self._opaque(call, env, f"the method `{fn.name.value}` of `{obj.cls.name.value}`")
                args[params.index(a.keyword.value)] = v
            elif a.star == "":
                args[pos] = v
                pos += 1
            else:
                return self._opaque(call, env, f"the method `{fn.name.value}` of `{obj.cls.name.value}`")
        saved = (self._returns, self._depth)
        self._local_funcs.append({})
        try:
            result = self._run_with_env(fn, args, {})
            returns = list(self._returns)
        finally:
            self._local_funcs.pop()
            self._returns, self._depth = saved
        if returns and all(r is obj for r in returns):
            return obj
        return result

    def _call(self, e, env):
        names = self.src.names(e.func)
        func = e.func
        if isinstance(func, cst.Name) and func.value in self._module_classes and self._lookup_local(func.value) is None:
            cls = self._class_def(func.value)
            obj = _Instance([], cls, {})
            init = self._method(obj, "__init__")
            if init is not None:
                self._call_method(obj, init, e, env)
            else:
                for a in e.args:
                    self._expr(a.value, env)
            return obj
        if isinstance(func, cst.Attribute):
            receiver = self._expr(func.value, env)
            if isinstance(receiver, _Instance):
                method = self._method(receiver, func.attr.value)
                if method is not None:
                    return self._call_method(receiver, method, e, env)
                return self._opaque(e, env, f"`{func.attr.value}` of the class `{receiver.cls.name.value}`")
        if names & {"numpy.logical_not"} and e.args:
            return _flip(_flat(self._expr(e.args[0].value, env)))
        if names & {"numpy.delete"} and len(e.args) >= 2:
            axis = next((a.value for a in e.args if a.keyword is not None and a.keyword.value == "axis"), None)
            if axis is None and len(e.args) > 2 and e.args[2].keyword is None:
                axis = e.args[2].value
            base = _flat(self._expr(e.args[0].value, env))
            idx = _flat(self._expr(e.args[1].value, env))
            if isinstance(axis, cst.Integer) and axis.value == "0" and ALL in base:
                return (base - {ALL}) | _flip(idx & (_ROLES | {UNSURE}) or frozenset({UNSURE})) | (idx - _ROLES - {ALL, UNSURE})
            if isinstance(axis, cst.Integer) or isinstance(axis, cst.UnaryOperation):
                return base | (idx - _ROLES)
        if isinstance(func, cst.Attribute) and func.attr.value in _ROW_PICKING_METHODS:
            receiver = _flat(self._expr(func.value, env))
            args = EMPTY
            for a in e.args:
                args |= _flat(self._expr(a.value, env))
            if ALL in receiver:
                self.note(f"rows are picked with `.{func.attr.value}(...)`, which the check cannot attribute to the training or test split", e)
                return (receiver - {ALL}) | {UNSURE} | (args - _ROLES - {ALL})
            return receiver | (args - _ROLES - {ALL})
        if isinstance(func, cst.Attribute) and func.attr.value == "drop" and not any(
            a.keyword is not None and a.keyword.value in ("columns", "axis") for a in e.args
        ):
            receiver = _flat(self._expr(func.value, env))
            args = EMPTY
            for a in e.args:
                args |= _flat(self._expr(a.value, env))
            if ALL in receiver and e.args:
                # df.drop(rows): the complement of the rows named
                return (receiver - {ALL}) | _flip(args & (_ROLES | {UNSURE}) or frozenset({UNSURE}))
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and e.args:
            container = self._expr(func.value, env)
            if isinstance(container, _Dict):
                return self._dict_item(container, e.args[0].value)
        if isinstance(func, cst.Name) and func.value == "dict" and not e.args[:1] or (
            isinstance(func, cst.Name) and func.value == "dict" and all(a.keyword is not None for a in e.args)
        ):
            keys = [a.keyword.value for a in e.args]
            return _Dict([self._expr(a.value, env) for a in e.args], keys)
        if isinstance(func, cst.Attribute) and func.attr.value in FIT_METHODS and (
            {q.rsplit(".", 1)[-1] for q in self._classes(func.value, env)} & self._module_classes
        ):
            # a class of the file: what its fit learns from is its own business
            return self._opaque(e, env, f"the class `{func.value.func.value if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) else 'defined in the file'}`")
        before = len(self.flow.sinks)
        out = super()._call(e, env)
        new = self.flow.sinks[before:]
        stat = next((s for s in reversed(new) if s.kind == "stat" and s.line == self.src.line(e)
                     and s.what.removesuffix("[axis]") == self._describe(e)), None)
        if stat is not None and isinstance(out, frozenset):
            token = f"#stat{len(self.stat_token)}"
            self.stat_token.setdefault((stat.line, stat.what), token)
            token = self.stat_token[(stat.line, stat.what)]
            self.deps[token] = self.deps.get(token, frozenset()) | frozenset(self.tokens(stat.x | stat.y))
            # a statistic is a summary, not a set of rows: what it saw is judged at its own sink,
            # and the token says where it went
            out = (out - _ROLES - {ALL, UNSURE}) | {token}
        return out

    def _dict_item(self, container: "_Dict", key_node):
        if isinstance(key_node, cst.SimpleString) and key_node.evaluated_value in container.keys:
            return container.parts[container.keys.index(key_node.evaluated_value)]
        return (_flat(container) - {ALL}) | {UNSURE} if _flat(container) & (_ROLES | {ALL}) else _flat(container)

    def _expr(self, e, env):
        if isinstance(e, cst.Attribute) and isinstance(e.value, (cst.Name, cst.Attribute)):
            base = self._expr(e.value, env)
            if isinstance(base, _Instance):
                return base.attrs.get(e.attr.value, EMPTY)
        if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.BitInvert):
            return _flip(_flat(self._expr(e.expression, env)))
        if isinstance(e, cst.Dict) and all(
            isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString) for el in e.elements
        ):
            return _Dict([self._expr(el.value, env) for el in e.elements], [el.key.evaluated_value for el in e.elements])
        return super()._expr(e, env)

    def _subscript(self, e, env):
        first = e.slice[0].slice if e.slice else None
        if isinstance(first, cst.Slice) and (first.lower is not None or first.upper is not None):
            container = self._expr(e.value, env)
            base = _flat(container)
            if ALL not in base and not isinstance(container, _Split):
                # a cut of something that is not the full data keeps what it was: a cut
                # never makes rows "training" or "test" by position
                rest = EMPTY
                for part in [first.lower, first.upper, first.step] + [p.slice.value for p in e.slice[1:] if isinstance(p.slice, cst.Index)]:
                    if part is not None:
                        rest |= _flat(self._expr(part, env))
                return base | (rest - _ROLES - {ALL})
        if e.slice and isinstance(e.slice[0].slice, cst.Index) and isinstance(e.value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            container = self._expr(e.value, env)
            if isinstance(container, _Dict):
                return self._dict_item(container, e.slice[0].slice.value)
            base = _flat(container)
            key = e.slice[0].slice.value
            if isinstance(key, (cst.SimpleString, cst.ConcatenatedString)) and _ROLES <= base:
                # a lookup by name in something that holds both splits: which one is not known
                self.note("a value is looked up by name in a container that holds both splits", e)
                return (base - _ROLES) | {UNSURE}
            if ALL in base and not isinstance(key, (cst.SimpleString, cst.ConcatenatedString, cst.Integer)):
                idx = _flat(self._expr(key, env))
                if idx & {UNSURE, ALL} and len(idx & _ROLES) != 1:
                    # rows picked by an index of unknown role, or by a mask computed from the data
                    rest = EMPTY
                    for part in e.slice[1:]:
                        if isinstance(part.slice, cst.Index):
                            rest |= _flat(self._expr(part.slice.value, env))
                    self.note("rows are chosen by an index the check cannot attribute to the training or test split", e)
                    return (base - {ALL}) | {UNSURE} | (idx - _ROLES - {ALL}) | rest
        return super()._subscript(e, env)

    _assigned_flag = None

    def _small(self, s, env):
        flag = None
        if isinstance(s, cst.Assign):
            v = s.value
            if isinstance(v, cst.Name) and v.value in ("True", "False"):
                flag = v.value == "True"
            elif isinstance(v, cst.Integer) and v.value in ("0", "1"):
                flag = v.value == "1"
        self._assigned_flag = flag
        try:
            super()._small(s, env)
        finally:
            self._assigned_flag = None

    def _bind(self, target, value, env):
        if isinstance(target, cst.Attribute):
            owner = self._expr(target.value, env) if isinstance(target.value, (cst.Name, cst.Attribute)) else None
            if isinstance(owner, _Instance):
                owner.attrs[target.attr.value] = value if isinstance(value, _Split) else _flat(value)
                self.used |= self.tokens(value)  # a fitted object keeps what it learned
                return
            self.used |= self.tokens(value)  # stored on an object the analysis does not follow
            return
        if isinstance(target, cst.Name) and isinstance(value, _Instance):
            env[target.value] = value
            return
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.slice:
            base = _flat(env.get(target.value.value, EMPTY))
            first = target.slice[0].slice
            if isinstance(first, cst.Index) and not base & {ALL, UNSURE}:
                idx = _flat(self._expr(first.value, env))
                roles = idx & _ROLES
                if roles:
                    # mask[test_rows] = True marks those rows; mask[test_rows] = False marks the others
                    mark = self._assigned_flag
                    if mark is True:
                        roles = frozenset(roles)
                    elif mark is False and len(roles) == 1:
                        roles = _flip(frozenset(roles))
                    else:
                        roles = frozenset({UNSURE})
                env[target.value.value] = base | roles | _flat(value)
                return
        super()._bind(target, value, env)


def _proven(sink: Sink) -> bool:
    """A proven leak: rows outside the training split, or a statistic over training and test
    rows put back together (whatever its axis)."""
    seen = sink.x | sink.y
    return proven_leak(sink) or (sink.kind == "stat" and TRAIN in seen and TEST in seen)


def run_leakflow(src: Source, entry_points: dict) -> LeakFlow:
    """LeakFlow from each entry point; statistics whose result is never used are dropped."""
    analyzer = run_rowflow(src, entry_points, LeakFlow)
    used = set(analyzer.used)
    while True:
        more = set().union(*(analyzer.deps.get(t, frozenset()) for t in used)) - used if used else set()
        if not more:
            break
        used |= more
    analyzer.flow.sinks = [
        s for s in analyzer.flow.sinks if s.kind != "stat" or analyzer.stat_token.get((s.line, s.what)) in used
    ]
    return analyzer


def _assessment(flow: LeakFlow, findings: list[Finding], doubtful: list[Sink]) -> Assessment:
    """Proven wrong if there are findings; cannot tell if a sink saw rows of unknown role or
    the analysis lost track somewhere; proven right otherwise."""
    if findings:
        return Assessment.wrong(findings)
    if doubtful:
        s = doubtful[0]
        return Assessment.unknown(
            f"`{s.what.removesuffix('[axis]')}` learns from rows the check cannot attribute to the training or "
            "test split", s.line,
        )
    if flow.notes:
        text, line = flow.notes[0]
        return Assessment.unknown(text, line)
    return Assessment.right()


class _ThreeValued(StaticCheck):
    def findings(self, src: Source) -> list[Finding]:
        got = self.assess(src)
        return got.findings if got.outcome == "wrong" else []


class FitOnTrainingRows(_ThreeValued):
    """Everything learned from data (fit, fit_transform, column statistics, resampling)
    sees only training rows. `select` narrows the check to some sinks, so a pipeline
    with two leaks can report each under its own name."""

    name = "fit_on_training_rows"
    summary = "every fitted step learns from the training split only"
    VALID = [
        """
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_te)
""",
        """
import numpy as np
from sklearn.model_selection import train_test_split as split
def evaluate(features, labels, seed):
    a, b, c, d = split(features, labels, random_state=seed)
    mu, sd = a.mean(axis=0), a.std(axis=0)
    return (b - mu) / sd
""",
        """
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
def evaluate(X, y, seed):
    return cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=5)
""",
        """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    rows = np.arange(len(X))
    _, test = train_test_split(rows, random_state=seed)
    held_out = np.zeros(len(X), dtype=bool)
    held_out[test] = True
    train = np.setdiff1d(rows, test)
    print("missing share", np.isnan(X).mean(), X.mean(axis=0))
    scaler = StandardScaler().fit(X[~held_out])
    return scaler.transform(X[held_out]), StandardScaler().fit(np.take(X, train, axis=0))
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
class Model:
    def __init__(self, C=1.0):
        self.C = C
    def fit(self, Z, t):
        self.mu, self.sd = Z.mean(axis=0), Z.std(axis=0)
        self.m = LogisticRegression(C=self.C).fit((Z - self.mu) / self.sd, t)
        return self
    def predict_proba(self, Z):
        return self.m.predict_proba((Z - self.mu) / self.sd)
def evaluate(X, y, seed):
    a, b, c, d = train_test_split(X, y, random_state=seed)
    return Model(C=0.5).fit(a, c).predict_proba(b)
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    parts = {"train": None, "test": None}
    parts["train"], parts["test"] = None, None
    a, b, c, d = train_test_split(X, y, **dict(random_state=seed, test_size=0.25))
    data = {"train": a, "test": b}
    return StandardScaler().fit(data["train"]).transform(data["test"])
""",
    ]
    UNKNOWN = [
        """
import numpy as np
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = order[: len(X) // 4], order[len(X) // 4 :]
    return StandardScaler().fit(X[train]).transform(X[test])
""",
        """
import pandas as pd
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    df = pd.DataFrame(X)
    train = df.sample(frac=0.75, random_state=seed)
    return StandardScaler().fit(train).transform(df.drop(train.index))
""",
    ]
    INVALID = [
        """
from sklearn.model_selection import train_test_split
class Scaler:
    def fit(self, Z):
        self.mu = Z.mean(axis=0)
        return self
def evaluate(X, y, seed):
    a, b, c, d = train_test_split(X, y, random_state=seed)
    return Scaler().fit(X)
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    Xs = StandardScaler().fit_transform(X)
    return train_test_split(Xs, y, random_state=seed)
""",
        """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    scaler = StandardScaler().fit(np.vstack([X_tr, X_te]))
    return scaler.transform(X_te)
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    X_tr = StandardScaler().fit_transform(X_tr)
    X_te = StandardScaler().fit_transform(X_te)
    return X_te
""",
        """
import numpy as np
def evaluate(X, y, seed):
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    n = int(0.75 * len(X))
    return X[:n], X[n:]
""",
        """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    _, test = train_test_split(np.arange(len(X)), random_state=seed)
    held_out = np.zeros(len(X), dtype=bool)
    held_out[test] = True
    return StandardScaler().fit(X[held_out]).transform(X[~held_out])
""",
        """
import pandas as pd
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    a, b, c, d = train_test_split(X, y, random_state=seed)
    both = pd.concat([pd.DataFrame(a), pd.DataFrame(b)])
    fill = both.median()
    return pd.DataFrame(a).fillna(fill), pd.DataFrame(b).fillna(fill)
""",
        """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def prepare(data, scaler=None):
    return (scaler or StandardScaler()).fit_transform(data)
def evaluate(X, y, seed):
    return train_test_split(prepare(X), y, random_state=seed)
""",
    ]

    def __init__(
        self,
        entry_points: dict | None = None,
        select: Callable[[Sink], bool] | None = None,
        step: str = "every fitted step",
        name: str | None = None,
        advice: str = "learn it from the training rows only, then apply it unchanged to the test rows",
    ):
        self.entry_points = entry_points or DEFAULT_ENTRY
        self.select = select or (lambda s: True)
        self.step = step
        self.advice = advice
        if name:
            self.name = name

    def passed_message(self) -> str:
        return f"{self.step} learns from the training split only"

    def assess(self, src: Source) -> Assessment:
        flow = run_leakflow(src, self.entry_points)
        sinks = [s for s in flow.flow.sinks if self.select(s)]
        out = [
            Finding(
                s.line,
                f"`{s.what.removesuffix('[axis]')}` learns from {describe_rows(s)}, so the test "
                f"score is inflated by information the model should not have; {self.advice}",
            )
            for s in sinks
            if _proven(s)
        ]
        return _assessment(flow, out, [s for s in sinks if unsure(s)])


class NoLabelDerivedFeature(_ThreeValued):
    """The features a model is fitted on are not computed from the label."""

    name = "no_label_derived_feature"
    summary = "no feature is computed from the label"
    VALID = [
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    return LogisticRegression().fit(X_tr, y_tr)
""",
    ]
    INVALID = [
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    X = np.column_stack([X, y * 0.9])
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    return LogisticRegression().fit(X_tr, y_tr)
""",
    ]
    UNKNOWN = [
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    extra = lambda a, b: np.column_stack([a, b])
    X_tr, X_te, y_tr, y_te = train_test_split(extra(X, X[:, 0]), y, random_state=seed)
    return LogisticRegression().fit(X_tr, y_tr)
""",
    ]

    def __init__(self, entry_points: dict | None = None):
        self.entry_points = entry_points or DEFAULT_ENTRY

    def assess(self, src: Source) -> Assessment:
        flow = run_leakflow(src, self.entry_points)
        fits = [s for s in flow.flow.sinks if s.kind == "fit"]
        out = [
            Finding(
                s.line,
                f"the features given to `{s.what}` are computed from the label itself, so the model "
                "can read the answer off them; a feature must be known before the outcome is",
            )
            for s in fits
            if TARGET in s.x
        ]
        return _assessment(flow, out, [])


def is_class(*suffixes: str) -> Callable[[Sink], bool]:
    """Select sinks whose fitted object is one of these classes (matched on the qualified name's end)."""
    return lambda s: any(q.rsplit(".", 1)[-1] in suffixes for q in s.obj)


# --- column positions: which columns of X reach each model fit ------------------------------------
_UNK = "unknown"  # derived from X, columns not resolved
_SPLIT = {"sklearn.model_selection.train_test_split", "sklearn.model_selection._split.train_test_split"}
_HSTACK = {"numpy.column_stack", "numpy.hstack", "numpy.c_"}
_ROWSTACK = {"numpy.vstack", "numpy.row_stack"}
#: numpy functions that keep the columns of their (first) array argument
_SAME = {
    f"numpy.{n}"
    for n in (
        "asarray array copy ascontiguousarray asanyarray nan_to_num log log1p log2 log10 exp expm1 sqrt abs "
        "absolute square clip round around floor ceil sign tanh float64 float32"
    ).split()
}
_FIT = {"fit", "fit_transform", "fit_predict", "partial_fit"}
_KEEP_METHODS = {"copy", "astype", "to_numpy", "fillna", "clip", "round", "abs", "reset_index", "__array__"}
_CV = {f"sklearn.model_selection.{n}" for n in ("cross_val_score", "cross_validate", "cross_val_predict")}
_SELECTING = ("sklearn.compose.", "sklearn.feature_selection.", "sklearn.preprocessing.FunctionTransformer",
              "sklearn.preprocessing._function_transformer.")
_PREPROCESSING = ("sklearn.preprocessing.", "sklearn.impute.")
_FRAME = {"pandas.DataFrame", "pandas.core.frame.DataFrame"}


class _Parts:
    """A tuple-like value (a split's outputs, a literal tuple): part i has columns parts[i]."""

    def __init__(self, parts):
        self.parts = parts


class _Fn:
    """A nested function or lambda, with the environment it closes over."""

    def __init__(self, node, env, local):
        self.node, self.env, self.local = node, env, local


class _Obj:
    """An instance of a class defined in the submission."""

    def __init__(self, cls: cst.ClassDef):
        self.cls = cls
        self.attrs: dict[str, object] = {}  # attribute -> columns (or None)
        self.consts: dict[str, object] = {}  # attribute -> constant value, where known


_MISSING = object()


class ColumnTracker:
    """Tracks, for each local name, which original columns of X (in order) it holds, and
    records every model fit: resolved (line, what, columns) in `fits`, or, where the columns
    or the estimator could not be followed, (line, note) in `unknown`."""

    def __init__(self, src: Source):
        self.src = src
        self.consts = {}
        self.classes = {}
        for stmt in src.module.body:
            if isinstance(stmt, cst.ClassDef):
                self.classes[stmt.name.value] = stmt
            if isinstance(stmt, cst.SimpleStatementLine):
                for s in stmt.body:
                    if isinstance(s, cst.Assign) and len(s.targets) == 1 and isinstance(s.targets[0].target, cst.Name):
                        self.consts[s.targets[0].target.value] = s.value
        self.fits: list[tuple[int, str, tuple]] = []
        self.unknown: list[tuple[int, str]] = []
        self.builds: dict[str, cst.BaseExpression] = {}
        self.colnames: dict[int, str] = {}
        self._depth = 0

    def lost(self, node, note: str) -> None:
        self.unknown.append((self.src.line(node), note))

    # -- constants ----------------------------------------------------------------
    def const(self, node, local, depth=0):
        """int, str, bool, or a list of them, for literal-ish expressions; _MISSING otherwise."""
        if depth > 8 or node is None:
            return _MISSING
        c = lambda n, loc=local: self.const(n, loc, depth + 1)  # noqa: E731
        if isinstance(node, cst.Integer):
            return int(node.value)
        if isinstance(node, cst.SimpleString):
            return node.evaluated_value
        if isinstance(node, cst.Name):
            if node.value in ("True", "False"):
                return node.value == "True"
            if node.value in local:
                return local[node.value]
            if node.value in self.consts:
                return self.const(self.consts[node.value], {}, depth + 1)
            return _MISSING
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            key = f"{node.value.value}.{node.attr.value}"
            return local[key] if key in local else _MISSING
        if isinstance(node, cst.UnaryOperation):
            v = c(node.expression)
            if v is _MISSING:
                return _MISSING
            if isinstance(node.operator, cst.Minus) and isinstance(v, int):
                return -v
            if isinstance(node.operator, cst.Not):
                return not v
            return _MISSING
        if isinstance(node, cst.BinaryOperation):
            a, b = c(node.left), c(node.right)
            if isinstance(a, int) and isinstance(b, int):
                if isinstance(node.operator, cst.Add):
                    return a + b
                if isinstance(node.operator, cst.Subtract):
                    return a - b
                if isinstance(node.operator, cst.Multiply):
                    return a * b
            if isinstance(a, list) and isinstance(b, list) and isinstance(node.operator, cst.Add):
                return a + b
            return _MISSING
        if isinstance(node, cst.Comparison):
            left = c(node.left)
            for target in node.comparisons:
                right = c(target.comparator)
                if left is _MISSING or right is _MISSING:
                    return _MISSING
                op = type(target.operator).__name__
                try:
                    ok = {
                        "Equal": lambda: left == right, "NotEqual": lambda: left != right,
                        "LessThan": lambda: left < right, "GreaterThan": lambda: left > right,
                        "LessThanEqual": lambda: left <= right, "GreaterThanEqual": lambda: left >= right,
                        "In": lambda: left in right, "NotIn": lambda: left not in right,
                    }[op]()
                except (KeyError, TypeError):
                    return _MISSING
                if not ok:
                    return False
                left = right
            return True
        if isinstance(node, cst.BooleanOperation):
            a, b = c(node.left), c(node.right)
            if a is _MISSING or b is _MISSING:
                return _MISSING
            return (a and b) if isinstance(node.operator, cst.And) else (a or b)
        if isinstance(node, (cst.List, cst.Tuple)):
            vals = [c(e.value) for e in node.elements]
            return _MISSING if any(v is _MISSING or isinstance(e, cst.StarredElement) for v, e in zip(vals, node.elements)) else vals
        if isinstance(node, cst.Subscript) and len(node.slice) == 1:
            seq = c(node.value)
            sl = node.slice[0].slice
            if not isinstance(seq, list):
                return _MISSING
            if isinstance(sl, cst.Index):
                i = c(sl.value)
                return seq[i] if isinstance(i, int) and -len(seq) <= i < len(seq) else _MISSING
            bounds = [None if b is None else c(b) for b in (sl.lower, sl.upper, sl.step)]
            if any(b is _MISSING or (b is not None and not isinstance(b, int)) for b in bounds):
                return _MISSING
            return seq[slice(*bounds)]
        if isinstance(node, cst.ListComp) and node.for_in.inner_for_in is None:
            seq = c(node.for_in.iter)
            if not isinstance(seq, list):
                return _MISSING
            out = []
            for item in seq:
                inner = dict(local)
                if not self._bind_const(node.for_in.target, item, inner):
                    return _MISSING
                keep = True
                for cond in node.for_in.ifs:
                    v = self.const(cond.test, inner, depth + 1)
                    if v is _MISSING:
                        return _MISSING
                    keep = keep and bool(v)
                if keep:
                    v = self.const(node.elt, inner, depth + 1)
                    if v is _MISSING:
                        return _MISSING
                    out.append(v)
            return out
        if isinstance(node, cst.Call):
            names = self.src.names(node.func)
            pos = [a for a in node.args if a.keyword is None and not a.star]
            args = [c(a.value) for a in pos]
            if any(a is _MISSING for a in args):
                return _MISSING
            if names & {"builtins.len", "len"} and len(args) == 1:
                return len(args[0]) if isinstance(args[0], list) else _MISSING
            if names & {"builtins.range", "range", "numpy.arange"} and args and all(isinstance(a, int) for a in args):
                return list(range(*args))
            if names & {"builtins.list", "list", "builtins.tuple", "tuple", "numpy.array", "numpy.asarray", "builtins.sorted", "sorted"} and len(args) == 1:
                return sorted(args[0]) if "sorted" in str(names) and isinstance(args[0], list) else (list(args[0]) if isinstance(args[0], list) else _MISSING)
            if names & {"builtins.enumerate", "enumerate"} and len(args) == 1 and isinstance(args[0], list):
                return [[i, v] for i, v in enumerate(args[0])]
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "index" and len(args) == 1:
                seq = c(node.func.value)
                if isinstance(seq, list) and args[0] in seq:
                    return seq.index(args[0])
        return _MISSING

    def _bind_const(self, target, value, local) -> bool:
        if isinstance(target, cst.Name):
            local[target.value] = value
            return True
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, list) and len(value) == len(target.elements):
            return all(self._bind_const(e.value, v, local) for e, v in zip(target.elements, value))
        return False

    # -- statements ---------------------------------------------------------------
    def run(self, fn, args: dict, outer_env=None, outer_local=None, skip_self=False):
        env: dict[str, object] = dict(outer_env or {})
        local: dict[str, object] = dict(outer_local or {})
        if isinstance(fn, cst.Lambda):
            params = list(fn.params.posonly_params) + list(fn.params.params)
        else:
            params = list(fn.params.posonly_params) + list(fn.params.params)
        if skip_self:
            if isinstance(skip_self, _Obj) and params:
                me = params[0].name.value
                env[me] = skip_self
                for k, v in skip_self.consts.items():
                    local[f"{me}.{k}"] = v
            params = params[1:]
        for i, p in enumerate(params):
            env.pop(p.name.value, None)
            local.pop(p.name.value, None)
            if i in args and args[i] is not None:
                env[p.name.value] = args[i]
            elif i not in args and p.default is not None:
                default = self.const(p.default, {})  # a default argument left as it is
                if default is not _MISSING:
                    local[p.name.value] = default
        if isinstance(fn, cst.Lambda):
            return self.expr(fn.body, env, local)
        returns: list = []
        self._block(fn.body.body, env, local, returns)
        if not returns:
            return None
        out = returns[0]
        for r in returns[1:]:
            out = _merge(out, r)
        return out

    def _block(self, stmts, env, local, returns):
        for s in stmts:
            if isinstance(s, cst.SimpleStatementLine):
                for small in s.body:
                    self._small(small, env, local, returns)
            elif isinstance(s, cst.FunctionDef):
                env[s.name.value] = _Fn(s, env, local)
            elif isinstance(s, cst.ClassDef):
                self.classes.setdefault(s.name.value, s)
            elif isinstance(s, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
                if isinstance(s, cst.For):
                    it = self.expr(s.iter, env, local)
                    self._bind(s.target, None if it is None else _UNK, env, local)
                elif isinstance(s, cst.If):
                    self.expr(s.test, env, local)
                elif isinstance(s, cst.With):
                    for item in s.items:
                        v = self.expr(item.item, env, local)
                        if item.asname is not None:
                            self._bind(item.asname.name, v, env, local)
                for part in ("body", "orelse", "finalbody"):
                    block = getattr(s, part, None)
                    if block is None:
                        continue
                    if isinstance(block, cst.If):
                        self._block([block], env, local, returns)
                        continue
                    inner = block.body
                    self._block(inner.body if hasattr(inner, "body") else inner, env, local, returns)
                for h in getattr(s, "handlers", ()):
                    self._block(h.body.body, env, local, returns)

    def _small(self, s, env, local, returns):
        if isinstance(s, cst.Assign):
            targets = [t.target for t in s.targets]
            if (
                len(targets) == 1
                and isinstance(targets[0], (cst.Tuple, cst.List))
                and isinstance(s.value, (cst.Tuple, cst.List))
                and len(targets[0].elements) == len(s.value.elements)
            ):
                vals = [self.expr(e.value, env, local) for e in s.value.elements]
                consts = [self.const(e.value, local) for e in s.value.elements]
                for t, v, c in zip(targets[0].elements, vals, consts):
                    self._bind(t.value, v, env, local, c)
                return
            v = self.expr(s.value, env, local)
            c = self.const(s.value, local)
            for t in targets:
                self._bind(t, v, env, local, c)
                if isinstance(t, cst.Name):
                    self.builds[t.value] = s.value
                elif isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name):
                    self.builds[f"{t.value.value}.{t.attr.value}"] = s.value
        elif isinstance(s, cst.AnnAssign) and s.value is not None:
            self._bind(s.target, self.expr(s.value, env, local), env, local, self.const(s.value, local))
        elif isinstance(s, cst.AugAssign):
            v = self.expr(s.value, env, local)
            if isinstance(s.target, cst.Name):
                old = env.get(s.target.value)
                env[s.target.value] = _merge(old, v) if old is not None or v is not None else None
                local.pop(s.target.value, None)
        elif isinstance(s, cst.Expr):
            if not self._mutate(s.value, local):
                self.expr(s.value, env, local)
        elif isinstance(s, cst.Del):
            for t in [s.target] if not isinstance(s.target, cst.Tuple) else [e.value for e in s.target.elements]:
                if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and isinstance(local.get(t.value.value), list):
                    seq = list(local[t.value.value])
                    i = self.const(t.slice[0].slice.value, local) if isinstance(t.slice[0].slice, cst.Index) else _MISSING
                    if isinstance(i, int) and -len(seq) <= i < len(seq):
                        del seq[i]
                        local[t.value.value] = seq
                    else:
                        local.pop(t.value.value, None)
        elif isinstance(s, cst.Return) and s.value is not None:
            returns.append(self.expr(s.value, env, local))

    def _mutate(self, call, local) -> bool:
        """`cols.remove(5)`, `cols.pop()`, `cols.append(2)` on a list of constants."""
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name)):
            return False
        name, method = call.func.value.value, call.func.attr.value
        seq = local.get(name)
        if seq is None and name in self.consts:
            seq = self.const(self.consts[name], {})
        if not isinstance(seq, list) or method not in ("remove", "pop", "append", "extend", "insert", "sort", "reverse", "clear"):
            return False
        seq = list(seq)
        args = [self.const(a.value, local) for a in call.args]
        try:
            if any(a is _MISSING for a in args):
                raise ValueError
            getattr(seq, method)(*args)
        except (ValueError, TypeError, IndexError):
            local.pop(name, None)
            return True
        local[name] = seq
        return True

    def _bind(self, target, value, env, local, const=_MISSING):
        if isinstance(target, cst.Name):
            if value is None:
                env.pop(target.value, None)
            else:
                env[target.value] = value
            if const is not _MISSING:
                local[target.value] = const
            else:
                local.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elems = [e.value for e in target.elements]
            if isinstance(value, _Parts) and len(value.parts) == len(elems):
                for e, part in zip(elems, value.parts):
                    self._bind(e, part, env, local)
            else:
                for e in elems:
                    self._bind(e, None if value is None else _UNK, env, local)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and isinstance(env.get(target.value.value), _Obj):
            obj = env[target.value.value]
            obj.attrs[target.attr.value] = value
            key = f"{target.value.value}.{target.attr.value}"
            if const is not _MISSING:
                obj.consts[target.attr.value] = const
                local[key] = const
            else:
                obj.consts.pop(target.attr.value, None)
                local.pop(key, None)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 2:
            # X[:, j] = value: column j now holds the value; a constant leaves nothing of column j
            cols = env.get(target.value.value)
            rows, pick = target.slice[0].slice, target.slice[1].slice
            full_rows = isinstance(rows, cst.Slice) and rows.lower is None and rows.upper is None and rows.step is None
            if isinstance(cols, tuple) and full_rows and isinstance(pick, cst.Index):
                j = self.const(pick.value, local)
                if isinstance(j, int) and not isinstance(j, bool) and -len(cols) <= j < len(cols):
                    if value is None:
                        new = None
                    elif isinstance(value, tuple) and len(value) == 1:
                        new = value[0]
                    else:
                        return  # mixed or unresolved: keep what the column held
                    env[target.value.value] = tuple(new if i == j % len(cols) else c for i, c in enumerate(cols))
        # other X[...] = ... and obj.attr = ... keep X's columns

    # -- expressions --------------------------------------------------------------
    def expr(self, e, env, local):
        if e is None:
            return None
        if isinstance(e, cst.Name):
            if e.value in env:
                return env[e.value]
            if e.value in self.classes:
                return None
            return None
        if isinstance(e, cst.Subscript):
            return self._subscript(e, env, local)
        if isinstance(e, cst.Call):
            return self._call(e, env, local)
        if isinstance(e, cst.Attribute):
            base = self.expr(e.value, env, local)
            if isinstance(base, _Obj):
                return base.attrs.get(e.attr.value)
            if base is None or isinstance(base, _Fn):
                return None
            if e.attr.value in ("T",):
                return _UNK
            if e.attr.value in ("shape", "ndim", "size", "dtype", "columns", "index"):
                return None
            return base  # .values, .iloc, .loc: the same columns
        if isinstance(e, (cst.Tuple, cst.List)):
            vals = [self.expr(el.value, env, local) for el in e.elements]
            return _Parts(vals) if any(v is not None for v in vals) else None
        if isinstance(e, cst.BinaryOperation):
            a, b = self.expr(e.left, env, local), self.expr(e.right, env, local)
            if isinstance(e.operator, cst.MatrixMultiply):
                return _UNK if a is not None or b is not None else None
            return _merge(_flatten(a), _flatten(b))
        if isinstance(e, cst.UnaryOperation):
            return self.expr(e.expression, env, local)
        if isinstance(e, cst.IfExp):
            self.expr(e.test, env, local)
            return _merge(self.expr(e.body, env, local), self.expr(e.orelse, env, local))
        if isinstance(e, cst.Lambda):
            return _Fn(e, env, local)
        return _UNK if self._mentions(e, env) else None

    def _mentions(self, node, env) -> bool:
        return any(n.value in env and not isinstance(env[n.value], (_Fn, _Obj)) for n in findall(node, m.Name()))

    def _names_of(self, value, local):
        """Column ids selected by a const string or list of strings (DataFrame columns)."""
        picks = value if isinstance(value, list) else [value]
        if not all(isinstance(p, str) for p in picks):
            return None
        by_name = {v: k for k, v in self.colnames.items()}
        if not all(p in by_name for p in picks):
            return None
        return [by_name[p] for p in picks]

    def _subscript(self, e, env, local):
        base = self.expr(e.value, env, local)
        if base is None or isinstance(base, (_Fn, _Obj)):
            return None
        if isinstance(base, _Parts):
            idx = self.const(e.slice[0].slice.value, local) if isinstance(e.slice[0].slice, cst.Index) else _MISSING
            return base.parts[idx] if isinstance(idx, int) and -len(base.parts) <= idx < len(base.parts) else _UNK
        if base == _UNK:
            return _UNK
        if len(e.slice) == 1:
            sel = e.slice[0].slice
            if isinstance(sel, cst.Index):
                pick = self.const(sel.value, local)
                if isinstance(pick, str) or (isinstance(pick, list) and pick and all(isinstance(p, str) for p in pick)):
                    ids = self._names_of(pick, local)  # df["a"] / df[["a", "b"]]
                    return tuple(c for c in ids if c in base) if ids is not None and all(c in base for c in ids) else _UNK
            return base  # a row selection keeps the columns
        if len(e.slice) > 2:
            return _UNK
        sel = e.slice[1].slice
        if isinstance(sel, cst.Slice):
            bounds = [self.const(b, local) if b is not None else None for b in (sel.lower, sel.upper, sel.step)]
            if any(b is _MISSING or (b is not None and not isinstance(b, int)) for b in bounds):
                return _UNK
            return tuple(base[slice(*bounds)])
        pick = self.const(sel.value, local)
        if isinstance(pick, bool) or pick is _MISSING:
            return _UNK
        if isinstance(pick, str) or (isinstance(pick, list) and pick and all(isinstance(p, str) for p in pick)):
            ids = self._names_of(pick, local)
            return tuple(ids) if ids is not None and all(c in base for c in ids) else _UNK
        if isinstance(pick, int) and -len(base) <= pick < len(base):
            return (base[pick],)
        if isinstance(pick, list) and pick and all(isinstance(p, bool) for p in pick) and len(pick) == len(base):
            return tuple(c for c, keep in zip(base, pick) if keep)
        if isinstance(pick, list) and all(isinstance(p, int) and not isinstance(p, bool) and -len(base) <= p < len(base) for p in pick):
            return tuple(base[p] for p in pick)
        return _UNK

    def _drop(self, base, what, local):
        """Columns left after dropping `what` (ints or names) from `base`; _UNK if unresolved."""
        drop = self.const(what, local)
        if drop is _MISSING:
            return _UNK
        drop = drop if isinstance(drop, list) else [drop]
        if all(isinstance(d, str) for d in drop):
            ids = self._names_of(drop, local)
            if ids is None:
                return _UNK
            return tuple(c for c in base if c not in ids)
        if all(isinstance(d, int) and not isinstance(d, bool) and -len(base) <= d < len(base) for d in drop):
            gone = {d % len(base) for d in drop}
            return tuple(c for i, c in enumerate(base) if i not in gone)
        return _UNK

    def _call(self, e, env, local):
        names = self.src.names(e.func)
        pos = [a for a in e.args if a.keyword is None and not a.star]
        kw = {a.keyword.value: a.value for a in e.args if a.keyword is not None}
        vals = [self.expr(a.value, env, local) for a in pos]
        kwvals = {k: self.expr(v, env, local) for k, v in kw.items()}
        starred = [self.expr(a.value, env, local) for a in e.args if a.star]
        first = vals[0] if vals else None
        if names & _SPLIT:
            parts = []
            for v in vals:
                parts += [v, v]
            return _Parts(parts)
        if names & {"numpy.delete"} and len(pos) >= 2:
            axis = self.const(kw["axis"], local) if "axis" in kw else (self.const(pos[2].value, local) if len(pos) > 2 else None)
            if first is None:
                return None
            if first == _UNK or not isinstance(first, tuple):
                return _UNK
            if axis in (0, -2):
                return first
            if axis not in (1, -1):
                return _UNK
            return self._drop(first, pos[1].value, local)
        if names & {"numpy.take"} and len(pos) >= 2:
            axis = self.const(kw["axis"], local) if "axis" in kw else _MISSING
            if not isinstance(first, tuple):
                return None if first is None else _UNK
            if axis == 0:
                return first
            if axis in (1, -1):
                pick = self.const(pos[1].value, local)
                pick = [pick] if isinstance(pick, int) else pick
                if isinstance(pick, list) and all(isinstance(p, int) and -len(first) <= p < len(first) for p in pick):
                    return tuple(first[p] for p in pick)
            return _UNK
        if names & _HSTACK or (names & {"numpy.concatenate", "pandas.concat"} and self.const(kw.get("axis"), local) in (1, "columns")):
            inner = first
            if isinstance(inner, _Parts):
                out: tuple = ()
                for p in inner.parts:
                    if p is None:
                        out += (None,)  # a column not taken from X
                    elif not isinstance(p, tuple):
                        return _UNK
                    else:
                        out += p
                return out
            return _UNK if inner is not None else None
        if names & (_ROWSTACK | {"numpy.concatenate", "pandas.concat"}):
            inner = first
            if isinstance(inner, _Parts):
                known = [p for p in inner.parts if p is not None]
                return known[0] if known and all(p == known[0] for p in known) else (_UNK if known else None)
            return inner
        if names & _FRAME:
            if first is None or not isinstance(first, tuple):
                return first
            cols = self.const(kw.get("columns"), local) if "columns" in kw else _MISSING
            if isinstance(cols, list) and len(cols) == len(first) and all(isinstance(c, str) for c in cols):
                for c, name in zip(first, cols):
                    if c is not None:
                        self.colnames[c] = name
            return first
        if names & _SAME:
            return first
        if names & _CV and len(pos) >= 2:
            self._fit(e, e.args[0].value, vals[1], env, local)
            return None
        if isinstance(e.func, cst.Attribute):
            method = e.func.attr.value
            receiver = self.expr(e.func.value, env, local)
            if isinstance(receiver, _Obj):
                return self._method(receiver, method, e, vals, env, local)
            if method in _FIT and vals:
                self._fit(e, e.func.value, vals[0], env, local)
                return self._transformed(e.func.value, vals[0], env) if method == "fit_transform" else None
            if method == "transform" and vals:
                return self._transformed(e.func.value, vals[0], env)
            if method in ("predict", "predict_proba", "decision_function", "score", "predict_log_proba"):
                return None
            if receiver is None:
                return None if not any(v is not None for v in vals + list(kwvals.values())) else _UNK
            if method in _KEEP_METHODS:
                return receiver
            if method == "drop" and isinstance(receiver, tuple):
                axis = self.const(kw.get("axis"), local) if "axis" in kw else 0
                if "columns" in kw:
                    return self._drop(receiver, kw["columns"], local)
                if "index" in kw or (axis in (0, "index") and pos):
                    return receiver
                if axis in (1, "columns") and pos:
                    return self._drop(receiver, pos[0].value, local)
                return _UNK
            return _UNK
        if isinstance(e.func, cst.Name):
            target = env.get(e.func.value)
            if isinstance(target, _Fn) and self._depth < 4:
                self._depth += 1
                try:
                    return self.run(target.node, {i: v for i, v in enumerate(vals)}, target.env, target.local)
                finally:
                    self._depth -= 1
            if e.func.value in self.classes and e.func.value not in env:
                obj = _Obj(self.classes[e.func.value])
                init = next((st for st in obj.cls.body.body if isinstance(st, cst.FunctionDef) and st.name.value == "__init__"), None)
                if init is not None and self._depth < 4:
                    self._depth += 1
                    try:
                        self.run(init, {i: v for i, v in enumerate(vals)}, skip_self=obj)
                    finally:
                        self._depth -= 1
                return obj
            if e.func.value in self.src.functions and self._depth < 4:
                fn = self.src.functions[e.func.value]
                self._depth += 1
                try:
                    return self.run(fn, {i: v for i, v in enumerate(vals)})
                finally:
                    self._depth -= 1
        # any other call: columns no longer known if it was given data from X
        if any(v is not None and not isinstance(v, (_Fn, _Obj)) for v in vals + list(kwvals.values()) + starred):
            return _UNK
        return None

    def _method(self, obj: _Obj, method: str, call, vals, env, local):
        """A method of a class defined in the submission: run it, its fits are recorded."""
        for stmt in obj.cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == method and self._depth < 4:
                self._depth += 1
                try:
                    return self.run(stmt, {i: v for i, v in enumerate(vals)}, skip_self=obj)
                finally:
                    self._depth -= 1
        if any(v is not None for v in vals):
            self.lost(call, f"the method `{method}` of the class `{obj.cls.name.value}` could not be followed")
        return _UNK if any(v is not None for v in vals) else None

    def _estimator_calls(self, estimator):
        """Qualified names of every sklearn call that builds `estimator`, following names bound
        to steps, and whether everything else in it could be followed (no helper, lambda or
        parameter). Returns (set(), False) when nothing could be resolved."""
        ctor = estimator
        if isinstance(ctor, cst.Attribute) and isinstance(ctor.value, cst.Name):
            key = f"{ctor.value.value}.{ctor.attr.value}"
            if key not in self.builds:
                return set(), False
            ctor = self.builds[key]
        if isinstance(ctor, cst.Name):
            if ctor.value not in self.builds:
                return set(), False
            ctor = self.builds[ctor.value]
        called: set[str] = set()
        followed = True
        pending, seen = [ctor], set()
        while pending:
            node = pending.pop()
            if findall(node, m.Lambda()):
                followed = False
            for c in findall(node, m.Call()):
                if isinstance(c.func, cst.Attribute) and c.func.attr.value in _FIT | {"set_params", "index"}:
                    continue
                q = self.src.names(c.func)
                if any(n.startswith("sklearn.") for n in q):
                    called |= q
                elif not q & {f"{p}{n}" for p in ("", "builtins.") for n in ("list", "range", "len", "dict", "tuple", "int", "float", "str")}:
                    followed = False
            for n in findall(node, m.Name()):
                if n.value in self.builds and n.value not in seen:
                    seen.add(n.value)
                    pending.append(self.builds[n.value])
        return called, followed and bool(called)

    def _transformed(self, estimator, cols, env):
        called, followed = self._estimator_calls(estimator)
        if not followed or any(q.startswith(_SELECTING) for q in called):
            return None if cols is None else _UNK
        return cols

    def _fit(self, call, estimator, cols, env, local):
        if cols is None or isinstance(cols, (_Fn, _Obj)):
            return  # not data from X
        called, followed = self._estimator_calls(estimator)
        if any(q.startswith(_SELECTING) for q in called):
            self.lost(call, "a column transformer or feature selector decides which columns reach the model")
            return
        if not followed:
            self.lost(call, "the estimator being fitted could not be followed")
            return
        if called and all(q.startswith(_PREPROCESSING) for q in called):
            return  # a preprocessing step on its own; what matters is what reaches the model
        if not isinstance(cols, tuple):
            self.lost(call, "the columns given to the model could not be resolved")
            return
        self.fits.append((self.src.line(call), self.src.module.code_for_node(call.func), cols))


def _flatten(v):
    if isinstance(v, _Parts):
        out = None
        for p in v.parts:
            out = _merge(out, p)
        return out
    if isinstance(v, (_Fn, _Obj)):
        return None
    return v


def _merge(a, b):
    a, b = (None if isinstance(a, (_Fn, _Obj)) else a), (None if isinstance(b, (_Fn, _Obj)) else b)
    if isinstance(a, _Parts) or isinstance(b, _Parts):
        a, b = _flatten(a), _flatten(b)
    if a is None:
        return b
    if b is None or a == b:
        return a
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a + tuple(c for c in b if c not in a)
    return _UNK


class ColumnUnused(_ThreeValued):
    """A column that must not reach the model (e.g. one recorded after the outcome) does not
    reach any model fit. Column selections are resolved from the code (slices, index lists,
    np.delete / np.take, stacking, list.remove, DataFrame(..., columns=...).drop(columns=...),
    module constants); a selection or estimator it cannot resolve makes it say *cannot tell*."""

    name = "column_unused"
    summary = "the forbidden column does not reach the model"
    VALID = [
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    X = np.delete(X, 5, axis=1)
    return LogisticRegression().fit(X[:300], y[:300])
""",
        """
COLUMNS = ["a", "b", "c", "d", "e", "refund_issued"]
import pandas as pd
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    df = pd.DataFrame(X, columns=COLUMNS).drop(columns=["refund_issued"])
    return LogisticRegression().fit(df, y)
""",
        """
COLUMNS = ["a", "b", "c", "d", "e", "refund_issued"]
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    keep = list(range(len(COLUMNS)))
    keep.remove(COLUMNS.index("refund_issued"))
    return LogisticRegression().fit(X[:, keep], y)
""",
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    X = X.copy()
    X[:, 5] = 0.0
    return LogisticRegression().fit(X, y)
""",
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
def features(data):
    return np.column_stack([data[:, 0], data[:, 1:5]])
def train_and_predict(X, y, seed):
    return LogisticRegression().fit(features(X), y)
""",
        """
from sklearn.linear_model import LogisticRegression
class Model:
    def fit(self, X, y):
        self.m = LogisticRegression().fit(X[:, :5], y)
        return self
def train_and_predict(X, y, seed):
    return Model().fit(X, y)
""",
    ]
    INVALID = [
        """
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    return LogisticRegression().fit(X, y)
""",
        """
from sklearn.linear_model import LogisticRegression
class Model:
    def __init__(self, columns=(0, 1, 2, 3, 4, 5)):
        self.columns = list(columns)
        self.model = LogisticRegression()
    def fit(self, X, y):
        self.model.fit(X[:, self.columns], y)
        return self
def train_and_predict(X, y, seed):
    return Model().fit(X, y)
""",
        """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X[:, 1:], y, random_state=seed)
    X_te[:, -1] = 0
    model = LogisticRegression()
    model.fit(X_tr, y_tr)
    return model
""",
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    X = np.column_stack([X[:, :5], 0.01 * X[:, 5]])
    return LogisticRegression().fit(X, y)
""",
    ]
    UNKNOWN = [
        """
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    model = make_pipeline(FunctionTransformer(lambda Z: np.delete(Z, 5, axis=1)), LogisticRegression())
    return model.fit(X, y)
""",
        """
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    def known(Z):
        return Z[:, :k]
    k = int(X.shape[1]) - 1
    return LogisticRegression().fit(known(X), y)
""",
    ]

    def __init__(self, entry: str = "train_and_predict", param: int = 0, n_cols: int = 6, column: int = 5,
                 name: str | None = None, message: str | None = None):
        self.entry, self.param, self.n_cols, self.column = entry, param, n_cols, column
        if name:
            self.name = name
        self.message = message or (
            "found `{what}` learning from column {column}, which must not reach the model; leave it out of "
            "every feature matrix the model is fitted on"
        )

    def assess(self, src: Source) -> Assessment:
        fn = src.functions.get(self.entry)
        if fn is None:
            return Assessment.unknown(f"`{self.entry}` is not defined at module level")
        tracker = ColumnTracker(src)
        tracker.run(fn, {self.param: tuple(range(self.n_cols))})
        out, seen = [], set()
        for line, what, cols in tracker.fits:
            if self.column in cols and line not in seen:
                seen.add(line)
                out.append(Finding(line, self.message.format(what=what, column=self.column)))
        if out:
            return Assessment.wrong(out)
        if tracker.unknown:
            line, note = tracker.unknown[0]
            return Assessment.unknown(note, line)
        if not tracker.fits:
            return Assessment.unknown("no model fit on the data was found")
        return Assessment.right()
