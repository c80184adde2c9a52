"""Per-student feedback: <out>/<student id>/feedback.md and feedback.html.

Everything shown comes from the verdict dict and the report: the checks' messages, the
suppressions found, the reason an exercise could not be graded. Never the reference fix,
the grader's source or the hidden data. The report's `flags` (for example "carries another
student's variant") are for the instructor and stay out of feedback.

The page is one Markdown source (feedback.md.j2); feedback.html is that Markdown rendered
(bughunt.batch.render). Neither names a CLI command: both are read in a browser or an LMS
as often as in a terminal, so the way forward is said in words and file paths.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..sets import BugSet
from ..templates import render
from ..verdict import Verdict
from . import atomic
from .check_titles import check_title, suppression_title
from .model import _SAFE_ID, ExerciseResult, StudentReport
from .render import page

LABELS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "missing": "MISSING"}


@dataclass(frozen=True)
class CheckLine:
    name: str
    title: str  # plain-language title (bughunt.batch.check_titles)
    passed: bool
    proven: bool  # False: reading the code could not decide; the hidden-data checks did


@dataclass(frozen=True)
class Problem:
    title: str  # the failed check's title, or the construct that hides the symptom
    message: str  # with (file:line) where known


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
    problems: tuple[Problem, ...]  # failed checks, with file:line where known
    suppressions: tuple[Problem, ...]  # constructs that hide the symptom
    checks: tuple[CheckLine, ...]  # one line per check name, in the grader's order
    reason: str  # why it could not be graded (error / missing)
    hints: str  # the exercise's HINTS.md in the student's folder


def _exercise_paths(bugset: BugSet, exercise_id: str) -> tuple[str, str]:
    """(file to hand in, HINTS.md), as paths inside the student's assignment folder."""
    for entry in bugset.entries:
        if entry.exercise.id == exercise_id:
            ex = entry.exercise
            return f"{ex.category}/{ex.slug}/{ex.file}", f"{ex.category}/{ex.slug}/HINTS.md"
    return "", ""


def _check_lines(v: Verdict) -> tuple[CheckLine, ...]:
    """A static check reports one Check per finding; the student sees each check once."""
    order: list[str] = []
    passed: dict[str, bool] = {}
    proven: dict[str, bool] = {}
    for c in v.checks:
        if c.name not in passed:
            order.append(c.name)
            passed[c.name], proven[c.name] = True, True
        passed[c.name] &= c.passed
        proven[c.name] &= c.proven
    return tuple(CheckLine(n, check_title(n), passed[n], proven[n]) for n in order)


def exercise_feedback(bugset: BugSet, result: ExerciseResult) -> ExerciseFeedback:
    default_file, hints = _exercise_paths(bugset, result.exercise)
    file = result.file or (result.verdict or {}).get("file") or default_file
    problems: list[Problem] = []
    suppressions: list[Problem] = []
    checks: tuple[CheckLine, ...] = ()
    reason = ""
    if result.status in ("pass", "fail") and result.verdict is not None:
        v = Verdict.from_dict(result.verdict)
        problems = [Problem(check_title(c.name), f"{c.message} ({v.where(c.line)})" if c.line else c.message) for c in v.failures()]
        suppressions = [Problem(suppression_title(s.name), f"{s.message} ({v.where(s.line)})") for s in v.suppressions]
        checks = _check_lines(v)
    else:
        reason = result.reason or (result.verdict or {}).get("reason", "") or "this exercise was not graded"
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
        checks=checks,
        reason=reason,
        hints=hints,
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
    """(Markdown, HTML) feedback for one student: the HTML is the Markdown, rendered."""
    markdown = render("feedback.md.j2", **feedback_context(bugset, report))
    return markdown, page(markdown, f"Feedback: {bugset.title} ({report.student.id})")


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
    atomic.write_text(md_path, md_text, durable=False)
    atomic.write_text(html_path, html_text, durable=False)
    return md_path, html_path


__all__ = ["CheckLine", "ExerciseFeedback", "Problem", "exercise_feedback", "feedback_context", "render_feedback", "write_feedback"]
