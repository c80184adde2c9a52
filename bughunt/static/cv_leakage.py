"""Root-cause check for cross-validation: every fitted step and statistic learns from the
training rows of a fold only.

Built on `rowflow`: folds are followed through `for tr, te in cv.split(X)`,
`enumerate(...)`, `list(...)`/`next(...)`, nested helpers and closures. *Proven wrong*: a
fit or column statistic whose rows provably include held-out rows (all rows before the
folds are made, or the held-out rows of a fold). *Cannot tell*: rows chosen by an index the
analysis cannot attribute, data passed through a lambda, a class of the file or a generator;
the runtime probes decide. Pipelines handed to `cross_val_score` fit inside each fold and
are never a finding.
"""
from __future__ import annotations

from .base import Assessment, Finding, Source, StaticCheck
from .dataflow import ALL, TARGET, TRAIN
from .rowflow import proven_leak, run_rowflow, settle, unsure, unused_result


class FoldFitOnTrainingRows(StaticCheck):
    name = "fit_on_training_rows"
    summary = "the scaler and every statistic learn from each fold's training rows only"
    entry = {"cv_scores": {0: {ALL}, 1: {ALL, TARGET}}}
    advice = (
        "inside cross-validation, learn it from each fold's training rows only and apply it unchanged to that "
        "fold's held-out rows"
    )

    VALID = [
        """
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    model = make_pipeline(StandardScaler(), KNeighborsClassifier())
    return cross_val_score(model, X, y, cv=KFold(5, shuffle=True, random_state=seed))
""",
        """
import numpy as np
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    out = []
    for k, (tr, te) in enumerate(KFold(5, shuffle=True, random_state=seed).split(X)):
        s = StandardScaler().fit(X[tr])
        out.append(KNeighborsClassifier().fit(s.transform(X[tr]), y[tr]).score(s.transform(X[te]), y[te]))
    return np.array(out)
""",
        """
import numpy as np
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    folds = list(KFold(5, shuffle=True, random_state=seed).split(X))
    def one(tr, te):
        mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
        knn = KNeighborsClassifier().fit((X[tr] - mu) / sd, y[tr])
        return knn.score((X[te] - mu) / sd, y[te])
    return np.array([one(*folds[k]) for k in range(5)])
""",
    ]
    INVALID = [
        """
from sklearn.model_selection import KFold, cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    Xs = StandardScaler().fit_transform(X)
    return cross_val_score(KNeighborsClassifier(), Xs, y, cv=KFold(5, shuffle=True, random_state=seed))
""",
        """
import numpy as np
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    out = []
    for tr, te in KFold(5, shuffle=True, random_state=seed).split(X):
        knn = KNeighborsClassifier().fit(StandardScaler().fit_transform(X[tr]), y[tr])
        out.append(knn.score(StandardScaler().fit_transform(X[te]), y[te]))
    return np.array(out)
""",
        """
import numpy as np
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
def standardize(A):
    return (A - A.mean(axis=0)) / A.std(axis=0)
def cv_scores(X, y, seed):
    return cross_val_score(KNeighborsClassifier(), standardize(X), y, cv=KFold(5, shuffle=True, random_state=seed))
""",
    ]
    UNKNOWN = [
        """
import numpy as np
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    print("overall means", X.mean(axis=0), "fraud share", y.mean())
    assert X.std(axis=0).min() > 0
    if np.any(np.isnan(X).mean(axis=0) > 0.5):
        raise ValueError("mostly empty column")
    n_classes = int(y.max()) + 1
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=min(7, 10 * n_classes)))
    return cross_val_score(model, X, y, cv=KFold(5, shuffle=True, random_state=seed))
""",
        """
import numpy as np
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier
def cv_scores(X, y, seed):
    scale = lambda A, B: (A - B.mean(axis=0)) / B.std(axis=0)
    out = []
    for tr, te in KFold(5, shuffle=True, random_state=seed).split(X):
        knn = KNeighborsClassifier().fit(scale(X[tr], X[tr]), y[tr])
        out.append(knn.score(scale(X[te], X[tr]), y[te]))
    return np.array(out)
""",
    ]

    def assess(self, src: Source) -> Assessment:
        if not any(name in src.functions for name in self.entry):
            return Assessment.unknown(f"the function `{next(iter(self.entry))}` was not found at module level")
        analyzer = run_rowflow(src, self.entry)
        out = []
        fn = src.functions[next(iter(self.entry))] if next(iter(self.entry)) in src.functions else None
        for sink in analyzer.flow.sinks:
            if not proven_leak(sink):
                continue
            if fn is not None and unused_result(src, fn, sink.line):
                analyzer.notes.insert(0, (f"`{sink.what.removesuffix('[axis]')}` sees held-out rows, but what it "
                                          "computes is only printed, checked or never used", sink.line))
                continue
            if TARGET in sink.x:
                # a statistic or encoder of the label alone (class counts, a LabelEncoder): not the
                # feature scaling this check is about
                analyzer.notes.insert(0, (f"`{sink.what.removesuffix('[axis]')}` is computed from the labels, which "
                                          "this check does not judge", sink.line))
                continue
            seen = sink.x | sink.y
            rows = (
                "every row, including the rows each fold holds out" if ALL in seen
                else "training and held-out rows put back together" if TRAIN in seen
                else "the held-out rows of the fold"
            )
            out.append(Finding(
                sink.line,
                f"`{sink.what.removesuffix('[axis]')}` learns from {rows}, so the fold's score is inflated by "
                f"information the model should not have; {self.advice}",
            ))
        doubtful = next((s for s in analyzer.flow.sinks if unsure(s)), None)
        return settle(out, analyzer.notes, doubtful,
                      doubtful and f"could not tell which rows `{doubtful.what.removesuffix('[axis]')}` learns from")

    def findings(self, src: Source) -> list[Finding]:
        return self.assess(src).findings
