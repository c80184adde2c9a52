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
}
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


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


def read_roster(path: Path) -> list[Student]:
    """Students from a CSV with at least an id column (also: name, email, sis_id, login, section)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"{path}: the roster is empty")
    header = [_norm(h) for h in rows[0]]
    where = {}
    for field_name, names in _COLUMNS.items():
        for i, h in enumerate(header):
            if h in names and field_name not in where:
                where[field_name] = i
    if "id" not in where:
        raise RosterError(f"{path}: the roster needs an id column (first row: {', '.join(rows[0])})")
    students, seen = [], set()
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {k: (row[i].strip() if i < len(row) else "") for k, i in where.items()}
        sid = values["id"]
        if not _SAFE_ID.match(sid):
            raise RosterError(f"{path}:{n}: student id {sid!r} should use letters, digits and _.@+- only")
        if sid in seen:
            raise RosterError(f"{path}:{n}: student id {sid!r} appears twice")
        seen.add(sid)
        students.append(Student(**values))
    if not students:
        raise RosterError(f"{path}: the roster lists no students")
    return students
