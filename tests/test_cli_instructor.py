"""Usage errors of the instructor commands: one line, exit status 2, nothing written."""
from __future__ import annotations

from click.testing import CliRunner

from bughunt.cli import main
from bughunt.paths import find_root

EXAMPLES = find_root() / "examples" / "instructor"


def _run(*args):
    return CliRunner().invoke(main, list(args))


def _no_jail() -> list[str]:
    """Without bubblewrap (a fresh machine), grading other people's code needs --no-jail."""
    from bughunt.sandbox import jail

    return [] if jail.available() else ["--no-jail"]


def test_sets_lists_builtin_and_instructor_sets():
    res = _run("sets", "--sets", str(EXAMPLES / "bughunt-sets.toml"))
    assert res.exit_code == 0
    assert "starter" in res.output and "week3 *" in res.output and "bughunt-sets.toml" in res.output


def test_unknown_set_is_a_usage_error(tmp_path):
    res = _run("assign", "no-such-set", "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and "no set named 'no-such-set'" in res.output
    assert not (tmp_path / "out").exists()


def test_bad_roster_is_a_usage_error(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name\nAda\n")
    res = _run("assign", "starter", "--roster", str(roster), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and "needs an id column" in res.output


def test_grade_refuses_an_output_inside_the_submissions(tmp_path):
    (tmp_path / "subs" / "s001").mkdir(parents=True)
    res = _run("grade", str(tmp_path / "subs"), "--set", "starter", "--out", str(tmp_path / "subs" / "results"), *_no_jail())
    assert res.exit_code == 2 and "inside SUBMISSIONS" in res.output
    assert not (tmp_path / "subs" / "results").exists()


def test_grade_rejects_a_file_that_is_not_a_zip(tmp_path):
    bogus = tmp_path / "class.zip"
    bogus.write_bytes(b"this is not a zip")
    res = _run("grade", str(bogus), "--set", "starter", "--out", str(tmp_path / "out"), *_no_jail())
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "zip" in res.output.lower()
