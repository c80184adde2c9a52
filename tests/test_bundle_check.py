"""Inside a student bundle, `bughunt check` and `pytest` grade the student's copies."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from bughunt.assign import write_assignment
from bughunt.cli import main
from bughunt.grader import load_grader
from bughunt.manifest import load
from bughunt.paths import find_root
from bughunt.sets import load_sets

ROOT = find_root()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    exercises = load(ROOT)
    import dataclasses

    base = load_sets(ROOT, exercises)["numerics"]
    one = dataclasses.replace(base, entries=tuple(e for e in base.entries if e.exercise.id == "sigmoid/overflow-basic"))
    out = tmp_path_factory.mktemp("assign") / "out"
    write_assignment(one, out)
    return out / "student", one.exercises[0]


def test_check_in_a_bundle_grades_the_bundle_file(bundle, monkeypatch):
    student, ex = bundle
    monkeypatch.chdir(student)
    broken = CliRunner().invoke(main, ["check", "sigmoid", "--json"])
    assert broken.exit_code == 1
    (verdict,) = json.loads(broken.output)
    assert verdict["status"] == "fail" and verdict["file"].endswith("sigmoid/overflow-basic/model.py")
    assert "exercises/" not in verdict["file"]

    handed = student / ex.category / ex.slug / ex.file
    original = handed.read_text()
    try:
        handed.write_text(load_grader(ex.grader_path).reference_example().apply(original))
        fixed = CliRunner().invoke(main, ["check", "sigmoid/overflow-basic", "--json"])
        assert fixed.exit_code == 0, fixed.output
    finally:
        handed.write_text(original)


def test_check_in_a_bundle_refuses_exercises_it_does_not_hold(bundle, monkeypatch):
    student, _ = bundle
    monkeypatch.chdir(student)
    res = CliRunner().invoke(main, ["check", "leakage"])
    assert res.exit_code == 2 and "has no exercise matching" in res.output


def test_pytest_collects_the_bundle_file(bundle, pytester):
    student, ex = bundle
    copy = pytester.path / "bundle"
    shutil.copytree(student, copy)
    result = pytester.runpytest_subprocess(str(copy), "-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*sigmoid/overflow-basic: FAIL*"])
