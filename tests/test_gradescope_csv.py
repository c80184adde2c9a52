"""The scores CSV `bughunt grade --gradescope-csv` writes for a Gradescope assignment's score
upload: Name, SID, Email and Total Score, one row per roster student, the gradebook's totals."""
from __future__ import annotations

import csv
import io

from bughunt.batch import gradescope
from bughunt.batch.model import ExerciseResult, Student, StudentReport


def _report(student: Student, *points: float) -> StudentReport:
    results = [ExerciseResult(f"cat/ex{i}", f"Exercise {i}", 10.0, p, "pass" if p else "fail") for i, p in enumerate(points)]
    return StudentReport(student, results)


REPORTS = [
    _report(Student("s02", "Turing, Alan", "alan@uni.example"), 10, 2.5),
    _report(Student("S100", "Lovelace, Ada", "", sis_id="S100", login="ada", canvas_id="501"), 10, 10),
    _report(Student("s03", 'Hopper, "Amazing" Grace', "grace@uni.example", sis_id="900003"), 0, 0),
]


def test_scores_csv_shape(tmp_path):
    path = tmp_path / "scores.csv"
    gradescope.write_scores_csv(path, REPORTS)
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n") and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows == [
        ["Name", "SID", "Email", "Total Score"],
        ["Lovelace, Ada", "S100", "", "20"],
        ["Turing, Alan", "s02", "alan@uni.example", "12.5"],
        ["Hopper, \"Amazing\" Grace", "900003", "grace@uni.example", "0"],  # SID: the SIS id, not the roster id
    ]
    assert not list(tmp_path.glob(".*.part"))


def test_scores_match_each_students_total():
    rows = gradescope.scores_rows(REPORTS)
    totals = {r.student.name: r.total for r in REPORTS}
    assert {row[0]: float(row[3]) for row in rows[1:]} == totals
