"""Root-cause check for oversampling: every duplication of rows sees training rows only.

Duplication is `sklearn.utils.resample`, `np.repeat`, `np.tile`, drawing with `choice`,
`DataFrame.sample(..., replace=True)` and `fit_resample` (imbalanced-learn). Built on the
row-provenance analysis of `rowflow`: a duplication is *proven wrong* only when the rows it
copies provably include rows that end up in the test split (all rows before the split, or
the test rows); when rows are picked by an index the analysis cannot attribute, it says
"cannot tell" and the runtime probes decide. A duplication reached through a helper is
reported at the student's call of that helper, never inside the (unchanged) helper.
"""
from __future__ import annotations

import libcst as cst

from .base import Assessment, Finding, Source, StaticCheck
from .dataflow import ALL, EMPTY, TARGET, TEST, TRAIN, _flat
from .rowflow import RowFlow, run_rowflow, settle, unsure, unused_result

DUPLICATING_FUNCS = {"numpy.repeat", "numpy.tile", "numpy.random.choice"}


class DuplicationFlow(RowFlow):
    """Row provenance with numpy/pandas duplication counted as resampling, and sinks inside
    helpers attributed to the entry function's call of the helper."""

    def __init__(self, src: Source, max_depth: int = 4):
        super().__init__(src, max_depth)
        self._site: list[tuple[int, str]] = []
        self.via: dict[tuple[int, str], str] = {}

    def _follow(self, fn, call, env):
        outer = not self._site
        if outer:
            code = self.src.module.code_for_node(call)
            self._site.append((self.src.line(call), code if len(code) <= 60 else code[:57] + "..."))
        try:
            return super()._follow(fn, call, env)
        finally:
            if outer:
                self._site.pop()

    def _sink(self, line, what, kind, x, y=EMPTY, obj=EMPTY, col=0):
        if self._site:
            line, via = self._site[0]
            self.via[(line, what)] = via
            col = 0
        super()._sink(line, what, kind, x, y, obj, col)

    def _call(self, e: cst.Call, env):
        names = self.src.names(e.func)
        func = e.func
        is_choice = isinstance(func, cst.Attribute) and func.attr.value == "choice"
        is_sample = (
            isinstance(func, cst.Attribute)
            and func.attr.value == "sample"
            and any(a.keyword is not None and a.keyword.value == "replace" and m_true(a.value) for a in e.args)
        )
        if names & DUPLICATING_FUNCS or is_choice or is_sample:
            labels = EMPTY
            for a in e.args:
                labels |= _flat(self._expr(a.value, env))
            if is_sample or (is_choice and not names & DUPLICATING_FUNCS):
                labels |= _flat(self._expr(func.value, env))
            self._sink(self.src.line(e), self._describe(e), "resample", labels)
            return labels
        return super()._call(e, env)


def m_true(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def duplication_sinks(src: Source, entry: dict):
    analyzer = run_rowflow(src, entry, DuplicationFlow)
    sinks = [
        s for s in analyzer.flow.sinks
        if s.kind == "resample" or (s.kind == "fit" and s.what.endswith("fit_resample"))
    ]
    return sinks, analyzer


class OversampleTrainingRowsOnly(StaticCheck):
    name = "oversample_training_rows_only"
    summary = "oversampling copies training rows only"
    #: the graded function and the labels of its parameters (X: all rows, y: all rows + label)
    entry = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
    exercise = "leakage/oversample-before-split"

    VALID = [
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
import numpy as np
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed, stratify=y)
    extra = resample(X_tr[y_tr == 1], n_samples=50, random_state=seed)
    return np.vstack([X_tr, extra]), X_te
""",
        """
import numpy as np
def train_and_predict(X, y, seed):
    cut = int(0.7 * len(X))
    X_tr, y_tr = X[:cut], y[:cut]
    rng = np.random.default_rng(seed)
    picks = rng.choice(np.flatnonzero(y_tr == 1), size=40, replace=True)
    return np.concatenate([X_tr, X_tr[picks]]), X[cut:]
""",
        """
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import resample
import numpy as np
def train_and_predict(X, y, seed):
    for k, (tr, te) in enumerate(StratifiedKFold(4, shuffle=True, random_state=seed).split(X, y)):
        pass
    extra = resample(X[tr][y[tr] == 1], n_samples=50, random_state=seed)
    return np.vstack([X[tr], extra]), X[te]
""",
    ]
    INVALID = [
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
import numpy as np
def train_and_predict(X, y, seed):
    extra = resample(X[y == 1], n_samples=50, random_state=seed)
    X = np.vstack([X, extra])
    return train_test_split(X, random_state=seed)
""",
        """
from sklearn.model_selection import train_test_split
import numpy as np
def train_and_predict(X, y, seed):
    X2 = np.vstack([X, np.repeat(X[y == 1], 5, axis=0)])
    return train_test_split(X2, random_state=seed)
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    X_te = resample(X_te, n_samples=200, random_state=seed)
    return X_tr, X_te
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
import numpy as np
def grow(A, b, seed):
    extra = resample(A[b == 1], n_samples=30, random_state=seed)
    return np.vstack([A, extra]), np.concatenate([b, np.ones(30)])
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    X_te, y_te = grow(X_te, y_te, seed)
    return X_tr, X_te
""",
    ]
    UNKNOWN = [
        """
import numpy as np
from sklearn.utils import resample
def train_and_predict(X, y, seed):
    perm = np.random.default_rng(seed).permutation(len(X))
    test, train = perm[:100], perm[100:]
    extra = resample(X[train][y[train] == 1], n_samples=50, random_state=seed)
    return np.vstack([X[train], extra]), X[test]
""",
        """
import numpy as np
from sklearn.utils import resample
def train_and_predict(X, y, seed):
    grow = lambda A: np.vstack([A, resample(A, n_samples=20, random_state=seed)])
    return grow(X)
""",
    ]

    def assess(self, src: Source) -> Assessment:
        if not any(name in src.functions for name in self.entry):
            return Assessment.unknown(f"the function `{next(iter(self.entry))}` was not found at module level")
        sinks, analyzer = duplication_sinks(src, self.entry)
        out = []
        fn = src.functions[next(iter(self.entry))] if next(iter(self.entry)) in src.functions else None
        for sink in sinks:
            seen = sink.x | sink.y
            if fn is not None and (seen & {ALL, TEST}) and unused_result(src, fn, sink.line):
                analyzer.notes.insert(0, (f"`{sink.what}` copies rows, but the copies are only printed, checked "
                                          "or never used", sink.line))
                continue
            what = sink.what
            via = analyzer.via.get((sink.line, sink.what))
            shown = f"`{via}` (which calls `{what}`)" if via else f"`{what}`"
            if ALL in seen or (TRAIN in seen and TEST in seen):
                out.append(Finding(sink.line, (
                    f"Exercise {self.exercise} should copy only training rows when rebalancing; found {shown} "
                    "duplicating rows that include rows of the test split (the copies are made before the "
                    "data is split, or from training and test rows together), so copies of the same row land "
                    "on both sides and the model is tested on rows it has memorised. Split first, then "
                    "rebalance the training rows alone"
                )))
            elif TEST in seen:
                out.append(Finding(sink.line, (
                    f"Exercise {self.exercise} should leave the test rows as real data; found {shown} "
                    "duplicating test rows, so the test score no longer describes the real class mix. Only "
                    "the training rows may be rebalanced"
                )))
        doubtful = next((s for s in sinks if unsure(s)), None)
        return settle(out, analyzer.notes, doubtful, doubtful and f"could not tell which rows `{doubtful.what}` copies")

    def findings(self, src: Source) -> list[Finding]:
        return self.assess(src).findings
