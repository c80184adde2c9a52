"""The pytest plugin, tested with pytester on a copy of one exercise."""
from __future__ import annotations

import shutil

import pytest

from bughunt.grader import load_grader

from .conftest import ROOT, exercise

EX = exercise("leakage/scaler-before-split")


@pytest.fixture
def tree(pytester, monkeypatch):
    """A minimal bughunt tree holding only the scaler exercise."""
    base = pytester.path
    (base / "exercises" / "leakage").mkdir(parents=True)
    (base / "exercises" / "manifest.toml").write_text('format_version = 1\ncategories = ["leakage"]\n')
    manifest = (ROOT / "exercises/leakage/manifest.toml").read_text()
    entry = manifest.split("[[exercise]]")[1]
    (base / "exercises/leakage/manifest.toml").write_text("format_version = 1\n[[exercise]]" + entry.split("# ---")[0])
    shutil.copytree(EX.folder, base / "exercises/leakage/scaler-before-split")
    (base / "graders" / "leakage").mkdir(parents=True)
    shutil.copy(EX.grader_path, base / "graders/leakage/")
    monkeypatch.delenv("BUGHUNT_ROOT", raising=False)
    return base


def test_broken_exercise_fails_with_the_verdict_not_a_traceback(pytester, tree):
    result = pytester.runpytest_subprocess("exercises/leakage")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "leakage/scaler-before-split: FAIL" in out
    assert "learns from every row" in out
    assert "pipeline.py:31" in out
    assert "Traceback" not in out and "def runtest" not in out


def test_fixed_exercise_passes_and_runs_by_node_id(pytester, tree):
    path = tree / "exercises/leakage/scaler-before-split/pipeline.py"
    path.write_text(load_grader(EX.grader_path).reference_example().apply(path.read_text()))
    result = pytester.runpytest_subprocess("exercises/leakage/scaler-before-split/pipeline.py::scaler-before-split")
    result.assert_outcomes(passed=1)


def test_plain_python_files_elsewhere_are_not_collected(pytester, tree):
    pytester.makepyfile(helper="x = 1\n")
    result = pytester.runpytest_subprocess("helper.py")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_self_check_and_instructor_grading_agree(tree):
    from bughunt.grading import grade
    from bughunt.manifest import load

    ex = load(tree)[0]
    a, b = grade(ex), grade(EX, ex.path)
    assert (a.status, [(c.name, c.passed) for c in a.checks]) == (b.status, [(c.name, c.passed) for c in b.checks])
