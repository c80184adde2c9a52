from __future__ import annotations

from pathlib import Path

import pytest

from bughunt.manifest import load

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = load(ROOT)


@pytest.fixture
def root() -> Path:
    return ROOT


def exercise(ex_id: str):
    return next(e for e in EXERCISES if e.id == ex_id)
