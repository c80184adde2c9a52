"""Client side of the fork server: `WarmSandbox.run` has the same contract as `run_probe`
(a fresh limited process per call, the same RunResult), minus the interpreter start-up.

Safe to call from several threads at once: every run has its own connection, pipe and
result file.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .runner import _PKG_PARENT, Limits, RunResult, _child_env, _drain, _kill_group, _kill_marked, interpret, request_for

_BOOT = "import sys; sys.path.insert(0, {p!r}); from bughunt.sandbox.forkserver import main; main()"
_START_TIMEOUT = 120.0
_REAP_GRACE = 10.0


class SandboxUnavailable(Exception):
    pass


class _Lines:
    """Newline-delimited JSON from a socket, with a deadline per line."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def read(self, timeout: float | None) -> dict | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buf:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                raise TimeoutError from None
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


def _drain_fd(fd: int, *args) -> None:
    with os.fdopen(fd, "rb", buffering=0) as stream:
        _drain(stream, *args)


def _preload_for(graders) -> dict:
    """What the server imports up front: the probe modules of split graders (never the
    graders themselves, which hold the judges' secrets) and legacy grader paths."""
    from ..grader import load_grader

    probes, legacy = set(), set()
    for g in graders:
        grader = load_grader(g)
        if grader.probe_name:
            probes.add(grader.probe_name.partition(":")[0])
        else:
            legacy.add(str(Path(g).resolve()))
    return {"graders": sorted(legacy), "probes": sorted(probes)}


class WarmSandbox:
    """A running fork server with `graders` preloaded. Use as a context manager."""

    def __init__(self, graders: list[Path] = ()):
        self.marker = secrets.token_hex(8)
        self.home = Path(tempfile.mkdtemp(prefix="bughunt-warm-"))
        os.chmod(self.home, 0o700)
        self.sock_path = str(self.home / "server.sock")
        self.log = open(self.home / "server.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT.format(p=_PKG_PARENT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=self.home,
            env=_child_env(self.marker),
            start_new_session=True,
        )
        config = {"socket": self.sock_path, **_preload_for(graders)}
        self.proc.stdin.write(json.dumps(config).encode() + b"\n")
        self.proc.stdin.flush()
        ready = self._wait_ready()
        self.client = WarmClient(self.sock_path, str(self.home))
        if ready != b"ready\n":
            self.close()
            raise SandboxUnavailable(f"the grading server did not start: {self._log_tail()}")

    def _wait_ready(self) -> bytes:
        out: list[bytes] = []
        t = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(_START_TIMEOUT)
        return out[0] if out else b""

    def _log_tail(self) -> str:
        try:
            text = (self.home / "server.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return text[-1] if text else "no output"

    def __enter__(self) -> "WarmSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # EOF tells the server to kill its children and leave
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        _kill_marked(self.marker)
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self, grader_path: Path, student_path: Path, limits: Limits = Limits(), seed: int | None = None) -> RunResult:
        if not self.alive():
            return RunResult("internal", detail="the grading server stopped")
        return self.client.run(grader_path, student_path, limits, seed)


class WarmClient:
    """Picklable handle on a running server, for worker processes that submit runs to it."""

    def __init__(self, sock_path: str, home: str):
        self.sock_path = sock_path
        self.home = Path(home)

    def run(self, grader_path: Path, student_path: Path, limits: Limits = Limits(), seed: int | None = None) -> RunResult:
        token = secrets.token_hex(16)
        workdir = Path(tempfile.mkdtemp(prefix="run-", dir=self.home))
        result_path = workdir / f"result-{token}.json"
        request = request_for(grader_path, student_path, result_path, token, seed)
        request.update(
            cwd=str(workdir),
            limits={"timeout": limits.timeout, "memory_mb": limits.memory_mb,
                    "output_kb": limits.output_kb, "file_mb": limits.file_mb},
        )
        payload = json.dumps(request).encode()
        read_fd, write_fd = os.pipe()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        start = time.monotonic()
        try:
            try:
                sock.connect(self.sock_path)
                socket.send_fds(sock, [struct.pack("!I", len(payload)) + payload], [write_fd])
            finally:
                os.close(write_fd)
            lines = _Lines(sock)
            first = lines.read(_START_TIMEOUT)
            if not first or "pid" not in first:
                os.close(read_fd)
                return RunResult("internal", detail=f"the grading server refused the run: {first}")
            return self._watch(first["pid"], lines, read_fd, limits, result_path, token, start)
        except (OSError, TimeoutError, ValueError) as exc:
            return RunResult("internal", detail=f"lost contact with the grading server ({type(exc).__name__})")
        finally:
            sock.close()
            shutil.rmtree(workdir, ignore_errors=True)

    def _watch(self, pid, lines, read_fd, limits, result_path, token, start) -> RunResult:
        chunks: list[bytes] = []
        flooded = threading.Event()
        reader = threading.Thread(
            target=_drain_fd,
            args=(read_fd, limits.output_kb * 1024, chunks, flooded, lambda: _kill_group(pid)),
            daemon=True,
        )
        reader.start()
        timed_out = False
        try:
            done = lines.read(limits.timeout)
        except TimeoutError:
            timed_out = True
            _kill_group(pid)
            done = lines.read(_REAP_GRACE)
        _kill_group(pid)  # whatever the submission left in its session
        reader.join(timeout=2)
        status = done.get("status") if done else None
        returncode = os.waitstatus_to_exitcode(status) if status is not None else -signal.SIGKILL
        return interpret(
            returncode=returncode,
            timed_out=timed_out,
            flooded=flooded.is_set(),
            output=b"".join(chunks).decode("utf-8", "replace"),
            result_path=result_path,
            token=token,
            duration=time.monotonic() - start,
        )
