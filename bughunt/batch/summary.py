"""The instructor's view of a graded class: summary.md, summary.html, summary.json and a terminal table.

What needs the instructor first (submissions matching no student, copying flags on both
sides of a copy), then how each exercise went, the distribution of totals, one row per
student, the most common failing checks and suppressions, why gradings errored, the
slowest exercises, and the notes on each hand-in and every refused zip entry. Unlike
feedback, this shows the instructor-only flags. summary.html is summary.md rendered
(bughunt.batch.render), with the histogram drawn as inline SVG.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..sets import BugSet
from ..templates import num, one_line, percent, render
from ..verdict import OUTCOME_REASONS as _OUTCOME_REASONS
from . import atomic
from .charts import histogram_svg, histogram_text
from .check_titles import check_title, suppression_title
from .feedback import LABELS
from .model import StudentReport
from .render import page

BAR_WIDTH = 30
EXAMPLE_CHARS = 240


@dataclass(frozen=True)
class Bucket:
    """Totals in [low, high); the last bucket also holds totals equal to `high` (full marks)."""

    low: float
    high: float
    count: int
    label: str
    bar: str


@dataclass(frozen=True)
class ExerciseStats:
    exercise: str
    title: str
    points: float
    passed: int
    failed: int
    errors: int
    missing: int
    pass_rate: float  # passed / students
    median_seconds: float | None  # over graded (not missing) results
    max_seconds: float | None


@dataclass(frozen=True)
class StudentRow:
    student: str
    name: str
    total: float
    statuses: list[str]  # per exercise, in set order: PASS | FAIL | ERROR | MISSING
    flags: int


@dataclass(frozen=True)
class SuppressionStat:
    name: str
    title: str
    students: int
    exercises: list[str]
    example: str


@dataclass(frozen=True)
class CheckStat:
    exercise: str
    check: str
    title: str
    root_cause: bool
    students: int
    example: str


@dataclass(frozen=True)
class ErrorGroup:
    kind: str
    label: str
    count: int  # results
    students: list[str]
    exercises: list[str]
    example: str


@dataclass(frozen=True)
class StudentNotes:
    student: str
    name: str
    notes: list[str]
    flags: list[str]


@dataclass
class Summary:
    set_name: str
    set_title: str
    possible: float
    students: int
    submitted: int  # students with at least one exercise found
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    histogram: list[Bucket]
    exercises: list[ExerciseStats]
    slowest: list[ExerciseStats]
    suppressions: list[SuppressionStat]
    failing_checks: list[CheckStat]
    errors: list[ErrorGroup]
    notes: list[StudentNotes]
    rows: list[StudentRow] = field(default_factory=list)
    generated: str | None = None
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (submission label, reason)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (zip entry, reason)
    more: dict = field(default_factory=dict)  # how many rows each capped list left out

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.generated is None:
            del d["generated"]
        return d


# Error reasons come from bughunt.grading; each kind is recognized by the fixed text its
# template starts with, so a reworded reason there is picked up here without a second copy.
def _stem(kind: str) -> str:
    return _OUTCOME_REASONS[kind].split("{", 1)[0]


_ERROR_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("timeout", "timed out", (_stem("timeout"),)),
    ("memory", "ran out of memory", (_stem("memory"),)),
    ("flood", "printed too much", (_stem("flood"),)),
    ("crash", "crashed", (_stem("crash"),)),
    ("exited", "stopped the program", (_stem("exited"),)),
    ("syntax", "syntax errors", ("syntax error:", "cannot be compiled")),
    ("unreadable", "unreadable files", ("not valid UTF-8", "the file is empty", "cannot read the file")),
    ("load", "raised while loading", ("while loading the file",)),
    ("grader", "could not be graded", ("the grader itself failed", _stem("internal"), "could not be graded")),
)


def error_kind(reason: str) -> tuple[str, str]:
    for kind, label, needles in _ERROR_KINDS:
        if any(n in reason for n in needles):
            return kind, label
    return "other", "other errors"


def _example(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _histogram(totals: list[float], possible: float, buckets: int) -> list[Bucket]:
    if possible <= 0:
        edges = [(0.0, 0.0)]
    else:
        edges = [(possible * i / buckets, possible * (i + 1) / buckets) for i in range(buckets)]
    counts = [0] * len(edges)
    for t in totals:
        # round() guards against 0.1*3-style error pushing a total on an edge into the bucket below
        i = 0 if possible <= 0 else int(round(t * buckets / possible, 9))
        counts[min(max(i, 0), len(edges) - 1)] += 1
    top = max(counts, default=0)
    out = []
    for (low, high), count in zip(edges, counts):
        width = 0 if not count else max(1, round(count * BAR_WIDTH / top))
        out.append(Bucket(round(low, 2), round(high, 2), count, f"{num(low)}–{num(high)}", "█" * width))
    return out


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return round(statistics.median(values), 3), round(max(values), 3)


def build_summary(
    bugset: BugSet,
    reports: list[StudentReport],
    generated: str | None = None,
    buckets: int = 10,
    top: int = 10,
    unmatched: list[tuple[str, str]] = (),
    refused: list[tuple[str, str]] = (),
) -> Summary:
    """`top` caps the suppression, failing-check and slowest lists (`more` says how many were cut).
    `unmatched`: (submission label, reason) for submissions that matched no student (for
    example a Canvas upload whose user is not on the roster); shown at the top.
    `refused`: (zip entry, reason) for every entry ingest refused, attributed or not."""
    reports = sorted(reports, key=lambda r: r.student.id)
    order = {e.exercise.id: i for i, e in enumerate(bugset.entries)}
    n = len(reports)
    possible = round(bugset.total_points, 2)
    totals = [r.total for r in reports]

    per_status: dict[str, dict[str, int]] = {e.exercise.id: defaultdict(int) for e in bugset.entries}
    durations: dict[str, list[float]] = defaultdict(list)
    sup_students: dict[str, set[str]] = defaultdict(set)
    sup_exercises: dict[str, set[str]] = defaultdict(set)
    sup_example: dict[str, str] = {}
    chk_students: dict[tuple[str, str], set[str]] = defaultdict(set)
    chk_meta: dict[tuple[str, str], tuple[bool, str]] = {}
    err: dict[str, dict] = {}

    for report in reports:
        sid = report.student.id
        for r in report.results:
            if r.exercise not in per_status:
                continue
            per_status[r.exercise][r.status] += 1
            v = r.verdict or {}
            if r.status != "missing":
                durations[r.exercise].append(float(r.duration or v.get("duration") or 0.0))
            if r.status == "fail":
                for s in v.get("suppressions", []):
                    sup_students[s["name"]].add(sid)
                    sup_exercises[s["name"]].add(r.exercise)
                    sup_example.setdefault(s["name"], _example(s["message"]))
                for c in v.get("checks", []):
                    if not c["passed"]:
                        key = (r.exercise, c["name"])
                        chk_students[key].add(sid)
                        chk_meta.setdefault(key, (bool(c.get("root_cause", True)), _example(c.get("message", ""))))
            elif r.status == "error":
                reason = r.reason or v.get("reason", "")
                kind, label = error_kind(reason)
                g = err.setdefault(kind, {"label": label, "count": 0, "students": set(), "exercises": set(), "example": _example(reason)})
                g["count"] += 1
                g["students"].add(sid)
                g["exercises"].add(r.exercise)

    def by_set_order(ids) -> list[str]:
        return sorted(ids, key=lambda i: (order.get(i, len(order)), i))

    exercises = []
    for entry in bugset.entries:
        eid = entry.exercise.id
        counts = per_status[eid]
        med, mx = _stats(durations.get(eid, []))
        exercises.append(
            ExerciseStats(
                eid, entry.exercise.title, entry.points, counts["pass"], counts["fail"], counts["error"], counts["missing"],
                round(counts["pass"] / n, 4) if n else 0.0, med, mx,
            )
        )
    slowest = sorted((e for e in exercises if e.median_seconds is not None), key=lambda e: (-e.median_seconds, order[e.exercise]))

    suppressions = sorted(
        (
            SuppressionStat(name, suppression_title(name), len(sup_students[name]), by_set_order(sup_exercises[name]), sup_example[name])
            for name in sup_students
        ),
        key=lambda s: (-s.students, s.name),
    )
    checks = sorted(
        (
            CheckStat(ex, name, check_title(name), chk_meta[(ex, name)][0], len(ids), chk_meta[(ex, name)][1])
            for (ex, name), ids in chk_students.items()
        ),
        key=lambda c: (-c.students, order.get(c.exercise, len(order)), c.check),
    )
    kinds = [k for k, _, _ in _ERROR_KINDS] + ["other"]
    errors = [
        ErrorGroup(k, g["label"], g["count"], sorted(g["students"]), by_set_order(g["exercises"]), g["example"])
        for k in kinds
        if (g := err.get(k))
    ]
    notes = [
        StudentNotes(r.student.id, r.student.name, list(r.notes), list(r.flags))
        for r in reports
        if r.notes or r.flags
    ]
    rows = []
    for r in reports:
        status = {x.exercise: x.status for x in r.results}
        rows.append(StudentRow(
            r.student.id, r.student.name, r.total,
            [LABELS.get(status.get(e.exercise.id, "missing"), "MISSING") for e in bugset.entries], len(r.flags),
        ))
    return Summary(
        set_name=bugset.name,
        set_title=bugset.title,
        possible=possible,
        students=n,
        submitted=sum(any(x.status != "missing" for x in r.results) for r in reports),
        mean=round(statistics.mean(totals), 2) if totals else None,
        median=round(statistics.median(totals), 2) if totals else None,
        minimum=min(totals) if totals else None,
        maximum=max(totals) if totals else None,
        histogram=_histogram(totals, possible, buckets),
        exercises=exercises,
        slowest=slowest[:top],
        suppressions=suppressions[:top],
        failing_checks=checks[:top],
        errors=errors,
        notes=notes,
        rows=rows,
        generated=generated,
        unmatched=[(str(label), str(reason)) for label, reason in unmatched],
        refused=sorted((str(entry), str(reason)) for entry, reason in refused),
        more={
            "slowest": max(0, len(slowest) - top),
            "suppressions": max(0, len(suppressions) - top),
            "failing_checks": max(0, len(checks) - top),
        },
    )


def render_markdown(bugset: BugSet, summary: Summary) -> str:
    flagged = [n for n in summary.notes if n.flags]
    return render(
        "summary.md.j2", s=summary, bugset=bugset, flagged=flagged, flag_count=sum(len(n.flags) for n in flagged),
        noted=[n for n in summary.notes if n.notes], histogram=histogram_text(summary.histogram),
    )


def _histogram_caption(summary: Summary) -> str:
    counts = ", ".join(f"{b.label}: {b.count}" for b in summary.histogram)
    return f"Totals out of {num(summary.possible)} for {summary.students} students ({counts})"


def render_html(bugset: BugSet, summary: Summary) -> str:
    """summary.md rendered; the histogram's text chart becomes an SVG chart."""
    svg = histogram_svg(summary.histogram, _histogram_caption(summary))
    return page(render_markdown(bugset, summary), f"Summary: {summary.set_title}", charts={"histogram": svg})


def write_summary(out_dir: Path, bugset: BugSet, summary: Summary) -> tuple[Path, Path, Path]:
    out_dir = Path(out_dir)
    paths = out_dir / "summary.md", out_dir / "summary.html", out_dir / "summary.json"
    atomic.write_text(paths[0], render_markdown(bugset, summary), durable=False)
    atomic.write_text(paths[1], render_html(bugset, summary), durable=False)
    atomic.write_json(paths[2], summary.to_dict(), durable=False)
    return paths


def _opt(value, suffix: str = "") -> str:
    return "-" if value is None else f"{num(value)}{suffix}"


def render_summary(console: Console, summary: Summary) -> None:
    """The summary in a terminal. Every string from a submission is markup-escaped: a student
    named "[bold]" must print as written."""
    s = summary
    console.print(f"[bold]{escape(s.set_title)}[/] ({escape(s.set_name)})")
    console.print(
        f"{s.students} students, {s.submitted} submitted; total out of {num(s.possible)}: "
        f"mean {_opt(s.mean)}, median {_opt(s.median)}, min {_opt(s.minimum)}, max {_opt(s.maximum)}"
    )
    for label, reason in s.unmatched:
        console.print(f"[red]unmatched:[/] {escape(label)}: {escape(reason)}")
    hist = Table(title="Totals", show_header=True, header_style="bold")
    hist.add_column("points")
    hist.add_column("students", justify="right")
    hist.add_column("")
    for b in s.histogram:
        hist.add_row(b.label, str(b.count), b.bar)
    console.print(hist)

    ex = Table(title="Exercises", header_style="bold")
    for name, just in (("exercise", "left"), ("pass", "right"), ("fail", "right"), ("error", "right"),
                       ("missing", "right"), ("pass rate", "right"), ("median s", "right"), ("max s", "right")):
        ex.add_column(name, justify=just)
    for e in s.exercises:
        ex.add_row(escape(e.exercise), str(e.passed), str(e.failed), str(e.errors), str(e.missing),
                   percent(e.pass_rate), _opt(e.median_seconds), _opt(e.max_seconds))
    console.print(ex)

    if s.suppressions:
        t = Table(title="Most common suppressions", header_style="bold")
        for name in ("suppression", "students", "exercises"):
            t.add_column(name)
        for x in s.suppressions:
            t.add_row(escape(x.title), str(x.students), escape(", ".join(x.exercises)))
        console.print(t)
    if s.failing_checks:
        t = Table(title="Most common failing checks", header_style="bold")
        for name in ("exercise", "check", "students"):
            t.add_column(name)
        for c in s.failing_checks:
            t.add_row(escape(c.exercise), escape(c.title) + ("" if c.root_cause else " (symptom)"), str(c.students))
        console.print(t)
    if s.errors:
        t = Table(title="Errors", header_style="bold")
        for name in ("kind", "count", "students", "example"):
            t.add_column(name)
        for g in s.errors:
            t.add_row(escape(g.label), str(g.count), escape(", ".join(g.students)), escape(g.example))
        console.print(t)
    for n in s.notes:
        who = f"{n.name} ({n.student})" if n.name else n.student
        console.print(f"[bold]{escape(who)}[/]")
        for line in n.notes:
            console.print(f"  note: {escape(line)}")
        for line in n.flags:
            console.print(f"  [red]flag:[/] {escape(line)}")


__all__ = [
    "Bucket", "CheckStat", "ErrorGroup", "ExerciseStats", "StudentNotes", "StudentRow", "Summary", "SuppressionStat",
    "build_summary", "error_kind", "render_html", "render_markdown", "render_summary", "write_summary",
]
