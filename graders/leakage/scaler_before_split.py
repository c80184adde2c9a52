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


BODY = """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]"""
SIGNATURE = "def train_and_predict(X, y, seed):\n"
SPLIT = "train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)"


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
        PASS(
            "row indices split, training rows as the complement of the test rows",
            (
                BODY,
                """    rows = np.arange(len(X))
    _, test = train_test_split(rows, test_size=TEST_SIZE, random_state=seed, stratify=y)
    train = np.setdiff1d(rows, test)
    scaler = StandardScaler().fit(np.take(X, train, axis=0))
    model = LogisticRegression(C=0.5, max_iter=1000).fit(scaler.transform(X[train]), y[train])
    return y[test], model.predict_proba(scaler.transform(X[test]))[:, 1]""",
            ),
        ),
        PASS(
            "boolean mask of the held-out rows, test rows in file order",
            (
                BODY,
                """    _, test = train_test_split(np.arange(len(X)), test_size=TEST_SIZE, random_state=seed, stratify=y)
    held_out = np.zeros(len(X), dtype=bool)
    held_out[test] = True
    scaler = StandardScaler().fit(X[~held_out])
    model = LogisticRegression(C=0.5, max_iter=1000).fit(scaler.transform(X[~held_out]), y[~held_out])
    return y[held_out], model.predict_proba(scaler.transform(X[held_out]))[:, 1]""",
            ),
        ),
        PASS(
            "model class with fit and predict_proba that standardizes itself",
            (
                SIGNATURE,
                """class ScaledChurnModel:
    def __init__(self, C=0.5):
        self.C = C

    def _z(self, block):
        return (block - self.centre) / self.spread

    def fit(self, features, labels):
        self.centre, self.spread = features.mean(axis=0), features.std(axis=0)
        self.model = LogisticRegression(C=self.C, max_iter=1000).fit(self._z(features), labels)
        return self

    def predict_proba(self, features):
        return self.model.predict_proba(self._z(features))


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    churn = ScaledChurnModel().fit(X_train, y_train)
    return y_test, churn.predict_proba(X_test)[:, 1]""",
            ),
        ),
        PASS(
            "closure with a default argument holding the training rows",
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}

    def standardize(block, reference=X_train):
        return (block - reference.mean(axis=0)) / reference.std(axis=0)

    model = LogisticRegression(C=0.5, max_iter=1000).fit(standardize(X_train), y_train)
    return y_test, model.predict_proba(standardize(X_test))[:, 1]""",
            ),
        ),
        PASS(
            "split options in a dict, parts in a dict, scaler fitted in batches",
            (
                BODY,
                """    options = {"test_size": TEST_SIZE, "random_state": seed, "stratify": y}
    parts = dict(zip(("train", "test", "y_train", "y_test"), train_test_split(X, y, **options)))
    scaler = StandardScaler()
    for start in range(0, len(parts["train"]), 64):
        scaler.partial_fit(parts["train"][start:start + 64])
    model = LogisticRegression(C=0.5, max_iter=1000).fit(scaler.transform(parts["train"]), parts["y_train"])
    return parts["y_test"], model.predict_proba(scaler.transform(parts["test"]))[:, 1]""",
            ),
        ),
        PASS(
            "pandas frames, statistics of the training frame",
            (
                BODY,
                """    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    train_df, test_df, y_train, y_test = train_test_split(frame, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    centre, spread = train_df.mean(), train_df.std(ddof=0)
    model = LogisticRegression(C=0.5, max_iter=1000).fit(((train_df - centre) / spread).to_numpy(), y_train)
    return np.asarray(y_test), model.predict_proba(((test_df - centre) / spread).to_numpy())[:, 1]""",
            ),
        ),
        PASS(
            "StratifiedShuffleSplit indices and a helper that returns a predictor",
            (
                SIGNATURE,
                """def fitted_predictor(features, labels, C=0.5, make_scaler=StandardScaler):
    scaler = make_scaler().fit(features)
    model = LogisticRegression(C=C, max_iter=1000).fit(scaler.transform(features), labels)
    return lambda rows: model.predict_proba(scaler.transform(rows))[:, 1]


""" + SIGNATURE,
            ),
            (
                BODY,
                """    from sklearn.model_selection import StratifiedShuffleSplit

    splitter = StratifiedShuffleSplit(n_splits=1, test_size=TEST_SIZE, random_state=seed)
    train, test = next(splitter.split(X, y))
    predict = fitted_predictor(X[train], y[train])
    return y[test], predict(X[test])""",
            ),
        ),
        PASS(
            "method chains on call results",
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    scaler = StandardScaler().fit(np.asarray(X_train, dtype=float))
    model = LogisticRegression(C=0.5, max_iter=1000).fit(scaler.transform(X_train).astype(float), y_train)
    return np.asarray(y_test).ravel(), model.predict_proba(scaler.transform(X_test)).T[1].copy()""",
            ),
        ),
        PASS(
            "pandas frame, a mask filled from split indices, feature names from df.columns",
            ("import numpy as np\n", "import numpy as np\nimport pandas as pd\n"),
            (
                BODY,
                """    df = pd.DataFrame(X)
    df["y"] = y
    _, test_idx = train_test_split(np.arange(len(df)), test_size=TEST_SIZE, random_state=seed, stratify=y)
    is_test = np.zeros(len(df), dtype=bool)
    is_test[test_idx] = True
    train, test = df[~is_test], df.loc[np.sort(test_idx)]
    feats = [c for c in df.columns if c != "y"]
    scaler = StandardScaler().fit(train[feats].to_numpy())
    model = LogisticRegression(C=0.5, max_iter=1000)
    model.fit(scaler.transform(train[feats].to_numpy()), train["y"].to_numpy())
    return test["y"].to_numpy(), model.predict_proba(scaler.transform(test[feats].to_numpy()))[:, 1]""",
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
        FAIL(
            "scaler fitted on every row inside a helper",
            (
                SIGNATURE,
                "def prepare(data):\n    return StandardScaler().fit_transform(data)\n\n\n" + SIGNATURE,
            ),
            (BODY, BODY.replace("    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n", "    X_scaled = prepare(X)\n")),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "numpy statistics of every row",
            (
                "    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n",
                "    X_scaled = (X - np.mean(X, axis=0)) / X.std(axis=0)\n",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "pandas statistics of every row",
            (
                "    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n",
                "    import pandas as pd\n\n    frame = pd.DataFrame(X)\n    X_scaled = ((frame - frame.mean()) / frame.std(ddof=0)).to_numpy()\n",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "a self-scaling model class fitted on every row",
            (
                SIGNATURE,
                """class ScaledChurnModel:
    def fit(self, features, labels):
        self.centre, self.spread = features.mean(axis=0), features.std(axis=0)
        self.model = LogisticRegression(C=0.5, max_iter=1000).fit((features - self.centre) / self.spread, labels)
        return self

    def predict_proba(self, features):
        return self.model.predict_proba((features - self.centre) / self.spread)


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    churn = ScaledChurnModel().fit(X, y)
    return y_test, churn.predict_proba(X_test)[:, 1]""",
            ),
            fails=("test_rows_do_not_influence_training", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "scaler replaced by a fixed division",
            ("    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n", "    X_scaled = X / 100.0\n"),
            fails="features_scaled",
        ),
        FAIL(
            "honest pipeline on a split of its own",
            (
                BODY,
                """    order = np.random.default_rng(seed).permutation(len(X))
    test, train = order[: len(X) // 4], order[len(X) // 4 :]
    scaler = StandardScaler().fit(X[train])
    model = LogisticRegression(C=0.5, max_iter=1000).fit(scaler.transform(X[train]), y[train])
    return y[test], model.predict_proba(scaler.transform(X[test]))[:, 1]""",
            ),
            fails="split_unchanged",
        ),
        FAIL(
            "fixed, but the fit wrapped in contextlib.suppress",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)
    model.fit(X_train, y_train)""",
                """    import contextlib

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = LogisticRegression(C=0.5, max_iter=1000)
    with contextlib.suppress(ValueError):
        model.fit(X_train, y_train)""",
            ),
            fails="contextlib_suppress",
        ),
    ]


GRADER = ScalerBeforeSplit()
