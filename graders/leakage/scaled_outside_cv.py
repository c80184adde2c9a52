"""Grader for leakage/scaled-outside-cv.

Runtime, on hidden data (every row unique, columns on very different scales):
- the child records the folds the student's KFold produced and a fingerprint of every array
  the KNeighborsClassifier is fitted on. Then it turns the held-out rows of one fold into
  outliers and runs again. In honest cross-validation, the model for that fold is trained on
  bit-for-bit the same data, so its fingerprint reappears; if anything learned from all rows
  (the scaler) every fingerprint changes. Judged in the parent.
- the folds are KFold(N_FOLDS, shuffle=True, random_state=seed), and the mean score matches
  an honest per-fold-scaled estimate computed in the parent (catches a deleted scaler,
  doctored scores).
Static: the scaler (or any statistic) learns from training-derived rows only.
"""
import hashlib

import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.leakage_probe import scale_rows
from bughunt.probe import array, function
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import FitOnTrainingRows
from bughunt.verdict import Check

EXERCISE = "leakage/scaled-outside-cv"
ENTRY = {"cv_scores": {0: {ALL}, 1: {ALL, TARGET}}}
N_FOLDS = 5
N_NEIGHBORS = 7
SCORE_TOLERANCE = 0.02
PERTURBED_FOLDS = (0, 3)

_SHIPPED = """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    model = KNeighborsClassifier(n_neighbors=N_NEIGHBORS)
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(model, X_scaled, y, cv=folds)
"""
_MANUAL = """    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    scores = []
    for train_rows, test_rows in folds.split(X):
        scaler = StandardScaler().fit(X[train_rows])
        model = KNeighborsClassifier(n_neighbors=N_NEIGHBORS)
        model.fit(scaler.transform(X[train_rows]), y[train_rows])
        scores.append(model.score(scaler.transform(X[test_rows]), y[test_rows]))
    return np.array(scores)
"""


def hidden_data(n_rows, seed, weights):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.normal(6.8, 1.0, n_rows),
            rng.gamma(3.0, 2.0, n_rows),
            rng.normal(120, 40, n_rows),
            rng.normal(11.0, 1.3, n_rows),
            rng.normal(0.995, 0.003, n_rows),
            rng.normal(3.2, 0.2, n_rows),
        ]
    )
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(Z @ np.array(weights))))).astype(int)
    return X, y


def reference_scores(X, y, seed):
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=N_NEIGHBORS))
    return cross_val_score(model, X, y, cv=KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed))


class ScaledOutsideCV(Grader):
    exercise = EXERCISE
    functions = {"cv_scores": "cv_scores(X, y, seed) -> array of N_FOLDS fold accuracies"}
    suppression_names = ("try_except", "contextlib_suppress", "score_tampering", "warnings_filter")

    REFERENCE = (
        (
            _SHIPPED,
            """    from sklearn.pipeline import make_pipeline
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=N_NEIGHBORS))
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(model, X, y, cv=folds)
""",
        ),
    )
    PASS = [
        PASS("manual KFold loop, scaler fitted per fold", (_SHIPPED, _MANUAL)),
        PASS(
            "Pipeline object, numpy-free, lines reordered",
            (
                _SHIPPED,
                """    splitter = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    from sklearn.pipeline import Pipeline
    steps = [("scale", StandardScaler()), ("knn", KNeighborsClassifier(n_neighbors=N_NEIGHBORS))]
    scores = cross_val_score(Pipeline(steps), X, y, cv=splitter)
    return scores
""",
            ),
        ),
        PASS(
            "manual loop with numpy statistics of the training fold",
            (
                _SHIPPED,
                """    result = []
    for tr, te in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        mu, sd = X[tr].mean(axis=0), np.std(X[tr], axis=0)
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit((X[tr] - mu) / sd, y[tr])
        result.append(np.mean(knn.predict((X[te] - mu) / sd) == y[te]))
    return np.array(result)
""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "scaler deleted",
            ("    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n", "    X_scaled = X\n"),
            fails="score_matches_honest_estimate",
        ),
        FAIL(
            "each fold scaled with a scaler fitted on its held-out rows",
            (
                _SHIPPED,
                _MANUAL.replace(
                    "        model.fit(scaler.transform(X[train_rows]), y[train_rows])\n"
                    "        scores.append(model.score(scaler.transform(X[test_rows]), y[test_rows]))\n",
                    "        model.fit(scaler.transform(X[train_rows]), y[train_rows])\n"
                    "        X_held = StandardScaler().fit_transform(X[test_rows])\n"
                    "        scores.append(model.score(X_held, y[test_rows]))\n",
                ),
            ),
            fails="fit_on_training_rows",
        ),
        FAIL(
            "scaler fitted per fold on training and held-out rows stacked",
            (
                _SHIPPED,
                _MANUAL.replace(
                    "StandardScaler().fit(X[train_rows])",
                    "StandardScaler().fit(np.vstack([X[train_rows], X[test_rows]]))",
                ),
            ),
            fails=("fit_on_training_rows", "held_out_rows_do_not_influence_training"),
        ),
        FAIL(
            "folds changed to a fixed seed and 3 folds",
            ("    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)\n", "    folds = KFold(n_splits=3, shuffle=True, random_state=1)\n"),
            fails=("fit_on_training_rows", "folds_unchanged"),
        ),
        FAIL(
            "scores rounded down",
            ("    return cross_val_score(model, X_scaled, y, cv=folds)\n", "    return np.floor(cross_val_score(model, X_scaled, y, cv=folds) * 10) / 10\n"),
            fails=("score_tampering", "fit_on_training_rows", "held_out_rows_do_not_influence_training"),
        ),
        FAIL(
            "correct fix, but the scoring wrapped in try/except",
            (
                _SHIPPED,
                """    from sklearn.pipeline import make_pipeline
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=N_NEIGHBORS))
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    try:
        return cross_val_score(model, X, y, cv=folds)
    except ValueError:
        return np.zeros(N_FOLDS)
""",
            ),
            fails="try_except",
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        specs = [(230, 7707, (1.1, -0.4, 0.2, 1.2, -0.9, 0.6), 19), (285, 8808, (-0.8, 0.3, -0.1, 1.0, -1.1, 0.7), 37)]
        return [dict(zip(("X", "y"), hidden_data(n, s, w)), seed=split_seed) for n, s, w, split_seed in specs]

    # --- child side ---------------------------------------------------------------
    def instrument(self):
        from sklearn.model_selection import KFold
        from sklearn.neighbors import KNeighborsClassifier

        folds = self._folds = []
        prints = self._prints = []
        original_split = KFold.split
        original_fit = KNeighborsClassifier.fit

        def split(splitter, X, y=None, groups=None):
            for train, test in original_split(splitter, X, y, groups):
                folds.append((len(X), np.array(test)))
                yield train, test

        def fit(model, X, y, *args, **kwargs):
            data = np.ascontiguousarray(np.asarray(X, dtype=float))
            prints.append(hashlib.sha1(data.tobytes() + str(data.shape).encode()).hexdigest())
            return original_fit(model, X, y, *args, **kwargs)

        KFold.split = split
        KNeighborsClassifier.fit = fit

    def probe(self, student, case):
        fn = function(student, "cv_scores", 3)
        X, y, seed = case["X"], case["y"], case["seed"]

        def run(data):
            self._folds.clear()
            self._prints.clear()
            scores = array(fn(data.copy(), y.copy(), seed), "the returned fold scores", ndim=1)
            return scores, [t for n, t in self._folds if n == len(X)], list(self._prints)

        scores, folds, prints = run(X)
        obs = {"scores": scores, "folds": folds, "prints": prints, "perturbed": []}
        for k in PERTURBED_FOLDS:
            if k < len(folds):
                _, folds_k, prints_k = run(scale_rows(X, folds[k]))
                same = len(folds_k) == len(folds) and all(np.array_equal(a, b) for a, b in zip(folds, folds_k))
                obs["perturbed"].append({"fold": k, "same_folds": same, "shared": len(set(prints) & set(prints_k))})
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [
            FitOnTrainingRows(
                ENTRY,
                step="the scaler or a statistic",
                advice="inside cross-validation, learn it from each fold's training rows only and apply it "
                "unchanged to that fold's held-out rows",
            )
        ]

    def judge(self, results):
        from sklearn.model_selection import KFold

        fold_msgs, shape_msgs, leak_msgs, score_msgs = [], [], [], []
        for r, case in zip(results, self.cases()):
            o = r.obs
            where = f"on hidden case {r.index + 1}"
            expected = [t for _, t in KFold(n_splits=N_FOLDS, shuffle=True, random_state=case["seed"]).split(case["X"])]
            folds = o["folds"][: len(expected)] if len(o["folds"]) >= len(expected) else o["folds"]
            if not o["folds"]:
                fold_msgs.append("found no KFold splitting the data")
            elif len(folds) != len(expected) or not all(np.array_equal(a, b) for a, b in zip(folds, expected)):
                fold_msgs.append(
                    "found different folds (another number of folds, shuffle setting or random_state): "
                    "changing the folds only hides the leak"
                )
            scores = o["scores"]
            if scores.shape != (N_FOLDS,) or not np.all(np.isfinite(scores)) or np.any((scores < 0) | (scores > 1)):
                shape_msgs.append(f"found {scores.shape[0]} values (need {N_FOLDS} accuracies in [0, 1], no NaN)")
            else:
                honest = float(reference_scores(case["X"], case["y"], case["seed"]).mean())
                if abs(float(scores.mean()) - honest) > SCORE_TOLERANCE:
                    score_msgs.append(f"found a mean accuracy of {scores.mean():.3f} where honest per-fold scaling gives {honest:.3f} {where}")
            if not o["prints"]:
                leak_msgs.append("found no KNeighborsClassifier being trained")
            for p in o["perturbed"]:
                if not p["same_folds"]:
                    fold_msgs.append("found the folds changing when the data changed")
                elif p["shared"] == 0:
                    leak_msgs.append(
                        f"found the training data of fold {p['fold'] + 1} changing when only that fold's "
                        f"held-out rows changed {where}"
                    )

        return [
            Check(
                "folds_unchanged",
                "runtime",
                not fold_msgs,
                f"Exercise {EXERCISE} should keep the folds (KFold with n_splits=N_FOLDS, shuffle=True, "
                f"random_state=seed); {fold_msgs[0]}" if fold_msgs else "the folds are as specified",
            ),
            Check(
                "returns_fold_scores",
                "runtime",
                not shape_msgs,
                f"Exercise {EXERCISE} should return one accuracy per fold; {shape_msgs[0]}"
                if shape_msgs
                else "returns one accuracy per fold",
                root_cause=False,
            ),
            Check(
                "held_out_rows_do_not_influence_training",
                "runtime",
                not leak_msgs and not fold_msgs,
                (
                    f"Exercise {EXERCISE} should train each fold's model on data that its held-out rows cannot "
                    f"affect; {leak_msgs[0]}. The scaling is still learned from rows that the fold is meant "
                    "to hold out."
                )
                if leak_msgs
                else (
                    f"Exercise {EXERCISE} could not check whether held-out rows influence training, because "
                    "the folds were not as specified"
                    if fold_msgs
                    else "held-out rows do not influence the model of their fold"
                ),
            ),
            Check(
                "score_matches_honest_estimate",
                "runtime",
                not score_msgs and not shape_msgs,
                (
                    f"Exercise {EXERCISE} should report the accuracy of a model that scales its features "
                    f"within each fold; {score_msgs[0]}. Removing the scaling or adjusting the scores is not a fix."
                )
                if score_msgs
                else "the reported accuracy matches an honest cross-validation",
                root_cause=False,
            ),
        ]


GRADER = ScaledOutsideCV()
