"""`bughunt assign` hands out the exercises bughunt ships: never a copy edited in a checkout,
never the working directory's tree or a student's workspace."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from bughunt.assign import AssignError, write_assignment
from bughunt.cli import main
from bughunt.manifest import load
from bughunt.sets import load_sets
from bughunt.shipped import CHECKSUMS, REGENERATE, render
from tests.conftest import EXERCISES, ROOT

EX = next(e for e in EXERCISES if e.id == "sigmoid/overflow-basic")
EDIT = "\n# my own attempt at the fix\n"


def test_the_checksum_list_is_in_step_with_the_exercises():
    recorded = (ROOT / "exercises" / CHECKSUMS).read_text(encoding="utf-8")
    assert render(ROOT) == recorded, f"exercises/{CHECKSUMS} is out of date: run `{REGENERATE}`"


def _library(tmp_path: Path, git: bool) -> Path:
    """A copy of the library (exercises and graders), as a git checkout if `git`."""
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "exercises", lib / "exercises")
    shutil.copytree(ROOT / "graders", lib / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    if git:
        run = dict(cwd=lib, check=True, capture_output=True)
        subprocess.run(["git", "init", "-q"], **run)
        subprocess.run(["git", "add", "."], **run)
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "library"], **run)
    return lib


def _one(lib: Path):
    """A set of one exercise (sigmoid/overflow-basic) from the library at `lib`."""
    numerics = load_sets(lib, load(lib))["numerics"]
    return dataclasses.replace(numerics, entries=tuple(e for e in numerics.entries if e.exercise.id == EX.id))


def test_an_edited_checkout_file_is_replaced_by_the_shipped_one(tmp_path):
    lib = _library(tmp_path, git=True)
    mine = lib / "exercises" / EX.category / EX.slug / EX.file
    mine.write_text(mine.read_text() + EDIT)
    (mine.parent / "README.md").write_text("my notes\n")
    said: list[str] = []
    result = write_assignment(_one(lib), tmp_path / "out", progress=said.append)
    rel = f"exercises/{EX.category}/{EX.slug}"
    assert [w.split(" was edited")[0] for w in result.warnings] == [f"{rel}/{EX.file}", f"{rel}/README.md"]
    assert all("the bundles get the shipped version" in w for w in result.warnings)
    assert [m for m in said if m.startswith("warning: ")] == [f"warning: {w}" for w in result.warnings]
    handed = result.out / "student" / EX.category / EX.slug
    assert (handed / EX.file).read_text() == EX.path.read_text()
    assert "my notes" not in (handed / "README.md").read_text()
    assert EDIT.strip() not in (result.instructor / "solutions" / "all" / EX.category / EX.slug / EX.file).read_text()


def test_an_edited_file_that_cannot_be_recovered_stops_assign(tmp_path):
    lib = _library(tmp_path, git=False)
    mine = lib / "exercises" / EX.category / EX.slug / EX.file
    mine.write_text(mine.read_text() + EDIT)
    with pytest.raises(AssignError, match=rf"exercises/{EX.id}/{EX.file} differs from the shipped file .* restore it"):
        write_assignment(_one(lib), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_file_missing_from_the_checksum_list_is_refused(tmp_path):
    lib = _library(tmp_path, git=False)
    sums = lib / "exercises" / CHECKSUMS
    sums.write_text("".join(line + "\n" for line in sums.read_text().splitlines() if f"{EX.id}/{EX.file}" not in line))
    with pytest.raises(AssignError, match=f"not in exercises/{CHECKSUMS}.*{REGENERATE}"):
        write_assignment(_one(lib), tmp_path / "out")


def test_the_command_ignores_the_working_directory_and_bughunt_root(tmp_path, monkeypatch):
    # An instructor who tried the exercise first, in a checkout-like tree, runs assign from there.
    lib = _library(tmp_path, git=False)
    mine = lib / "exercises" / EX.category / EX.slug / EX.file
    mine.write_text(mine.read_text() + EDIT)
    monkeypatch.chdir(lib)
    monkeypatch.setenv("BUGHUNT_ROOT", str(lib))
    result = CliRunner().invoke(main, ["assign", "numerics", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "keep" in result.output and "private" in result.output
    handed = tmp_path / "out" / "student" / EX.category / EX.slug / EX.file
    assert handed.read_text() == EX.path.read_text()
