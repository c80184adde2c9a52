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
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .runner import (
    _PKG_PARENT,
    MAX_REPLY_BYTES,
    STARTUP_BACKSTOP,
    Limits,
    UNCOLLECTED,
    RunResult,
    _child_env,
    _drain,
    _kill_group,
    _kill_marked,
    _read_capped,
    collect,
    interpret,
    not_started,
    request_for,
)

_BOOT = "import sys; sys.path.insert(0, {p!r}); from bughunt.sandbox.forkserver import main; main()"
_START_TIMEOUT = 120.0
_REAP_GRACE = 10.0
#: how often the client looks whether a run has reached its submission (see _until_started)
_START_POLL = 0.02
_NOT_YET = object()


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


_F_SETPIPE_SZ = 1031


def _widen(fd: int) -> None:
    """Give the reply pipe room for a whole typical reply (1 MiB, the unprivileged maximum),
    so the child writes it and exits at once. With the default 64 KiB it waited on this
    process's reader thread, which needs the GIL that the static checks hold."""
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, 1 << 20)
    except (OSError, ImportError, AttributeError):
        pass  # the default size works, only slower


def _drain_fd(fd: int, *args) -> None:
    with os.fdopen(fd, "rb", buffering=0) as stream:
        _drain(stream, *args)


def _preload_for() -> dict:
    """What the server imports up front: every family's probe modules (never a grader or
    a judge, which hold the secrets). Listed from the package's files, so that this
    process need not import the graders (seconds of numpy/scipy/scikit-learn imports)
    before the server can start."""
    from ..families import module_names

    return {"probes": module_names("probes")}


#: processes the whole warm server's jail may hold (each run also has jail.NPROC of its own)
SERVER_NPROC = 4096


class WarmSandbox:
    """A running fork server with numpy, scikit-learn and every family's probes preloaded
    (never a grader or judge). Use as a context manager.

    `jail`: None uses a bubblewrap jail when the machine has one, True requires it, False
    goes without. `restart()` replaces a server that died; clients keep working, since
    the new server listens on the same socket path.

    `wait=False` returns as soon as the server is launched: its socket is bound already, so
    runs asked for meanwhile wait in its backlog, and a server that fails to come up closes
    the socket, which fails those runs as the machinery's fault (batch grading then
    restarts it, and a restart waits and raises SandboxUnavailable if it cannot start)."""

    def __init__(self, jail: bool | None = None, wait: bool = True):
        from . import jail as jails

        self.jailed = jails.available() if jail is None else bool(jail)
        if self.jailed and not jails.available():
            raise SandboxUnavailable(f"no jail: {jails.status()[1]}")
        self.home = Path(tempfile.mkdtemp(prefix="bughunt-warm-"))
        os.chmod(self.home, 0o700)
        self.sock_path = str(self.home / "server.sock")
        self.client = WarmClient(self.sock_path, str(self.home), self.jailed)
        self.restarts = 0
        self.proc = None
        self._start(wait)

    def _start(self, wait: bool = True) -> None:
        from . import jail as jails

        self.marker = secrets.token_hex(8)
        try:
            os.unlink(self.sock_path)
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.sock_path)
        os.chmod(self.sock_path, 0o600)
        listener.listen(128)
        self.log = open(self.home / "server.log", "ab")
        boot = [sys.executable, "-I", "-c", _BOOT.format(p=_PKG_PARENT)]
        preload = _preload_for()
        config = {"listen_fd": listener.fileno(), "jailed": self.jailed, **preload}
        self.cgroup = None
        preexec = None
        if self.jailed:
            self.cgroup = jails.PidsCgroup(f"bughunt-warm-{self.marker}", SERVER_NPROC)
            rw = []
            if self.cgroup.path is not None:
                rw = [(str(self.cgroup.path), jails.CGROUP_MOUNT)]
                config["cgroup"] = jails.CGROUP_MOUNT
            argv = jails.bwrap_argv(boot, tmp_mb=64, extra_rw=rw, hide_parent_only=True)
            preexec = self.cgroup.join_fn()
        else:
            argv = boot
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                cwd="/" if self.jailed else self.home,
                env=_child_env(self.marker, self.jailed),
                start_new_session=True,
                pass_fds=(listener.fileno(),),
                preexec_fn=preexec,
            )
        finally:
            listener.close()  # the server holds it now
        self.proc.stdin.write(json.dumps(config).encode() + b"\n")
        self.proc.stdin.flush()
        if not wait:
            return
        ready = self._wait_ready()
        if ready != b"ready\n":
            tail = self._log_tail()
            self.close()
            raise SandboxUnavailable(f"the grading server did not start: {tail}")

    def restart(self) -> None:
        """Replace a dead (or stuck) server by a fresh one on the same socket path."""
        self._stop()
        self.restarts += 1
        self._start()

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
        return self.proc is not None and self.proc.poll() is None

    def _stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # EOF tells the server to kill its children and leave
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(self.proc.pid)  # jailed: bwrap's pid 1 dies, and every process of the jail
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.cgroup is not None:
            self.cgroup.remove()
        if not self.jailed:
            _kill_marked(self.marker)
        self.log.close()

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self, grader_path: Path, student_path: Path, limits: Limits = Limits(), seed: int | None = None) -> RunResult:
        if not self.alive():
            return RunResult("internal", detail="the grading server stopped")
        return self.client.run(grader_path, student_path, limits, seed)


class WarmClient:
    """Picklable handle on a running server, for worker processes that submit runs to it."""

    def __init__(self, sock_path: str, home: str, jailed: bool = False):
        self.sock_path = sock_path
        self.home = Path(home)
        self.jailed = jailed

    def run(self, grader_path: Path, student_path: Path, limits: Limits = Limits(), seed: int | None = None) -> RunResult:
        from . import jail as jails

        token = secrets.token_hex(16)
        workdir = None if self.jailed else Path(tempfile.mkdtemp(prefix="run-", dir=self.home))
        student_dir = jails.SUBMISSION_DIR if self.jailed else str(workdir / "submission")
        try:
            request = request_for(grader_path, student_path, token, seed, student_dir=student_dir)
        except OSError as exc:
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
            return RunResult("internal", detail=f"cannot read the submission ({exc.strerror or exc})")
        request.update(
            cwd=jails.JAIL_TMP if self.jailed else str(workdir),
            nproc=jails.NPROC if self.jailed else None,
            tmpdir=None if self.jailed else str(workdir),
            limits={"timeout": limits.timeout, "memory_mb": limits.memory_mb,
                    "output_kb": limits.output_kb, "file_mb": limits.file_mb},
        )
        payload = json.dumps(request).encode()
        out_r, out_w = os.pipe()
        reply_r, reply_w = os.pipe()
        _widen(reply_w)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        start = time.monotonic()
        try:
            try:
                sock.settimeout(_START_TIMEOUT)
                sock.connect(self.sock_path)
                message = struct.pack("!I", len(payload)) + payload
                # send_fds sends as much as the socket takes at once (the descriptors ride
                # on the first bytes); the rest of a large request follows.
                sent = socket.send_fds(sock, [message], [out_w, reply_w])
                if sent < len(message):
                    sock.sendall(message[sent:])
            finally:
                os.close(out_w)
                os.close(reply_w)
            lines = _Lines(sock)
            first = lines.read(_START_TIMEOUT)
            if not first or "pid" not in first:
                os.close(out_r)
                os.close(reply_r)
                return RunResult("internal", detail=f"the grading server refused the run: {first}")
            return self._watch(sock, lines, out_r, reply_r, limits, token, start)
        except (OSError, TimeoutError, ValueError) as exc:
            for fd in (out_r, reply_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            return RunResult("internal", detail=f"lost contact with the grading server ({type(exc).__name__})")
        finally:
            sock.close()
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)

    @staticmethod
    def _until_started(lines: _Lines, started: threading.Event):
        """Wait until the child is about to load the submission (its STARTED byte), as a
        cold run does: the student's time starts there. The fork, the jail's namespaces
        (slow on a busy kernel) and decoding the request never count against them.
        Returns _NOT_YET, or the server's line if the run ended first; raises
        TimeoutError after STARTUP_BACKSTOP."""
        backstop = time.monotonic() + STARTUP_BACKSTOP
        while not started.is_set():
            left = backstop - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                return lines.read(min(_START_POLL, left))
            except TimeoutError:
                continue
        return _NOT_YET

    def _watch(self, sock, lines, out_r, reply_r, limits, token, start) -> RunResult:
        from . import forkserver

        def stop() -> None:
            try:
                sock.send(b"k")  # the server kills the run
            except OSError:
                pass

        chunks: list[bytes] = []
        flooded = threading.Event()
        reader = threading.Thread(
            target=_drain_fd,
            args=(out_r, limits.output_kb * 1024, chunks, flooded, stop),
            daemon=True,
        )
        reader.start()
        reply: list[bytes] = []
        oversized = threading.Event()
        started = threading.Event()
        replier = threading.Thread(target=_read_capped, args=(reply_r, MAX_REPLY_BYTES, reply, oversized, started), daemon=True)
        replier.start()
        timed_out = False
        try:
            done = self._until_started(lines, started)
        except TimeoutError:  # only our own set-up ran: the machine is in trouble, not the submission
            stop()
            return not_started()
        try:
            if done is _NOT_YET:
                done = lines.read(limits.timeout)
        except TimeoutError:
            timed_out = True
            stop()
            done = lines.read(_REAP_GRACE)
        if done is None or "status" not in done:
            return RunResult("internal", detail="lost contact with the grading server (it stopped during the run)")
        if not collect(reader, replier):
            return RunResult("internal", detail=UNCOLLECTED)
        returncode = os.waitstatus_to_exitcode(done["status"])
        if self.jailed and returncode == forkserver.ISOLATION_FAILED:
            return RunResult("internal", detail="the run's jail could not be set up")
        return interpret(
            returncode=returncode,
            timed_out=timed_out,
            flooded=flooded.is_set(),
            output=b"".join(chunks).decode("utf-8", "replace"),
            reply=None if oversized.is_set() else b"".join(reply),
            oversized=oversized.is_set(),
            token=token,
            duration=time.monotonic() - start,
        )
