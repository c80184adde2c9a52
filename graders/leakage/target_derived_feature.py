"""Grader for leakage/target-derived-feature.

The shipped data carries `refund_issued` (column 5), which is only filled in after a customer
has cancelled: a post-outcome column.

Runtime (bughunt.families.leakage), on hidden data in which refund_issued is again almost a
copy of the label:
- replacing the refund column with noise leaves every prediction bit-for-bit unchanged (the
  model does not use it, in any form);
- half of the specified test rows become outliers: the other test rows' predictions must not
  move, and supervised fits never see more labelled rows than the training split (a target
  encoding or a stacked model fitted on all rows is a leak too);
- the predictions still vary across customers (deleting the model is not a fix).
Static (three-valued):
- `refund_column_unused`: a column-position analysis of `train_and_predict` (and the helpers,
  closures and classes it calls) finds which columns of X reach each model fit; the refund
  column must not. Selections it cannot resolve are left to the runtime checks.
- no feature is computed from the label (bughunt.static.leakage.NoLabelDerivedFeature).
"""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bughunt.families.leakage.judges import LeakageGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import ColumnUnused, NoLabelDerivedFeature

EXERCISE = "leakage/target-derived-feature"
N_COLS, REFUND = 6, 5
REFUND_MESSAGE = (
    f"Exercise {EXERCISE} should train the model only on columns known before a customer decides; found "
    "`{what}` learning from refund_issued (column {column}), which is only recorded after a customer has "
    "cancelled, so the model reads the outcome instead of predicting it. Rescaling or editing that column does "
    "not change what it is"
)

FIT_LINE = "    model.fit(X_train, y_train)\n"
SPLIT_OPEN = "    X_train, X_test, y_train, y_test = train_test_split(\n"
BODY = """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]"""
SIGNATURE = "def train_and_predict(X, y, seed):\n"
SPLIT = "train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)"
MODEL = "make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))"


class TargetDerivedFeature(LeakageGrader):
    exercise = EXERCISE
    specs = [
        {"builder": "subscribers", "n_rows": 420},
        {"builder": "subscribers", "n_rows": 520},
        {"builder": "subscribers", "n_rows": 140},
    ]
    split_text = "train_test_split with test_size=TEST_SIZE, random_state=seed, stratify=y"
    runs = ("rows", "column")
    noise_column = REFUND
    watch = (
        "sklearn.linear_model:LogisticRegression",
        "sklearn.preprocessing:TargetEncoder",
        "sklearn.ensemble:StackingClassifier",
    )
    rows_cause = "Something the model learns (an encoding, a stacked model, a statistic) still sees test rows."
    skill_margin = 0.12

    def reference_model(self):
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))

    def reference_columns(self, X):
        return np.delete(X, REFUND, axis=1)

    def static_checks(self):
        return [
            ColumnUnused("train_and_predict", 0, N_COLS, REFUND, name="refund_column_unused", message=REFUND_MESSAGE),
            NoLabelDerivedFeature({"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}),
        ]

    def extra_checks(self, notes, check):
        return [
            check(
                "refund_column_ignored", "column",
                f"Exercise {EXERCISE} should predict churn without the refund_issued column, which is only filled "
                "in after a customer has cancelled; {found}. The model still relies on information that does not "
                "exist on the day it must predict.",
                "predictions do not depend on the refund_issued column",
            ),
            check(
                "model_still_predicts", "flat",
                f"Exercise {EXERCISE} should still rank customers by their churn risk from the columns known in "
                "advance; {found}. Removing the model is not a fix.",
                "the model still separates customers", root_cause=False,
            ),
        ]

    def extra_evidence(self, judge):
        super().extra_evidence(judge)
        moved = judge.unchanged("column", 0)
        if not (moved <= 1e-9):
            judge.note("column", f"found the predictions moving by up to {moved:.3g} when only the refund_issued column was replaced by noise")
        proba = judge.got("base", "proba")
        if not (float(np.std(proba)) >= 1e-4):
            judge.note("flat", f"found (almost) the same probability {float(np.mean(proba)):.3f} for every customer")

    REFERENCE = ((SPLIT_OPEN, '    X = np.delete(X, COLUMNS.index("refund_issued"), axis=1)\n' + SPLIT_OPEN),)
    PASS = [
        PASS(
            "columns sliced off after the split, renamed variables",
            (
                """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
                """    tr, te, ytr, yte = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    tr, te = tr[:, :-1], te[:, :-1]
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(tr, ytr)
    return yte, clf.predict_proba(te)[:, 1]""",
            ),
        ),
        PASS(
            "explicit list of the columns known in advance, model built first",
            (
                SPLIT_OPEN,
                "    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n"
                "    KNOWN_UPFRONT = [0, 1, 2, 3, 4]\n"
                "    X = X[:, KNOWN_UPFRONT]\n" + SPLIT_OPEN,
            ),
            ("    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit", "    model.fit"),
        ),
        PASS(
            "column dropped inside the pipeline",
            (
                "    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit",
                "    from sklearn.compose import ColumnTransformer\n"
                "    drop = ColumnTransformer([(\"post_outcome\", \"drop\", [COLUMNS.index(\"refund_issued\")])], remainder=\"passthrough\")\n"
                "    model = make_pipeline(drop, StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit",
            ),
        ),
        PASS(
            "pandas frame with named columns, drop(columns=...)",
            (
                BODY,
                f"""    import pandas as pd

    frame = pd.DataFrame(X, columns=COLUMNS).drop(columns=["refund_issued"])
    train_df, test_df, y_train, y_test = train_test_split(frame, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    model = {MODEL}.fit(train_df, y_train)
    return y_test, model.predict_proba(test_df)[:, 1]""",
            ),
        ),
        PASS(
            "column list edited with list.remove",
            (
                SPLIT_OPEN,
                '    keep = list(range(len(COLUMNS)))\n    keep.remove(COLUMNS.index("refund_issued"))\n    X = X[:, keep]\n' + SPLIT_OPEN,
            ),
        ),
        PASS(
            "np.delete inside a FunctionTransformer",
            (
                "    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit",
                "    from sklearn.preprocessing import FunctionTransformer\n\n"
                "    known = FunctionTransformer(lambda Z: np.delete(Z, COLUMNS.index(\"refund_issued\"), axis=1))\n"
                "    model = make_pipeline(known, StandardScaler(), LogisticRegression(max_iter=1000))\n    model.fit",
            ),
        ),
        PASS(
            "a model class that picks its own columns",
            (
                SIGNATURE,
                """class KnownInAdvanceModel:
    def __init__(self, columns=(0, 1, 2, 3, 4)):
        self.columns = list(columns)
        self.model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))

    def fit(self, features, labels):
        self.model.fit(features[:, self.columns], labels)
        return self

    def predict_proba(self, features):
        return self.model.predict_proba(features[:, self.columns])


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    model = KnownInAdvanceModel().fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
            ),
        ),
        PASS(
            "refund column blanked to one constant in every row before the split",
            (SPLIT_OPEN, '    X = X.copy()\n    X[:, COLUMNS.index("refund_issued")] = 0.0\n' + SPLIT_OPEN),
        ),
        PASS(
            "boolean column mask built from the column names",
            (
                SPLIT_OPEN,
                '    known = np.array([name != "refund_issued" for name in COLUMNS])\n    X = X[:, known]\n' + SPLIT_OPEN,
            ),
        ),
        PASS(
            "helper with a default list of columns to leave out, np.take",
            (
                SIGNATURE,
                """def known_columns(data, leave_out=("refund_issued",)):
    keep = [i for i, name in enumerate(COLUMNS) if name not in leave_out]
    return np.take(data, keep, axis=1)


""" + SIGNATURE,
            ),
            (
                BODY,
                f"""    X_train, X_test, y_train, y_test = {SPLIT}
    model = {MODEL}.fit(known_columns(X_train), y_train)
    return y_test, model.predict_proba(known_columns(X_test))[:, 1]""",
            ),
        ),
        PASS(
            "split and model options in dicts, columns chosen in a closure",
            (
                BODY,
                """    split_options = {"test_size": TEST_SIZE, "random_state": seed, "stratify": y}
    model_options = dict(max_iter=1000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, **split_options)

    def before_outcome(block):
        return block[:, : COLUMNS.index("refund_issued")]

    model = make_pipeline(StandardScaler(), LogisticRegression(**model_options)).fit(before_outcome(X_train), y_train)
    return y_test, model.predict_proba(before_outcome(X_test))[:, 1]""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "refund column scaled down",
            (SPLIT_OPEN, "    X = X.copy()\n    X[:, 5] = X[:, 5] * 0.01\n" + SPLIT_OPEN),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "refund zeroed in the test rows only",
            (FIT_LINE, "    X_test = X_test.copy()\n    X_test[:, -1] = 0.0\n" + FIT_LINE),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed, stratify=y", "test_size=0.4, random_state=seed + 11, stratify=y"),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "probabilities shrunk toward one half",
            ("return y_test, model.predict_proba(X_test)[:, 1]", "return y_test, 0.5 + 0.3 * (model.predict_proba(X_test)[:, 1] - 0.5)"),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
        FAIL(
            "model deleted: everyone gets the base rate",
            (
                FIT_LINE + "    return y_test, model.predict_proba(X_test)[:, 1]",
                "    return y_test, np.full(len(y_test), y_train.mean())",
            ),
            fails=("model_still_predicts",),
        ),
        FAIL(
            "refund replaced by a label-derived flag",
            (SPLIT_OPEN, "    X = np.column_stack([X[:, :5], y * 0.5])\n" + SPLIT_OPEN),
            fails=("no_label_derived_feature",),
        ),
        FAIL(
            "fixed, but warnings silenced",
            (SPLIT_OPEN, '    import warnings\n    warnings.filterwarnings("ignore")\n    X = X[:, :5]\n' + SPLIT_OPEN),
            fails=("warnings_filter",),
        ),
        FAIL(
            "refund dropped, but a target encoding fitted on every row added",
            (
                BODY,
                f"""    from sklearn.preprocessing import TargetEncoder

    contract = TargetEncoder(random_state=0).fit_transform(X[:, [4]], y)
    features = np.column_stack([X[:, :5], contract])
    X_train, X_test, y_train, y_test = train_test_split(features, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    model = {MODEL}.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
            ),
            fails=("test_labels_do_not_influence_training",),
        ),
        FAIL(
            "refund dropped, but a stacked model fitted on every row added",
            (
                BODY,
                f"""    first = LogisticRegression(max_iter=1000).fit(X[:, :5], y)
    features = np.column_stack([X[:, :5], first.predict_proba(X[:, :5])[:, 1]])
    X_train, X_test, y_train, y_test = train_test_split(features, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    model = {MODEL}.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
            ),
            fails=("test_rows_do_not_influence_training", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "refund clipped instead of removed",
            (SPLIT_OPEN, "    X = X.copy()\n    X[:, 5] = np.clip(X[:, 5], 0.0, 0.5)\n" + SPLIT_OPEN),
            fails=("refund_column_unused", "refund_column_ignored"),
        ),
    ]


GRADER = TargetDerivedFeature()
