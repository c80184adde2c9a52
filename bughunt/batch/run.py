"""Grade a whole class: collect submissions, grade what is not graded yet on every core,
then write the gradebook, feedback, Gradescope results and the instructor summary.

Speed comes from two pools. Worker processes (one per core) run the trusted part of each
grade, libcst included, in parallel; every submission's code runs in its own process
forked from one warm server that has numpy, scikit-learn and the graders imported.
Only this process writes results, each as soon as it arrives, so a kill loses at most
the exercises in flight; the result store is in a folder no jailed run can see.

No submission can break the batch: a dead warm server is restarted, a main-loop watchdog
gives each file a deadline, a killed or stuck worker costs only its own file, and a
failure of the grading machinery ("internal") is never stored as a result: the file is
retried once, and if it still cannot be graded its row says so and a rerun regrades it.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..manifest import Exercise
from ..sets import BugSet
from ..verdict import Verdict
from .model import ExerciseResult, Student, StudentReport
from .store import ResultStore, fingerprint
from .workers import start_fork_server, worker_context

if TYPE_CHECKING:
    from rich.console import Console

WORK_DIR = ".bughunt"
#: where the feedback of submissions that match no roster student goes (never the gradebook)
UNMATCHED_DIR = "unmatched"
#: how long past its own time limit a file may take (static checks, queueing) before the
#: watchdog gives up on it; generous, so that a loaded machine never trips it
WATCHDOG_GRACE = 300.0
#: tries per file when the grading machinery (not the submission) fails
TRIES = 2
NOT_ISOLATED_NOTE = (
    "These grades were not isolated: submissions ran without a jail (--no-jail), so one "
    "submission could have affected another's grade."
)


class JailRequired(Exception):
    """Grading other people's code needs a jail; there is none and --no-jail was not given."""


@dataclass
class Task:
    student: str
    exercise: Exercise
    file: Path | None
    shown: str  # path as the student knows it, inside their submission
    fp: str


@dataclass
class BatchResult:
    reports: list[StudentReport]  # roster students (every submission's, without a roster): the gradebook
    graded: int
    reused: int
    elapsed: float
    latencies: list[float] = field(default_factory=list)
    refused: list = field(default_factory=list)
    out: Path | None = None
    isolated: bool = True
    not_graded: int = 0  # files the grading machinery failed on: not stored, regraded on a rerun
    restarts: int = 0
    #: submissions no roster entry claimed: graded (their feedback helps sort out who is who) but
    #: never in the gradebook; with (submission key, why it matched no one)
    unmatched: list[StudentReport] = field(default_factory=list)
    unmatched_reasons: list[tuple[str, str]] = field(default_factory=list)


# --- worker side -------------------------------------------------------------------------
_CLIENT = None

def start_servers(jail: bool | None = None) -> tuple[bool, object]:
    """Start the workers' fork server and the warm grading server, without waiting for
    either: their imports (libcst, numpy, SciPy, scikit-learn; a second or two each) are the
    path to the first result, so a command starts them before it reads its own input.
    Returns (jailed, the warm server or None if it could not start; the batch then starts
    one itself and reports why it cannot). `jail` as for grade_class; raises JailRequired."""
    from ..sandbox import jail as jails
    from ..sandbox.warm import SandboxUnavailable, WarmSandbox

    start_fork_server()  # first (if the CLI has not already): it needs no jail, and probing for one takes a while
    if jail is None:
        ok, why = jails.status()
        if not ok:
            raise JailRequired(why)
        jail = True
    try:
        return jail, WarmSandbox(jail=jail, wait=False)
    except (SandboxUnavailable, OSError):
        return jail, None


def close_servers(servers: tuple[bool, object] | None) -> None:
    """Close what start_servers started, when the command stops before grading."""
    if servers is not None and servers[1] is not None:
        servers[1].close()


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
    import gc
    import sys

    # The fork server imported with collection off (forkserver_guard). What it imported
    # lives as long as the worker: frozen, later collections no longer walk it.
    gc.freeze()
    gc.enable()

    # The static checks hold the GIL for long stretches while the thread that talks to the
    # warm server waits on I/O; at the default 5 ms switch interval each of that thread's
    # wake-ups waited up to 5 ms, which delayed every run's request and reply.
    sys.setswitchinterval(0.0005)


def _grade_task(exercise: Exercise, file: str, shown: str, limits, seed: int | None = None) -> dict:
    from ..workspace import grade_file  # a .py, or a notebook graded as its script

    started = time.monotonic()
    outcomes: list[str] = []

    def run(*args, **kwargs):
        result = _CLIENT.run(*args, **kwargs)
        outcomes.append(result.outcome)
        return result

    verdict = grade_file(exercise, Path(file), runner=run, shown=shown, limits=limits, seed=seed)
    record = verdict.to_dict()
    record["lines"] = verdict.lines()
    record["latency"] = round(time.monotonic() - started, 4)
    if "internal" in outcomes or (verdict.status == "error" and "the grader itself failed" in (verdict.reason or "")):
        record["infrastructure"] = True
    return record


# --- this process ------------------------------------------------------------------------
def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def plan(bugset: BugSet, collected, roster: list[Student] | None) -> tuple[list[Student], dict[str, dict]]:
    """Students in gradebook order, and for each the files found for each exercise. With a
    roster, only its students: a submission no roster entry claimed is in `unmatched()`."""
    by_key = {s.key: s for s in collected.submissions}
    if roster:
        return list(roster), by_key
    return sorted((sub.student or Student(id=sub.key) for sub in collected.submissions), key=lambda s: s.id), by_key


def unmatched(collected, roster: list[Student] | None) -> list[Student]:
    """Submissions no roster entry claimed, as students under their submission key."""
    if not roster:
        return []
    return [Student(id=sub.key) for sub in sorted(collected.submissions, key=lambda s: s.key) if sub.student is None]


def _check_something_to_grade(source: Path, collected, roster: list[Student] | None) -> None:
    """An empty export, or one whose submissions belong to no one on the roster, is a mistake
    (the wrong file, the wrong course's roster): grading it would write a gradebook that gives
    the whole class zero."""
    from .ingest import SubmissionsError

    subs = collected.submissions
    if not subs:
        first = collected.refused[0] if collected.refused else None
        refused = f" ({len(collected.refused)} entries were refused, e.g. {first.entry} {first.reason})" if first else ""
        raise SubmissionsError(f"{source.name} holds no student's submission{refused}; nothing was graded")
    if roster and all(sub.student is None for sub in subs):
        shown = ", ".join(sub.key for sub in subs[:3]) + (", ..." if len(subs) > 3 else "")
        raise SubmissionsError(
            f"none of the {len(subs)} submissions in {source.name} ({shown}) matches a student on the roster of "
            f"{len(roster)}: is it the right roster? Its ids, SIS ids, logins, e-mails or names should name the "
            "submissions; nothing was graded"
        )


def grade_class(
    bugset: BugSet,
    source: Path,
    out: Path,
    roster: list[Student] | None = None,
    jobs: int | None = None,
    console: Console | None = None,
    write_outputs: bool = True,
    jail: bool | None = None,
    single: str | None = None,
    servers: tuple[bool, object] | None = None,
) -> BatchResult:
    """`jail`: None grades in a jail and raises JailRequired when there is none; False
    grades without one (`--no-jail`), and every report then says so. `single`: SOURCE is one
    student's submission, graded under that key (the Gradescope autograder). `servers`: what
    `start_servers(jail)` returned, when the caller started them earlier (they are closed here,
    also on bad input).

    Raises SubmissionsError, leaving no output behind, when there is nothing to grade: no
    submission at all, or (with a roster) none that belongs to a roster student."""
    from . import ingest

    started = time.monotonic()
    if servers is None:
        servers = start_servers(jail)
    jail, early = servers
    try:
        if console is None:
            from rich.console import Console  # not in the workers' fork server: only this process prints

            console = Console(stderr=True)
        out = Path(out)
        work = out / WORK_DIR
        fresh = out if not out.exists() else work if not work.exists() else None
        work.mkdir(parents=True, exist_ok=True)
        try:
            collected = ingest.collect(Path(source), work / "submissions", bugset.exercises, roster, single=single)
            _check_something_to_grade(Path(source), collected, roster)
        except BaseException:
            if fresh is not None:  # this run made it: leave nothing behind
                shutil.rmtree(fresh, ignore_errors=True)
            raise
        students, by_key = plan(bugset, collected, roster)
        strays = unmatched(collected, roster)
        store = ResultStore(work / "results")

        tasks, reused = [], 0
        # Fingerprints are taken once, before any code runs: a file changed mid-batch cannot
        # make results already graded look stale (or missing) when the reports are assembled.
        fps: dict[tuple[str, str], str] = {}
        for student in students + strays:
            sub = by_key.get(student.id)
            for ex in bugset.exercises:
                file = sub.files.get(ex.id) if sub else None
                if file is None:
                    continue
                fp = fingerprint(ex, file, bugset.limits_for(ex), bugset.seed_for(ex))
                fps[(student.id, ex.id)] = fp
                if store.get(student.id, ex.id, fp) is not None:
                    reused += 1
                    continue
                tasks.append(Task(student.id, ex, file, _relative(file, sub.root), fp))

        total = reused + len(tasks)
        if reused:
            console.print(f"resuming: {reused} of {total} exercises already graded, {len(tasks)} to grade", markup=False)
    except BaseException:  # bad input: the early server goes with it
        if early is not None:
            early.close()
        raise
    failed: dict[tuple[str, str], dict] = {}
    if not tasks and early is not None:
        early.close()  # everything was graded already
    if write_outputs and tasks:
        threading.Thread(target=_prepare_reports, name="bughunt-reports", daemon=True).start()
    latencies, restarts = _run(tasks, bugset, store, jobs, console, total, reused, jail, failed, early)

    # One pass over both, so a copy between a roster student and an unmatched submission is flagged.
    everyone = assemble(bugset, students + strays, by_key, store, roster is not None, failed, fps)
    reports, stray_reports = everyone[: len(students)], everyone[len(students):]
    if not jail:
        for report in everyone:
            report.notes.insert(0, NOT_ISOLATED_NOTE)
    result = BatchResult(
        reports, len(tasks), reused, time.monotonic() - started, latencies, collected.refused, out,
        isolated=bool(jail), not_graded=len(failed), restarts=restarts, unmatched=stray_reports,
        unmatched_reasons=[
            (r.student.id, f"{by_key[r.student.id].unmatched}; graded, but not in the gradebook "
                           f"(feedback in {UNMATCHED_DIR}/{r.student.id}/)")
            for r in stray_reports
        ],
    )
    if write_outputs:
        write_all(bugset, result, out)
    return result


def _run(tasks, bugset, store, jobs, console, total, reused, jail=True, failed=None, server=None) -> tuple[list[float], int]:
    """Grade `tasks`; store each result as it lands. Files the machinery failed on go to
    `failed` (by (student, exercise)), never to the store."""
    if not tasks:
        return [], 0
    from ..sandbox.warm import WarmSandbox

    failed = {} if failed is None else failed
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    latencies: list[float] = []
    # Not waiting for the server to be ready: the workers start on the static checks of
    # their first files while it imports numpy and scikit-learn.
    server = server or WarmSandbox(jail=jail, wait=False)
    from .progress_view import BatchProgress

    with server, BatchProgress(total, console, already=reused) as bar:
        loop = _Loop(tasks, bugset, store, jobs, server, bar, latencies, failed)
        loop.run()
        return latencies, server.restarts


class _Loop:
    """The main loop: feeds the workers, stores results, restarts what breaks."""

    def __init__(self, tasks, bugset, store, jobs, server, bar, latencies, failed):
        self.queue = [(t, 0) for t in tasks]
        self.bugset, self.store, self.jobs, self.server = bugset, store, jobs, server
        self.bar, self.latencies, self.failed = bar, latencies, failed
        self.pool = None

    def _new_pool(self) -> None:
        self.pool = ProcessPoolExecutor(self.jobs, mp_context=worker_context(), initializer=_init_worker, initargs=(self.server.client,))

    def _kill_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                proc.kill()
            except (OSError, AttributeError):
                pass
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        except Exception:
            pass

    def run(self) -> None:
        pending: dict = {}  # future -> (task, tries, deadline)
        self._new_pool()
        try:
            while self.queue or pending:
                self._keep_server()
                while self.queue and len(pending) < self.jobs * 2:
                    t, tries = self.queue.pop(0)
                    limits = self.bugset.limits_for(t.exercise)
                    try:
                        fut = self.pool.submit(_grade_task, t.exercise, str(t.file), t.shown, limits, self.bugset.seed_for(t.exercise))
                    except (BrokenProcessPool, RuntimeError):
                        self.queue.insert(0, (t, tries))
                        self._restart_pool(pending)
                        continue
                    pending[fut] = (t, tries, time.monotonic() + limits.timeout + WATCHDOG_GRACE)
                if not pending:
                    continue
                done, _ = wait(pending, timeout=2.0, return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    t, tries, _ = pending.pop(fut)
                    try:
                        record = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        self._retry_or_fail(t, tries, "a grading worker died")
                        continue
                    except Exception as exc:
                        self._retry_or_fail(t, tries, f"the grading worker failed ({type(exc).__name__})")
                        continue
                    if record.get("infrastructure"):
                        self._keep_server()
                        self._retry_or_fail(t, tries, record.get("reason") or "the grading machinery failed", record)
                        continue
                    self._store(t, record)
                now = time.monotonic()
                late = [f for f, (_, _, deadline) in pending.items() if now > deadline]
                if late:  # the watchdog: these files get an error; the others are regraded
                    for fut in late:
                        t, tries, _ = pending.pop(fut)
                        self._retry_or_fail(t, TRIES, "grading did not finish in time (the watchdog stopped it)")
                    broken = True
                if broken:
                    self._restart_pool(pending)
        finally:
            self._kill_pool()

    def _restart_pool(self, pending: dict) -> None:
        """A worker died (or hung): every file in flight goes back to the queue, a try
        spent; a file that keeps breaking workers ends up failed, alone."""
        for fut, (t, tries, _) in list(pending.items()):
            if fut.done() and not fut.exception():
                record = fut.result()
                if not record.get("infrastructure"):
                    self._store(t, record)
                    continue
            self._retry_or_fail(t, tries, "a grading worker died while grading it")
        pending.clear()
        self._kill_pool()
        self._keep_server()
        self._new_pool()

    def _keep_server(self) -> None:
        if not self.server.alive():
            self.server.restart()

    def _retry_or_fail(self, t: Task, tries: int, why: str, record: dict | None = None) -> None:
        if tries + 1 < TRIES:
            self.queue.append((t, tries + 1))
            return
        reason = f"{t.shown}: could not be graded: {why}. Not stored: rerun `bughunt grade` to regrade it"
        if record is None or not record.get("reason"):
            v = Verdict(t.exercise.id, t.shown, "error", reason=reason)
            record = {**v.to_dict(), "lines": v.lines(), "latency": 0.0}
        else:
            record = {**record, "reason": reason}
        record["infrastructure"] = True
        self.failed[(t.student, t.exercise.id)] = record
        self.bar.advance("error", f"{t.student} {t.exercise.id}", 0.0)

    def _store(self, t: Task, record: dict) -> None:
        self.store.put(t.student, t.exercise.id, t.fp, record)
        self.latencies.append(record.get("latency", 0.0))
        self.bar.advance(record["status"], f"{t.student} {t.exercise.id}", record.get("latency", 0.0))


def _prepare_reports() -> None:
    """Import and compile what the reports need (markdown-it, Jinja2 and the templates) while
    the class is being graded: it was a third of the time between the last result and the end.
    At the lowest priority (this thread only), so that it takes no CPU from grading."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (OSError, AttributeError):
        pass
    try:
        from ..templates import environment
        from . import feedback, gradebook, gradescope, summary  # noqa: F401
        from .render import parser

        parser()
        env = environment()
        for name in ("feedback.md.j2", "_exercise.md.j2", "summary.md.j2", "page.html.j2"):
            env.get_template(name)
    except Exception:  # the reports import and compile them themselves, and report any error
        pass


def assemble(
    bugset: BugSet,
    students: list[Student],
    by_key: dict,
    store: ResultStore,
    roster_given: bool,
    failed: dict | None = None,
    fps: dict | None = None,
) -> list[StudentReport]:
    from ..autograder import upload_name
    from .shared import copied_variants, copier_flag, donor_flag

    reports = []
    copies: list[tuple[str, str, str]] = []  # (exercise, donor, copier)
    for student in students:
        sub = by_key.get(student.id)
        results = []
        for entry in bugset.entries:
            ex = entry.exercise
            file = sub.files.get(ex.id) if sub else None
            fp = (fps or {}).get((student.id, ex.id)) if file else None
            if file and fp is None:
                fp = fingerprint(ex, file, bugset.limits_for(ex), bugset.seed_for(ex))
            record = store.get(student.id, ex.id, fp) if file else None
            if record is None and file is not None:
                record = (failed or {}).get((student.id, ex.id))
            if record is None:
                expected = f"{ex.category}/{ex.slug}/{ex.file}, or a file named {upload_name(ex)}"
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
            flags += list(getattr(sub, "flags", ()))
            for ex_id, owner in copied_variants(bugset, student.id, sub):
                flags.append(copier_flag(ex_id, owner, student.id))
                copies.append((ex_id, owner, student.id))
        reports.append(StudentReport(student, results, notes, flags))
    # Both sides of a copy are flagged: the donor may have shared the file.
    by_id = {r.student.id: r for r in reports}
    for ex_id, donor, copier in copies:
        if donor in by_id:
            by_id[donor].flags.append(donor_flag(ex_id, donor, copier))
    return reports


def write_all(bugset: BugSet, result: BatchResult, out: Path) -> None:
    from . import feedback, gradebook, gradescope, summary

    gradebook.write_gradebook(out / "gradebook.csv", bugset, result.reports)
    for report in result.reports:
        feedback.write_feedback(out / "feedback", bugset, report)
        gradescope.write_results(out / "gradescope" / report.student.id / "results.json", bugset, report)
    # Submissions that belong to no roster student: their feedback, kept apart from the class's.
    for report in result.unmatched:
        feedback.write_feedback(out / UNMATCHED_DIR, bugset, report)
    refused = [(r.entry, r.reason) for r in result.refused]  # all of them: some belong to no student
    s = summary.build_summary(bugset, result.reports, refused=refused, unmatched=result.unmatched_reasons)
    summary.write_summary(out, bugset, s)


def latency_stats(latencies: list[float]) -> dict:
    if not latencies:
        return {"median": 0.0, "p95": 0.0}
    xs = sorted(latencies)
    med = xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return {"median": med, "p95": p95}

