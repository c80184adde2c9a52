"""Grade one file against one exercise: static checks in this process, runtime checks in a sandbox."""
from __future__ import annotations

import os
import time
from pathlib import Path

from .grader import CaseResult, Grader, load_grader
from .manifest import Exercise
from .sandbox import Limits, run_probe
from .static.base import Source, SourceError
from .verdict import Check, Suppression, Verdict, finalize

_OUTCOME_REASONS = {
    "timeout": "did not finish within {t:g} seconds on the hidden data; look for a loop that never ends "
    "or work that grows too fast",
    "memory": "ran out of memory (limit {mb} MB) on the hidden data; look for arrays that grow without bound",
    "flood": "printed more than {kb} KB of output while being graded; remove the print in a loop",
    "crash": "crashed the Python process ({detail}), for example through runaway recursion or a killed process",
    "exited": "stopped the program itself ({detail}) before grading finished; remove calls to "
    "sys.exit, os._exit or quit from the graded code",
    "internal": "could not be graded: {detail}",
}


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _exception_text(err: dict, shown: str) -> tuple[str, int | None]:
    if err.get("contract"):
        return f"the grader could not use your code: {err['message']}", err.get("line")
    text = f"your code raised {err['type']}: {err['message']}".rstrip(": ")
    return text, err.get("line")


def grade(
    exercise: Exercise,
    file: Path | None = None,
    grader: Grader | None = None,
    limits: Limits | None = None,
    runner=None,
    display: str | None = None,
) -> Verdict:
    """`limits` overrides the exercise's own; `runner(grader_path, file, limits) -> RunResult`
    replaces the cold sandbox (batch grading passes a warm fork server's `run`)."""
    start = time.monotonic()
    path = Path(file) if file else exercise.path
    shown = display or display_path(path)
    verdict = Verdict(exercise=exercise.id, file=shown, status="fail")
    try:
        limits = limits or Limits(timeout=exercise.timeout, memory_mb=exercise.memory_mb)
        verdict = _grade(exercise, path, shown, verdict, grader, limits, runner or run_probe)
    except Exception as exc:  # a grader bug must not surface as a traceback to the student
        verdict.status = "error"
        verdict.reason = f"{shown}: the grader itself failed ({type(exc).__name__}); please report this exercise"
    verdict.duration = time.monotonic() - start
    return finalize(verdict)


def _error(verdict: Verdict, reason: str) -> Verdict:
    verdict.status = "error"
    verdict.reason = reason
    return verdict


def _grade(exercise: Exercise, path: Path, shown: str, verdict: Verdict, grader: Grader | None, limits: Limits, runner) -> Verdict:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _error(verdict, f"{shown}: cannot read the file ({exc.strerror or exc})")
    try:
        src = Source.parse(data)
    except SourceError as exc:
        where = f"{shown}:{exc.line}" if exc.line else shown
        return _error(verdict, f"{where}: {exc}; fix this before the exercise can be graded")
    grader = grader or load_grader(exercise.grader_path)

    for chk in grader.static_checks():
        found = chk.findings(src)
        if found:
            for f in found:
                verdict.checks.append(Check(chk.name, "static", False, f.message, f.line))
        else:
            verdict.checks.append(Check(chk.name, "static", True, chk.passed_message()))
    for chk in grader.suppression_checks():
        for f in chk.findings(src):
            verdict.suppressions.append(Suppression(chk.name, f.message, f.line))

    run = runner(exercise.grader_path, path, limits)
    if run.outcome != "ok":
        reason = _OUTCOME_REASONS[run.outcome].format(
            t=limits.timeout, mb=limits.memory_mb, kb=limits.output_kb, detail=run.detail
        )
        return _error(verdict, f"{shown}: your code {reason}")
    obs = run.observations
    if obs.get("import"):
        err = obs["import"]
        text, line = _exception_text(err, shown)
        where = f"{shown}:{line}" if line else shown
        if err["type"] in ("SystemExit", "KeyboardInterrupt"):
            return _error(verdict, f"{where}: your code {_OUTCOME_REASONS['exited'].format(detail=err['type'])}")
        if err["type"] == "MemoryError":
            return _error(verdict, f"{where}: your code " + _OUTCOME_REASONS["memory"].format(mb=limits.memory_mb))
        return _error(verdict, f"{where}: while loading the file, {text}")

    results = []
    for i, case in enumerate(obs.get("cases", [])):
        if not isinstance(case, dict):
            return _error(verdict, f"{shown}: could not be graded: malformed observations")
        results.append(CaseResult(i, case.get("ok"), case.get("error")))
    errors = [r for r in results if r.error]
    if errors:
        err = errors[0].error
        text, line = _exception_text(err, shown)
        if err["type"] == "MemoryError":
            return _error(verdict, f"{shown}: your code " + _OUTCOME_REASONS["memory"].format(mb=limits.memory_mb))
        if err["type"] in ("SystemExit", "KeyboardInterrupt"):
            return _error(verdict, f"{shown}: your code " + _OUTCOME_REASONS["exited"].format(detail=err["type"]))
        names = ", ".join(f"`{n}`" for n in grader.functions) or "your code"
        verdict.checks.append(
            Check(
                "runs_on_hidden_data",
                "runtime",
                False,
                f"Exercise {exercise.id} should run {names} on new data; on hidden case {errors[0].index + 1}, {text}",
                line,
                root_cause=False,
            )
        )
        return verdict
    verdict.checks.append(Check("runs_on_hidden_data", "runtime", True, "runs on hidden data", root_cause=False))
    verdict.checks.extend(grader.judge(results))
    return verdict


def grade_many(items: list[tuple[Exercise, Path | None]], jobs: int | None = None, on_done=None) -> list[Verdict]:
    """Grade several (exercise, file) pairs, one sandbox each, `jobs` at a time; results keep input order."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(items) <= 1:
        out = []
        for ex, f in items:
            out.append(grade(ex, f))
            if on_done:
                on_done(out[-1])
        return out
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade, ex, f) for ex, f in items]
        results = []
        for fut in futures:
            results.append(fut.result())
            if on_done:
                on_done(results[-1])
        return results
