"""Launch the sandboxed child with time, memory, CPU and output limits, then clean up after it."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


_PKG_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys; sys.path.insert(0, {p!r}); "
    "from bughunt.sandbox.child import main; main()"
)


try:
    import resource  # noqa: F401

    HAS_LIMITS = True
except ImportError:  # Windows
    HAS_LIMITS = False
NO_LIMITS = (
    "grading runs student code under CPU, memory and file-size limits, which this system "
    "(Windows) cannot set; use Linux or macOS, or WSL on Windows"
)

#: the largest reply the parent will parse; observations are small
MAX_REPLY_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0  # wall-clock seconds
    memory_mb: int = 2048  # address space
    output_kb: int = 256  # captured stdout+stderr before the run is stopped
    file_mb: int = 64  # largest file the child may write


@dataclass
class RunResult:
    """What came back from one sandboxed run. `outcome` is 'ok' only if the child finished."""

    #: ok | timeout | flood | crash | exited | memory | tampered (the submission's doing) |
    #: internal (the grading machinery's: never stored as a result, regraded on a rerun)
    outcome: str
    observations: dict | None = None
    output: str = ""
    returncode: int | None = None
    duration: float = 0.0
    detail: str = ""
    leftovers_killed: int = 0
    extra: dict = field(default_factory=dict)


#: CPU seconds a cold child may spend starting (imports) on top of the submission's limit
STARTUP_CPU = 10


def _preexec(limits: Limits, startup_cpu: int = 0):
    mem = limits.memory_mb * 1024 * 1024
    cpu = int(limits.timeout) + 1 + int(startup_cpu)
    fsize = limits.file_mb * 1024 * 1024

    def apply() -> None:
        import resource  # POSIX only: run_probe refuses to start without it

        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _child_env(marker: str, jailed: bool = False) -> dict:
    keep = ("PATH", "LANG", "LC_ALL") if jailed else ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    if jailed:
        env.update(HOME="/tmp", TMPDIR="/tmp")
    env.update(
        BUGHUNT_SANDBOX=marker,
        PYTHONHASHSEED="0",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONWARNINGS="default",
    )
    return env


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_marked(marker: str) -> int:
    """Kill processes that escaped the process group (setsid, double fork) but carry our marker."""
    needle = f"BUGHUNT_SANDBOX={marker}".encode()
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGKILL)
                    killed += 1
        except (OSError, ProcessLookupError):
            continue
    return killed


def _drain(stream, cap: int, sink: list, flooded: threading.Event, on_flood) -> None:
    total = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return
        total += len(chunk)
        if total <= cap:
            sink.append(chunk)
        elif not flooded.is_set():
            sink.append(chunk[: max(0, cap - (total - len(chunk)))])
            flooded.set()
            on_flood()


#: the byte the child sends on its reply pipe just before it loads the submission: the
#: student's time starts there, so interpreter start-up never counts against them
STARTED = b"S"
#: how long a cold child may take to start (interpreter, jail, imports) before the
#: submission's own time begins; a backstop for a machine in trouble, not a limit on students
STARTUP_BACKSTOP = 120.0


#: how long, once a run has ended, its reply and output may take to be read. Every byte is
#: in the pipes by then, but this process's reader threads may be starved on a busy machine:
#: a verdict must never be given on a reply that was only partly read (the 2 s wait this
#: replaced judged a correct fix starved of 3 s on an empty reply, as "exited")
COLLECT_GRACE = 120.0
UNCOLLECTED = "the run's reply could not be read to its end (a process still held its pipe)"


def not_started() -> RunResult:
    """A run stopped at STARTUP_BACKSTOP before it reached the submission: only our own
    set-up ran, so this is the machinery's failure, never the student's timeout."""
    return RunResult("internal", detail=f"the run did not start within {STARTUP_BACKSTOP:.0f} s")


def collect(*readers: threading.Thread) -> bool:
    """Wait for the reader threads of a run that has ended; False if one is still reading
    after COLLECT_GRACE (a leftover process holds a pipe open: never the case in a jail,
    whose processes all die with it). The caller then reports the run as "internal"."""
    deadline = time.monotonic() + COLLECT_GRACE
    for reader in readers:
        reader.join(max(0.0, deadline - time.monotonic()))
    return not any(reader.is_alive() for reader in readers)


def _read_capped(fd: int, cap: int, sink: list, over: threading.Event, started: threading.Event | None = None) -> None:
    """Read the child's reply from its pipe, keeping at most `cap` bytes: a reply's size is
    capped before anything parses it. A leading STARTED byte is taken off and sets `started`."""
    total = 0
    with os.fdopen(fd, "rb", buffering=0) as stream:
        first = stream.read(1)
        if first == STARTED:
            if started is not None:
                started.set()
        elif first:
            sink.append(first)
            total = 1
        while True:
            chunk = stream.read(1 << 20)  # few reads: each needs the GIL back
            if not chunk:
                return
            total += len(chunk)
            if total <= cap:
                sink.append(chunk)
            else:
                over.set()
                sink.clear()
                while stream.read(65536):  # drain so the writer is not stuck; keep nothing
                    pass
                return


@dataclass
class _Child:
    """A started cold child, waiting on its stdin for the request."""

    proc: subprocess.Popen
    jailed: bool
    limits: Limits
    marker: str
    reply_r: int
    reply_fd: int  # the number of the reply pipe's write end in the child (pass_fds keeps it)
    workdir: Path | None
    cgroup: object | None
    start: float


_SPARES: list[_Child] = []


def prestart(limits: Limits = Limits(), jail: bool | None = None) -> None:
    """Start a cold child now, before the grading process has loaded its own code: its
    interpreter, jail and numpy start while the parent imports the static analysis and
    builds the hidden cases. The next `run_probe` with the same limits and jail uses it;
    one left unused is killed at exit. It holds nothing until it is given a request."""
    from . import jail as jails

    if not HAS_LIMITS:
        return
    jailed = jails.available() if jail is None else bool(jail)
    child = _spawn(limits, jailed)
    if isinstance(child, _Child):
        if not _SPARES:
            import atexit

            atexit.register(_drop_spares)
        _SPARES.append(child)


def _drop_spares() -> None:
    while _SPARES:
        _discard(_SPARES.pop())


def _discard(child: _Child) -> None:
    _kill_group(child.proc.pid)
    child.proc.wait()
    os.close(child.reply_r)
    if child.cgroup is not None:
        child.cgroup.remove()
    if child.workdir is not None:
        shutil.rmtree(child.workdir, ignore_errors=True)


def _take_spare(limits: Limits, jailed: bool) -> _Child | None:
    for i, child in enumerate(_SPARES):
        if child.limits == limits and child.jailed == jailed:
            del _SPARES[i]
            if child.proc.poll() is None:
                return child
            _discard(child)
            return None
    return None


def _spawn(limits: Limits, jailed: bool) -> _Child | RunResult:
    from . import jail as jails

    marker = secrets.token_hex(8)
    workdir = None if jailed else Path(tempfile.mkdtemp(prefix="bughunt-run-"))
    reply_r, reply_w = os.pipe()
    boot = [sys.executable, "-I", "-c", _BOOT.format(p=_PKG_PARENT)]
    cgroup = None
    preexec = _preexec(limits, STARTUP_CPU)
    if jailed:
        cgroup = jails.PidsCgroup(f"bughunt-run-{marker}", jails.NPROC)
        argv = jails.bwrap_argv(boot, tmp_mb=limits.file_mb, hide_parent_only=True)
        join, limit = cgroup.join_fn(), preexec

        def preexec() -> None:  # noqa: F811 (the jailed variant)
            join()
            limit()
    else:
        argv = boot
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=workdir if workdir is not None else "/",
            env=_child_env(marker, jailed),
            preexec_fn=preexec,
            start_new_session=True,
            pass_fds=(reply_w,),
        )
    except OSError as exc:
        os.close(reply_r)
        os.close(reply_w)
        if cgroup is not None:
            cgroup.remove()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        return RunResult("internal", detail=f"could not start the sandbox: {exc}")
    os.close(reply_w)
    return _Child(proc, jailed, limits, marker, reply_r, reply_w, workdir, cgroup, start)


def run_probe(
    grader_path: Path,
    student_path: Path,
    limits: Limits = Limits(),
    seed: int | None = None,
    jail: bool | None = None,
) -> RunResult:
    """One cold run: a fresh interpreter in a fresh jail (bubblewrap) when one is available;
    without one (`jail=False`, or none on this machine) a limited process as before."""
    from . import jail as jails

    if not HAS_LIMITS:
        return RunResult("internal", detail=NO_LIMITS)
    jailed = jails.available() if jail is None else bool(jail)
    if not jailed and jail is None:
        jails.notice_once()
    token = secrets.token_hex(16)
    child = _take_spare(limits, jailed) or _spawn(limits, jailed)
    if isinstance(child, RunResult):
        return child
    proc, workdir, reply_r = child.proc, child.workdir, child.reply_r
    student_dir = jails.SUBMISSION_DIR if jailed else str(workdir / "submission")
    try:
        request = request_for(grader_path, student_path, token, seed, student_dir=student_dir)
    except BaseException:
        _discard(child)
        raise
    request["result_fd"] = child.reply_fd
    request["nproc"] = jails.NPROC if jailed else None
    if workdir is not None:
        request["tmpdir"] = str(workdir)

    chunks: list[bytes] = []
    flooded = threading.Event()
    reader = threading.Thread(
        target=_drain,
        args=(proc.stdout, limits.output_kb * 1024, chunks, flooded, lambda: _kill_group(proc.pid)),
        daemon=True,
    )
    reader.start()
    reply: list[bytes] = []
    oversized = threading.Event()
    started = threading.Event()
    replier = threading.Thread(
        target=_read_capped, args=(reply_r, MAX_REPLY_BYTES, reply, oversized, started), daemon=True
    )
    replier.start()
    try:
        proc.stdin.write(json.dumps(request).encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    timed_out = False
    # The wall clock for the submission starts when the child is about to load it: the
    # interpreter's and the jail's start-up never count (a busy machine is not the student's fault).
    deadline = time.monotonic() + STARTUP_BACKSTOP
    while not started.is_set() and proc.poll() is None and time.monotonic() < deadline:
        started.wait(0.05)
    try:
        proc.wait(timeout=limits.timeout if started.is_set() else max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
    never_started = timed_out and not started.is_set()  # only our own set-up ran: not the student's time
    _kill_group(proc.pid)  # jailed: bwrap's pid 1 dies with it, and the whole pid namespace
    proc.wait()
    leftovers = 0
    if child.cgroup is not None:
        child.cgroup.remove()
    if not jailed:
        leftovers = _kill_marked(child.marker)
    collected = collect(reader, replier)
    duration = time.monotonic() - child.start
    returncode = proc.returncode
    if jailed and returncode is not None and returncode > 128:
        returncode = -(returncode - 128)  # bwrap reports a signal as 128 + its number
    try:
        if not collected:
            return RunResult("internal", detail=UNCOLLECTED, duration=duration, leftovers_killed=leftovers)
        if never_started:
            return not_started()
        return interpret(
            returncode=returncode,
            timed_out=timed_out,
            flooded=flooded.is_set(),
            output=b"".join(chunks).decode("utf-8", "replace"),
            reply=None if oversized.is_set() else b"".join(reply),
            oversized=oversized.is_set(),
            token=token,
            duration=duration,
            leftovers=leftovers,
        )
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def request_for(grader_path: Path, student_path: Path, token: str, seed: int | None = None, *, student_dir: str) -> dict:
    """What the child is told. For a grader split into probe and judge, that is the probe's
    name, its config and the hidden inputs built here: never the grader's path. The
    submission's source travels in the request; the child writes it to `student_dir` (its
    own private folder) and loads it from there."""
    import base64

    from ..grader import hidden_cases, load_grader

    student_path = Path(student_path)
    request = {
        "student": f"{student_dir}/{student_path.name}",
        "source": base64.b64encode(student_path.read_bytes()).decode("ascii"),
        "token": token,
    }
    grader = load_grader(grader_path)
    if not grader.probe_name:
        raise ValueError(f"{grader_path}: a grader must name its child-side probe (probe_name)")
    from . import wire  # numpy: not imported by a command until it grades

    request.update(probe=grader.probe_name, config=grader.config(), cases=wire.dumps(hidden_cases(grader, seed)))
    return request


def interpret(
    *,
    returncode: int | None,
    timed_out: bool,
    flooded: bool,
    output: str,
    reply: bytes | None,
    token: str,
    duration: float,
    leftovers: int = 0,
    oversized: bool = False,
) -> RunResult:
    """Turn how the child ended, and the reply it sent on its result pipe, into a RunResult.

    `returncode` follows subprocess conventions: negative for a signal. Nothing the child
    sends is trusted: its size is capped before parsing and its depth while parsing; a
    malformed reply is the submission's doing ("tampered"), never the grader's failure."""
    res = RunResult("ok", output=output, returncode=returncode, duration=duration, leftovers_killed=leftovers)
    tampered = "tampered"  # a malformed reply is the submission's doing, never "internal"
    if flooded:
        res.outcome = "flood"
    elif timed_out:
        res.outcome = "timeout"
    elif oversized:
        res.outcome, res.detail = tampered, f"sent back a reply larger than {MAX_REPLY_BYTES // 2**20} MB"
    elif reply:
        from . import wire

        try:
            obs = wire.loads(reply.decode("utf-8"))
        except (UnicodeDecodeError, wire.WireError) as exc:
            res.outcome, res.detail = tampered, f"sent back an unreadable reply ({str(exc)[:80]})"
        else:
            if not isinstance(obs, dict) or obs.get("token") != token:
                res.outcome, res.detail = tampered, "sent back a reply that is not the grader's"
            else:
                res.observations = obs
    elif returncode is not None and returncode < 0:
        sig = -returncode
        res.outcome = "memory" if sig == signal.SIGKILL and "MemoryError" in output else "crash"
        res.detail = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            res.outcome = "timeout"
        if sig == signal.SIGXFSZ:
            res.outcome = "flood"
    else:
        res.outcome = "exited"
        res.detail = f"exit status {returncode}"
    return res
