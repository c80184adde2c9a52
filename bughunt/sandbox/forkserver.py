"""The warm process behind batch grading: it imports numpy, scikit-learn and the graders
once, then forks one fresh child per submission.

The server itself never runs student code. Each forked child first leaves the server's
session, closes every descriptor it inherited, points stdout/stderr at the pipe its
client sent, and sets its own rlimits; only then does it load the submission. The
server is a child subreaper, so anything a submission double-forks or setsid()s away
ends up as the server's child and is killed once the submission that spawned it exits.

In a jail (see jail.py) the server runs inside one bubblewrap jail that sees no grader
tree, and each forked child enters user, mount and pid namespaces of its own, with its
own tmpfs on /tmp, /proc hidden, a pids cgroup of its own (as root) and no capabilities;
the submission runs as pid 1 of that namespace, so its end takes every process it made.

Protocol on the Unix socket, one connection per submission: the client sends a 4-byte
length, a JSON request and (SCM_RIGHTS) the write ends of its output pipe and of its
reply pipe; the server answers with two JSON lines, {"pid": N} after the fork and
{"status": S} (a raw wait status) once the child has been reaped. Any byte (or EOF) the
client sends meanwhile kills the run. The listening socket is made by the client and
handed over as a descriptor: its path is in a folder no jail can see, and connections
from a process the server forked are refused (SO_PEERCRED).
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


#: exit status of a forked child whose isolation could not be set up (not the submission's doing)
ISOLATION_FAILED = 71
MAX_REQUEST = 256 * 2**20


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    msg, fds, _, _ = socket.recv_fds(conn, 65536, 2)
    if len(msg) < 4 or len(fds) != 2:
        for fd in fds:
            os.close(fd)
        raise ValueError("malformed request")
    (size,) = struct.unpack("!I", msg[:4])
    if size > MAX_REQUEST:
        for fd in fds:
            os.close(fd)
        raise ValueError("request too large")
    parts = [msg[4:]]
    got = len(parts[0])
    while got < size:
        more = conn.recv(min(size - got, 1 << 20))
        if not more:
            for fd in fds:
                os.close(fd)
            raise ValueError("truncated request")
        parts.append(more)
        got += len(more)
    return json.loads(b"".join(parts)), fds


def _ppid(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        stat = fh.read()
    return int(stat[stat.rfind(b")") + 2 :].split()[1])


def _peer_is_ours(conn: socket.socket, jailed: bool = False) -> bool:
    """True if the connecting process descends from this server (a submission's process).
    A peer outside our pid namespace shows as pid 0: the client, never a jailed child
    (whose namespaces nest inside the server's)."""
    try:
        pid, _, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    except OSError:
        return True
    if jailed:
        return pid != 0
    me = os.getpid()
    for _ in range(64):
        if pid <= 1:
            return False
        if pid == me:
            return True
        try:
            pid = _ppid(pid)
        except (OSError, ValueError, IndexError):
            return False
    return True


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
    def __init__(
        self, listen_fd: int, jailed: bool = False, cgroup: str | None = None, pidns: int | None = None
    ):
        from bughunt.sandbox import child

        self.child = child
        self.jailed = jailed
        self.pidns = pidns
        self.cgroup = cgroup
        self.listener = socket.socket(fileno=listen_fd)
        self.running: dict[int, socket.socket] = {}
        self.sel = selectors.DefaultSelector()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        os.set_blocking(self.wake_r, False)

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        sel = self.sel
        sel.register(self.listener, selectors.EVENT_READ, "accept")
        sel.register(self.wake_r, selectors.EVENT_READ, "reap")
        sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
        while True:
            for key, _ in sel.select():
                if isinstance(key.data, tuple):
                    self._client_spoke(*key.data)
                elif key.data == "accept":
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
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        if _peer_is_ours(conn, self.jailed):
            self._reply(conn, {"error": "refused: the connection comes from a graded run"})
            conn.close()
            return
        try:
            conn.settimeout(30)
            request, fds = _recv_request(conn)
            conn.settimeout(None)
        except (OSError, ValueError) as exc:
            self._reply(conn, {"error": str(exc)})
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = self._fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            self._reply(conn, {"error": f"could not start the run: {exc}"})
            conn.close()
            return
        if pid == 0:
            self._become_child(request, *fds)
        for fd in fds:
            os.close(fd)
        self.running[pid] = conn
        self.sel.register(conn, selectors.EVENT_READ, (pid, conn))
        self._reply(conn, {"pid": pid})

    def _fork(self) -> int:
        """Fork a run; in a jail, the child is pid 1 of a fresh pid namespace."""
        if not self.jailed:
            return os.fork()
        from bughunt.sandbox import jail

        jail.before_fork()
        try:
            pid = os.fork()
        except OSError:
            jail.after_fork(self.pidns)
            raise
        if pid:
            jail.after_fork(self.pidns)
        return pid

    def _client_spoke(self, pid: int, conn: socket.socket) -> None:
        """The client asks for the run to end (timeout, flood) or went away: kill it."""
        try:
            self.sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        if self.running.get(pid) is conn:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def _become_child(self, request: dict, out_fd: int, reply_fd: int) -> None:
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
            os.dup2(reply_fd, 3)
            os.closerange(4, 65536)  # the listener, other clients' sockets, the wake pipe
            request["result_fd"] = 3
            from bughunt.sandbox.runner import Limits, _preexec

            limits = Limits(**request["limits"])
            if self.jailed:
                self._enter_own_namespaces(limits)
            _preexec(limits)()
            os.chdir(request["cwd"])
            self.child.serve(request)
        finally:
            os._exit(70)

    def _enter_own_namespaces(self, limits) -> None:
        """We are pid 1 of a fresh pid namespace: add a mount namespace with our own tmpfs,
        a pids cgroup, and drop every capability. Failing that, exit ISOLATION_FAILED:
        the run is not graded (and not blamed on the submission)."""
        from bughunt.sandbox import jail

        cgroup = f"{self.cgroup}/run-{os.getpid()}-{os.urandom(4).hex()}" if self.cgroup else None
        try:
            jail.isolate_child(limits.file_mb, cgroup)
            jail.drop_privileges()
        except OSError as exc:
            os.write(2, f"bughunt: the run's jail could not be set up: {exc}\n".encode())
            os._exit(ISOLATION_FAILED)

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
                try:
                    self.sel.unregister(conn)
                except (KeyError, ValueError):
                    pass
                self._reply(conn, {"status": status})
                conn.close()
                if self.cgroup:
                    self._sweep_cgroups()
        if finished and not self.jailed:  # jailed runs are pid namespaces: nothing is orphaned to us
            self._kill_orphans()

    def _sweep_cgroups(self) -> None:
        """Remove the pids cgroups of finished runs (a busy one is left for the next sweep)."""
        try:
            names = os.listdir(self.cgroup)
        except OSError:
            return
        for name in names:
            if name.startswith("run-"):
                try:
                    os.rmdir(os.path.join(self.cgroup, name))
                except OSError:
                    pass

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
        # Jailed, the server is pid 1 of its namespace: its exit takes every run with it.
        for pid in list(self.running) + ([] if self.jailed else _children_of(os.getpid())):
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

    gc.disable()  # no collection while importing: it only walked the growing heap (frozen below)

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional module; a grader that needs it imports it itself
    from bughunt.sandbox.child import PROBE_PACKAGE

    pidns = None
    if config.get("jailed"):
        from bughunt.sandbox import jail

        pidns = jail.enter_server_namespaces()

    for name in config.get("probes", ()):
        if name.startswith(PROBE_PACKAGE) and name.endswith("probes"):
            importlib.import_module(name)
    server = Server(config["listen_fd"], config.get("jailed", False), config.get("cgroup"), pidns)
    # Keep the imported objects out of later collections so forked children share their pages.
    gc.collect()
    gc.freeze()
    gc.enable()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    server.serve()
    # Its runs are killed. Leave at once: a clean interpreter exit spent a tenth of a second
    # tearing down numpy, SciPy and scikit-learn while the batch waited for it.
    sys.stderr.flush()
    os._exit(0)
