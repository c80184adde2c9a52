from __future__ import annotations

from pathlib import Path

import pytest

from bughunt.manifest import load

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = load(ROOT)

# pytester restores sys.modules after each test; C extensions such as numpy cannot be
# imported twice, so everything the graders need is imported once, up front.
import importlib  # noqa: E402

for _name in (
    "numpy", "scipy.special", "scipy.stats", "sklearn.pipeline", "sklearn.model_selection",
    "sklearn.preprocessing", "sklearn.linear_model", "sklearn.feature_selection", "sklearn.impute",
    "sklearn.compose", "sklearn.metrics", "sklearn.utils", "sklearn.ensemble", "sklearn.neighbors",
):
    importlib.import_module(_name)
import bughunt.cli  # noqa: E402,F401
import bughunt.grading  # noqa: E402,F401
from bughunt.grader import load_grader  # noqa: E402

for _ex in EXERCISES:
    try:
        load_grader(_ex.grader_path)
    except Exception:  # reported by the structural test instead
        pass


@pytest.fixture
def root() -> Path:
    return ROOT


def exercise(ex_id: str):
    return next(e for e in EXERCISES if e.id == ex_id)
