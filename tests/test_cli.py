from __future__ import annotations

import json

from click.testing import CliRunner

from bughunt.cli import main
from bughunt.grader import load_grader

from .conftest import ROOT, exercise

EX = exercise("leakage/scaler-before-split")


def _run(args, monkeypatch, tmp_path):
    monkeypatch.setenv("BUGHUNT_ROOT", str(ROOT))
    monkeypatch.setattr("bughunt.progress._path", lambda root: tmp_path / "progress.json")
    return CliRunner().invoke(main, args)


def test_check_broken_exits_1_with_json(monkeypatch, tmp_path):
    r = _run(["check", EX.id, "--json"], monkeypatch, tmp_path)
    assert r.exit_code == 1
    [verdict] = json.loads(r.output)
    assert verdict["status"] == "fail" and verdict["root_cause_fixed"] is False
    assert {"score", "max_score", "duration", "checks", "suppressions", "symptom_gone"} <= verdict.keys()
    assert {c["kind"] for c in verdict["checks"]} == {"runtime", "static"}


def test_check_fixed_file_exits_0(monkeypatch, tmp_path):
    fixed = tmp_path / "pipeline.py"
    fixed.write_text(load_grader(EX.grader_path).reference_example().apply(EX.path.read_text()))
    r = _run(["check", EX.id, "--file", str(fixed)], monkeypatch, tmp_path)
    assert r.exit_code == 0, r.output
    assert "PASS" in r.output


def test_usage_errors_exit_2(monkeypatch, tmp_path):
    assert _run(["check", "no-such-exercise"], monkeypatch, tmp_path).exit_code == 2
    assert _run(["check", "leakage", "--file", "x.py"], monkeypatch, tmp_path).exit_code == 2
    assert _run(["hint", "nope/nope"], monkeypatch, tmp_path).exit_code == 2


def test_hints_advance_one_level_at_a_time(monkeypatch, tmp_path):
    first = _run(["hint", EX.id], monkeypatch, tmp_path).output
    second = _run(["hint", EX.id], monkeypatch, tmp_path).output
    assert first.startswith(f"Hint 1/{len(EX.hints)}") and EX.hints[0] in first
    assert second.startswith(f"Hint 2/{len(EX.hints)}") and EX.hints[1] in second
    for _ in range(5):
        last = _run(["hint", EX.id], monkeypatch, tmp_path).output
    assert last.startswith(f"Hint {len(EX.hints)}/")
    again = _run(["hint", EX.id, "--reset"], monkeypatch, tmp_path).output
    assert again.startswith("Hint 1/")


def test_solution_prints_the_reference_fix(monkeypatch, tmp_path):
    r = _run(["solution", EX.id], monkeypatch, tmp_path)
    assert r.exit_code == 0
    assert r.output == load_grader(EX.grader_path).reference_example().apply(EX.path.read_text())


def test_list_shows_status_after_check(monkeypatch, tmp_path):
    before = _run(["list"], monkeypatch, tmp_path).output
    assert "not checked" in before
    _run(["check", EX.id], monkeypatch, tmp_path)
    after = _run(["list"], monkeypatch, tmp_path).output
    assert "fail" in after


def test_dev_check_structure(monkeypatch, tmp_path):
    r = _run(["dev", "check", "--no-grade"], monkeypatch, tmp_path)
    assert r.exit_code == 0, r.output
