"""Grade a whole class: collect submissions, grade what is not graded yet on every core,
then write the gradebook, feedback, Gradescope results and the instructor summary.

Speed comes from two pools. Worker processes (one per core) run the trusted part of each
grade, libcst included, in parallel; every submission's code runs in its own process
forked from one warm server that has numpy, scikit-learn and the graders imported.
Only this process writes results, each as soon as it arrives, so a kill loses at most
the exercises in flight.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ..manifest import Exercise
from ..sets import BugSet
from ..verdict import Verdict
from .model import ExerciseResult, Student, StudentReport
from .progress_view import BatchProgress
from .store import ResultStore, fingerprint

WORK_DIR = ".bughunt"


@dataclass
class Task:
    student: str
    exercise: Exercise
    file: Path | None
    shown: str  # path as the student knows it, inside their submission
    fp: str


@dataclass
class BatchResult:
    reports: list[StudentReport]
    graded: int
    reused: int
    elapsed: float
    latencies: list[float] = field(default_factory=list)
    refused: list = field(default_factory=list)
    out: Path | None = None


# --- worker side -------------------------------------------------------------------------
_CLIENT = None


def _init_worker(client) -> None:
    global _CLIENT
    _CLIENT = client
    # If the batch is killed (even with -9), its workers must not linger holding its pipes.
    from ..sandbox.forkserver import _PR_SET_PDEATHSIG, _prctl

    import signal

    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the line above took effect
        os._exit(1)
    import bughunt.grading  # noqa: F401  (libcst and the static checks, once per worker)


def _grade_task(exercise: Exercise, file: str, shown: str, limits) -> dict:
    from ..grading import grade

    started = time.monotonic()
    verdict = grade(exercise, Path(file), limits=limits, runner=_CLIENT.run, display=shown)
    record = verdict.to_dict()
    record["lines"] = verdict.lines()
    record["latency"] = round(time.monotonic() - started, 4)
    return record


# --- this process ------------------------------------------------------------------------
def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def plan(bugset: BugSet, collected, roster: list[Student] | None) -> tuple[list[Student], dict[str, dict]]:
    """Students in gradebook order, and for each the files found for each exercise."""
    by_key = {s.key: s for s in collected.submissions}
    students: list[Student] = list(roster) if roster else []
    known = {s.id for s in students}
    for sub in sorted(collected.submissions, key=lambda s: s.key):
        if sub.key not in known:
            students.append(sub.student or Student(id=sub.key))
            known.add(sub.key)
    if not roster:
        students.sort(key=lambda s: s.id)
    return students, by_key


def grade_class(
    bugset: BugSet,
    source: Path,
    out: Path,
    roster: list[Student] | None = None,
    jobs: int | None = None,
    console: Console | None = None,
    write_outputs: bool = True,
) -> BatchResult:
    from . import ingest

    started = time.monotonic()
    console = console or Console(stderr=True)
    out = Path(out)
    work = out / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    collected = ingest.collect(Path(source), work / "submissions", bugset.exercises, roster)
    students, by_key = plan(bugset, collected, roster)
    store = ResultStore(work / "results")

    tasks, reused = [], 0
    for student in students:
        sub = by_key.get(student.id)
        for ex in bugset.exercises:
            file = sub.files.get(ex.id) if sub else None
            if file is None:
                continue
            fp = fingerprint(ex, file, bugset.limits_for(ex))
            if store.get(student.id, ex.id, fp) is not None:
                reused += 1
                continue
            tasks.append(Task(student.id, ex, file, _relative(file, sub.root), fp))

    total = reused + len(tasks)
    if reused:
        console.print(f"resuming: {reused} of {total} exercises already graded, {len(tasks)} to grade", markup=False)
    latencies = _run(tasks, bugset, store, jobs, console, total, reused)

    reports = assemble(bugset, students, by_key, store, roster is not None)
    result = BatchResult(reports, len(tasks), reused, time.monotonic() - started, latencies, collected.refused, out)
    if write_outputs:
        write_all(bugset, result, out)
    return result


def _run(tasks: list[Task], bugset: BugSet, store: ResultStore, jobs: int | None, console, total: int, reused: int) -> list[float]:
    if not tasks:
        return []
    from ..sandbox.warm import WarmSandbox

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    graders = sorted({t.exercise.grader_path for t in tasks})
    latencies: list[float] = []
    # Spawned (not forked) workers: this process runs threads (the progress bar) and forking
    # a threaded process can copy a held lock into the child.
    ctx = multiprocessing.get_context("spawn")
    with WarmSandbox(graders) as server, BatchProgress(total, console, already=reused) as bar:
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker, initargs=(server.client,)) as pool:
            pending = {}
            queue = list(tasks)
            # Feed the pool a little ahead of the workers, so a kill leaves few tasks in flight.
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    t = queue.pop(0)
                    fut = pool.submit(_grade_task, t.exercise, str(t.file), t.shown, bugset.limits_for(t.exercise))
                    pending[fut] = t
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    t = pending.pop(fut)
                    record = _record_or_error(fut, t)
                    store.put(t.student, t.exercise.id, t.fp, record)
                    latencies.append(record.get("latency", 0.0))
                    bar.advance(record["status"], f"{t.student} {t.exercise.id}", record.get("latency", 0.0))
    return latencies


def _record_or_error(fut, t: Task) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # a worker died: the row still gets a reason and the batch goes on
        v = Verdict(t.exercise.id, t.shown, "error", reason=f"{t.shown}: could not be graded ({type(exc).__name__}); regrade it")
        return {**v.to_dict(), "lines": v.lines(), "latency": 0.0}


def assemble(bugset: BugSet, students: list[Student], by_key: dict, store: ResultStore, roster_given: bool) -> list[StudentReport]:
    from .shared import shared_answer_flags

    reports = []
    for student in students:
        sub = by_key.get(student.id)
        results = []
        for entry in bugset.entries:
            ex = entry.exercise
            file = sub.files.get(ex.id) if sub else None
            record = store.get(student.id, ex.id, fingerprint(ex, file, bugset.limits_for(ex))) if file else None
            if record is None:
                expected = f"{ex.category}/{ex.slug}/{ex.file}"
                reason = (
                    f"no file for {ex.id} in the submission (expected {expected})"
                    if sub
                    else "no submission found for this student"
                )
                results.append(ExerciseResult(ex.id, ex.title, entry.points, 0.0, "missing", None, reason))
                continue
            verdict = Verdict.from_dict(record)
            results.append(
                ExerciseResult(
                    ex.id,
                    ex.title,
                    entry.points,
                    bugset.award(ex.id, verdict),
                    record["status"],
                    record,
                    record.get("reason", ""),
                    record["file"],
                    record.get("duration", 0.0),
                )
            )
        notes = list(sub.notes) if sub else []
        flags = []
        if sub is not None and sub.student is None and roster_given:
            flags.append(f"the submission {sub.key!r} matches no student on the roster")
        if sub is not None:
            flags += shared_answer_flags(bugset, student.id, sub)
        reports.append(StudentReport(student, results, notes, flags))
    return reports


def write_all(bugset: BugSet, result: BatchResult, out: Path) -> None:
    from . import feedback, gradebook, gradescope, summary

    gradebook.write_gradebook(out / "gradebook.csv", bugset, result.reports)
    for report in result.reports:
        feedback.write_feedback(out / "feedback", bugset, report)
        gradescope.write_results(out / "gradescope" / report.student.id / "results.json", bugset, report)
    s = summary.build_summary(bugset, result.reports)
    summary.write_summary(out, bugset, s)


def latency_stats(latencies: list[float]) -> dict:
    if not latencies:
        return {"median": 0.0, "p95": 0.0}
    xs = sorted(latencies)
    med = xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return {"median": med, "p95": p95}

