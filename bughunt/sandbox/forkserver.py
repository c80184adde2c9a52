"""The warm process behind batch grading: it imports numpy, scikit-learn and the graders
once, then forks one fresh child per submission.

The server itself never runs student code. Each forked child first leaves the server's
session, closes every descriptor it inherited, points stdout/stderr at the pipe its
client sent, and sets its own rlimits; only then does it load the submission. The
server is a child subreaper, so anything a submission double-forks or setsid()s away
ends up as the server's child and is killed once the submission that spawned it exits.

Protocol on the Unix socket, one connection per submission: the client sends a 4-byte
length, a JSON request and (SCM_RIGHTS) the write end of its output pipe; the server
answers with two JSON lines, {"pid": N} after the fork and {"status": S} (a raw wait
status) once the child has been reaped.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys

PRELOAD = (
    "numpy",
    "scipy.special",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "sklearn.preprocessing",
    "sklearn.impute",
    "sklearn.feature_selection",
    "sklearn.neighbors",
    "sklearn.pipeline",
    "sklearn.metrics",
    "bughunt.probe",
    "bughunt.leakage_probe",
    "bughunt.sandbox.wire",
)
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _recv_request(conn: socket.socket) -> tuple[dict, int]:
    msg, fds, _, _ = socket.recv_fds(conn, 65536, 1)
    if len(msg) < 4 or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        raise ValueError("malformed request")
    (size,) = struct.unpack("!I", msg[:4])
    body = msg[4:]
    while len(body) < size:
        more = conn.recv(size - len(body))
        if not more:
            os.close(fds[0])
            raise ValueError("truncated request")
        body += more
    return json.loads(body), fds[0]


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields resume after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


class Server:
    def __init__(self, sock_path: str, grader_paths: list[str]):
        from bughunt.sandbox import child

        self.child = child
        self.graders = {}
        for i, path in enumerate(grader_paths):
            self.graders[path] = child.load_module(path, f"bughunt_warm_grader_{i}")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(sock_path)
        os.chmod(sock_path, 0o600)
        self.listener.listen(64)
        self.running: dict[int, socket.socket] = {}
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        os.set_blocking(self.wake_r, False)

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ, "accept")
        sel.register(self.wake_r, selectors.EVENT_READ, "reap")
        sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
        while True:
            for key, _ in sel.select():
                if key.data == "accept":
                    self._accept()
                elif key.data == "reap":
                    try:
                        os.read(self.wake_r, 4096)
                    except BlockingIOError:
                        pass
                    self._reap()
                elif not os.read(sys.stdin.fileno(), 4096):
                    return self._shutdown()  # the client went away: take every child with us

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        try:
            request, out_fd = _recv_request(conn)
        except (OSError, ValueError) as exc:
            self._reply(conn, {"error": str(exc)})
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._become_child(request, out_fd)
        os.close(out_fd)
        self.running[pid] = conn
        self._reply(conn, {"pid": pid})

    def _become_child(self, request: dict, out_fd: int) -> None:
        try:
            os.setsid()
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # the server dying takes the submission with it
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
                signal.signal(sig, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_fd, 1)
            os.dup2(out_fd, 2)
            os.closerange(3, 65536)  # the listener, other clients' sockets, the wake pipe
            from bughunt.sandbox.runner import Limits, _preexec

            _preexec(Limits(**request["limits"]))()
            os.chdir(request["cwd"])
            self.child.serve(request, self.graders)
        finally:
            os._exit(70)

    @staticmethod
    def _reply(conn: socket.socket, data: dict) -> None:
        try:
            conn.sendall(json.dumps(data).encode() + b"\n")
        except OSError:
            pass  # the client gave up on this run; nothing to tell

    def _reap(self) -> None:
        finished = False
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = self.running.pop(pid, None)
            if conn is not None:
                finished = True
                self._reply(conn, {"status": status})
                conn.close()
        if finished:
            self._kill_orphans()

    def _kill_orphans(self) -> None:
        """Processes reparented to us (we are a subreaper) whose submission has finished.

        Killing an orphan that has just forked reparents its own child to us, so sweep
        until none is left; each killed orphan is reaped here."""
        for _ in range(100):
            orphans = [pid for pid in _children_of(os.getpid()) if pid not in self.running]
            if not orphans:
                return
            for pid in orphans:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for pid in orphans:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass

    def _shutdown(self) -> None:
        for pid in list(self.running) + _children_of(os.getpid()):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main() -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    config = json.loads(sys.stdin.readline())
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional module; a grader that needs it imports it itself
    from bughunt.sandbox.child import PROBE_PACKAGE

    for name in config.get("probes", ()):
        if name.startswith(PROBE_PACKAGE) and name.endswith("probes"):
            importlib.import_module(name)
    server = Server(config["socket"], config["graders"])
    # Keep the imported objects out of later collections so forked children share their pages.
    gc.collect()
    gc.freeze()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    server.serve()
