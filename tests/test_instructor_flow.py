"""The README's instructor flow end to end, through the CLI: define a set, assign it to a
roster of 30, hand in a fake class (fixed, suppressed, partial, hostile, absent, copied)
as an LMS zip, grade it, and check every output."""
from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bughunt.cli import main
from bughunt.paths import find_root

ROOT = find_root()
EXAMPLES = ROOT / "examples" / "instructor"
SETS = """format_version = 1
[sets.flow]
title = "Flow test: overflow and log(0)"
exercises = "sigmoid/overflow-basic + log_epsilon/bce-logistic"
points = 10
due = 2026-12-04T23:59:00
timeout = 6
[sets.flow.points_for]
"sigmoid/overflow-basic" = 12
"""
EXPECTED_TOTAL = {"fixed": 22, "suppressed": 0, "partial": 12, "hostile": 0, "absent": 0, "copied": 22}


def _fake_module():
    spec = importlib.util.spec_from_file_location("fake_submissions", EXAMPLES / "fake_submissions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _invoke(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flow")
    sets_file = tmp / "bughunt-sets.toml"
    sets_file.write_text(SETS)
    _invoke("assign", "flow", "--sets", str(sets_file), "--roster", str(EXAMPLES / "roster.csv"), "--seed", "3", "--out", str(tmp / "assigned"))
    kinds = _fake_module().main(tmp / "assigned", tmp / "class.zip")
    before = {p for p in Path("/tmp").glob("bughunt-absolute-*")}
    from bughunt.sandbox import jail

    # Without bubblewrap (a fresh machine), grading other people's code needs --no-jail.
    no_jail = [] if jail.available() else ["--no-jail"]
    output = _invoke("grade", str(tmp / "class.zip"), "--set", str(tmp / "assigned" / "instructor"), "--out", str(tmp / "results"), *no_jail)
    return tmp, kinds, output, before


def _gradebook(tmp: Path) -> dict[str, list[str]]:
    with open(tmp / "results" / "gradebook.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["12", "10", "(read only)"]
    return {row[2]: row for row in rows[2:]}  # SIS User ID: the roster id; ID is left to Canvas


def test_every_student_once_with_the_right_total(graded):
    tmp, kinds, _, _ = graded
    book = _gradebook(tmp)
    assert sorted(book) == sorted(kinds) and len(book) == 30
    wrong = {sid: (kind, book[sid][-1]) for sid, kind in kinds.items() if float(book[sid][-1]) != EXPECTED_TOTAL[kind]}
    # On a mismatch, show why: each such student's feedback says what the grader found.
    assert not wrong, {sid: (*got, (tmp / "results" / "feedback" / sid / "feedback.md").read_text()) for sid, got in wrong.items()}


def test_gradescope_results_agree_with_the_gradebook(graded):
    tmp, kinds, _, _ = graded
    book = _gradebook(tmp)
    for sid in kinds:
        data = json.loads((tmp / "results" / "gradescope" / sid / "results.json").read_text())
        assert data["score"] == float(book[sid][-1]) == sum(t["score"] for t in data["tests"])
        assert {t["status"] for t in data["tests"]} <= {"passed", "failed"}


def test_feedback_names_what_remains_wrong(graded):
    tmp, kinds, _, _ = graded
    for sid, kind in kinds.items():
        md = (tmp / "results" / "feedback" / sid / "feedback.md").read_text()
        assert (tmp / "results" / "feedback" / sid / "feedback.html").is_file()
        if kind == "suppressed":
            assert "hides the symptom" in md and "overflow-basic/model.py:" in md
        if kind == "absent":
            assert "no submission found" in md
        if kind == "hostile":
            assert "did not finish within 6 seconds" in md and "stopped the program itself" in md
            assert "not accepted: link.py is a symbolic link" in md
            page = (tmp / "results" / "feedback" / sid / "feedback.html").read_text()
            assert "not accepted: link.py is a symbolic link" in page
        assert "Traceback" not in md and "graders/" not in md


def test_copied_answers_are_flagged_for_the_instructor_only(graded):
    tmp, kinds, output, _ = graded
    summary = (tmp / "results" / "summary.md").read_text()
    attention = summary[: summary.index("## Exercises")]  # flags open the summary
    students = sorted(kinds)
    for i, (sid, kind) in enumerate(sorted(kinds.items())):
        md = (tmp / "results" / "feedback" / sid / "feedback.md").read_text()
        assert "variant handed out to" not in md and "own variant" not in md
        if kind == "copied":
            donor = students[(i + 1) % len(students)]  # fake_submissions copies the next student
            assert f"not the one handed to {sid}" in attention
            assert f"{donor}'s own variant was handed in by {sid}" in attention  # both sides
    copied = list(kinds.values()).count("copied")
    assert summary.count("variant handed out to") == 2 * copied  # two exercises each
    assert summary.count("own variant was handed in by") == 2 * copied


def test_refused_entries_reach_the_summary(graded):
    tmp, kinds, _, _ = graded
    summary = (tmp / "results" / "summary.md").read_text()
    for sid, kind in kinds.items():
        if kind == "hostile":  # an absolute path belongs to no student's folder: listed here
            assert f"/tmp/bughunt-absolute-{sid}.py" in summary and f"{sid}/link.py" in summary


def test_hostile_entries_never_leave_the_output_folder(graded):
    tmp, _, _, before = graded
    assert set(Path("/tmp").glob("bughunt-absolute-*")) == before
    assert not list(tmp.rglob("escaped.py")) and not (tmp.parent / "escaped.py").exists()
    assert not any(p.is_symlink() for p in (tmp / "results").rglob("*"))
