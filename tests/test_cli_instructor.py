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
    assert res.exit_code == 2 and "needs an id column, named one of: id, student_id" in res.output


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


def _one_line_error(res) -> str:
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert "Traceback" not in res.output
    return lines[0]


def _zip(path, files: dict[str, str]):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_grade_refuses_an_empty_zip_and_writes_nothing(tmp_path):
    empty = _zip(tmp_path / "class.zip", {})
    res = _run("grade", str(empty), "--set", "starter", "--out", str(tmp_path / "out"), *_no_jail())
    assert "class.zip holds no student's submission" in _one_line_error(res)
    assert not (tmp_path / "out").exists()  # no gradebook of zeros, no half-written folder


def test_grade_refuses_submissions_that_match_no_one_on_the_roster(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns001,Ada Lovelace\ns002,Alan Turing\n")
    subs = _zip(tmp_path / "class.zip", {"x901/pipeline.py": "a = 1\n", "x902/pipeline.py": "b = 2\n"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "gradebook.csv").write_text("last week's gradebook\n")  # a previous run's, kept as it was
    res = _run("grade", str(subs), "--set", "starter", "--roster", str(roster), "--out", str(out), *_no_jail())
    line = _one_line_error(res)
    assert "none of the 2 submissions in class.zip (x901, x902) matches a student on the roster of 2" in line
    assert sorted(p.name for p in out.iterdir()) == ["gradebook.csv"]
    assert (out / "gradebook.csv").read_text() == "last week's gradebook\n"


def test_grade_with_a_roster_without_an_id_column_lists_the_accepted_names(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nAda,ada@uni.example\n")
    subs = _zip(tmp_path / "class.zip", {"s001/pipeline.py": "a = 1\n"})
    res = _run("grade", str(subs), "--set", "starter", "--roster", str(roster), "--out", str(tmp_path / "out"), *_no_jail())
    line = _one_line_error(res)
    assert "needs an id column, named one of: id, student_id, student, user_id, username" in line
    assert "Canvas gradebook export" in line and "its first row is: name, email" in line
    assert not (tmp_path / "out").exists()
