"""Root-cause checks for data leakage, built on the row-provenance analysis."""
from __future__ import annotations

from typing import Callable

import libcst as cst
import libcst.matchers as m

from .base import Finding, Source, StaticCheck
from .dataflow import ALL, TARGET, TEST, TRAIN, Sink, analyze

DEFAULT_ENTRY = {"evaluate": {0: {ALL}, 1: {ALL, TARGET}}}


def describe_rows(sink: Sink) -> str:
    seen = sink.x | sink.y
    if ALL in seen:
        return "every row, including the rows that later form the test split"
    if TRAIN in seen and TEST in seen:
        return "training and test rows put back together"
    return "the test split"


class FitOnTrainingRows(StaticCheck):
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
    ]
    INVALID = [
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

    def findings(self, src: Source) -> list[Finding]:
        flow = analyze(src, self.entry_points)
        out = []
        for sink in flow.leaky():
            if not self.select(sink):
                continue
            out.append(
                Finding(
                    sink.line,
                    f"`{sink.what.removesuffix('[axis]')}` learns from {describe_rows(sink)}, so the test "
                    f"score is inflated by information the model should not have; {self.advice}",
                )
            )
        return out


class NoLabelDerivedFeature(StaticCheck):
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

    def __init__(self, entry_points: dict | None = None):
        self.entry_points = entry_points or DEFAULT_ENTRY

    def findings(self, src: Source) -> list[Finding]:
        flow = analyze(src, self.entry_points)
        return [
            Finding(
                s.line,
                f"the features given to `{s.what}` are computed from the label itself, so the model "
                "can read the answer off them; a feature must be known before the outcome is",
            )
            for s in flow.sinks
            if s.kind == "fit" and TARGET in s.x
        ]


def is_class(*suffixes: str) -> Callable[[Sink], bool]:
    """Select sinks whose fitted object is one of these classes (matched on the qualified name's end)."""
    return lambda s: any(q.rsplit(".", 1)[-1] in suffixes for q in s.obj)
