"""Grader for leakage/scaled-outside-cv: data, contract and examples.

The checks live in bughunt.families.leakage.cv_judges.FoldGrader (parent) and
cv_probes.FOLD_SCORES (child): on hidden data, some held-out rows of a fold become outliers;
the data that fold's nearest-neighbour model is trained on (training side) and the values
it is given for the fold's other held-out rows (held-out side) must not change. The folds
must be KFold(N_FOLDS, shuffle=True, random_state=seed) and the mean accuracy must match a
model standardized within each fold. Static: bughunt.static.cv_leakage (three-valued).
"""
from bughunt.families.leakage.cv_judges import FoldGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.cv_leakage import FoldFitOnTrainingRows

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
_PIPELINE = """    from sklearn.pipeline import make_pipeline
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=N_NEIGHBORS))
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(model, X, y, cv=folds)
"""


def body(code: str) -> tuple[str, str]:
    """An example that replaces the body of `cv_scores`."""
    return (_SHIPPED, code)


class ScaledOutsideCV(FoldGrader):
    exercise = "leakage/scaled-outside-cv"
    functions = {"cv_scores": "cv_scores(X, y, seed) -> array of N_FOLDS fold accuracies"}
    fn = "cv_scores"
    n_folds = 5  # N_FOLDS in the exercise
    n_neighbors = 7  # N_NEIGHBORS in the exercise
    sizes = (230, 285)

    def static_checks(self):
        return [FoldFitOnTrainingRows()]

    REFERENCE = (body(_PIPELINE),)
    PASS = [
        PASS("manual KFold loop, scaler fitted per fold", body(_MANUAL)),
        PASS(
            "Pipeline object, numpy-free, lines reordered",
            body("""    splitter = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    from sklearn.pipeline import Pipeline
    steps = [("scale", StandardScaler()), ("knn", KNeighborsClassifier(n_neighbors=N_NEIGHBORS))]
    scores = cross_val_score(Pipeline(steps), X, y, cv=splitter)
    return scores
"""),
        ),
        PASS(
            "manual loop with numpy statistics of the training fold",
            body("""    result = []
    for tr, te in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        mu, sd = X[tr].mean(axis=0), np.std(X[tr], axis=0)
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit((X[tr] - mu) / sd, y[tr])
        result.append(np.mean(knn.predict((X[te] - mu) / sd) == y[te]))
    return np.array(result)
"""),
        ),
        PASS(
            "enumerate over the folds, closure that scores one fold",
            body("""    def fold_accuracy(train_idx, test_idx):
        scaler = StandardScaler().fit(X[train_idx])
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit(scaler.transform(X[train_idx]), y[train_idx])
        return knn.score(scaler.transform(X[test_idx]), y[test_idx])

    scores = np.zeros(N_FOLDS)
    for fold, (train_idx, test_idx) in enumerate(KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X)):
        scores[fold] = fold_accuracy(train_idx, test_idx)
    return scores
"""),
        ),
        PASS(
            "a model class with fit/predict that scales itself, scored by cross_val_score",
            (
                "def cv_scores(X, y, seed):\n",
                """class ScaledNeighbours(ClassifierMixin, BaseEstimator):
    def __init__(self, k=N_NEIGHBORS):
        self.k = k

    def fit(self, X, y):
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0)
        self.knn_ = KNeighborsClassifier(n_neighbors=self.k).fit((X - self.mean_) / self.scale_, y)
        self.classes_ = self.knn_.classes_
        return self

    def predict(self, X):
        return self.knn_.predict((X - self.mean_) / self.scale_)


def cv_scores(X, y, seed):
""",
            ),
            ("from sklearn.preprocessing import StandardScaler\n",
             "from sklearn.preprocessing import StandardScaler\nfrom sklearn.base import BaseEstimator, ClassifierMixin\n"),
            body("""    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(ScaledNeighbours(), X, y, cv=folds)
"""),
        ),
        PASS(
            "list of folds, helper with default arguments, boolean masks",
            (
                "def cv_scores(X, y, seed):\n",
                """def score_fold(X, y, held_out, k=N_NEIGHBORS, scaler_class=StandardScaler):
    training = ~held_out
    scaler = scaler_class().fit(X[training])
    knn = KNeighborsClassifier(n_neighbors=k).fit(scaler.transform(X[training]), y[training])
    return float(np.mean(knn.predict(scaler.transform(X[held_out])) == y[held_out]))


def cv_scores(X, y, seed):
""",
            ),
            body("""    folds = list(KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X))
    out = []
    for i in range(len(folds)):
        mask = np.zeros(len(X), dtype=bool)
        mask[folds[i][1]] = True
        out.append(score_fold(X, y, mask))
    return np.asarray(out)
"""),
        ),
        PASS(
            "cross_validate with a dict of parameters",
            body("""    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline
    params = {"n_neighbors": N_NEIGHBORS}
    options = dict(cv=KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed), scoring="accuracy")
    result = cross_validate(make_pipeline(StandardScaler(), KNeighborsClassifier(**params)), X, y, **options)
    return result["test_score"]
"""),
        ),
        PASS(
            "pandas frames, generator of folds zipped with fold numbers",
            (
                "def cv_scores(X, y, seed):\n",
                """def fold_frames(frame, labels, splitter):
    for train_rows, test_rows in splitter.split(frame):
        yield frame.iloc[train_rows], labels[train_rows], frame.iloc[test_rows], labels[test_rows]


def cv_scores(X, y, seed):
""",
            ),
            body("""    import pandas as pd
    frame = pd.DataFrame(X, columns=[f"m{j}" for j in range(X.shape[1])])
    splitter = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    scores = []
    for number, (a, b, c, d) in zip(range(N_FOLDS), fold_frames(frame, y, splitter)):
        mu, sd = a.mean(), a.std(ddof=0)
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit(((a - mu) / sd).to_numpy(), b)
        scores.append(knn.score(((c - mu) / sd).to_numpy(), d))
    return np.array(scores)
"""),
        ),
        PASS(
            "np.take and np.setdiff1d, scaler applied with a lambda",
            body("""    everything = np.arange(len(X))
    out = []
    for _, held in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        kept = np.setdiff1d(everything, held)
        X_fit, X_held = np.take(X, kept, axis=0), np.take(X, held, axis=0)
        s = StandardScaler().fit(X_fit)
        apply = lambda A: s.transform(A)
        model = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit(apply(X_fit), y[kept])
        out.append(model.score(apply(X_held), y[held]))
    return np.array(out)
"""),
        ),
        PASS(
            "training rows of each fold shuffled with the global random state",
            body(_MANUAL.replace(
                "        scaler = StandardScaler().fit(X[train_rows])\n",
                "        np.random.shuffle(train_rows)\n        scaler = StandardScaler().fit(X[train_rows])\n",
            )),
        ),
        PASS(
            "old scaling left in place unused; cross_val_predict scored per fold",
            ("    return cross_val_score(model, X_scaled, y, cv=folds)\n",
             """    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    predicted = cross_val_predict(make_pipeline(StandardScaler(), model), X, y, cv=folds)
    return np.array([np.mean(predicted[te] == y[te]) for _, te in folds.split(X)])
"""),
        ),
        PASS(
            "majority vote over kneighbors, written by hand",
            body("""    out = []
    for tr, te in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        sc = StandardScaler().fit(X[tr])
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit(sc.transform(X[tr]), y[tr])
        _, nearest = knn.kneighbors(sc.transform(X[te]))
        votes = y[tr][nearest].mean(axis=1)
        out.append(np.mean((votes > 0.5).astype(int) == y[te]))
    return np.array(out)
"""),
        ),
    ]
    FAIL = [
        FAIL(
            "scaler deleted",
            ("    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n", "    X_scaled = X\n"),
            fails="score_matches_honest_estimate",
        ),
        FAIL(
            "each fold's held-out rows scaled with a scaler fitted on themselves",
            body(_MANUAL.replace(
                "        scores.append(model.score(scaler.transform(X[test_rows]), y[test_rows]))\n",
                "        X_held = StandardScaler().fit_transform(X[test_rows])\n"
                "        scores.append(model.score(X_held, y[test_rows]))\n",
            )),
            fails=("fit_on_training_rows", "held_out_rows_transformed_independently"),
        ),
        FAIL(
            "held-out rows standardized with their own mean and deviation (numpy)",
            body("""    result = []
    for tr, te in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit((X[tr] - mu) / sd, y[tr])
        held = (X[te] - X[te].mean(axis=0)) / X[te].std(axis=0)
        result.append(knn.score(held, y[te]))
    return np.array(result)
"""),
            fails=("fit_on_training_rows", "held_out_rows_transformed_independently"),
        ),
        FAIL(
            "scaler fitted per fold on training and held-out rows stacked",
            body(_MANUAL.replace(
                "StandardScaler().fit(X[train_rows])",
                "StandardScaler().fit(np.vstack([X[train_rows], X[test_rows]]))",
            )),
            fails=("fit_on_training_rows", "held_out_rows_do_not_influence_training"),
        ),
        FAIL(
            "folds changed to a fixed seed and 3 folds",
            ("    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)\n",
             "    folds = KFold(n_splits=3, shuffle=True, random_state=1)\n"),
            fails=("fit_on_training_rows", "folds_unchanged"),
        ),
        FAIL(
            "scores rounded down",
            ("    return cross_val_score(model, X_scaled, y, cv=folds)\n",
             "    return np.floor(cross_val_score(model, X_scaled, y, cv=folds) * 10) / 10\n"),
            fails=("score_tampering", "fit_on_training_rows", "held_out_rows_do_not_influence_training"),
        ),
        FAIL(
            "correct fix, but the scoring wrapped in try/except",
            body("""    from sklearn.pipeline import make_pipeline
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=N_NEIGHBORS))
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    try:
        return cross_val_score(model, X, y, cv=folds)
    except ValueError:
        return np.zeros(N_FOLDS)
"""),
            fails="try_except",
        ),
        FAIL(
            "scaling on all rows hidden in a lambda used inside the folds",
            body("""    scale = lambda A: (A - X.mean(axis=0)) / X.std(axis=0)
    out = []
    for tr, te in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit(scale(X[tr]), y[tr])
        out.append(knn.score(scale(X[te]), y[te]))
    return np.array(out)
"""),
            fails=("held_out_rows_do_not_influence_training", "held_out_rows_transformed_independently"),
        ),
        FAIL(
            "pipeline added, but the data still pre-scaled on all rows",
            body("""    from sklearn.pipeline import make_pipeline
    X_scaled = StandardScaler().fit_transform(X)
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=N_NEIGHBORS))
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(model, X_scaled, y, cv=folds)
"""),
            fails=("fit_on_training_rows", "held_out_rows_do_not_influence_training"),
        ),
        FAIL(
            "a different scaler, still fitted on all rows",
            ("    scaler = StandardScaler()\n", "    from sklearn.preprocessing import MinMaxScaler\n    scaler = MinMaxScaler()\n"),
            fails=("fit_on_training_rows", "held_out_rows_do_not_influence_training"),
        ),
        FAIL(
            "model class that learns its scaling once, from every row, in a helper",
            (
                "def cv_scores(X, y, seed):\n",
                """class Standardizer:
    def __init__(self, data):
        self.mu, self.sd = data.mean(axis=0), data.std(axis=0)

    def __call__(self, A):
        return (A - self.mu) / self.sd


def cv_scores(X, y, seed):
""",
            ),
            body(_MANUAL.replace("        scaler = StandardScaler().fit(X[train_rows])\n", "").replace(
                "    scores = []\n", "    scores = []\n    scaler = Standardizer(X)\n"
            ).replace("scaler.transform(", "scaler(")),
            fails=("held_out_rows_do_not_influence_training", "held_out_rows_transformed_independently"),
        ),
        FAIL(
            "sklearn's scale() applied to the training rows and, separately, to the held-out rows",
            body("""    from sklearn.preprocessing import scale
    out = []
    for tr, te in KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X):
        knn = KNeighborsClassifier(n_neighbors=N_NEIGHBORS).fit(scale(X[tr]), y[tr])
        out.append(knn.score(scale(X[te]), y[te]))
    return np.array(out)
"""),
            fails=("held_out_rows_transformed_independently",),
        ),
    ]


GRADER = ScaledOutsideCV()
