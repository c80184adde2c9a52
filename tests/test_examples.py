"""Every exercise, both directions: the shipped file fails, every PASS example passes, every
FAIL example fails on the checks it names. Generated from the graders' inline examples."""
from __future__ import annotations

import pytest

from bughunt.devcheck import example_problem, example_runs, grade_example, structural_problems

from .conftest import EXERCISES

RUNS = [r for ex in EXERCISES for r in example_runs(ex)]


@pytest.fixture(scope="module")
def warm():
    """One warm fork server per test worker: every example still runs in its own fresh,
    limited process (tests/test_forkserver.py proves warm and cold verdicts agree)."""
    from bughunt.sandbox.warm import WarmSandbox

    with WarmSandbox() as server:
        yield server.run


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_exercise_is_well_formed(ex):
    assert structural_problems(ex) == []


@pytest.mark.parametrize("run", RUNS, ids=lambda r: f"{r.exercise.id}::{r.label}")
def test_example_verdict(run, warm):
    verdict = grade_example(run, runner=warm)
    assert example_problem(run, verdict) is None
    if run.expect != "pass":
        assert verdict.lines(), "a failing verdict must explain itself"
        assert all("Traceback" not in line for line in verdict.lines())


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_shipped_file_reports_root_cause_with_location(ex):
    from bughunt.grading import grade

    verdict = grade(ex)
    assert verdict.status == "fail"
    assert not verdict.root_cause_fixed
    assert any(c.line for c in verdict.failures() if c.kind == "static") or any(
        c.kind == "runtime" for c in verdict.failures()
    )
