"""Grader for leakage/scaler-before-split: the scaler learned its statistics from every row.

Runtime (bughunt.families.leakage): on hidden data, half of the specified test rows become
outliers and the other test rows' predictions must not move; supervised fits never see more
labelled rows than the training split; rescaling every column changes no prediction (the
features are still standardized).
Static: the scaler (or any statistic) learns from training rows only (three-valued).
"""
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bughunt.families.leakage.judges import LeakageGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import FitOnTrainingRows

EXERCISE = "leakage/scaler-before-split"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}


class ScalerBeforeSplit(LeakageGrader):
    exercise = EXERCISE
    specs = [
        {"builder": "customers", "n_rows": 260},
        {"builder": "customers", "n_rows": 333, "magnitude": 1e4},
        {"builder": "customers", "n_rows": 64},
    ]
    runs = ("rows", "affine")
    rows_cause = "The scaler (or another fitted step) still learns from test rows."

    def reference_model(self):
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))

    def static_checks(self):
        return [FitOnTrainingRows(ENTRY, step="the scaler or a statistic")]

    def extra_checks(self, notes, check):
        return [
            check(
                "features_scaled", "affine",
                f"Exercise {EXERCISE} should still standardize the features, so rescaling a column does not "
                "change predictions; {found}. Removing the scaler is not a fix.",
                "features are standardized",
            )
        ]

    def extra_evidence(self, judge):
        shift = judge.unchanged("affine", 0)
        if not (shift <= 1e-5):
            judge.note("affine", f"found predictions changing by up to {shift:.3g} once every column was rescaled")

    REFERENCE = (
        (
            """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
""",
            """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
""",
        ),
    )
    PASS = [
        PASS(
            "pipeline fitted on the training split",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
                """    from sklearn.pipeline import make_pipeline
    tr_X, te_X, tr_y, te_y = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000)).fit(tr_X, tr_y)
    return te_y, clf.predict_proba(te_X)[:, 1]""",
            ),
        ),
        PASS(
            "numpy statistics from the training rows, renamed variables",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )""",
                """    a, b, c, d = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    centre = np.mean(a, axis=0)
    spread = a.std(axis=0)
    X_train, X_test, y_train, y_test = (a - centre) / spread, (b - centre) / spread, c, d""",
            ),
        ),
        PASS(
            "scaler fitted then applied, independent lines reordered",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)""",
                """    model = LogisticRegression(C=0.5, max_iter=1000)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_test = scaler.transform(X_test)
    X_train = scaler.transform(X_train)""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "scaler deleted",
            ("    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n", "    X_scaled = X\n"),
            fails="features_scaled",
        ),
        FAIL(
            "second scaler fitted on the test split",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )""",
                """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    X_train = StandardScaler().fit_transform(X_train)
    X_test = StandardScaler().fit_transform(X_test)""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "scaler fitted on train and test stacked together",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )""",
                """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(np.vstack([X_train, X_test]))
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed, stratify=y\n    )\n    model", "test_size=0.4, random_state=7, stratify=y\n    )\n    model"),
            fails=("fit_on_training_rows", "split_unchanged"),
        ),
        FAIL(
            "predictions wrapped in try/except",
            (
                "    model.fit(X_train, y_train)\n    return y_test, model.predict_proba(X_test)[:, 1]",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n    return y_test, model.predict_proba(X_test)[:, 1]",
            ),
            fails=("try_except", "fit_on_training_rows"),
        ),
        FAIL(
            "probabilities shrunk toward one half",
            ("return y_test, model.predict_proba(X_test)[:, 1]", "return y_test, 0.5 + 0.5 * (model.predict_proba(X_test)[:, 1] - 0.5)"),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
    ]


GRADER = ScalerBeforeSplit()
