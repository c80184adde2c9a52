"""Canvas round trip: a Canvas gradebook export is the roster, a small class is graded through
`bughunt grade`, and the gradebook it writes goes back into the right Canvas rows.

Canvas' import (lib/gradebook_importer.rb in instructure/canvas-lms) matches a row to a student
by the ID column read as a number (Canvas' own user id), then SIS User ID, then SIS Login ID,
then the name; `canvas_owner` below does the same over the fixture's course."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from bughunt.batch.model import CANVAS_HEADER, read_roster
from bughunt.cli import main
from bughunt.grader import load_grader
from bughunt.manifest import load
from bughunt.paths import find_root

FIXTURES = Path(__file__).parent / "fixtures"
EXPORT = FIXTURES / "canvas_gradebook_export.csv"
SIG, BCE = "sigmoid/overflow-basic", "log_epsilon/bce-logistic"
SETS = f"""format_version = 1
[sets.canvas-rt]
title = "Canvas round trip"
exercises = "{SIG} + {BCE}"
points = 10
[sets.canvas-rt.points_for]
"{BCE}" = 5
"""
# Made-up students of the fixture, by Canvas user id: what each hands in, and the total it earns.
EXPECTED = {
    "50001": 10,  # folder named by SIS User ID, bundle layout: sigmoid fixed, bce handed in broken
    "50002": 15,  # folder named by SIS login, flat upload names: both fixed
    "50003": 10,  # folder named by login (an e-mail), sigmoid fixed as overflow-basic.py
    "50004": 5,  # no SIS ids at all: folder named by Canvas' id, bce fixed
    "50005": 0,  # nothing handed in
    "50006": 15,  # folder named by SIS login, both fixed
}


def _no_jail() -> list[str]:
    from bughunt.sandbox import jail

    return [] if jail.available() else ["--no-jail"]


def _course() -> list[dict[str, str]]:
    """The fixture as Canvas knows its students (the Test Student included: Canvas has it too)."""
    with open(EXPORT, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if r["ID"].strip().isdigit()]


def canvas_owner(row: list[str], course: list[dict[str, str]]) -> dict[str, str] | None:
    """The course student Canvas' gradebook import gives this gradebook row to."""
    student, canvas_id, sis_id, login = row[0], row[1].strip(), row[2].strip(), row[3].strip()
    if canvas_id:
        # Ruby's String#to_i: leading digits, else 0, which is nobody.
        digits = canvas_id[: len(canvas_id) - len(canvas_id.lstrip("0123456789"))]
        hits = [c for c in course if digits and c["ID"] == str(int(digits))]
        if hits:
            return hits[0]
    for column, value in (("SIS User ID", sis_id), ("SIS Login ID", login)):
        if value:
            hits = [c for c in course if c[column] == value]
            if hits:
                return hits[0]
    hits = [c for c in course if c["Student"] == student]
    return hits[0] if hits else None


def test_a_canvas_export_is_read_as_a_roster():
    students = read_roster(EXPORT)
    assert [s.id for s in students] == [
        "S20230001", "S20230002", "mjcastellanos@uni.example", "50004", "S20230005", "S20230006",
    ]  # SIS User ID, else SIS Login ID, else Canvas' ID; no Points Possible, posting or Test Student row
    nkechi = students[0]
    assert (nkechi.name, nkechi.canvas_id, nkechi.sis_id, nkechi.login, nkechi.section) == (
        "Abara, Nkechi", "50001", "S20230001", "nabara", "Section 01",
    )
    maria = students[2]
    assert (maria.name, maria.sis_id, maria.email) == ("Castellanos, María José", "", "mjcastellanos@uni.example")
    assert students[3].canvas_id == students[3].id == "50004" and students[3].login == ""
    assert students[4].section == "Section 01 and Section 02"


def test_the_integration_id_and_split_name_forms_give_the_same_students(tmp_path):
    both = read_roster(FIXTURES / "canvas_gradebook_export_integration_id.csv")
    plain = {s.canvas_id: s for s in read_roster(EXPORT)}
    assert [s.id for s in both] == ["S20230001", "50004"]
    assert all(s == plain[s.canvas_id] for s in both)
    split = tmp_path / "split.csv"
    split.write_text(
        "LastName,FirstName,ID,SIS User ID,SIS Login ID,Section,Week 1 quiz (40117)\n"
        "    Points Possible,,,,,,5.00\n"
        "Abara,Nkechi,50001,S20230001,nabara,Section 01,4.00\n",
        encoding="utf-8",
    )
    assert read_roster(split) == [plain["50001"]]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canvas")
    exercises = {e.id: e for e in load(find_root())}
    sig, bce = exercises[SIG], exercises[BCE]
    fixed = {ex.id: load_grader(ex.grader_path).reference_example().apply(ex.path.read_text()) for ex in (sig, bce)}
    broken = {ex.id: ex.path.read_text() for ex in (sig, bce)}
    files = {
        "S20230001/sigmoid/overflow-basic/model.py": fixed[SIG],
        "S20230001/log_epsilon/bce-logistic/model.py": broken[BCE],
        "jbrandt/overflow-basic__model.py": fixed[SIG],
        "jbrandt/bce-logistic__model.py": fixed[BCE],
        "mjcastellanos@uni.example/overflow-basic.py": fixed[SIG],
        "50004/bce-logistic__model.py": fixed[BCE],
        "sohara/sigmoid/overflow-basic/model.py": fixed[SIG],
        "sohara/bce-logistic__model.py": fixed[BCE],
        "zz-visitor/overflow-basic__model.py": fixed[SIG],  # on no roster
    }
    for rel, text in files.items():
        (tmp / "subs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "subs" / rel).write_text(text, encoding="utf-8")
    (tmp / "sets.toml").write_text(SETS, encoding="utf-8")
    out = tmp / "out"
    result = CliRunner().invoke(main, [
        "grade", str(tmp / "subs"), "--set", str(tmp / "sets.toml"), "--roster", str(EXPORT), "--out", str(out),
        "--gradescope-csv", str(tmp / "gradescope.csv"), "-j", "2", *_no_jail(),
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return tmp, out, rows, result.output


def test_every_student_lands_in_their_canvas_row_with_the_right_score(graded):
    _, _, rows, _ = graded
    assert tuple(rows[0][:5]) == CANVAS_HEADER
    assert rows[0][5:] == [f"canvas-rt: {SIG}", f"canvas-rt: {BCE}", "canvas-rt: Total"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "10", "5", "(read only)"]
    course = _course()
    owners = {}
    for row in rows[2:]:
        owner = canvas_owner(row, course)
        assert owner is not None, row
        assert row[1] == owner["ID"]  # Canvas' own id, never ours
        assert (row[2], row[3], row[4]) == (owner["SIS User ID"], owner["SIS Login ID"], owner["Section"])
        assert float(row[-1]) == EXPECTED[owner["ID"]], (owner["Student"], row)
        assert float(row[5]) + float(row[6]) == float(row[-1])
        owners[owner["ID"]] = row
    assert sorted(owners) == sorted(EXPECTED)  # each once; no Test Student, no unmatched submission
    assert len(rows) == 2 + len(EXPECTED)


def test_canvas_would_still_match_without_its_id_column(graded):
    """The SIS ids alone put each row back (an ID blanked by a spreadsheet, say); a student
    with none is matched by name."""
    _, _, rows, _ = graded
    course = _course()
    for row in rows[2:]:
        owner = canvas_owner(row, course)
        assert canvas_owner([row[0], "", *row[2:]], course) == owner


def test_the_gradebook_reads_back_as_the_same_roster(graded):
    _, out, _, _ = graded
    def by_id(students):
        return sorted(students, key=lambda s: s.id)

    assert by_id(read_roster(out / "gradebook.csv")) == by_id(read_roster(EXPORT))  # rows are in id order


def test_the_unmatched_submission_is_flagged_not_a_gradebook_row(graded):
    _, out, rows, output = graded
    assert not any("zz-visitor" in cell for row in rows for cell in row)
    assert "not in the gradebook: submission zz-visitor" in output
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "zz-visitor" in summary and "matches no student on the roster" in summary
    # Graded all the same: the instructor can see what it was before deciding whose it is.
    feedback = (out / "unmatched" / "zz-visitor" / "feedback.md").read_text(encoding="utf-8")
    assert SIG in feedback
    assert not (out / "feedback" / "zz-visitor").exists() and not (out / "gradescope" / "zz-visitor").exists()


def test_the_gradescope_scores_csv_has_one_row_per_roster_student(graded):
    tmp, _, _, _ = graded
    with open(tmp / "gradescope.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Name", "SID", "Email", "Total Score"]
    by_sid = {r[1]: r for r in rows[1:]}
    students = {s.sis_id or s.id: s for s in read_roster(EXPORT)}
    assert sorted(by_sid) == sorted(students)
    for sid, row in by_sid.items():
        s = students[sid]
        assert row[0] == s.name and row[2] == s.email
        assert float(row[3]) == EXPECTED[s.canvas_id]
