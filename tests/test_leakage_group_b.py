"""Unit tests for leakage group B (scaled-outside-cv, random-split-time-series,
oversample-before-split): the three-valued time-order, fold and resampling checks on many
styles, the hidden cases, and the probe/judge split."""
from pathlib import Path

import numpy as np
import pytest

from bughunt.grader import PUBLIC_SEED, load_grader
from bughunt.static.base import Source
from bughunt.static.cv_leakage import FoldFitOnTrainingRows
from bughunt.static.resampling import OversampleTrainingRowsOnly
from bughunt.static.time_order import SplitKeepsTimeOrder

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ["scaled_outside_cv", "random_split_time_series", "oversample_before_split"]

HEAD = (
    "import numpy as np\nfrom sklearn.model_selection import train_test_split, KFold, TimeSeriesSplit\n"
    "from sklearn.linear_model import Ridge\nSHUFFLE = False\n"
    "def train_and_predict(X, y, seed):\n"
)


@pytest.mark.parametrize(
    "body,outcome",
    [
        ("    return train_test_split(X, y, shuffle=False)\n", "right"),
        ("    return train_test_split(X, y, shuffle=SHUFFLE)\n", "right"),
        ("    return train_test_split(X, y, shuffle=seed > 3)\n", "unknown"),
        ("    return train_test_split(X, y, random_state=seed)\n", "wrong"),
        ("    return np.random.permutation(len(X))\n", "wrong"),
        # test-first slicing of an ordered index
        ("    idx = np.arange(len(X))\n    test, train = idx[300:], idx[:300]\n"
         "    return y[test], Ridge().fit(X[train], y[train]).predict(X[test])\n", "right"),
        # shuffling only the training rows after a date cut
        ("    cut = int(0.75 * len(X))\n    order = np.random.default_rng(seed).permutation(cut)\n"
         "    X_tr, y_tr = X[:cut][order], y[:cut][order]\n"
         "    return y[cut:], Ridge().fit(X_tr, y_tr).predict(X[cut:])\n", "right"),
        # boolean mask on the day column
        ("    old = X[:, 0] < np.quantile(X[:, 0], 0.75)\n"
         "    return y[~old], Ridge().fit(X[old], y[old]).predict(X[~old])\n", "right"),
        # the last fold of an unshuffled KFold: runtime decides
        ("    tr, te = list(KFold(4).split(X))[-1]\n"
         "    return y[te], Ridge().fit(X[tr], y[tr]).predict(X[te])\n", "unknown"),
        ("    for k, (tr, te) in enumerate(TimeSeriesSplit(3).split(X)):\n        pass\n"
         "    return y[te], Ridge().fit(X[tr], y[tr]).predict(X[te])\n", "right"),
        # np.split of a permutation
        ("    a, b = np.split(np.random.default_rng(seed).permutation(len(X)), [300])\n"
         "    return y[b], Ridge().fit(X[a], y[a]).predict(X[b])\n", "wrong"),
        # a shuffled KFold's fold
        ("    tr, te = next(KFold(4, shuffle=True, random_state=seed).split(X))\n"
         "    return y[te], Ridge().fit(X[tr], y[tr]).predict(X[te])\n", "wrong"),
        # train_test_split(**options)
        ("    options = dict(test_size=0.25, shuffle=False)\n    return train_test_split(X, y, **options)\n", "unknown"),
    ],
)
def test_time_order_styles(body, outcome):
    got = SplitKeepsTimeOrder().assess(Source.parse(HEAD + body))
    assert got.outcome == outcome, (got.outcome, got.note, got.findings)


def test_time_order_ignores_other_functions():
    code = HEAD + "    return train_test_split(X, y, shuffle=False)\n" \
        "def production(X, y):\n    return train_test_split(X, y, random_state=0)\n"
    assert SplitKeepsTimeOrder().assess(Source.parse(code)).outcome == "right"


SHIPPED_OVERSAMPLE = (ROOT / "exercises" / "leakage" / "oversample-before-split" / "pipeline.py").read_text()


def test_resampling_points_at_the_students_call_not_the_helper():
    """The test split oversampled through the shipped helper: the finding is the student's
    call line, and the message names the helper call."""
    grader = load_grader(ROOT / "graders" / "leakage" / "oversample_before_split.py")
    [bad] = [e for e in grader.FAIL if "both oversampled" in e.name]
    text = bad.apply(SHIPPED_OVERSAMPLE)
    got = OversampleTrainingRowsOnly().assess(Source.parse(text))
    assert got.outcome == "wrong"
    lines = text.splitlines()
    for f in got.findings:
        assert "oversample(X_test" in lines[f.line - 1], (f.line, lines[f.line - 1])
        assert "oversample(X_test" in f.message


def test_fold_check_follows_enumerate_and_list_of_folds():
    code = """
import numpy as np
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler
def cv_scores(X, y, seed):
    folds = list(KFold(5, shuffle=True, random_state=seed).split(X))
    out = []
    for k in range(5):
        tr, te = folds[k]
        s = StandardScaler().fit(X[tr])
        out.append(s.transform(X[te]).sum())
    for k, (tr, te) in enumerate(folds):
        s = StandardScaler().fit(X[tr])
    return np.array(out)
"""
    assert FoldFitOnTrainingRows().assess(Source.parse(code)).outcome == "right"
    leaky = code.replace("s = StandardScaler().fit(X[tr])\n        out", "s = StandardScaler().fit(X[te])\n        out")
    assert FoldFitOnTrainingRows().assess(Source.parse(leaky)).outcome == "wrong"


@pytest.mark.parametrize("module", GRADERS)
def test_hidden_cases_depend_on_the_seed_only(module):
    grader = load_grader(ROOT / "graders" / "leakage" / f"{module}.py")
    a, b, c = grader.cases(PUBLIC_SEED), grader.cases(PUBLIC_SEED), grader.cases(PUBLIC_SEED + 1)
    assert all(np.array_equal(x["X"], y["X"]) for x, y in zip(a, b))
    assert not any(x["X"].shape == y["X"].shape and np.array_equal(x["X"], y["X"]) for x, y in zip(a, c))
    for case in a:  # rows are unique, so the probes can recognise them
        assert len(np.unique(case["X"], axis=0)) == len(case["X"])


@pytest.mark.parametrize("module", GRADERS)
def test_probe_modules_hold_no_secret(module):
    import ast

    grader = load_grader(ROOT / "graders" / "leakage" / f"{module}.py")
    path = ROOT / (grader.probe_name.split(":")[0].replace(".", "/") + ".py")
    tree = ast.parse(path.read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m and ("judges" in m or "graders" in m or m == "bughunt.grader" or "cases" in m) for m in imported)
