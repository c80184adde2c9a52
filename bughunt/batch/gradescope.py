"""Gradescope: the autograder's results.json for one student, and the scores CSV for a class.

Follows Gradescope's "Autograder Specifications" page
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"): top-level `score`, `execution_time`
(seconds), `output`, `output_format`, `test_output_format`, `test_name_format`, `visibility`,
`stdout_visibility`, and `tests`, each with `name`, `number`, `score`, `max_score`, `status`
("passed" or "failed"), `output`, `output_format`, `tags`, `visibility` and `extra_data`.
Visibility is one of hidden, after_due_date, after_published, visible; output formats are
text, html, simple_format, md and ansi.

One test per exercise: its score is the points awarded, exactly as in the gradebook, and its
output is the same Markdown the student's feedback.md shows for that exercise. ERROR and
MISSING exercises are "failed" tests; extra_data keeps bughunt's own status.

A results.json is only read by Gradescope's own autograder run. A class graded with
`bughunt grade` goes to Gradescope as a scores CSV instead (`--gradescope-csv`), for an
assignment's "upload scores": one row per student with the columns Gradescope's roster and
its own grade exports use, Name, SID and Email, which it matches students by, and the
score in "Total Score". SID is the student's SIS id where the roster has one, else the
roster id; Email is the roster's (for a Canvas roster, an e-mail login).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..sets import BugSet
from ..templates import environment, md, md_message, num
from . import atomic
from .feedback import exercise_feedback
from .gradebook import spreadsheet_text
from .model import StudentReport

VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")


def _check_visibility(name: str, value: str) -> str:
    if value not in VISIBILITY:
        raise ValueError(f"{name} should be one of {', '.join(VISIBILITY)}; found {value!r}")
    return value


def _overview(bugset: BugSet, report: StudentReport, score: float, possible: float) -> str:
    passed = sum(r.status == "pass" for r in report.results)
    lines = [f"**{md(bugset.title)}**: {num(score)} / {num(possible)} points; {passed} of {len(report.results)} exercises pass."]
    if report.notes:
        lines += ["", "Notes:", ""] + [f"- {md_message(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def results_json(
    bugset: BugSet,
    report: StudentReport,
    visibility: str = "visible",
    stdout_visibility: str = "hidden",
) -> dict:
    """stdout stays hidden by default: it is the grader's log, not feedback."""
    _check_visibility("visibility", visibility)
    _check_visibility("stdout_visibility", stdout_visibility)
    macro = environment().get_template("_exercise.md.j2").module.exercise
    tests = []
    for number, result in enumerate(report.results, start=1):
        fb = exercise_feedback(bugset, result)
        tests.append(
            {
                "name": f"{result.exercise} — {result.title}",
                "number": str(number),
                "score": round(float(result.points), 2),
                "max_score": round(float(result.points_possible), 2),
                "status": "passed" if result.status == "pass" else "failed",
                "output": str(macro(fb, number, heading=False)),
                "output_format": "md",
                "tags": [result.exercise.split("/", 1)[0], result.status],
                "visibility": visibility,
                "extra_data": {"exercise": result.exercise, "status": result.status},
            }
        )
    score = round(sum(t["score"] for t in tests), 2)
    possible = round(sum(t["max_score"] for t in tests), 2)
    return {
        "score": score,
        "execution_time": round(sum(float(r.duration or 0.0) for r in report.results), 2),
        "output": _overview(bugset, report, score, possible),
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "extra_data": {"set": bugset.name, "student": report.student.id, "possible": possible},
        "tests": tests,
    }


def write_results(path: Path, bugset: BugSet, report: StudentReport, **options) -> None:
    atomic.write_json(Path(path), results_json(bugset, report, **options), durable=False)


SCORE_COLUMNS = ("Name", "SID", "Email", "Total Score")


def scores_rows(reports: list[StudentReport]) -> list[list[str]]:
    """Header and one row per student (by id), for Gradescope's score upload."""
    rows = [list(SCORE_COLUMNS)]
    for report in sorted(reports, key=lambda r: r.student.id):
        s = report.student
        # Name and e-mail come from the roster (a Canvas display name is the student's to
        # set): never let a spreadsheet evaluate them.
        rows.append([spreadsheet_text(s.name), s.sis_id or s.id, spreadsheet_text(s.email), num(report.total)])
    return rows


def write_scores_csv(path: Path, reports: list[StudentReport]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(scores_rows(reports))
    atomic.write_text(Path(path), buf.getvalue(), durable=False)


__all__ = ["SCORE_COLUMNS", "VISIBILITY", "results_json", "scores_rows", "write_results", "write_scores_csv"]
