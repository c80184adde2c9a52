"""Every file `bughunt grade` writes follows the umask, as cp or an editor would, so a course's
staff can share results on a server; --private makes them owner-only; the grading secret is
owner-only whatever the umask."""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bughunt.cli import main

SET = "sigmoid/overflow-basic"
SETS = f'format_version = 1\n[sets.modes]\nexercises = "{SET}"\n'


def _no_jail() -> list[str]:
    from bughunt.sandbox import jail

    return [] if jail.available() else ["--no-jail"]


@pytest.fixture
def umask():
    """Set the umask for one test, and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def _grade(tmp_path: Path, *extra: str) -> Path:
    from bughunt.manifest import load
    from bughunt.paths import find_root

    ex = next(e for e in load(find_root()) if e.id == SET)
    (tmp_path / "sets.toml").write_text(SETS)
    (tmp_path / "roster.csv").write_text("id,name\ns001,Ada Lovelace\n")
    with zipfile.ZipFile(tmp_path / "class.zip", "w") as zf:  # a zip: its extraction is an output too
        zf.writestr("s001/model.py", ex.path.read_text())
        zf.writestr("visitor/model.py", ex.path.read_text())  # on no roster: graded under unmatched/
    out = tmp_path / "out"
    res = CliRunner().invoke(main, [
        "grade", str(tmp_path / "class.zip"), "--set", str(tmp_path / "sets.toml"), "--roster",
        str(tmp_path / "roster.csv"), "--out", str(out), "--gradescope-csv", str(out / "gradescope.csv"),
        "-j", "1", *_no_jail(), *extra,
    ], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out


def _modes(out: Path) -> tuple[dict[str, int], dict[str, int]]:
    files, folders = {}, {"": stat.S_IMODE(out.stat().st_mode)}
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        (folders if path.is_dir() else files)[rel] = stat.S_IMODE(path.lstat().st_mode)
    return files, folders


def _check_every_output(out: Path, file_mode: int, dir_mode: int) -> None:
    files, folders = _modes(out)
    expected = {
        "gradebook.csv", "gradescope.csv", "summary.md", "summary.html", "summary.json",
        "feedback/s001/feedback.md", "feedback/s001/feedback.html", "gradescope/s001/results.json",
        "unmatched/visitor/feedback.md", ".bughunt/submissions/students/s001/model.py",
        ".bughunt/results/s001/sigmoid__overflow-basic.json", ".bughunt/results/visitor/sigmoid__overflow-basic.json",
    }
    assert expected <= set(files), sorted(set(files))
    assert {rel: oct(m) for rel, m in files.items() if m != file_mode} == {}
    assert {rel: oct(m) for rel, m in folders.items() if m != dir_mode} == {}


def test_outputs_are_shareable_under_the_usual_umask(tmp_path, umask):
    umask(0o022)
    _check_every_output(_grade(tmp_path), 0o644, 0o755)


def test_outputs_follow_a_narrower_umask(tmp_path, umask):
    umask(0o027)
    _check_every_output(_grade(tmp_path), 0o640, 0o750)


def test_private_makes_every_output_owner_only(tmp_path, umask):
    umask(0o022)
    _check_every_output(_grade(tmp_path, "--private"), 0o600, 0o700)
    assert os.umask(0o022) == 0o022  # the command put the umask back


def test_the_grading_secret_is_owner_only_under_any_umask(tmp_path, umask):
    from bughunt.secret import write_secret

    umask(0)
    path = write_secret(tmp_path / "bundle")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
