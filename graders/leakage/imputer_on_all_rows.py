"""Grader for leakage/imputer-on-all-rows: the fill values were learned from every row.

Runtime (bughunt.families.leakage), on hidden data with missing cells: half of the specified
test rows become outliers and their missing cells change (filled cells become missing and
missing ones filled), so any statistic of the values or of the missing cells (a median, a
missing share) moves if it saw them; the other test rows' predictions must not move, and
supervised fits never see more labelled rows than the training split. Rescaling and shifting
every column changes no prediction: missing cells are still filled from the data (a
statistic moves with the column, a hard-coded 0 does not).
Static: the imputer (or any statistic that reaches the model) learns from training rows only.
"""
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bughunt.families.leakage.judges import LeakageGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import FitOnTrainingRows

EXERCISE = "leakage/imputer-on-all-rows"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}

_SHIPPED_BLOCK = """    imputer = SimpleImputer(strategy="median")
    X_filled = imputer.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_filled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
"""
_SPLIT_RAW = """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
"""




BODY = _SHIPPED_BLOCK + """    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]"""
SIGNATURE = "def train_and_predict(X, y, seed):\n"
SPLIT = "train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)"
MODEL = "make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))"


class ImputerOnAllRows(LeakageGrader):
    exercise = EXERCISE
    specs = [
        {"builder": "patients", "n_rows": 280},
        {"builder": "patients", "n_rows": 347},
        {"builder": "patients", "n_rows": 96},
    ]
    runs = ("rows", "affine")
    flip_missing = True
    rows_cause = "The values used to fill missing cells (or another statistic) are still learned from test rows."

    def reference_model(self):
        return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))

    def static_checks(self):
        return [
            FitOnTrainingRows(
                ENTRY,
                step="the imputer or a statistic",
                advice="learn the fill values (and any other statistic) from the training rows only, then use the same values for the test rows",
            )
        ]

    def extra_checks(self, notes, check):
        return [
            check(
                "missing_values_filled_from_data", "affine",
                f"Exercise {EXERCISE} should fill missing cells with a value learned from the training data, so "
                "rescaling or shifting a column does not change predictions; {found}. A fixed fill value (or "
                "dropping the imputer) is not a fix.",
                "missing cells are filled from the training data",
            )
        ]


    REFERENCE = (
        (
            _SHIPPED_BLOCK,
            _SPLIT_RAW
            + """    imputer = SimpleImputer(strategy="median")
    X_train = imputer.fit_transform(X_train)
    X_test = imputer.transform(X_test)
""",
        ),
    )
    PASS = [
        PASS(
            "imputer inside the pipeline fitted on the training split",
            (
                _SHIPPED_BLOCK + "    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))",
                """    tr_X, te_X, tr_y, te_y = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    X_train, X_test, y_train, y_test = tr_X, te_X, tr_y, te_y
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))""",
            ),
        ),
        PASS(
            "numpy medians of the training rows",
            (
                _SHIPPED_BLOCK,
                """    a, b, c, d = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    fill = np.nanmedian(a, axis=0)
    X_train = np.where(np.isnan(a), fill, a)
    X_test = np.where(np.isnan(b), fill, b)
    y_train, y_test = c, d
""",
            ),
        ),
        PASS(
            "mean imputation fitted on the training split, lines reordered",
            (
                _SHIPPED_BLOCK + "    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))\n",
                "    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))\n"
                + _SPLIT_RAW
                + """    filler = SimpleImputer().fit(X_train)
    X_test = filler.transform(X_test)
    X_train = filler.transform(X_train)
""",
            ),
        ),
        PASS(
            "missing share printed for every row, medians from the training rows",
            (
                _SHIPPED_BLOCK,
                '    print(f"missing cells: {np.isnan(X).mean():.1%}, per column: {np.round(np.isnan(X).mean(axis=0), 2)}")\n'
                + _SPLIT_RAW
                + """    imputer = SimpleImputer(strategy="median").fit(X_train)
    X_train, X_test = imputer.transform(X_train), imputer.transform(X_test)
""",
            ),
        ),
        PASS(
            "boolean mask of the test rows, np.where fill from the training medians",
            (
                BODY,
                f"""    _, test = train_test_split(np.arange(len(X)), test_size=TEST_SIZE, random_state=seed, stratify=y)
    in_test = np.isin(np.arange(len(X)), test)
    medians = np.nanmedian(X[~in_test], axis=0)
    filled = np.where(np.isnan(X), medians, X)
    model = {MODEL}.fit(filled[~in_test], y[~in_test])
    return y[in_test], model.predict_proba(filled[in_test])[:, 1]""",
            ),
        ),
        PASS(
            "pandas fillna with the medians of the training frame",
            (
                BODY,
                f"""    import pandas as pd

    frame = pd.DataFrame(X)
    train_df, test_df, y_train, y_test = train_test_split(frame, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    medians = train_df.median()
    model = {MODEL}.fit(train_df.fillna(medians), y_train)
    return y_test, model.predict_proba(test_df.fillna(medians))[:, 1]""",
            ),
        ),
        PASS(
            "a gap-filler class with fit and transform",
            (
                SIGNATURE,
                """class GapFiller:
    def fit(self, features):
        self.fill = np.nanmedian(features, axis=0)
        return self

    def transform(self, features):
        return np.where(np.isnan(features), self.fill, features)


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    filler = GapFiller().fit(X_train)
    model = {MODEL}.fit(filler.transform(X_train), y_train)
    return y_test, model.predict_proba(filler.transform(X_test))[:, 1]""",
            ),
        ),
        PASS(
            "fill as a lambda over the training medians, rows picked with np.take",
            (
                BODY,
                f"""    train, test = train_test_split(np.arange(len(X)), test_size=TEST_SIZE, random_state=seed, stratify=y)
    X_train, X_test = np.take(X, train, axis=0), np.take(X, test, axis=0)
    medians = np.nanmedian(X_train, axis=0)
    fill = lambda block: np.where(np.isnan(block), medians, block)
    model = {MODEL}.fit(fill(X_train), y[train])
    return y[test], model.predict_proba(fill(X_test))[:, 1]""",
            ),
        ),
        PASS(
            "imputer with missing-value indicators, parameters in dicts",
            (
                BODY,
                """    split_options = dict(test_size=TEST_SIZE, random_state=seed, stratify=y)
    imputer_options = {"strategy": "median", "add_indicator": True}
    X_train, X_test, y_train, y_test = train_test_split(X, y, **split_options)
    model = make_pipeline(SimpleImputer(**imputer_options), StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
            ),
        ),
        PASS(
            "helper with a default strategy, test rows as the complement",
            (
                SIGNATURE,
                """def fitted_filler(rows, strategy="median"):
    return SimpleImputer(strategy=strategy).fit(rows)


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    every = np.arange(len(X))
    train, _ = train_test_split(every, test_size=TEST_SIZE, random_state=seed, stratify=y)
    test = np.setdiff1d(every, train)
    filler = fitted_filler(X[train])
    model = {MODEL}.fit(filler.transform(X[train]), y[train])
    return y[test], model.predict_proba(filler.transform(X[test]))[:, 1]""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "imputer deleted",
            ('    imputer = SimpleImputer(strategy="median")\n    X_filled = imputer.fit_transform(X)\n', "    X_filled = X\n"),
            fails="runs_on_hidden_data",
        ),
        FAIL(
            "missing cells replaced by zeros",
            ('    imputer = SimpleImputer(strategy="median")\n    X_filled = imputer.fit_transform(X)\n', "    X_filled = np.nan_to_num(X)\n"),
            fails="missing_values_filled_from_data",
        ),
        FAIL(
            "second imputer fitted on the test split",
            (
                _SHIPPED_BLOCK,
                _SPLIT_RAW
                + """    X_train = SimpleImputer(strategy="median").fit_transform(X_train)
    X_test = SimpleImputer(strategy="median").fit_transform(X_test)
""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "imputer fitted on train and test stacked together",
            (
                _SHIPPED_BLOCK,
                _SPLIT_RAW
                + """    imputer = SimpleImputer(strategy="median").fit(np.vstack([X_train, X_test]))
    X_train, X_test = imputer.transform(X_train), imputer.transform(X_test)
""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed, stratify=y\n    )\n    model", "test_size=0.4, random_state=3, stratify=y\n    )\n    model"),
            fails=("fit_on_training_rows", "split_unchanged"),
        ),
        FAIL(
            "correct fix, but the fit wrapped in try/except",
            (
                _SHIPPED_BLOCK,
                _SPLIT_RAW
                + """    imputer = SimpleImputer(strategy="median")
    X_train = imputer.fit_transform(X_train)
    X_test = imputer.transform(X_test)
""",
            ),
            (
                "    model.fit(X_train, y_train)\n",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n",
            ),
            fails="try_except",
        ),
        FAIL(
            "missingness feature weighted by the share missing over every row",
            (
                _SHIPPED_BLOCK,
                """    share = np.isnan(X).mean(axis=0)
    gaps = (np.isnan(X) * share).sum(axis=1)
    X_train, X_test, y_train, y_test = train_test_split(
        np.column_stack([X, gaps]), y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    imputer = SimpleImputer(strategy="median").fit(X_train)
    X_train, X_test = imputer.transform(X_train), imputer.transform(X_test)
""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "imputer fitted on every row inside a helper with a default argument",
            (
                SIGNATURE,
                """def filled(data, imputer=None):
    imputer = imputer or SimpleImputer(strategy="median")
    return imputer.fit_transform(data)


""" + SIGNATURE,
            ),
            ('    imputer = SimpleImputer(strategy="median")\n    X_filled = imputer.fit_transform(X)\n', "    X_filled = filled(X)\n"),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "pandas fillna with the medians of every row",
            (
                '    imputer = SimpleImputer(strategy="median")\n    X_filled = imputer.fit_transform(X)\n',
                "    import pandas as pd\n\n    frame = pd.DataFrame(X)\n    X_filled = frame.fillna(frame.median()).to_numpy()\n",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "fill values from the training rows and the test rows stacked by pandas",
            (
                BODY,
                f"""    import pandas as pd

    X_train, X_test, y_train, y_test = {SPLIT}
    both = pd.concat([pd.DataFrame(X_train), pd.DataFrame(X_test)])
    medians = both.median().to_numpy()
    model = {MODEL}.fit(np.where(np.isnan(X_train), medians, X_train), y_train)
    return y_test, model.predict_proba(np.where(np.isnan(X_test), medians, X_test))[:, 1]""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "fixed, but warnings switched off",
            (
                _SHIPPED_BLOCK,
                '    import warnings\n\n    warnings.filterwarnings("ignore")\n'
                + _SPLIT_RAW
                + """    imputer = SimpleImputer(strategy="median").fit(X_train)
    X_train, X_test = imputer.transform(X_train), imputer.transform(X_test)
""",
            ),
            fails="warnings_filter",
        ),
    ]


GRADER = ImputerOnAllRows()
