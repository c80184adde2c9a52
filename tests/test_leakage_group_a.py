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
