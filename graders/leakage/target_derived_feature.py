"""Grader for leakage/target-derived-feature.

The shipped data carries `refund_issued` (column 5), which is only filled in after a customer
has cancelled: a post-outcome column.

Runtime (hidden data in which refund_issued is again almost a copy of the label):
- replacing the refund column with random 0/1 values leaves every prediction bit-for-bit
  unchanged (the model does not use it, in any form);
- the predictions still vary across customers (deleting the model is not a fix).
Static:
- `refund_column_unused`: a column-position analysis of `train_and_predict` (and helpers it
  calls) finds which columns of X reach each model fit; the refund column must not. Column
  selections are resolved from the code (slices, index lists, np.delete, stacking, module
  constants such as COLUMNS.index("refund_issued")), never from variable names. Selections it
  cannot resolve are left to the runtime check.
- no feature is computed from the label (bughunt.static.leakage.NoLabelDerivedFeature).
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, function
from bughunt.static.base import Finding, Source, StaticCheck
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import NoLabelDerivedFeature
from bughunt.verdict import Check

EXERCISE = "leakage/target-derived-feature"
ENTRY_FUNCTION, DATA_PARAM = "train_and_predict", 0
N_COLS, REFUND = 6, 5
TOLERANCE = 1e-9

# --- static: column positions ------------------------------------------------------------
UNKNOWN = "unknown"  # derived from X, columns not resolved
_SPLIT = {"sklearn.model_selection.train_test_split", "sklearn.model_selection._split.train_test_split"}
_HSTACK = {"numpy.column_stack", "numpy.hstack", "numpy.c_"}
_ROWSTACK = {"numpy.vstack", "numpy.row_stack"}
_SAME = {"numpy.asarray", "numpy.array", "numpy.copy", "numpy.ascontiguousarray", "numpy.nan_to_num"}
_FIT = {"fit", "fit_transform", "fit_predict", "partial_fit"}
_KEEP_METHODS = {"copy", "astype", "transform", "fit_transform", "reshape"}
_CV = {f"sklearn.model_selection.{n}" for n in ("cross_val_score", "cross_validate", "cross_val_predict")}
_SELECTING = ("sklearn.compose.", "sklearn.feature_selection.")
_PREPROCESSING = ("sklearn.preprocessing.", "sklearn.impute.")


class _Parts:
    """The value of a splitting call: output i has columns parts[i]."""

    def __init__(self, parts):
        self.parts = parts


class _Columns:
    """Tracks, for each local name, which original columns of X (in order) it holds."""

    def __init__(self, src: Source):
        self.src = src
        self.consts = self._module_consts()
        self.fits: list[tuple[int, str, tuple]] = []
        self.types: dict[str, cst.BaseExpression] = {}
        self._depth = 0

    # -- constants ----------------------------------------------------------------
    def _module_consts(self):
        out = {}
        for stmt in self.src.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for s in stmt.body:
                    if isinstance(s, cst.Assign) and len(s.targets) == 1 and isinstance(s.targets[0].target, cst.Name):
                        out[s.targets[0].target.value] = s.value
        return out

    def const(self, node, local, depth=0):
        """int, str, or list of them, for literal-ish expressions; None otherwise."""
        if depth > 6 or node is None:
            return None
        if isinstance(node, cst.Integer):
            return int(node.value)
        if isinstance(node, cst.SimpleString):
            return node.evaluated_value
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            v = self.const(node.expression, local, depth + 1)
            return -v if isinstance(v, int) else None
        if isinstance(node, cst.BinaryOperation):
            a, b = self.const(node.left, local, depth + 1), self.const(node.right, local, depth + 1)
            if isinstance(a, int) and isinstance(b, int):
                if isinstance(node.operator, cst.Add):
                    return a + b
                if isinstance(node.operator, cst.Subtract):
                    return a - b
            return None
        if isinstance(node, cst.Name):
            if node.value in local:
                return local[node.value]
            if node.value in self.consts:
                return self.const(self.consts[node.value], {}, depth + 1)
            return None
        if isinstance(node, (cst.List, cst.Tuple)):
            vals = [self.const(e.value, local, depth + 1) for e in node.elements]
            return None if any(v is None or isinstance(v, list) for v in vals) else vals
        if isinstance(node, cst.Call):
            names = self.src.names(node.func)
            args = [self.const(a.value, local, depth + 1) for a in node.args if a.keyword is None]
            if names & {"builtins.len", "len"} and len(node.args) == 1:
                v = self.const(node.args[0].value, local, depth + 1)
                return len(v) if isinstance(v, list) else None
            if names & {"builtins.range", "range", "numpy.arange"} and args and all(isinstance(a, int) for a in args):
                return list(range(*args))
            if names & {"builtins.list", "list", "numpy.array", "numpy.asarray"} and len(args) == 1:
                return args[0] if isinstance(args[0], list) else None
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "index" and len(args) == 1:
                seq = self.const(node.func.value, local, depth + 1)
                if isinstance(seq, list) and args[0] in seq:
                    return seq.index(args[0])
        return None

    # -- statements ---------------------------------------------------------------
    def run(self, fn: cst.FunctionDef, args: dict[int, object]):
        env: dict[str, object] = {}
        local: dict[str, object] = {}
        params = list(fn.params.posonly_params) + list(fn.params.params)
        for i, p in enumerate(params):
            if i in args and args[i] is not None:
                env[p.name.value] = args[i]
        returns: list = []
        self._block(fn.body.body, env, local, returns)
        return returns[0] if len(returns) == 1 else (UNKNOWN if returns and any(r is not None for r in returns) else None)

    def _block(self, stmts, env, local, returns):
        for s in stmts:
            if isinstance(s, cst.SimpleStatementLine):
                for small in s.body:
                    self._small(small, env, local, returns)
            elif isinstance(s, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
                if isinstance(s, cst.For):
                    self._bind(s.target, self.expr(s.iter, env, local), env, local)
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
                for t, v in zip(targets[0].elements, vals):
                    self._bind(t.value, v, env, local)
                return
            v = self.expr(s.value, env, local)
            c = self.const(s.value, local)
            for t in targets:
                self._bind(t, v, env, local)
                if isinstance(t, cst.Name):
                    if c is not None:
                        local[t.value] = c
                    else:
                        local.pop(t.value, None)
                    self.types[t.value] = s.value
        elif isinstance(s, cst.AugAssign):
            v = self.expr(s.value, env, local)
            if isinstance(s.target, cst.Name) and s.target.value not in env and v is not None:
                env[s.target.value] = v
        elif isinstance(s, cst.Expr):
            self.expr(s.value, env, local)
        elif isinstance(s, cst.Return) and s.value is not None:
            returns.append(self.expr(s.value, env, local))

    def _bind(self, target, value, env, local):
        if isinstance(target, cst.Name):
            if value is None:
                env.pop(target.value, None)
            else:
                env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elems = [e.value for e in target.elements]
            if isinstance(value, _Parts) and len(value.parts) == len(elems):
                for e, part in zip(elems, value.parts):
                    self._bind(e, part, env, local)
            else:
                for e in elems:
                    self._bind(e, None if value is None else UNKNOWN, env, local)
        # X[...] = ... keeps X's columns

    # -- expressions --------------------------------------------------------------
    def expr(self, e, env, local):
        if e is None:
            return None
        if isinstance(e, cst.Name):
            return env.get(e.value)
        if isinstance(e, cst.Subscript):
            return self._subscript(e, env, local)
        if isinstance(e, cst.Call):
            return self._call(e, env, local)
        if isinstance(e, cst.Attribute):
            if e.attr.value == "T":
                return UNKNOWN if self.expr(e.value, env, local) is not None else None
            if e.attr.value in ("shape", "ndim", "size", "dtype"):
                return None
            return self.expr(e.value, env, local)
        if isinstance(e, (cst.Tuple, cst.List)):
            vals = [self.expr(el.value, env, local) for el in e.elements]
            return _Parts(vals) if any(v is not None for v in vals) else None
        if isinstance(e, cst.BinaryOperation):
            return _merge(self.expr(e.left, env, local), self.expr(e.right, env, local))
        if isinstance(e, cst.UnaryOperation):
            return self.expr(e.expression, env, local)
        if isinstance(e, (cst.ListComp, cst.GeneratorExp)):
            return UNKNOWN if self._mentions(e, env) else None
        return UNKNOWN if self._mentions(e, env) else None

    def _mentions(self, node, env) -> bool:
        return any(n.value in env for n in m.findall(node, m.Name()))

    def _subscript(self, e, env, local):
        base = self.expr(e.value, env, local)
        if base is None:
            return None
        if isinstance(base, _Parts):
            idx = self.const(e.slice[0].slice.value, local) if isinstance(e.slice[0].slice, cst.Index) else None
            return base.parts[idx] if isinstance(idx, int) and -len(base.parts) <= idx < len(base.parts) else UNKNOWN
        if len(e.slice) < 2:
            return base  # row selection keeps the columns
        if len(e.slice) > 2 or base == UNKNOWN:
            return UNKNOWN
        sel = e.slice[1].slice
        if isinstance(sel, cst.Slice):
            bounds = [self.const(b, local) if b is not None else None for b in (sel.lower, sel.upper, sel.step)]
            if any(b is None and raw is not None for b, raw in zip(bounds, (sel.lower, sel.upper, sel.step))):
                return UNKNOWN
            return tuple(base[slice(*bounds)])
        pick = self.const(sel.value, local)
        if isinstance(pick, int) and -len(base) <= pick < len(base):
            return (base[pick],)
        if isinstance(pick, list) and all(isinstance(p, int) and -len(base) <= p < len(base) for p in pick):
            return tuple(base[p] for p in pick)
        return UNKNOWN

    def _call(self, e, env, local):
        names = self.src.names(e.func)
        pos = [a for a in e.args if a.keyword is None]
        kw = {a.keyword.value: a.value for a in e.args if a.keyword is not None}
        vals = [self.expr(a.value, env, local) for a in pos]
        if names & _SPLIT:
            parts = []
            for v in vals:
                parts += [v, v]
            return _Parts(parts)
        if names & {"numpy.delete"} and len(pos) >= 2:
            base = vals[0]
            axis = self.const(kw["axis"], local) if "axis" in kw else (self.const(pos[2].value, local) if len(pos) > 2 else None)
            if base is None:
                return None
            if base == UNKNOWN or axis not in (1, -1):
                return UNKNOWN if axis in (1, -1) or base == UNKNOWN else base
            drop = self.const(pos[1].value, local)
            drop = [drop] if isinstance(drop, int) else drop
            if not isinstance(drop, list) or not all(isinstance(d, int) and -len(base) <= d < len(base) for d in drop):
                return UNKNOWN
            gone = {d % len(base) for d in drop}
            return tuple(c for i, c in enumerate(base) if i not in gone)
        if names & _HSTACK or (names & {"numpy.concatenate"} and self.const(kw.get("axis"), local) == 1):
            inner = vals[0] if vals else None
            if isinstance(inner, _Parts):
                out: tuple = ()
                for p in inner.parts:
                    if p is None:
                        out += (None,)  # a column not taken from X
                    elif p == UNKNOWN:
                        return UNKNOWN
                    else:
                        out += p
                return out
            return UNKNOWN if inner is not None else None
        if names & (_ROWSTACK | {"numpy.concatenate"}):
            inner = vals[0] if vals else None
            if isinstance(inner, _Parts):
                known = [p for p in inner.parts if p is not None]
                return known[0] if known and all(p == known[0] for p in known) else (UNKNOWN if known else None)
            return inner
        if names & _SAME:
            return vals[0] if vals else None
        if names & _CV and len(pos) >= 2:
            self._fit(e, e.args[0].value, vals[1], env)
            return None
        if isinstance(e.func, cst.Attribute):
            method = e.func.attr.value
            if method in _FIT and vals:
                self._fit(e, e.func.value, vals[0], env)
                self.expr(e.func.value, env, local)
                return vals[0] if method == "fit_transform" else None
            receiver = self.expr(e.func.value, env, local)
            if method in _KEEP_METHODS:
                return vals[0] if method in ("transform", "fit_transform") and vals else receiver
            if receiver is not None:
                return receiver if isinstance(receiver, tuple) else UNKNOWN
        if isinstance(e.func, cst.Name) and e.func.value in self.src.functions and self._depth < 4:
            fn = self.src.functions[e.func.value]
            self._depth += 1
            try:
                return self.run(fn, {i: v for i, v in enumerate(vals)})
            finally:
                self._depth -= 1
        # any other call: its result carries the information of every X-derived argument
        out = None
        for v in vals + [self.expr(v, env, local) for v in kw.values()]:
            out = _merge(out, UNKNOWN if isinstance(v, _Parts) else v)
        return out

    def _fit(self, call, estimator, cols, env):
        if not isinstance(cols, tuple):
            return  # not from X, or columns unresolved: the runtime check decides
        ctor = estimator
        if isinstance(ctor, cst.Name) and ctor.value in self.types:
            ctor = self.types[ctor.value]
        called = set()
        pending, seen = [ctor], set()
        while pending:  # follow names bound to steps, e.g. make_pipeline(dropper, model)
            node = pending.pop()
            for c in m.findall(node, m.Call()):
                called |= self.src.names(c.func)
            for n in m.findall(node, m.Name()):
                if n.value in self.types and n.value not in seen:
                    seen.add(n.value)
                    pending.append(self.types[n.value])
        if any(q.startswith(_SELECTING) for q in called):
            return  # a column transformer or selector decides the columns
        if called and all(q.startswith(_PREPROCESSING) for q in called if q.startswith("sklearn.")) and any(
            q.startswith(_PREPROCESSING) for q in called
        ):
            return  # a preprocessing step on its own; what matters is what reaches the model
        self.fits.append((self.src.line(call), self.src.module.code_for_node(call.func), cols))


def _merge(a, b):
    if a is None:
        return b
    if b is None or a == b:
        return a
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a + tuple(c for c in b if c not in a)
    return UNKNOWN


class RefundColumnUnused(StaticCheck):
    name = "refund_column_unused"
    summary = "the post-outcome refund_issued column does not reach the model"
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
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    a, b, c, d = train_test_split(X, y, random_state=seed)
    keep = [i for i, n in enumerate(COLUMNS) if n != "refund_issued"]
    return LogisticRegression().fit(a[:, :-1], c)
""",
        """
import numpy as np
from sklearn.linear_model import LogisticRegression
def features(data):
    return np.column_stack([data[:, 0], data[:, 1:5]])
def train_and_predict(X, y, seed):
    return LogisticRegression().fit(features(X), y)
""",
    ]
    INVALID = [
        """
from sklearn.linear_model import LogisticRegression
def train_and_predict(X, y, seed):
    return LogisticRegression().fit(X, y)
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

    def findings(self, src: Source) -> list[Finding]:
        fn = src.functions.get(ENTRY_FUNCTION)
        if fn is None:
            return []
        tracker = _Columns(src)
        tracker.run(fn, {DATA_PARAM: tuple(range(N_COLS))})
        out, seen = [], set()
        for line, what, cols in tracker.fits:
            if REFUND in cols and line not in seen:
                seen.add(line)
                out.append(
                    Finding(
                        line,
                        f"Exercise {EXERCISE} should train the model only on columns known before a customer "
                        f"decides; found `{what}` learning from refund_issued (column {REFUND}), which is only "
                        "recorded after a customer has cancelled, so the model reads the outcome instead of "
                        "predicting it. Rescaling or editing that column does not change what it is",
                    )
                )
        return out


# --- hidden data --------------------------------------------------------------------------
def hidden_data(n_rows, seed, w, bias, refund_rates):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.uniform(1, 48, n_rows),
            rng.normal(18, 5, n_rows),
            rng.poisson(2.0, n_rows).astype(float),
            rng.gamma(2.5, 3.0, n_rows),
            rng.integers(0, 24, n_rows).astype(float),
            np.zeros(n_rows),
        ]
    )
    Z = (X[:, :5] - X[:, :5].mean(axis=0)) / X[:, :5].std(axis=0)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(Z @ np.asarray(w) + bias)))).astype(int)
    hit, false_alarm = refund_rates
    X[:, REFUND] = np.where(y == 1, rng.random(n_rows) < hit, rng.random(n_rows) < false_alarm)
    return X, y


FIT_LINE = "    model.fit(X_train, y_train)\n"
SPLIT_OPEN = "    X_train, X_test, y_train, y_test = train_test_split(\n"


class TargetDerivedFeature(Grader):
    exercise = EXERCISE
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (y_test, test_probabilities)"}
    suppression_names = ("try_except", "contextlib_suppress", "warnings_filter", "score_tampering")

    REFERENCE = ((SPLIT_OPEN, '    X = np.delete(X, COLUMNS.index("refund_issued"), axis=1)\n' + SPLIT_OPEN),)
    PASS = [
        PASS(
            "columns sliced off after the split, renamed variables",
            (
                """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
                """    tr, te, ytr, yte = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    tr, te = tr[:, :-1], te[:, :-1]
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(tr, ytr)
    return yte, clf.predict_proba(te)[:, 1]""",
            ),
        ),
        PASS(
            "explicit list of the columns known in advance, model built first",
            (
                SPLIT_OPEN,
                "    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n"
                "    KNOWN_UPFRONT = [0, 1, 2, 3, 4]\n"
                "    X = X[:, KNOWN_UPFRONT]\n" + SPLIT_OPEN,
            ),
            ("    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit", "    model.fit"),
        ),
        PASS(
            "column dropped inside the pipeline",
            (
                "    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit",
                "    from sklearn.compose import ColumnTransformer\n"
                "    drop = ColumnTransformer([(\"post_outcome\", \"drop\", [COLUMNS.index(\"refund_issued\")])], remainder=\"passthrough\")\n"
                "    model = make_pipeline(drop, StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "refund column scaled down",
            (SPLIT_OPEN, "    X = X.copy()\n    X[:, 5] = X[:, 5] * 0.01\n" + SPLIT_OPEN),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "refund zeroed in the test rows only",
            (FIT_LINE, "    X_test = X_test.copy()\n    X_test[:, -1] = 0.0\n" + FIT_LINE),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed, stratify=y", "test_size=0.4, random_state=seed + 11, stratify=y"),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "probabilities shrunk toward one half",
            ("return y_test, model.predict_proba(X_test)[:, 1]", "return y_test, 0.5 + 0.3 * (model.predict_proba(X_test)[:, 1] - 0.5)"),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "model deleted: everyone gets the base rate",
            (
                FIT_LINE + "    return y_test, model.predict_proba(X_test)[:, 1]",
                "    return y_test, np.full(len(y_test), y_train.mean())",
            ),
            fails=("model_still_predicts",),
        ),
        FAIL(
            "refund replaced by a label-derived flag",
            (SPLIT_OPEN, "    X = np.column_stack([X[:, :5], y * 0.5])\n" + SPLIT_OPEN),
            fails=("no_label_derived_feature",),
        ),
        FAIL(
            "fixed, but warnings silenced",
            (SPLIT_OPEN, '    import warnings\n    warnings.filterwarnings("ignore")\n    X = X[:, :5]\n' + SPLIT_OPEN),
            fails=("warnings_filter",),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        specs = [
            (420, 7101, (-0.9, 0.5, 0.8, -0.7, -0.6), -1.3, (0.9, 0.04), 19),
            (520, 8202, (-0.6, 0.9, 0.4, -0.9, -0.3), -1.6, (0.8, 0.02), 31),
        ]
        out = []
        for n, seed, w, bias, rates, split_seed in specs:
            X, y = hidden_data(n, seed, w, bias, rates)
            noise = np.random.default_rng(seed + 5).permutation(X[:, REFUND])
            out.append({"X": X, "y": y, "seed": split_seed, "refund_noise": noise})
        return out

    # --- child side ---------------------------------------------------------------
    def probe(self, student, case):
        fn = function(student, "train_and_predict", 3)
        X, y, seed = case["X"], case["y"], case["seed"]

        def run(data):
            out = fn(data.copy(), y.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError("`train_and_predict` should return a pair (y_test, test_probabilities)")
            return array(out[0], "the returned y_test", ndim=1), array(out[1], "the returned test probabilities", ndim=1)

        y_test, proba = run(X)
        shuffled = X.copy()
        shuffled[:, REFUND] = case["refund_noise"]
        y_test2, proba2 = run(shuffled)
        return {"y_test": y_test, "proba": proba, "y_test_shuffled": y_test2, "proba_shuffled": proba2}

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [RefundColumnUnused(), NoLabelDerivedFeature({ENTRY_FUNCTION: {0: {ALL}, 1: {ALL, TARGET}}})]

    def judge(self, results):
        shape_msgs, leak_msgs, flat_msgs = [], [], []
        for r in results:
            o = r.obs
            where = f"hidden case {r.index + 1}"
            proba = o["proba"]
            if (
                proba.shape != o["y_test"].shape
                or not np.all(np.isfinite(proba))
                or np.any((proba < 0) | (proba > 1))
                or len(proba) == 0
            ):
                shape_msgs.append(f"found {proba.shape[0]} values for {o['y_test'].shape[0]} test rows ({where})")
                continue
            if o["proba_shuffled"].shape != proba.shape or not np.array_equal(o["y_test"], o["y_test_shuffled"]):
                leak_msgs.append(f"found a different test set once the refund column was scrambled ({where})")
            else:
                moved = float(np.max(np.abs(proba - o["proba_shuffled"])))
                if moved > TOLERANCE:
                    leak_msgs.append(
                        f"found the predictions moving by up to {moved:.3g} when only the refund_issued column was "
                        f"replaced by random values ({where})"
                    )
            if float(np.std(proba)) < 1e-4:
                flat_msgs.append(f"found (almost) the same probability {float(np.mean(proba)):.3f} for every customer ({where})")
        blocked = bool(shape_msgs)
        return [
            Check(
                "returns_probabilities",
                "runtime",
                not shape_msgs,
                f"Exercise {EXERCISE} should return one churn probability in [0, 1] per test row; {shape_msgs[0]}"
                if shape_msgs
                else "returns one probability per test row",
                root_cause=False,
            ),
            Check(
                "refund_column_ignored",
                "runtime",
                not leak_msgs and not blocked,
                (
                    f"Exercise {EXERCISE} should predict churn without the refund_issued column, which is only "
                    f"filled in after a customer has cancelled; {leak_msgs[0]}. The model still relies on "
                    "information that does not exist on the day it must predict."
                )
                if leak_msgs
                else (
                    f"Exercise {EXERCISE} could not check the refund column, because the predictions were unusable"
                    if blocked
                    else "predictions do not depend on the refund_issued column"
                ),
            ),
            Check(
                "model_still_predicts",
                "runtime",
                not flat_msgs and not blocked,
                (
                    f"Exercise {EXERCISE} should still rank customers by their churn risk from the columns known in "
                    f"advance; {flat_msgs[0]}. Removing the model is not a fix."
                )
                if flat_msgs
                else "the model still separates customers",
                root_cause=False,
            ),
        ]


GRADER = TargetDerivedFeature()
