"""`bughunt dev check`: every exercise is well-formed, fails as shipped, and its grader's
inline examples behave as declared (PASS passes, FAIL fails on the named checks)."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from .grader import load_grader
from .manifest import DIFFICULTIES, Exercise

README_SECTIONS = ("symptom", "your task", "what counts as fixed", "functions the grader calls", "contract")
MIN_HINTS, MIN_PASS, MIN_FAIL = 2, 8, 8


@dataclass(frozen=True)
class ExampleRun:
    exercise: Exercise
    label: str
    text: str
    expect: str | tuple[str, ...]  # "pass", "fail", or check names that must fail


def structural_problems(ex: Exercise) -> list[str]:
    p: list[str] = []
    if ex.difficulty not in DIFFICULTIES:
        p.append(f"difficulty should be one of {DIFFICULTIES}; found {ex.difficulty!r}")
    if not ex.title.strip():
        p.append("title is empty")
    if len(ex.hints) < MIN_HINTS:
        p.append(f"should have at least {MIN_HINTS} hints; found {len(ex.hints)}")
    if not ex.path.is_file():
        p.append(f"exercise file {ex.path} is missing")
        return p
    if not ex.readme.is_file():
        p.append(f"README {ex.readme} is missing")
    else:
        headings = [h.strip().lower() for h in re.findall(r"^#+\s*(.+)$", ex.readme.read_text(encoding="utf-8"), re.M)]
        for section in README_SECTIONS:
            if not any(h.startswith(section) for h in headings):
                p.append(f"README should have a section '{section}'")
    if not ex.grader_path.is_file():
        p.append(f"grader {ex.grader_path} is missing")
        return p
    try:
        grader = load_grader(ex.grader_path)
    except Exception as exc:  # an author error, reported as such
        p.append(f"grader does not import: {type(exc).__name__}: {exc}")
        return p
    if grader.exercise != ex.id:
        p.append(f"grader says it grades {grader.exercise!r}, not {ex.id!r}")
    if not grader.REFERENCE:
        p.append("grader has no REFERENCE fix")
    if len(grader.PASS) < MIN_PASS:
        p.append(f"grader should have at least {MIN_PASS} PASS examples besides the reference; found {len(grader.PASS)}")
    if len(grader.FAIL) < MIN_FAIL:
        p.append(f"grader should have at least {MIN_FAIL} FAIL examples; found {len(grader.FAIL)}")
    readme = ex.readme.read_text(encoding="utf-8") if ex.readme.is_file() else ""
    for name in grader.functions:
        if name not in readme:
            p.append(f"README should name the function `{name}` the grader calls")
    shipped = ex.path.read_text(encoding="utf-8")
    for example in [grader.reference_example(), *grader.PASS, *grader.FAIL]:
        try:
            example.apply(shipped)
        except ValueError as exc:
            p.append(str(exc))
    for example in grader.FAIL:
        if not example.fails:
            p.append(f"FAIL example {example.name!r} should name the checks that must fail")
    fix_lines = {
        line.strip()
        for _, new in grader.REFERENCE
        for line in new.splitlines()
        if len(line.strip()) >= 12 and line.strip() not in shipped
    }
    for i, hint in enumerate(ex.hints, 1):
        for line in fix_lines:
            if line in hint:
                p.append(f"hint {i} spells out the reference fix ({line!r})")
    return p


def example_runs(ex: Exercise) -> list[ExampleRun]:
    grader = load_grader(ex.grader_path)
    shipped = ex.path.read_text(encoding="utf-8")
    runs = [ExampleRun(ex, "shipped file", shipped, "fail")]
    runs += [ExampleRun(ex, f"PASS {e.name}", e.apply(shipped), "pass") for e in grader.pass_examples()]
    runs += [ExampleRun(ex, f"FAIL {e.name}", e.apply(shipped), e.fails) for e in grader.FAIL]
    return runs


def grade_example(run: ExampleRun, runner=None):
    """Grade one example; `runner` may be a warm sandbox's `run` (the same verdicts, faster)."""
    from .grading import grade

    with tempfile.TemporaryDirectory(prefix="bughunt-example-") as d:
        path = Path(d) / run.exercise.file
        path.write_text(run.text, encoding="utf-8")
        return grade(run.exercise, path, runner=runner)


def example_problem(run: ExampleRun, verdict) -> str | None:
    """Why this verdict contradicts the example's declaration, or None."""
    summary = "; ".join(verdict.lines())[:600]
    if run.expect == "pass":
        return None if verdict.status == "pass" else f"should pass; found {verdict.status}: {summary}"
    if verdict.status == "pass":
        return "should fail; found pass"
    if verdict.status == "error":
        return f"should fail on its checks; found an error: {verdict.reason}"
    if run.expect == "fail":
        return None
    failed = {c.name for c in verdict.failures()} | {s.name for s in verdict.suppressions}
    missing = [n for n in run.expect if n not in failed]
    if missing:
        return f"should fail {missing}; found failures {sorted(failed)}"
    empty = [c.name for c in verdict.failures() if not c.message.strip()]
    if empty:
        return f"failed checks without a message: {empty}"
    return None


def run(exercises: list[Exercise], grade_examples: bool = True, jobs: int | None = None, console: Console | None = None) -> list[str]:
    from concurrent.futures import ThreadPoolExecutor
    import os

    console = console or Console()
    problems: list[str] = []
    runs: list[ExampleRun] = []
    for ex in exercises:
        found = structural_problems(ex)
        problems += [f"{ex.id}: {p}" for p in found]
        for p in found:
            console.print(f"[red]✗[/] {ex.id}: {p}")
        if not found and grade_examples:
            runs += example_runs(ex)
    if runs:
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            for r, verdict in zip(runs, pool.map(grade_example, runs)):
                problem = example_problem(r, verdict)
                if problem:
                    problems.append(f"{r.exercise.id} [{r.label}]: {problem}")
                    console.print(f"[red]✗[/] {r.exercise.id} [{r.label}]: {problem}")
                else:
                    console.print(f"[green]✓[/] {r.exercise.id} [{r.label}]")
    console.print(
        f"\n{len(exercises)} exercises, {len(runs)} examples graded: "
        + ("[green]all as declared[/]" if not problems else f"[red]{len(problems)} problems[/]")
    )
    return problems
