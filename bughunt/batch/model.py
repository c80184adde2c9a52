"""The records batch grading passes between its stages: students, per-exercise results, reports."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("pass", "fail", "error", "missing")

# Accepted spellings of roster columns (lower-cased, spaces and dashes as underscores).
_COLUMNS = {
    "id": ("id", "student_id", "student", "user_id", "username"),
    "name": ("name", "full_name", "student_name"),
    "email": ("email", "e_mail", "mail"),
    "sis_id": ("sis_id", "sis_user_id"),
    "login": ("login", "sis_login_id", "login_id"),
    "section": ("section", "group"),
    "canvas_id": ("canvas_id", "canvas_user_id"),
}
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")
#: Canvas' gradebook export begins with these columns (an "Integration ID" may follow SIS Login ID)
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: the name Canvas gives the course's Student View user, who is no student
_CANVAS_TEST_STUDENT = {"student, test", "test student"}


class RosterError(Exception):
    pass


@dataclass(frozen=True)
class Student:
    id: str  # roster id; folder-safe ([A-Za-z0-9_.@+-])
    name: str = ""
    email: str = ""
    sis_id: str = ""
    login: str = ""
    section: str = ""
    canvas_id: str = ""  # Canvas' own numeric user id, when the roster came from Canvas

    @property
    def display(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass
class ExerciseResult:
    """One exercise of one student. `verdict` is Verdict.to_dict(), or None when nothing was graded."""

    exercise: str
    title: str
    points_possible: float
    points: float
    status: str  # pass | fail | error | missing
    verdict: dict | None = None
    reason: str = ""  # one line for missing / error
    file: str = ""  # submission-relative path of the graded file
    duration: float = 0.0


@dataclass
class StudentReport:
    student: Student
    results: list[ExerciseResult]  # in set order
    notes: list[str] = field(default_factory=list)  # for the student: refused zip entries, ambiguous files
    flags: list[str] = field(default_factory=list)  # for the instructor only, e.g. another student's variant

    @property
    def total(self) -> float:
        return round(sum(r.points for r in self.results), 2)

    @property
    def possible(self) -> float:
        return round(sum(r.points_possible for r in self.results), 2)


def _norm(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.strip().lower())


def _accepted() -> str:
    return ", ".join(_COLUMNS["id"])


def read_roster(path: Path) -> list[Student]:
    """Students from a roster CSV: either a Canvas gradebook export (see `_canvas_students`), or
    a CSV with an id column (also: name, email, sis_id, login, section, canvas_id)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"{path}: the roster is empty")
    if _is_canvas(rows[0]):
        students = _canvas_students(path, rows)
    else:
        students = _plain_students(path, rows)
    if not students:
        raise RosterError(f"{path}: the roster lists no students")
    return students


def _is_canvas(header: list[str]) -> bool:
    # Canvas' importer recognises its own files by these first cells; the second form is an
    # export with "show first and last names" on.
    cells = [h.strip() for h in header[:3]]
    return cells[:2] == ["Student", "ID"] or cells == ["LastName", "FirstName", "ID"]


def _plain_students(path: Path, rows: list[list[str]]) -> list[Student]:
    header = [_norm(h) for h in rows[0]]
    where = {}
    for field_name, names in _COLUMNS.items():
        for i, h in enumerate(header):
            if h in names and field_name not in where:
                where[field_name] = i
    if "id" not in where:
        raise RosterError(
            f"{path}: the roster needs an id column, named one of: {_accepted()} (or a Canvas gradebook "
            f"export, which starts {', '.join(CANVAS_HEADER)}); its first row is: {', '.join(rows[0])}"
        )
    return _checked(path, ((n, {k: _cell(row, i) for k, i in where.items()}) for n, row in enumerate(rows[1:], start=2)))


def _canvas_students(path: Path, rows: list[list[str]]) -> list[Student]:
    """A Canvas gradebook export: Student ("Last, First"), ID (Canvas' user id), SIS User ID,
    SIS Login ID, [Integration ID,] Section, then one column per assignment.

    The student's id here is, in this order, the SIS User ID, the SIS Login ID, or Canvas' ID:
    the first one the institution gave them, so that folders named by student number or login
    match, and the same person keeps the same id when exported again. The "Points Possible"
    row, Canvas' muted/manual-posting row and the Student View's "Test Student" are skipped."""
    header = [h.strip() for h in rows[0]]
    col = {name: header.index(name) for name in ("SIS User ID", "SIS Login ID", "Section") if name in header}
    split_names = header[0] == "LastName"

    def records():
        for n, row in enumerate(rows[1:], start=2):
            first = f"{_cell(row, 0)}, {_cell(row, 1)}".strip(", ") if split_names else _cell(row, 0)
            if "Points Possible" in first:
                continue
            if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in row):
                continue
            if first.startswith('="') and first.endswith('"'):  # the exporter's guard against formulas
                first = first[2:-1]
            values = {
                "name": first,
                "canvas_id": _cell(row, 2 if split_names else 1),
                "sis_id": _cell(row, col["SIS User ID"]) if "SIS User ID" in col else "",
                "login": _cell(row, col["SIS Login ID"]) if "SIS Login ID" in col else "",
                "section": _cell(row, col["Section"]) if "Section" in col else "",
            }
            if first.casefold() in _CANVAS_TEST_STUDENT and not (values["sis_id"] or values["login"]):
                continue
            values["id"] = values["sis_id"] or values["login"] or values["canvas_id"]
            # Canvas exports no e-mail; a login that is one (many schools log in by e-mail) serves.
            values["email"] = values["login"] if "@" in values["login"] else ""
            yield n, values

    return _checked(path, records())


def _cell(row: list[str], i: int) -> str:
    return row[i].strip() if i < len(row) else ""


def _checked(path: Path, records) -> list[Student]:
    students, seen = [], set()
    for n, values in records:
        if not any(values.values()):
            continue
        sid = values["id"]
        if not sid:
            raise RosterError(f"{path}:{n}: this student has no id")
        if not _SAFE_ID.match(sid):
            raise RosterError(f"{path}:{n}: student id {sid!r} should use letters, digits and _.@+- only")
        if sid in seen:
            raise RosterError(f"{path}:{n}: student id {sid!r} appears twice")
        seen.add(sid)
        students.append(Student(**values))
    return students
