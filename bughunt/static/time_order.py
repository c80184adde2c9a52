"""Root-cause check for time-ordered data: the split keeps time order.

A forecast is only validated honestly if every training row is older than every test row.
Shuffled splits (train_test_split's default, ShuffleSplit, KFold and friends, permuting the
row order) let the model train on days that come after the days it is tested on.
Calls are resolved with QualifiedNameProvider, so aliases and renamed variables change nothing.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from .base import Finding, Source, StaticCheck

_MS = "sklearn.model_selection"
SPLIT_FUNCS = {f"{_MS}.train_test_split", f"{_MS}._split.train_test_split"}
#: splitters that put later rows in training while testing on earlier ones
SHUFFLING_SPLITTERS = {
    f"{_MS}.{n}"
    for n in (
        "KFold StratifiedKFold GroupKFold RepeatedKFold RepeatedStratifiedKFold ShuffleSplit "
        "StratifiedShuffleSplit GroupShuffleSplit LeaveOneOut LeavePOut StratifiedGroupKFold"
    ).split()
}
CV_FUNCS = {f"{_MS}.{n}" for n in ("cross_val_score", "cross_validate", "cross_val_predict")}
TIME_SPLITTERS = {f"{_MS}.TimeSeriesSplit"}
PERMUTE_FUNCS = {
    "numpy.random.permutation", "numpy.random.shuffle", "sklearn.utils.shuffle", "random.shuffle", "random.sample",
}
RNG_FACTORIES = {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}


def _literal(src: Source, node: cst.BaseExpression, consts: dict[str, cst.BaseExpression]):
    """The Python value of a literal True/False/None (module constants followed), else ...."""
    seen = 0
    while isinstance(node, cst.Name) and node.value in consts and seen < 5:
        node, seen = consts[node.value], seen + 1
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.Integer):
        return int(node.value)
    return ...


def _module_consts(src: Source) -> dict[str, cst.BaseExpression]:
    out = {}
    for stmt in src.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for s in stmt.body:
                if isinstance(s, cst.Assign) and len(s.targets) == 1 and isinstance(s.targets[0].target, cst.Name):
                    out[s.targets[0].target.value] = s.value
    return out


class SplitKeepsTimeOrder(StaticCheck):
    name = "split_keeps_time_order"
    summary = "the train/test split keeps time order (no shuffling)"
    VALID = [
        """
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    return train_test_split(X, y, test_size=0.25, shuffle=False)
""",
        """
NO_SHUFFLE = False
from sklearn.model_selection import train_test_split as tts
def evaluate(X, y, seed):
    return tts(X, y, test_size=0.25, random_state=seed, shuffle=NO_SHUFFLE)
""",
        """
def evaluate(X, y, seed):
    cut = int(len(X) * 0.75)
    return X[:cut], X[cut:], y[:cut], y[cut:]
""",
        """
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.linear_model import Ridge
def evaluate(X, y, seed):
    for train, test in TimeSeriesSplit(n_splits=3).split(X):
        pass
    return cross_val_score(Ridge(), X, y, cv=TimeSeriesSplit(n_splits=4))
""",
        """
import numpy as np
def evaluate(X, y, seed):
    order = np.argsort(X[:, 0])
    X, y = X[order], y[order]
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=len(y))
    return X[:300], X[300:]
""",
    ]
    INVALID = [
        """
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    return train_test_split(X, y, test_size=0.25, random_state=seed)
""",
        """
import sklearn.model_selection as ms
def evaluate(X, y, seed):
    return ms.train_test_split(X, y, test_size=0.25, shuffle=True)
""",
        """
import numpy as np
def evaluate(X, y, seed):
    rows = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.75 * len(X))
    return X[rows[:cut]], X[rows[cut:]]
""",
        """
import numpy as np
def evaluate(X, y, seed):
    rng = np.random.default_rng(seed)
    rows = np.arange(len(X))
    rng.shuffle(rows)
    return X[rows[:300]], X[rows[300:]]
""",
        """
from sklearn.model_selection import KFold, cross_val_score
from sklearn.linear_model import Ridge
def evaluate(X, y, seed):
    return cross_val_score(Ridge(), X, y, cv=KFold(5, shuffle=True, random_state=seed))
""",
        """
from sklearn.model_selection import cross_val_score
from sklearn.linear_model import Ridge
def evaluate(X, y, seed):
    return cross_val_score(Ridge(), X, y, cv=5)
""",
        """
from sklearn.utils import shuffle
def evaluate(X, y, seed):
    X, y = shuffle(X, y, random_state=seed)
    return X[:300], X[300:]
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        consts = _module_consts(src)
        out: list[Finding] = []
        for root in src.graded_nodes():
            rngs = self._rng_names(src, root)
            for call in src.find(root, m.Call()):
                msg = self._problem(src, call, consts, rngs)
                if msg:
                    out.append(Finding(src.line(call), msg))
        return out

    def _rng_names(self, src: Source, root) -> set[str]:
        """Names bound to a numpy random generator (`rng = np.random.default_rng(seed)`)."""
        names = set()
        for a in src.find(root, m.Assign(value=m.Call())):
            if src.names(a.value.func) & RNG_FACTORIES:
                for t in a.targets:
                    if isinstance(t.target, cst.Name):
                        names.add(t.target.value)
        return names

    def _problem(self, src: Source, call: cst.Call, consts, rngs) -> str | None:
        names = src.names(call.func)
        code = src.module.code_for_node(call.func)
        kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if names & SPLIT_FUNCS:
            if "shuffle" not in kw or _literal(src, kw["shuffle"], consts) is not False:
                return (
                    f"`{code}` shuffles the rows before splitting (that is its default), so the model trains "
                    "on days that come after the days it is tested on; the test rows must be the most recent "
                    "rows and every training row must be older"
                )
            return None
        if names & SHUFFLING_SPLITTERS:
            return (
                f"`{code}` builds folds that are not in time order, so some folds train on the future and test "
                "on the past; use a splitter that only ever trains on earlier rows"
            )
        if names & CV_FUNCS:
            cv = kw.get("cv")
            if cv is None and len(call.args) >= 4 and call.args[3].keyword is None:
                cv = call.args[3].value
            if cv is None or not self._is_time_splitter(src, cv):
                return (
                    f"`{code}` uses ordinary K-fold cross-validation here, which trains on later rows and tests "
                    "on earlier ones; cross-validation on time-ordered data needs folds that respect time order"
                )
            return None
        if names & PERMUTE_FUNCS:
            return (
                f"`{code}` scrambles the row order, so the split that follows mixes past and future days; "
                "keep the rows in time order"
            )
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("permutation", "shuffle", "permuted")
            and (
                (isinstance(func.value, cst.Name) and func.value.value in rngs)
                or (isinstance(func.value, cst.Call) and src.names(func.value.func) & RNG_FACTORIES)
            )
        ):
            return (
                f"`{code}` scrambles the row order, so the split that follows mixes past and future days; "
                "keep the rows in time order"
            )
        return None

    def _is_time_splitter(self, src: Source, node) -> bool:
        if isinstance(node, cst.Call):
            return bool(src.names(node.func) & TIME_SPLITTERS)
        if isinstance(node, cst.Name):
            # a name bound to TimeSeriesSplit(...) anywhere in the module
            for a in src.find(src.module, m.Assign(value=m.Call())):
                if any(isinstance(t.target, cst.Name) and t.target.value == node.value for t in a.targets):
                    if src.names(a.value.func) & TIME_SPLITTERS:
                        return True
        return False
