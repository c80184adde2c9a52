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


def test_hints_advance_one_level_at_a_time_and_say_when_none_are_left(monkeypatch, tmp_path):
    first = _run(["hint", EX.id], monkeypatch, tmp_path).output
    second = _run(["hint", EX.id], monkeypatch, tmp_path).output
    assert first.startswith(f"Hint 1/{len(EX.hints)}") and EX.hints[0] in first
    assert second.startswith(f"Hint 2/{len(EX.hints)}") and EX.hints[1] in second
    outs = [_run(["hint", EX.id], monkeypatch, tmp_path).output for _ in range(len(EX.hints))]
    last = outs[len(EX.hints) - 3]
    assert last.startswith(f"Hint {len(EX.hints)}/{len(EX.hints)}") and "this is the last hint" in last
    assert outs[-1].startswith(f"No hints left for {EX.id}") and EX.hints[-1] in outs[-1]
    again = _run(["hint", EX.id, "--reset"], monkeypatch, tmp_path).output
    assert again.startswith("Hint 1/")


def test_solution_is_shown_after_a_pass_or_with_peek(monkeypatch, tmp_path):
    reference = load_grader(EX.grader_path).reference_example().apply(EX.path.read_text())
    early = _run(["solution", EX.id], monkeypatch, tmp_path)
    assert early.exit_code == 1 and "--peek" in early.output and reference not in early.output
    peek = _run(["solution", EX.id, "--peek"], monkeypatch, tmp_path)
    assert peek.exit_code == 0 and peek.output == reference
    assert EX.id in json.loads((tmp_path / "progress.json").read_text())["peeked"]


def test_solution_after_a_pass_prints_the_shipped_fix_not_a_patch_of_the_student_file(monkeypatch, tmp_path):
    reference = load_grader(EX.grader_path).reference_example().apply(EX.path.read_text())
    (tmp_path / "progress.json").write_text(json.dumps({"passed": {EX.id: "2026-11-30T00:00:00+00:00"}}))
    r = _run(["solution", EX.id], monkeypatch, tmp_path)
    assert r.exit_code == 0 and r.output == reference


def test_ids_paths_and_prefixes_are_accepted_and_typos_get_a_suggestion(monkeypatch, tmp_path):
    for target in (f"exercises/{EX.id}", f"exercises/{EX.id}/{EX.file}", str(EX.path), "leakage/scaler", "scaler-before"):
        r = _run(["hint", target], monkeypatch, tmp_path)
        assert r.exit_code == 0 and f"for {EX.id}" in r.output, (target, r.output)
    typo = _run(["check", "leakage/scalar-before-split"], monkeypatch, tmp_path)
    assert typo.exit_code == 2 and f"did you mean `{EX.id}`" in typo.output
    ambiguous = _run(["hint", "leakage/s"], monkeypatch, tmp_path)
    assert ambiguous.exit_code == 2 and "matches" in ambiguous.output


def test_list_fits_the_terminal_without_cutting_ids(monkeypatch, tmp_path):
    from bughunt.manifest import load

    for width in ("120", "80", "56"):
        monkeypatch.setenv("COLUMNS", width)
        out = _run(["list"], monkeypatch, tmp_path).output
        assert max(len(line.rstrip()) for line in out.splitlines()) <= int(width)
        for ex in load(ROOT):
            assert ex.id in out, (width, ex.id)
        assert out.splitlines()[-1].endswith(f"/ {len(load(ROOT))} done")


def test_list_shows_status_after_check(monkeypatch, tmp_path):
    before = _run(["list"], monkeypatch, tmp_path).output
    assert "todo" in before
    _run(["check", EX.id], monkeypatch, tmp_path)
    after = _run(["list"], monkeypatch, tmp_path).output
    assert "fail" in after


def test_dev_check_structure(monkeypatch, tmp_path):
    r = _run(["dev", "check", "--no-grade"], monkeypatch, tmp_path)
    assert r.exit_code == 0, r.output
