"""Unit tests for the pieces group A added: sklearn feature scores as statistic sinks, and the
selection/scaling split of leaky sinks in graders/leakage/selection_and_scaling.py."""
from pathlib import Path

from bughunt.grader import load_grader
from bughunt.static.base import Source
from bughunt.static.dataflow import ALL, TARGET, analyze

ROOT = Path(__file__).resolve().parents[1]
ENTRY = {"evaluate": {0: {ALL}, 1: {ALL, TARGET}}}

LEAKY = """
import numpy as np
from sklearn.feature_selection import f_classif
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
def evaluate(X, y, seed):
    scores, _ = f_classif(X, y)
    Z = StandardScaler().fit_transform(X)
    return train_test_split(Z[:, np.argsort(scores)[-3:]], y, random_state=seed)
"""

HONEST = """
import numpy as np
from sklearn.feature_selection import f_classif as score
from sklearn.model_selection import train_test_split
def evaluate(X, y, seed):
    a, b, c, d = train_test_split(X, y, random_state=seed)
    s, _ = score(a, c)
    return a[:, np.argsort(s)[-3:]], b[:, np.argsort(s)[-3:]]
"""


def _leaky(code):
    return analyze(Source.parse(code.encode()), ENTRY).leaky()


def test_feature_scores_on_all_rows_are_a_leak():
    assert any("f_classif" in s.what for s in _leaky(LEAKY))


def test_feature_scores_on_training_rows_are_not():
    assert _leaky(HONEST) == []


def test_selection_and_scaling_report_separately():
    grader = load_grader(ROOT / "graders" / "leakage" / "selection_and_scaling.py")
    scaler_check, selector_check = grader.static_checks()
    src = Source.parse(LEAKY.replace("def evaluate", "def train_and_predict").encode())
    assert [f.line for f in selector_check.findings(src)] == [7]
    assert [f.line for f in scaler_check.findings(src)] == [8]


# --- the leakage family: runtime judge on observations made in-process ------------------------------
import types

import numpy as np
import pytest

from bughunt.families.leakage.probes import TRAIN_AND_PREDICT, apply_run
from bughunt.grader import PUBLIC_SEED, CaseResult
from bughunt.static.leakage import ColumnUnused, FitOnTrainingRows


def _grader(slug):
    return load_grader(ROOT / "graders" / "leakage" / f"{slug}.py")


def _judge(grader, fn):
    student = types.SimpleNamespace(train_and_predict=fn)
    cases = grader.cases(PUBLIC_SEED)
    results = [CaseResult(i, TRAIN_AND_PREDICT.run(student, c, grader.config())) for i, c in enumerate(cases)]
    return {c.name: c for c in grader.judge(cases, results)}


def _scaled_model(X_tr, y_tr):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_tr)
    model = LogisticRegression(C=0.5, max_iter=1000).fit(scaler.transform(X_tr), y_tr)
    return lambda rows: model.predict_proba(scaler.transform(rows))[:, 1]


def _masked(X, y, seed):
    """An honest manual index split, test rows returned in row order."""
    from sklearn.model_selection import train_test_split

    _, test = train_test_split(np.arange(len(X)), test_size=0.25, random_state=seed, stratify=y)
    held_out = np.isin(np.arange(len(X)), test)
    predict = _scaled_model(X[~held_out], y[~held_out])
    return y[held_out], predict(X[held_out])


def test_manual_index_split_in_row_order_passes():
    checks = _judge(_grader("scaler_before_split"), _masked)
    assert all(c.passed for c in checks.values()), [c.message for c in checks.values() if not c.passed]


def test_scaler_on_every_row_fails_on_the_untouched_test_rows():
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    def leaky(X, y, seed):
        Z = StandardScaler().fit_transform(X)
        a, b, c, d = train_test_split(Z, y, test_size=0.25, random_state=seed, stratify=y)
        from sklearn.linear_model import LogisticRegression

        return d, LogisticRegression(C=0.5, max_iter=1000).fit(a, c).predict_proba(b)[:, 1]

    checks = _judge(_grader("scaler_before_split"), leaky)
    assert not checks["test_rows_do_not_influence_training"].passed
    assert "untouched test rows moving" in checks["test_rows_do_not_influence_training"].message
    assert checks["split_unchanged"].passed


def test_a_split_of_its_own_is_named_as_such_not_as_a_leak():
    def own_split(X, y, seed):
        order = np.random.default_rng(seed).permutation(len(X))
        test, train = order[: len(X) // 4], order[len(X) // 4 :]
        return y[test], _scaled_model(X[train], y[train])(X[test])

    checks = _judge(_grader("scaler_before_split"), own_split)
    assert not checks["split_unchanged"].passed and "specified split" in checks["split_unchanged"].message
    assert "could not check" in checks["test_rows_do_not_influence_training"].message


def test_missing_share_over_every_row_is_caught_at_runtime():
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def share_feature(X, y, seed):
        share = np.isnan(X).mean(axis=0)  # every row: the test rows' gaps included
        Z = np.column_stack([X, (np.isnan(X) * share).sum(axis=1)])
        a, b, c, d = train_test_split(Z, y, test_size=0.25, random_state=seed, stratify=y)
        model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))
        return d, model.fit(a, c).predict_proba(b)[:, 1]

    checks = _judge(_grader("imputer_on_all_rows"), share_feature)
    assert not checks["test_rows_do_not_influence_training"].passed


def test_test_labels_flipped_catch_a_ranking_on_every_label():
    from sklearn.feature_selection import f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    def ranked_on_all(X, y, seed):
        keep = np.argsort(f_classif(X, y)[0])[-8:]
        a, b, c, d = train_test_split(X[:, keep], y, test_size=0.25, random_state=seed)
        mu, sd = a.mean(axis=0), a.std(axis=0)
        return d, LogisticRegression(max_iter=1000).fit((a - mu) / sd, c).predict_proba((b - mu) / sd)[:, 1]

    checks = _judge(_grader("selection_and_scaling"), ranked_on_all)
    assert not checks["test_labels_do_not_influence_training"].passed
    assert "flipped" in checks["test_labels_do_not_influence_training"].message


def test_unseeded_randomness_is_named_not_called_a_leak():
    def unseeded(X, y, seed):
        y_test, proba = _masked(X, y, seed)
        return y_test, np.clip(proba + np.random.default_rng().normal(0, 1e-3, len(proba)), 0, 1)

    checks = _judge(_grader("scaler_before_split"), unseeded)
    assert not checks["same_predictions_each_run"].passed
    assert "could not check" in checks["test_rows_do_not_influence_training"].message


def test_hidden_cases_depend_on_the_seed_and_runs_are_edits():
    grader = _grader("scaler_before_split")
    a, b = grader.cases(1), grader.cases(2)
    assert not np.array_equal(a[0]["X"], b[0]["X"])
    assert all(np.array_equal(x["X"], y["X"]) for x, y in zip(a, grader.cases(1)))
    rows_run = next(r for r in a[0]["runs"] if r["name"] == "rows")
    X, _ = apply_run(a[0], rows_run)
    changed = rows_run["rows"]
    untouched = np.setdiff1d(np.arange(len(X)), changed)
    assert np.array_equal(X[untouched], np.asarray(a[0]["X"], dtype=float)[untouched])


# --- static: three-valued, true messages ------------------------------------------------------------
ENTRY_TP = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
HEAD = """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
"""


@pytest.mark.parametrize(
    "body",
    [
        # complement of the test rows: training rows, never "the test split"
        """
    rows = np.arange(len(X))
    _, test = train_test_split(rows, random_state=seed)
    train = np.setdiff1d(rows, test)
    return StandardScaler().fit(X[train]).transform(X[test])
""",
        """
    _, test = train_test_split(np.arange(len(X)), random_state=seed)
    keep = np.ones(len(X), dtype=bool)
    keep[test] = False
    return StandardScaler().fit(X[keep]).transform(X[~keep])
""",
        """
    _, test = train_test_split(np.arange(len(X)), random_state=seed)
    return StandardScaler().fit(np.delete(X, test, axis=0)).transform(X[test])
""",
        # a statistic that is only printed learns nothing
        """
    print(f"share missing {np.isnan(X).mean():.2f}", X.std(axis=0))
    a, b, c, d = train_test_split(X, y, random_state=seed)
    return StandardScaler().fit(a).transform(b)
""",
    ],
)
def test_correct_index_styles_are_not_wrong(body):
    got = FitOnTrainingRows(ENTRY_TP).assess(Source.parse(HEAD + "def train_and_predict(X, y, seed):" + body))
    assert got.outcome != "wrong", got.findings


def test_complement_misused_is_reported_as_the_test_split():
    body = """
    _, test = train_test_split(np.arange(len(X)), random_state=seed)
    keep = np.ones(len(X), dtype=bool)
    keep[test] = False
    return StandardScaler().fit(X[~keep]).transform(X[keep])
"""
    got = FitOnTrainingRows(ENTRY_TP).assess(Source.parse(HEAD + "def train_and_predict(X, y, seed):" + body))
    assert got.outcome == "wrong" and "the test split" in got.findings[0].message


def test_code_the_check_cannot_follow_is_unknown_with_a_note():
    body = """
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = np.split(order, [len(X) // 4])
    return StandardScaler().fit(X[train]).transform(X[test])
"""
    got = FitOnTrainingRows(ENTRY_TP).assess(Source.parse(HEAD + "def train_and_predict(X, y, seed):" + body))
    assert got.outcome == "unknown" and got.note


COLUMNS_HEAD = HEAD + 'import pandas as pd\nCOLUMNS = ["a", "b", "c", "d", "e", "refund_issued"]\n'


@pytest.mark.parametrize(
    "body,outcome",
    [
        ('    keep = list(range(6))\n    keep.remove(COLUMNS.index("refund_issued"))\n    return LogisticRegression().fit(X[:, keep], y)\n', "right"),
        ('    df = pd.DataFrame(X, columns=COLUMNS).drop(columns=["refund_issued"])\n    return LogisticRegression().fit(df, y)\n', "right"),
        ('    df = pd.DataFrame(X, columns=COLUMNS).drop(columns=["a"])\n    return LogisticRegression().fit(df, y)\n', "wrong"),
        ("    return LogisticRegression().fit(np.take(X, [0, 1, 2, 3, 4], axis=1), y)\n", "right"),
        ("    def known(Z):\n        return Z[:, :5]\n    return LogisticRegression().fit(known(X), y)\n", "right"),
        ("    pick = lambda Z: Z[:, :-1]\n    return LogisticRegression().fit(pick(X), y)\n", "right"),
        ("    return LogisticRegression().fit(mystery(X), y)\n", "unknown"),
    ],
)
def test_column_check_follows_column_removal(body, outcome):
    got = ColumnUnused().assess(Source.parse(COLUMNS_HEAD + "def train_and_predict(X, y, seed):\n" + body))
    assert got.outcome == outcome, (got.outcome, got.findings, got.note)
