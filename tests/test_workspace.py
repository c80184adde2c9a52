"""`bughunt init` workspaces and the student's loop inside them: check, pytest, list, next,
reset, solution; and assignment bundles listing only what they hold."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from bughunt.cli import main
from bughunt.grader import load_grader
from bughunt.workspace import WorkspaceError, init

from .conftest import EXERCISES, ROOT, exercise

EX = exercise("sigmoid/overflow-basic")


def _fixed(ex) -> str:
    return load_grader(ex.grader_path).reference_example().apply(ex.path.read_text())


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.delenv("BUGHUNT_ROOT", raising=False)
    dest = tmp_path / "ws"
    init(dest, EXERCISES)
    monkeypatch.chdir(dest)
    return dest


def _cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def test_init_writes_broken_files_and_readmes_but_no_fixes(ws):
    for ex in EXERCISES:
        folder = ws / ex.category / ex.slug
        assert (folder / ex.file).read_text() == ex.path.read_text()
        assert (folder / "README.md").read_bytes() == ex.readme.read_bytes()
        assert (folder / "HINTS.md").is_file()
    fixes = {_fixed(ex) for ex in EXERCISES}
    for f in ws.rglob("*"):
        if f.is_file():
            assert f.read_text() not in fixes, f
    assert not (ws / "graders").exists() and not (ws / "exercises").exists()
    assert (ws / ".bughunt-assignment.toml").is_file() and (ws / "README.md").is_file()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x.txt").write_text("mine")
    with pytest.raises(WorkspaceError):
        init(tmp_path, EXERCISES)
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_init_command_and_a_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = _cli("init", "starter-ws", "--set", "starter")
    assert r.exit_code == 0, r.output
    monkeypatch.chdir(tmp_path / "starter-ws")
    out = _cli("list").output
    assert "0 / 6 done" in out and "sigmoid/overflow-basic" in out and "sigmoid/softmax-max" not in out
    assert _cli("init", str(tmp_path / "starter-ws")).exit_code == 2


def test_check_in_a_workspace_grades_the_copy_and_counts_progress(ws):
    mine = ws / "sigmoid" / "overflow-basic" / EX.file
    broken = _cli("check", "sigmoid/overflow-basic/model.py", "--json")
    assert broken.exit_code == 1, broken.output
    (verdict,) = json.loads(broken.output)
    assert verdict["status"] == "fail" and verdict["file"] == "sigmoid/overflow-basic/model.py"
    assert "fail" in _cli("list").output

    nxt = _cli("next").output
    assert nxt.startswith("Next: leakage/scaler-before-split")
    early = _cli("solution", "overflow-b")
    assert early.exit_code == 1

    mine.write_text(_fixed(EX))
    fixed = _cli("check", "overflow-b")
    assert fixed.exit_code == 0, fixed.output
    assert "PASS" in fixed.output and "1 / 22 done" in fixed.output
    listed = _cli("list").output
    assert "1 / 22 done" in listed
    sol = _cli("solution", "sigmoid/overflow-basic")
    assert sol.exit_code == 0 and sol.output == _fixed(EX)

    # edited after the pass: no longer counted as done, but the solution stays available
    mine.write_text(mine.read_text() + "\n# more\n")
    assert "0 / 22 done" in _cli("list").output
    assert _cli("solution", "sigmoid/overflow-basic").exit_code == 0


def test_reset_asks_restores_and_keeps_a_backup(ws):
    mine = ws / "sigmoid" / "overflow-basic" / EX.file
    mine.write_text("my attempt\n")
    no = _cli("reset", "sigmoid/overflow-basic", input="n\n")
    assert no.exit_code == 1 and mine.read_text() == "my attempt\n"
    yes = _cli("reset", "sigmoid/overflow-basic", input="y\n")
    assert yes.exit_code == 0, yes.output
    assert mine.read_text() == EX.path.read_text()
    backups = list((ws / ".bughunt" / "backups").rglob("*model.py"))
    assert len(backups) == 1 and backups[0].read_text() == "my attempt\n"
    assert _cli("reset", "sigmoid/overflow-basic", "--yes").exit_code == 0


def test_next_when_everything_passes(ws, monkeypatch):
    from bughunt import progress

    data = {"verdicts": {ex.id: {"sha256": progress.digest(ws / ex.category / ex.slug / ex.file), "status": "pass"}
                         for ex in EXERCISES}}
    progress.save(ws, data)
    assert "All 22 exercises pass" in _cli("next").output


def test_pytest_in_a_workspace_grades_the_copy_and_list_counts_the_pass(ws, pytester, monkeypatch):
    mine = ws / "sigmoid" / "overflow-basic" / EX.file
    mine.write_text(_fixed(EX))
    result = pytester.runpytest_subprocess(str(ws / "sigmoid" / "overflow-basic"), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    monkeypatch.chdir(ws)  # pytester moved into its own folder
    assert "1 / 22 done" in _cli("list").output


def test_a_bundle_lists_only_its_exercises(tmp_path, monkeypatch):
    import dataclasses

    from bughunt.assign import write_assignment
    from bughunt.manifest import load
    from bughunt.sets import load_sets

    base = load_sets(ROOT, load(ROOT))["numerics"]
    one = dataclasses.replace(base, entries=tuple(e for e in base.entries if e.exercise.category == "sigmoid"))
    write_assignment(one, tmp_path / "out")
    monkeypatch.chdir(tmp_path / "out" / "student")
    out = _cli("list").output
    assert "0 / 3 done" in out and "sigmoid/overflow-basic" in out and "leakage" not in out
    refused = _cli("check", "leakage/scaler-before-split")
    assert refused.exit_code == 2 and "has no exercise matching" in refused.output
    assert _cli("hint", "overflow-b").output.startswith("Hint 1/")


def test_the_workspace_is_independent_of_the_checkout(tmp_path, monkeypatch):
    """Copied elsewhere, a workspace still grades against the installed package's exercises."""
    dest = tmp_path / "a"
    init(dest, [EX])
    moved = tmp_path / "b"
    shutil.move(str(dest), str(moved))
    monkeypatch.chdir(moved)
    out = _cli("list").output
    assert "0 / 1 done" in out
