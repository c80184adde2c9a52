"""Per-student feedback: <out>/<student id>/feedback.md and feedback.html.

Everything shown comes from the verdict dict and the report: the checks' messages, the
suppressions found, the reason an exercise could not be graded. Never the reference fix,
the grader's source or the hidden data. The report's `flags` (for example "carries another
student's variant") are for the instructor and stay out of feedback.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from ..sets import BugSet
from ..templates import render
from ..verdict import Verdict
from . import atomic
from .model import _SAFE_ID, ExerciseResult, StudentReport

LABELS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "missing": "MISSING"}


@dataclass(frozen=True)
class CheckLine:
    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class ExerciseFeedback:
    """One exercise as the student sees it; shared by feedback.md/.html and Gradescope."""

    exercise: str
    title: str
    status: str  # pass | fail | error | missing
    label: str  # PASS | FAIL | ERROR | MISSING
    points: float
    possible: float
    file: str
    problems: tuple[str, ...]  # failed checks' messages, with file:line where known
    suppressions: tuple[str, ...]  # "hides the symptom: ..." lines
    checks: tuple[CheckLine, ...]
    reason: str  # why it could not be graded (error / missing)
    check_command: str
    hint_command: str


def _default_file(bugset: BugSet, exercise_id: str) -> str:
    for entry in bugset.entries:
        if entry.exercise.id == exercise_id:
            ex = entry.exercise
            return f"{ex.category}/{ex.slug}/{ex.file}"
    return ""


def exercise_feedback(bugset: BugSet, result: ExerciseResult) -> ExerciseFeedback:
    file = result.file or (result.verdict or {}).get("file") or _default_file(bugset, result.exercise)
    problems: list[str] = []
    suppressions: list[str] = []
    checks: list[CheckLine] = []
    reason = ""
    if result.status in ("pass", "fail") and result.verdict is not None:
        v = Verdict.from_dict(result.verdict)
        problems = [f"{c.message} ({v.where(c.line)})" if c.line else c.message for c in v.failures()]
        suppressions = [f"hides the symptom: {s.message} ({v.where(s.line)})" for s in v.suppressions]
        checks = [CheckLine(c.name, c.passed, c.message) for c in v.checks]
    else:
        reason = result.reason or (result.verdict or {}).get("reason", "") or "this exercise was not graded"
    command = ["bughunt", "check", result.exercise] + (["--file", file] if file else [])
    return ExerciseFeedback(
        exercise=result.exercise,
        title=result.title,
        status=result.status,
        label=LABELS.get(result.status, result.status.upper()),
        points=result.points,
        possible=result.points_possible,
        file=file,
        problems=tuple(problems),
        suppressions=tuple(suppressions),
        checks=tuple(checks),
        reason=reason,
        check_command=shlex.join(command),
        hint_command=shlex.join(["bughunt", "hint", result.exercise]),
    )


def feedback_context(bugset: BugSet, report: StudentReport) -> dict:
    exercises = [exercise_feedback(bugset, r) for r in report.results]
    return {
        "bugset": bugset,
        "student": report.student,
        "total": report.total,
        "possible": report.possible,
        "passed": sum(e.status == "pass" for e in exercises),
        "exercises": exercises,
        "notes": list(report.notes),
    }


def render_feedback(bugset: BugSet, report: StudentReport) -> tuple[str, str]:
    """(Markdown, HTML) feedback for one student."""
    ctx = feedback_context(bugset, report)
    return render("feedback.md.j2", **ctx), render("feedback.html.j2", **ctx)


def student_dir(out_dir: Path, student_id: str) -> Path:
    # Ids come from the roster (already checked there), but a report can be built by hand:
    # an id such as "../x" must never choose where files are written.
    if not _SAFE_ID.match(student_id):
        raise ValueError(f"student id {student_id!r} should use letters, digits and _.@+- only")
    return Path(out_dir) / student_id


def write_feedback(out_dir: Path, bugset: BugSet, report: StudentReport) -> tuple[Path, Path]:
    folder = student_dir(out_dir, report.student.id)
    md_text, html_text = render_feedback(bugset, report)
    md_path, html_path = folder / "feedback.md", folder / "feedback.html"
    atomic.write_text(md_path, md_text)
    atomic.write_text(html_path, html_text)
    return md_path, html_path


__all__ = ["CheckLine", "ExerciseFeedback", "exercise_feedback", "feedback_context", "render_feedback", "write_feedback"]
