"""Unit tests for group B: the grader-local static checks of oversample-before-split and
target-derived-feature (their VALID/INVALID snippets, which the generic snippet test does not
discover because they live in graders/), plus a few styles of the time-order check."""
from pathlib import Path

import pytest

from bughunt.grader import load_grader
from bughunt.static.base import Source
from bughunt.static.time_order import SplitKeepsTimeOrder

ROOT = Path(__file__).resolve().parents[1]
LOCAL = {
    "oversample_before_split": "oversample_training_rows_only",
    "target_derived_feature": "refund_column_unused",
}


def _local_checks():
    out = []
    for module, name in LOCAL.items():
        grader = load_grader(ROOT / "graders" / "leakage" / f"{module}.py")
        [check] = [c for c in grader.static_checks() if c.name == name]
        out += [(check, "VALID", i, code) for i, code in enumerate(check.VALID)]
        out += [(check, "INVALID", i, code) for i, code in enumerate(check.INVALID)]
    return out


@pytest.mark.parametrize("check,kind,i,code", _local_checks(), ids=lambda v: v if isinstance(v, (str, int)) else getattr(v, "name", "code"))
def test_local_check_snippets(check, kind, i, code):
    found = check.findings(Source.parse(code))
    assert (not found) if kind == "VALID" else found, f"{check.name} {kind}[{i}]: {found}"


SHIPPED_TDF = (ROOT / "exercises" / "leakage" / "target-derived-feature" / "pipeline.py").read_text()
SPLIT_OPEN = "    X_train, X_test, y_train, y_test = train_test_split(\n"


@pytest.mark.parametrize(
    "prefix,leaks",
    [
        ("    X = np.delete(X, -1, 1)\n", False),
        ("    X = X[:, np.arange(X.shape[1]) != 5]\n", False),  # unresolved selection: left to runtime
        ("    X = np.hstack([X[:, :2], X[:, 2:5]])\n", False),
        ("    X = np.column_stack([X[:, :5], np.log1p(X[:, 5])])\n", True),
        ("    X = X[:, [0, 1, 2, 3, 4, 5]]\n", True),
        ("    X = X[:, ::-1][:, 1:]\n", False),
    ],
)
def test_refund_column_positions(prefix, leaks):
    grader = load_grader(ROOT / "graders" / "leakage" / "target_derived_feature.py")
    [check] = [c for c in grader.static_checks() if c.name == "refund_column_unused"]
    found = check.findings(Source.parse(SHIPPED_TDF.replace(SPLIT_OPEN, prefix + SPLIT_OPEN)))
    assert bool(found) == leaks, found


@pytest.mark.parametrize(
    "body,ok",
    [
        ("    return train_test_split(X, y, shuffle=False)\n", True),
        ("    return train_test_split(X, y, shuffle=SHUFFLE)\n", True),
        ("    return train_test_split(X, y, shuffle=seed > 3)\n", False),
        ("    return train_test_split(X, y, random_state=seed)\n", False),
        ("    return np.random.permutation(len(X))\n", False),
    ],
)
def test_time_order_styles(body, ok):
    code = "import numpy as np\nfrom sklearn.model_selection import train_test_split\nSHUFFLE = False\n" \
           "def evaluate(X, y, seed):\n" + body
    assert (not SplitKeepsTimeOrder().findings(Source.parse(code))) == ok
