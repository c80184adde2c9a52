"""Launch the sandboxed child with time, memory, CPU and output limits, then clean up after it."""
from __future__ import annotations

import json
import os
import resource
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

from . import wire

_PKG_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys; sys.path.insert(0, {p!r}); "
    "from bughunt.sandbox.child import main; main()"
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

    outcome: str  # ok | timeout | flood | crash | exited | memory | internal
    observations: dict | None = None
    output: str = ""
    returncode: int | None = None
    duration: float = 0.0
    detail: str = ""
    leftovers_killed: int = 0
    extra: dict = field(default_factory=dict)


def _preexec(limits: Limits):
    mem = limits.memory_mb * 1024 * 1024
    cpu = int(limits.timeout) + 1
    fsize = limits.file_mb * 1024 * 1024

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _child_env(marker: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
    }
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


def run_probe(grader_path: Path, student_path: Path, limits: Limits = Limits(), seed: int | None = None) -> RunResult:
    token = secrets.token_hex(16)
    marker = secrets.token_hex(8)
    workdir = Path(tempfile.mkdtemp(prefix="bughunt-run-"))
    result_path = workdir / f"result-{token}.json"
    request = json.dumps(request_for(grader_path, student_path, result_path, token, seed))
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT.format(p=_PKG_PARENT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=_child_env(marker),
            preexec_fn=_preexec(limits),
            start_new_session=True,
        )
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        return RunResult("internal", detail=f"could not start the sandbox: {exc}")

    chunks: list[bytes] = []
    flooded = threading.Event()
    reader = threading.Thread(
        target=_drain,
        args=(proc.stdout, limits.output_kb * 1024, chunks, flooded, lambda: _kill_group(proc.pid)),
        daemon=True,
    )
    reader.start()
    try:
        proc.stdin.write(request.encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    timed_out = False
    try:
        proc.wait(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_group(proc.pid)
    proc.wait()
    leftovers = _kill_marked(marker)
    reader.join(timeout=2)
    duration = time.monotonic() - start
    try:
        return interpret(
            returncode=proc.returncode,
            timed_out=timed_out,
            flooded=flooded.is_set(),
            output=b"".join(chunks).decode("utf-8", "replace"),
            result_path=result_path,
            token=token,
            duration=duration,
            leftovers=leftovers,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def request_for(grader_path: Path, student_path: Path, result_path: Path, token: str, seed: int | None = None) -> dict:
    """What the child is told. For a grader split into probe and judge, that is the probe's
    name, its config and the hidden inputs built here: never the grader's path."""
    from ..grader import hidden_cases, load_grader

    request = {
        "student": str(Path(student_path).resolve()),
        "result": str(result_path),
        "token": token,
    }
    grader = load_grader(grader_path)
    if grader.probe_name:
        request.update(probe=grader.probe_name, config=grader.config(), cases=wire.dumps(hidden_cases(grader, seed)))
    else:
        request["grader"] = str(Path(grader_path).resolve())
    return request


def interpret(
    *,
    returncode: int | None,
    timed_out: bool,
    flooded: bool,
    output: str,
    result_path: Path,
    token: str,
    duration: float,
    leftovers: int = 0,
) -> RunResult:
    """Turn how the child ended, and the result file it left, into a RunResult.

    `returncode` follows subprocess conventions: negative for a signal."""
    res = RunResult("ok", output=output, returncode=returncode, duration=duration, leftovers_killed=leftovers)
    try:
        if flooded:
            res.outcome = "flood"
        elif timed_out:
            res.outcome = "timeout"
        elif result_path.is_file():
            if result_path.stat().st_size > MAX_REPLY_BYTES:
                raise wire.WireError(f"the reply is larger than {MAX_REPLY_BYTES // 2**20} MB")
            obs = wire.loads(result_path.read_text(encoding="utf-8"))
            if not isinstance(obs, dict) or obs.get("token") != token:
                res.outcome, res.detail = "internal", "the grading process returned a malformed result"
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
    except (OSError, wire.WireError) as exc:
        res.outcome, res.detail = "internal", f"unreadable result: {exc}"
    return res
