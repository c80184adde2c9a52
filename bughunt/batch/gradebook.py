"""gradebook.csv: one row per student, one column per exercise and a total, for Canvas' grade import.

The Canvas rules followed here are read from Canvas' own source (instructure/canvas-lms):
GradebookImporter (app/models/gradebook_importer.rb), which parses an uploaded CSV, and
GradebookExporter (lib/gradebook_exporter.rb), which writes the CSV Canvas itself exports:

- The header starts with the student columns Student, ID, SIS User ID, SIS Login ID,
  Section. The importer recognizes the header by "Student" then "ID", takes "SIS User ID"
  followed by "SIS Login ID" as SIS columns, and needs "Section" as the last student column.
  It matches each row to a student by ID first (as a number: Canvas' own user id), then SIS
  User ID, then SIS Login ID, then name ("Last, First" or "First Last").
- So ID holds Canvas' user id when the roster came from Canvas, and is otherwise empty: a
  roster id there would be read as a number and could name another Canvas user. SIS User ID
  and SIS Login ID are the roster's; a roster that is not Canvas' own is taken to hold SIS
  user ids in its id column unless it has a sis_id column. A student read from a Canvas
  export keeps exactly Canvas' three ids, so the file imports back into the same rows.
- The second row starts with "    Points Possible" (the exporter's spelling; the importer
  looks for that text in the first cell). A number there sets the points possible of a new
  assignment.
- Every other column is an assignment. A header "Title (123)" updates assignment 123; any
  other header matching no existing title creates a new assignment with that title. Columns
  are named "<set or assignment name>: <exercise id>", so they never end in "(digits)".
- A Points Possible cell reading "(read only)" makes the importer skip that column, which is
  how the exporter marks computed totals. The "<name>: Total" column is marked so, so that
  importing the file never creates a second assignment that double-counts the points.
- Scores are plain numbers with at most two decimals (the exporter's precision). A missing
  or ungradable exercise scores 0; its status is in the feedback, not in the number.
- A student name that starts with "=" is written as ="name", as the exporter does, so a
  spreadsheet opening the file does not run it as a formula. Any other text cell that a
  spreadsheet would read as a formula (starting with +, -, @, a tab or a carriage return)
  gets a leading apostrophe, which spreadsheets show as text. A Canvas display name is the
  student's own to set, so these cells are student-controlled.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..sets import BugSet
from ..templates import num
from . import atomic
from .model import Student, StudentReport

STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"
READ_ONLY = "(read only)"
_STARTS_WITH_EQUAL = re.compile(r"^\s*=")
_FORMULA_START = ("+", "-", "@", "\t", "\r")


def column_name(prefix: str, exercise_id: str) -> str:
    return f"{prefix}: {exercise_id}"


def _student_name(name: str) -> str:
    return f'="{name}"' if _STARTS_WITH_EQUAL.match(name) else spreadsheet_text(name)


def spreadsheet_text(text: str) -> str:
    """`text` for a CSV cell that a spreadsheet must show, never evaluate."""
    if _STARTS_WITH_EQUAL.match(text) or text.startswith(_FORMULA_START):
        return "'" + text
    return text


def student_cells(s: Student) -> list[str]:
    """Student, ID, SIS User ID, SIS Login ID, Section for one roster student (see above)."""
    sis = s.sis_id or ("" if s.canvas_id else s.id)
    return [_student_name(s.name), s.canvas_id, sis, s.login, spreadsheet_text(s.section)]


def gradebook_rows(bugset: BugSet, reports: list[StudentReport], assignment_name: str | None = None) -> list[list[str]]:
    """The CSV as rows of strings: header, Points Possible, then students sorted by id."""
    prefix = (assignment_name or bugset.name).strip() or bugset.name
    ids = [e.exercise.id for e in bugset.entries]
    header = [*STUDENT_COLUMNS, *(column_name(prefix, i) for i in ids), f"{prefix}: Total"]
    possible = ["" for _ in STUDENT_COLUMNS]
    possible[0] = POINTS_POSSIBLE
    possible += [num(e.points) for e in bugset.entries] + [READ_ONLY]
    rows = [header, possible]
    for report in sorted(reports, key=lambda r: r.student.id):
        awarded = {r.exercise: r.points for r in report.results}
        # Exercises a report lacks score 0, like missing ones; results outside the set are ignored.
        points = [round(awarded.get(i, 0.0), 2) for i in ids]
        rows.append([*student_cells(report.student), *map(num, points), num(sum(points))])
    return rows


def gradebook_csv(bugset: BugSet, reports: list[StudentReport], assignment_name: str | None = None) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(gradebook_rows(bugset, reports, assignment_name))
    return buf.getvalue()


def write_gradebook(path: Path, bugset: BugSet, reports: list[StudentReport], assignment_name: str | None = None) -> None:
    atomic.write_text(Path(path), gradebook_csv(bugset, reports, assignment_name), durable=False)


__all__ = ["column_name", "spreadsheet_text", "student_cells", "gradebook_csv", "gradebook_rows", "write_gradebook", "POINTS_POSSIBLE", "READ_ONLY"]
