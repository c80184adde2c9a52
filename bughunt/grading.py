"""Grade one file against one exercise: static checks in this process, runtime checks in a sandbox."""
from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grader import CaseResult, Grader, hidden_cases, load_grader
from .secret import is_public
from .verdict import OUTCOME_REASONS as _OUTCOME_REASONS
from .observations import function_lines, problems
from .manifest import Exercise
from .sandbox import Limits, run_probe
from .static.base import UNKNOWN, WRONG, Source, SourceError
from .static.policy import ForbiddenConstruct
from .verdict import Check, Suppression, Verdict, finalize


#: how much of an exception message the student's own code raised is shown back: enough
#: to recognise the error, too little to carry the hidden inputs out in a report
_MESSAGE_CHARS = 200


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _exception_text(err: dict, shown: str) -> tuple[str, int | None]:
    message = err["message"]
    if len(message) > _MESSAGE_CHARS:
        message = message[:_MESSAGE_CHARS] + "..."
    if err.get("contract"):
        return f"the grader could not use your code: {message}", err.get("line")
    text = f"your code raised {err['type']}: {message}".rstrip(": ")
    return text, err.get("line")


def grade(
    exercise: Exercise,
    file: Path | None = None,
    grader: Grader | None = None,
    limits: Limits | None = None,
    runner=None,
    display: str | None = None,
    seed: int | None = None,
) -> Verdict:
    """`limits` overrides the exercise's own; `runner(grader_path, file, limits) -> RunResult`
    replaces the cold sandbox (batch grading passes a warm fork server's `run`)."""
    start = time.monotonic()
    path = Path(file) if file else exercise.path
    shown = display or display_path(path)
    verdict = Verdict(exercise=exercise.id, file=shown, status="fail", cases="public" if is_public(seed) else "secret")
    try:
        limits = limits or Limits(timeout=exercise.timeout, memory_mb=exercise.memory_mb)
        verdict = _grade(exercise, path, shown, verdict, grader, limits, runner or run_probe, seed)
    except Exception as exc:  # a grader bug must not surface as a traceback to the student
        verdict.status = "error"
        verdict.reason = f"{shown}: the grader itself failed ({type(exc).__name__}); please report this exercise"
    verdict.duration = time.monotonic() - start
    return finalize(verdict)


def _error(verdict: Verdict, reason: str) -> Verdict:
    verdict.status = "error"
    verdict.reason = reason
    return verdict


def _grade(exercise: Exercise, path: Path, shown: str, verdict: Verdict, grader: Grader | None, limits: Limits, runner, seed) -> Verdict:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _error(verdict, f"{shown}: cannot read the file ({exc.strerror or exc})")
    grader = grader or load_grader(exercise.grader_path)

    # The child runs a private copy of exactly the bytes analysed here, so the file cannot
    # change between the static checks and the run; both proceed at the same time. The run
    # is asked for first, before even the parse: a file that does not parse fails to import
    # in the child too, and its verdict is the parse error below.
    with tempfile.TemporaryDirectory(prefix="bughunt-file-") as copy_dir:
        os.chmod(copy_dir, 0o755)
        copy = Path(copy_dir) / path.name
        copy.write_bytes(data)
        os.chmod(copy, 0o644)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(runner, exercise.grader_path, copy, limits, seed=seed)
            try:
                src = Source.parse(data)
            except SourceError as exc:
                where = f"{shown}:{exc.line}" if exc.line else shown
                return _error(verdict, f"{where}: {exc}; fix this before the exercise can be graded")
            for chk in grader.static_checks():
                verdict.checks.extend(static_verdict(chk, src))
            # Every exercise: the code that runs must be the code that was read.
            for chk in static_verdict(ForbiddenConstruct(), src):
                if not chk.passed:
                    chk.root_cause = False
                    verdict.checks.append(chk)
            for chk in grader.suppression_checks():
                assessment = chk.assess(src)
                if assessment.outcome == WRONG:
                    for f in assessment.findings:
                        verdict.suppressions.append(Suppression(chk.name, f.message, f.line))
            run = pending.result()
    if run.outcome != "ok":
        reason = _OUTCOME_REASONS[run.outcome].format(
            t=limits.timeout, mb=limits.memory_mb, kb=limits.output_kb, detail=run.detail
        )
        return _error(verdict, f"{shown}: your code {reason}")
    obs = run.observations
    if obs.get("import"):
        err = obs["import"]
        if not _valid_error(err):
            return _error(verdict, f"{shown}: {_TAMPERED.format(what='an error report')}")
        text, line = _exception_text(err, shown)
        where = f"{shown}:{line}" if line else shown
        if err["type"] in ("SystemExit", "KeyboardInterrupt"):
            return _error(verdict, f"{where}: your code {_OUTCOME_REASONS['exited'].format(detail=err['type'])}")
        if err["type"] == "MemoryError":
            return _error(verdict, f"{where}: your code " + _OUTCOME_REASONS["memory"].format(mb=limits.memory_mb))
        return _error(verdict, f"{where}: while loading the file, {text}")

    results = []
    raw_cases = obs.get("cases")
    cases = hidden_cases(grader, seed)
    if not isinstance(raw_cases, list) or len(raw_cases) != len(cases):
        return _error(verdict, f"{shown}: {_TAMPERED.format(what='the number of results')}")
    for i, case in enumerate(raw_cases):
        if not isinstance(case, dict):
            return _error(verdict, f"{shown}: {_TAMPERED.format(what='a result')}")
        err = case.get("error")
        if err is not None and not _valid_error(err):
            return _error(verdict, f"{shown}: {_TAMPERED.format(what='an error report')}")
        ok = case.get("ok")
        if err is None:
            problem = problems(ok, grader.observations)
            if problem:
                return _error(verdict, f"{shown}: {_TAMPERED.format(what=problem)}")
        results.append(CaseResult(i, ok, err))
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
    judged = grader.judge(cases, results)
    lines = function_lines(obs.get("functions"))
    for chk in judged:
        if chk.line is None and chk.function in lines:
            chk.line = lines[chk.function]
    verdict.checks.extend(judged)
    return verdict


_TAMPERED = (
    "the grading process sent back {what} that the exercise cannot produce. This happens when "
    "the submission interferes with the grader (patching it, writing its output, or ending it early); "
    "grade only the exercise's own functions"
)


def _valid_error(err) -> bool:
    return (
        isinstance(err, dict)
        and isinstance(err.get("type"), str) and len(err["type"]) < 200
        and isinstance(err.get("message"), str) and len(err["message"]) < 2000
        and (err.get("line") is None or (isinstance(err["line"], int) and not isinstance(err["line"], bool)))
    )


def static_verdict(chk, src: Source) -> list[Check]:
    """One static check, three-valued: proven wrong fails (one Check per finding), proven
    right passes, and cannot-tell passes unproven so that the runtime checks decide."""
    assessment = chk.assess(src)
    if assessment.outcome == WRONG:
        return [Check(chk.name, "static", False, f.message, f.line) for f in assessment.findings]
    if assessment.outcome == UNKNOWN:
        note = assessment.note or "the code could not be followed statically"
        return [Check(chk.name, "static", True, f"{note}; the runtime checks decide", assessment.line, proven=False)]
    return [Check(chk.name, "static", True, chk.passed_message())]


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
