"""Grader for leakage/selection-and-scaling: two leaks in one pipeline, reported separately.

Runtime (bughunt.families.leakage), on hidden data with many pure-noise signals (so the
chosen features depend on which rows the ranking saw):
- half of the specified test rows become outliers: the other test rows' predictions must not
  move (any leak through the features: the scaler and the selector);
- the labels of the test rows are flipped (the split is not stratified, so it stays): the test
  predictions must not move (the selection leak: the scaler never sees labels); supervised
  fits never see more labelled rows than the training split;
- rescaling every column changes no prediction (the scaling step is still there);
- the LogisticRegression is trained on N_KEEP columns (the selection step is still there).
Static: two named three-valued checks, one for the scaler (and any other fitted step), one
for the feature selection (selectors, univariate scores, correlations with the label).
"""
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bughunt.families.leakage.judges import LeakageGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import FitOnTrainingRows

EXERCISE = "leakage/selection-and-scaling"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
N_KEEP = 8

_SELECTORS = {
    "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect",
    "SelectFromModel", "RFE", "RFECV", "SequentialFeatureSelector", "VarianceThreshold",
}
_PIPELINES = {"Pipeline", "make_pipeline"}
_SCORE_WORDS = ("corrcoef", "cov", "f_classif", "f_regression", "r_regression", "chi2", "mutual_info")


def _classes(sink):
    return {q.rsplit(".", 1)[-1] for q in sink.obj}


def is_selection(sink) -> bool:
    """A sink that ranks or chooses features: a selector, a univariate score, a correlation,
    a statistic that involves the label, or a whole pipeline (which contains the selector)."""
    if _classes(sink) & (_SELECTORS | _PIPELINES):
        return True
    if sink.kind == "stat" and (any(w in sink.what for w in _SCORE_WORDS) or TARGET in (sink.x | sink.y)):
        return True
    return False


def is_scaling(sink) -> bool:
    """Everything else that learns from data (the scaler, column statistics, the model itself)."""
    return not is_selection(sink) or bool(_classes(sink) & _PIPELINES)


_SHIPPED = """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_best = selector.fit_transform(X_scaled, y)
    X_train, X_test, y_train, y_test = train_test_split(X_best, y, test_size=TEST_SIZE, random_state=seed)
"""
_SPLIT_RAW = "    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)\n"


BODY = _SHIPPED + """    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]"""
SIGNATURE = "def train_and_predict(X, y, seed):\n"
SPLIT = "train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)"


class SelectionAndScaling(LeakageGrader):
    exercise = EXERCISE
    specs = [
        {"builder": "many_signals", "n_rows": 220, "n_signals": 48, "n_informative": 5},
        {"builder": "many_signals", "n_rows": 268, "n_signals": 60, "n_informative": 6},
        {"builder": "many_signals", "n_rows": 90, "n_signals": 30, "n_informative": 4},
    ]
    stratify = False
    split_text = "train_test_split with test_size=TEST_SIZE and random_state=seed, on the full data"
    runs = ("rows", "labels", "affine")
    watch = ("sklearn.linear_model:LogisticRegression", "sklearn.feature_selection:SelectKBest")
    rows_check = "test_features_do_not_influence_training"
    rows_cause = "A step that learns from the features (the scaler or the feature ranking) still sees the test rows."
    skill_margin = 0.15

    def reference_model(self):
        return make_pipeline(StandardScaler(), SelectKBest(f_classif, k=N_KEEP), LogisticRegression(C=1.0, max_iter=1000))

    def static_checks(self):
        return [
            FitOnTrainingRows(
                ENTRY,
                select=is_scaling,
                step="the scaler (and every other fitted step)",
                name="scaler_fit_on_training_rows",
                advice="learn the scaling from the training rows only, then apply it unchanged to the test rows",
            ),
            FitOnTrainingRows(
                ENTRY,
                select=is_selection,
                step="the feature selection",
                name="selector_fit_on_training_rows",
                advice="rank and choose the features using the training rows and labels only, then keep "
                "the same columns for the test rows",
            ),
        ]

    def extra_checks(self, notes, check):
        return [
            check(
                "features_scaled", "affine",
                f"Exercise {EXERCISE} should still standardize the features, so rescaling a column does not "
                "change predictions; {found}. Removing the scaler is not a fix.",
                "features are standardized",
            ),
            check(
                "features_selected", "width",
                f"Exercise {EXERCISE} should still train the LogisticRegression on the N_KEEP = {N_KEEP} selected "
                "features; {found}. Removing the selection is not a fix.",
                f"the model is trained on the {N_KEEP} selected features",
                needs_split=False,
            ),
        ]


    def case_evidence(self, judge):
        model_fits = judge.fits(0)
        if len(model_fits) == 0:
            judge.note("width", "found no LogisticRegression being trained")
        elif model_fits[-1][2] != N_KEEP:
            judge.note("width", f"found it trained on {model_fits[-1][2]} columns")

    REFERENCE = (
        (
            _SHIPPED,
            _SPLIT_RAW
            + """    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_train = selector.fit_transform(X_train, y_train)
    X_test = selector.transform(X_test)
""",
        ),
    )
    PASS = [
        PASS(
            "one pipeline fitted on the training split",
            (
                _SHIPPED + "    model = LogisticRegression(C=1.0, max_iter=1000)\n",
                """    from sklearn.pipeline import make_pipeline
    tr_X, te_X, tr_y, te_y = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)
    X_train, X_test, y_train, y_test = tr_X, te_X, tr_y, te_y
    model = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=N_KEEP), LogisticRegression(C=1.0, max_iter=1000))
""",
            ),
        ),
        PASS(
            "numpy statistics and correlation ranking on the training rows",
            (
                _SHIPPED,
                """    a, b, c, d = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)
    centre, spread = a.mean(axis=0), np.std(a, axis=0)
    za, zb = (a - centre) / spread, (b - centre) / spread
    r = np.corrcoef(za, c, rowvar=False)[-1, :-1]
    keep = np.argsort(-np.abs(r))[:N_KEEP]
    X_train, X_test, y_train, y_test = za[:, keep], zb[:, keep], c, d
""",
            ),
        ),
        PASS(
            "select first, then scale, independent lines reordered",
            (
                _SHIPPED + "    model = LogisticRegression(C=1.0, max_iter=1000)\n",
                "    model = LogisticRegression(C=1.0, max_iter=1000)\n"
                + _SPLIT_RAW
                + """    chosen = SelectKBest(f_classif, k=N_KEEP).fit(X_train, y_train)
    X_test, X_train = chosen.transform(X_test), chosen.transform(X_train)
    scaler = StandardScaler().fit(X_train)
    X_test = scaler.transform(X_test)
    X_train = scaler.transform(X_train)
""",
            ),
        ),
        PASS(
            "named Pipeline fitted on the rows outside a boolean test mask",
            (
                BODY,
                """    from sklearn.pipeline import Pipeline

    _, test = train_test_split(np.arange(len(X)), test_size=TEST_SIZE, random_state=seed)
    held_out = np.zeros(len(X), dtype=bool)
    held_out[test] = True
    steps = [("scale", StandardScaler()), ("pick", SelectKBest(f_classif, k=N_KEEP)), ("model", LogisticRegression(C=1.0, max_iter=1000))]
    pipe = Pipeline(steps).fit(X[~held_out], y[~held_out])
    return y[held_out], pipe.predict_proba(X[held_out])[:, 1]""",
            ),
        ),
        PASS(
            "a model class that scales and ranks inside fit",
            (
                SIGNATURE,
                """class ResponseModel:
    def __init__(self, keep=N_KEEP):
        self.keep = keep

    def fit(self, features, labels):
        self.centre, self.spread = features.mean(axis=0), features.std(axis=0)
        scores, _ = f_classif(features, labels)
        self.columns = np.argsort(scores)[::-1][: self.keep]
        self.model = LogisticRegression(C=1.0, max_iter=1000).fit(self._prepare(features), labels)
        return self

    def _prepare(self, features):
        return ((features - self.centre) / self.spread)[:, self.columns]

    def predict_proba(self, features):
        return self.model.predict_proba(self._prepare(features))


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    response = ResponseModel().fit(X_train, y_train)
    return y_test, response.predict_proba(X_test)[:, 1]""",
            ),
        ),
        PASS(
            "helper with a default k, closure that applies the chosen columns",
            (
                SIGNATURE,
                """def chosen_columns(features, labels, k=N_KEEP):
    return SelectKBest(f_classif, k=k).fit(features, labels).get_support(indices=True)


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    keep = chosen_columns(X_train, y_train)
    mu, sd = X_train[:, keep].mean(axis=0), X_train[:, keep].std(axis=0)

    def prepare(block):
        return (block[:, keep] - mu) / sd

    model = LogisticRegression(C=1.0, max_iter=1000).fit(prepare(X_train), y_train)
    return y_test, model.predict_proba(prepare(X_test))[:, 1]""",
            ),
        ),
        PASS(
            "pandas correlation ranking with the training labels",
            (
                BODY,
                f"""    import pandas as pd

    frame = pd.DataFrame(X)
    train_df, test_df, y_train, y_test = train_test_split(frame, y, test_size=TEST_SIZE, random_state=seed)
    strength = train_df.corrwith(pd.Series(y_train, index=train_df.index)).abs()
    keep = strength.sort_values(ascending=False).index[:N_KEEP]
    scaler = StandardScaler().fit(train_df[keep])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(train_df[keep]), y_train)
    return y_test, model.predict_proba(scaler.transform(test_df[keep]))[:, 1]""",
            ),
        ),
        PASS(
            "split options and parts in dicts, score function as a lambda",
            (
                BODY,
                """    options = {"test_size": TEST_SIZE, "random_state": seed}
    part = dict(zip(("X", "X_new", "y", "y_new"), train_test_split(X, y, **options)))
    ranker = SelectKBest(lambda A, b: f_classif(A, b)[0], k=N_KEEP).fit(part["X"], part["y"])
    scaler = StandardScaler().fit(ranker.transform(part["X"]))
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(ranker.transform(part["X"])), part["y"])
    return part["y_new"], model.predict_proba(scaler.transform(ranker.transform(part["X_new"])))[:, 1]""",
            ),
        ),
        PASS(
            "training rows as the complement of the test rows, method chains",
            (
                BODY,
                """    rows = np.arange(len(X))
    _, test = train_test_split(rows, test_size=TEST_SIZE, random_state=seed)
    train = np.setdiff1d(rows, test)
    keep = np.argsort(f_classif(X[train], y[train])[0])[-N_KEEP:]
    scaler = StandardScaler().fit(X[train][:, keep])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(X[train][:, keep]), y[train])
    return y[test], model.predict_proba(scaler.transform(np.take(X, test, axis=0)[:, keep])).T[1]""",
            ),
        ),
        PASS(
            "missing-free check printed over every row, then the reference fix",
            (
                _SHIPPED,
                '    print("columns:", X.shape[1], "mean signal spread:", float(np.mean(X.std(axis=0))))\n'
                + _SPLIT_RAW
                + """    scaler = StandardScaler().fit(X_train)
    selector = SelectKBest(f_classif, k=N_KEEP).fit(scaler.transform(X_train), y_train)
    X_train = selector.transform(scaler.transform(X_train))
    X_test = selector.transform(scaler.transform(X_test))
""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "only the scaler fixed: features still chosen on every row",
            (
                _SHIPPED,
                """    selector = SelectKBest(f_classif, k=N_KEEP)
    X_best = selector.fit_transform(X, y)
    X_train, X_test, y_train, y_test = train_test_split(X_best, y, test_size=TEST_SIZE, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "only the selection fixed: scaler still fitted on every row",
            (
                _SHIPPED,
                """    X_scaled = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=TEST_SIZE, random_state=seed)
    selector = SelectKBest(f_classif, k=N_KEEP).fit(X_train, y_train)
    X_train, X_test = selector.transform(X_train), selector.transform(X_test)
""",
            ),
            fails=("scaler_fit_on_training_rows", "test_features_do_not_influence_training"),
        ),
        FAIL(
            "only the scaler fixed, features ranked with numpy on every row",
            (
                _SHIPPED,
                """    r = np.corrcoef(X, y, rowvar=False)[-1, :-1]
    keep = np.argsort(-np.abs(r))[:N_KEEP]
    X_train, X_test, y_train, y_test = train_test_split(X[:, keep], y, test_size=TEST_SIZE, random_state=seed)
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "scaler deleted, selection fixed",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    selector = SelectKBest(f_classif, k=N_KEEP).fit(X_train, y_train)
    X_train, X_test = selector.transform(X_train), selector.transform(X_test)
""",
            ),
            fails="features_scaled",
        ),
        FAIL(
            "only the scaler fixed, features ranked with f_classif scores on every row",
            (
                _SHIPPED,
                """    f_scores, _ = f_classif(X, y)
    top = np.argsort(f_scores)[::-1][:N_KEEP]
    X_train, X_test, y_train, y_test = train_test_split(X[:, top], y, test_size=TEST_SIZE, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "selection deleted",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails="features_selected",
        ),
        FAIL(
            "selector fitted on train and test stacked together",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    selector = SelectKBest(f_classif, k=N_KEEP).fit(np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]))
    X_train, X_test = selector.transform(X_train), selector.transform(X_test)
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed)\n    model", "test_size=0.4, random_state=5)\n    model"),
            fails=("scaler_fit_on_training_rows", "selector_fit_on_training_rows", "split_unchanged"),
        ),
        FAIL(
            "both leaks fixed, but the fit wrapped in try/except",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_train = selector.fit_transform(X_train, y_train)
    X_test = selector.transform(X_test)
""",
            ),
            (
                "    model.fit(X_train, y_train)\n",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n",
            ),
            fails="try_except",
        ),
        FAIL(
            "a ranking class fitted on every row and label",
            (
                SIGNATURE,
                """class Ranker:
    def fit(self, features, labels):
        self.columns = np.argsort(f_classif(features, labels)[0])[-N_KEEP:]
        return self


""" + SIGNATURE,
            ),
            (
                _SHIPPED,
                """    columns = Ranker().fit(X, y).columns
    X_train, X_test, y_train, y_test = train_test_split(X[:, columns], y, test_size=TEST_SIZE, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails=("test_labels_do_not_influence_training", "test_features_do_not_influence_training"),
        ),
        FAIL(
            "features ranked by pandas correlations over every row",
            (
                _SHIPPED,
                """    import pandas as pd

    strength = pd.DataFrame(X).corrwith(pd.Series(y)).abs()
    keep = strength.sort_values(ascending=False).index[:N_KEEP].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(X[:, keep], y, test_size=TEST_SIZE, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails=("test_labels_do_not_influence_training",),
        ),
    ]


GRADER = SelectionAndScaling()
