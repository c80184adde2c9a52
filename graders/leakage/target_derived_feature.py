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
    ]


GRADER = TargetDerivedFeature()
