"""The jail every graded run happens in: bubblewrap (`bwrap`, the sandbox Flatpak uses).

Each jail gets:

- a read-only view of the Python runtime, its packages and the bughunt package, and
  nothing else of the host: no grader tree, result store, `--out`, instructor bundle,
  other submissions or home folder;
- one private, size-capped tmpfs at /tmp as its only writable place (its working folder);
- no network, and its own user, pid, ipc, uts and mount namespaces: the run ends by
  killing the namespace's first process, which takes every process of the run with it;
- an unprivileged uid (65534) with no capabilities and no new privileges;
- a process limit: a pids cgroup of its own when the grader runs as root (RLIMIT_NPROC
  is not enforced for processes that are root outside their user namespace), else
  RLIMIT_NPROC, which the kernel counts per user namespace.

The warm fork server runs inside one such jail, in user and pid namespaces of its own;
each child it forks is pid 1 of a fresh pid namespace and enters a fresh mount namespace
(`isolate_child`), with its own tmpfs, /proc hidden and a pids cgroup of its own, and
drops every capability before it loads the submission.

When no jail is available (no bwrap, no user namespaces, not Linux), `available()` says
why; `bughunt check` then runs as before with a one-line notice, and `bughunt grade`
refuses to grade other people's code unless told `--no-jail`.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

#: the uid and gid a jailed run has (nobody)
JAIL_UID = 65534
#: the only writable place inside a jail, and its working folder
JAIL_TMP = "/tmp"
#: where the submission's source is written inside the run's own tmpfs
SUBMISSION_DIR = "/tmp/submission"
#: processes (threads included) one run may have at once
NPROC = 64
#: where a warm server sees the pids cgroup it creates each child's cgroup in
CGROUP_MOUNT = "/.bughunt-cgroup"

_PKG_DIR = Path(__file__).resolve().parents[1]  # .../bughunt
_PROJECT = _PKG_DIR.parent
_lock = threading.Lock()
_status: tuple[bool, str] | None = None
_noticed = False


def _bwrap() -> str | None:
    return shutil.which("bwrap")


def _ancestor_or_same(a: Path, b: Path) -> bool:
    """True if `a` is `b` or one of its parents."""
    try:
        b.relative_to(a)
        return True
    except ValueError:
        return False


def runtime_paths() -> list[str]:
    """What a jail sees, read-only: the interpreter, the standard library, site-packages
    and the bughunt package. Never an ancestor of the project (that would show the graders)."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths: set[Path] = set(prefixes)
    for entry in sys.path:
        if not entry:
            continue
        p = Path(entry).resolve()
        if not p.exists():
            continue
        if any(_ancestor_or_same(pre, p) for pre in prefixes) or p.name in ("site-packages", "dist-packages"):
            paths.add(p)
    exe = Path(sys.executable)
    paths.add(exe.resolve().parent)
    # In a checkout the graders sit beside the package: never bind a folder above them.
    # (In an installed wheel they are inside the package, covered by parent_only_dirs.)
    checkout_graders = _PROJECT / "graders"
    if checkout_graders.is_dir():
        paths = {p for p in paths if not _ancestor_or_same(p, checkout_graders)}
    paths = {p for p in paths if p != Path("/")}
    paths.add(_PKG_DIR)
    # Drop paths inside another bound path (bound already) to keep the command short.
    ordered = sorted(paths, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in ordered:
        if not any(_ancestor_or_same(k, p) for k in kept):
            kept.append(p)
    return [str(p) for p in kept]


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for f in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf"):
        if os.path.exists(f):
            args += ["--ro-bind", f, f]
    return args


def parent_only_files() -> list[str]:
    """Modules inside the bughunt package that only the parent may read: the judges, the
    hidden-case builders and the grader self-check. A jail for split graders masks them
    with an empty file (the child never imports them; now it cannot even read them)."""
    found = []
    families = _PKG_DIR / "families"
    for path in sorted(families.rglob("*.py")) if families.is_dir() else []:
        stem = path.stem
        if "judge" in stem or "cases" in stem:
            found.append(str(path))
            found += [str(p) for p in sorted((path.parent / "__pycache__").glob(f"{stem}.*.pyc"))]
    for name in ("devcheck",):
        if (_PKG_DIR / f"{name}.py").is_file():
            found.append(str(_PKG_DIR / f"{name}.py"))
            found += [str(p) for p in sorted((_PKG_DIR / "__pycache__").glob(f"{name}.*.pyc"))]
    return found


def parent_only_dirs() -> list[str]:
    """Folders of an installed bughunt that no jail may read: the graders shipped as
    package data (they hold the reference fixes and examples). Each is covered by an
    empty read-only tmpfs."""
    return [str(d) for d in (_PKG_DIR / "graders",) if d.is_dir()]


def bwrap_argv(
    command: list[str],
    *,
    tmp_mb: int = 64,
    extra_ro: list[str] = (),
    extra_rw: list[tuple[str, str]] = (),
    hide_parent_only: bool = False,
) -> list[str]:
    """The bwrap command line that runs `command` in a fresh jail. `hide_parent_only`
    masks the judge and case-builder modules (only when no legacy grader must load)."""
    bwrap = _bwrap()
    if bwrap is None:
        raise RuntimeError("bwrap is not installed")
    args = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--uid", str(JAIL_UID),
        "--gid", str(JAIL_UID),
        "--cap-drop", "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname", "sandbox",
        *_system_args(),
        "--proc", "/proc",
        "--dev", "/dev",
        # The private tmpfs first: a runtime that lives under /tmp (a venv made there) is
        # then bound on top of it, not hidden by it.
        "--size", str(max(1, int(tmp_mb)) * 2**20), "--tmpfs", JAIL_TMP,
    ]
    for p in runtime_paths() + [str(Path(p).resolve()) for p in extra_ro]:
        args += ["--ro-bind", p, p]
    if hide_parent_only:
        for path in parent_only_files():
            args += ["--ro-bind", "/dev/null", path]
    for folder in parent_only_dirs():
        args += ["--tmpfs", folder, "--remount-ro", folder]
    for src, dest in extra_rw:
        args += ["--bind", src, dest]
    args += ["--chdir", JAIL_TMP]
    return args + ["--", *command]


def _probe() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"no jail on {sys.platform}: bubblewrap needs Linux"
    if _bwrap() is None:
        return False, "bubblewrap (bwrap) is not installed"
    try:
        cmd = bwrap_argv([sys.executable, "-I", "-S", "-c", "import os; print(os.getuid())"], tmp_mb=1)
        out = subprocess.run(cmd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bubblewrap does not start ({exc})"
    if out.returncode != 0 or out.stdout.strip() != str(JAIL_UID).encode():
        err = out.stderr.decode(errors="replace").strip().splitlines()
        return False, f"bubblewrap cannot create a jail here ({err[-1] if err else 'exit ' + str(out.returncode)})"
    return True, "bubblewrap"


def status() -> tuple[bool, str]:
    """(available, why not): tried once per process. BUGHUNT_NO_JAIL=1 turns it off."""
    global _status
    with _lock:
        if _status is None:
            if os.environ.get("BUGHUNT_NO_JAIL") == "1":
                _status = (False, "the jail was turned off (BUGHUNT_NO_JAIL=1)")
            else:
                _status = _probe()
        return _status


def available() -> bool:
    return status()[0]


NOT_ISOLATED = "grades were not isolated: submissions ran without a jail ({why})"


def notice_once() -> None:
    """One line on stderr, once per process, when a run goes without a jail."""
    global _noticed
    if _noticed:
        return
    _noticed = True
    why = status()[1]
    print(f"bughunt: note: running your code without a jail ({why}); see docs/JAIL.md", file=sys.stderr)


# --- process limit: a pids cgroup (root) ---------------------------------------------
_PIDS_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")


def _pids_root() -> Path | None:
    """Our own cgroup in the cgroup v1 pids hierarchy, if we may create cgroups in it (root)."""
    if os.geteuid() != 0:
        return None
    base = Path("/sys/fs/cgroup/pids")
    if not (base / "cgroup.procs").is_file():
        return None  # no v1 pids hierarchy (cgroup v2 needs delegation): RLIMIT_NPROC applies
    rel = "/"
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "pids" in controllers.split(","):
                rel = path
    except (OSError, ValueError):
        pass
    root = base / rel.lstrip("/")
    return root if os.access(root, os.W_OK) else None


class PidsCgroup:
    """A pids cgroup of its own (cgroup v1 pids hierarchy, as root), or nothing."""

    def __init__(self, name: str, limit: int):
        self.path: Path | None = None
        _sweep()
        root = _pids_root()
        if root is None:
            return
        _sweep_stale(root)
        try:
            path = root / name
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
            self.path = path
        except OSError:
            self.path = None

    def join_fn(self):
        """A preexec_fn that moves the new process into this cgroup before it execs."""
        procs = None if self.path is None else str(self.path / "cgroup.procs")

        def join() -> None:
            if procs is not None:
                fd = os.open(procs, os.O_WRONLY)
                try:
                    os.write(fd, b"0")
                finally:
                    os.close(fd)

        return join

    def kill_all(self) -> None:
        if self.path is None:
            return
        import signal

        for _ in range(20):
            pids = self._pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def _pids(self) -> list[int]:
        pids: list[int] = []
        for f in self.path.rglob("cgroup.procs"):
            try:
                pids += [int(x) for x in f.read_text().split()]
            except (OSError, ValueError):
                pass
        return pids

    def remove(self) -> None:
        """Kill what is left and remove the cgroup; one still busy (a process not yet
        reaped) is retried later, and at exit, without making anyone wait."""
        if self.path is None:
            return
        self.kill_all()
        with _pending_lock:
            _pending.append(self.path)
        self.path = None
        _sweep()


_pending: list[Path] = []
# Runs on several threads (check of a category, dev check) sweep the same list.
_pending_lock = __import__("threading").Lock()


def _sweep(wait: float = 0.0) -> None:
    import time

    deadline = time.monotonic() + wait
    while True:
        with _pending_lock:
            for path in list(_pending):
                try:
                    subs = sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
                    for sub in subs:
                        sub.rmdir()
                    path.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    continue
                _pending.remove(path)
            left = bool(_pending)
        if not left or time.monotonic() >= deadline:
            return
        time.sleep(0.05)


_STALE_AFTER = 120.0


def _sweep_stale(root: Path) -> None:
    """Remove our cgroups that a killed grader left behind: empty, and older than any run's
    start-up (a live run's cgroup always holds at least its jail's first process)."""
    import time

    now = time.time()
    try:
        entries = [e for e in root.iterdir() if e.name.startswith(("bughunt-run-", "bughunt-warm-"))]
    except OSError:
        return
    for entry in entries:
        try:
            if now - entry.stat().st_mtime < _STALE_AFTER:
                continue
            subs = sorted((p for p in entry.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
            if any((d / "cgroup.procs").read_text().strip() for d in [entry, *subs]):
                continue
            for sub in subs:
                sub.rmdir()
            entry.rmdir()
        except OSError:
            continue


import atexit  # noqa: E402

atexit.register(lambda: _sweep(wait=5.0))


# --- inside a warm server's jail: each forked child gets namespaces of its own ------
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_RDONLY = 1
_MS_REMOUNT = 32
_MS_BIND = 4096
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38


class IsolationError(OSError):
    pass


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise IsolationError(err, f"{what}: {os.strerror(err)}")


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


_CLONE_NEWPID_SETNS = _CLONE_NEWPID


def enter_server_namespaces() -> int:
    """In the warm server, once, inside its bubblewrap jail: a user namespace and a pid
    namespace of its own (the server goes on as pid 1 of it, in a forked process; this one
    only waits and passes its status on). Returns a descriptor on the server's pid
    namespace, for `after_fork`.

    Owning its pid namespace lets the server give each child a fresh pid namespace with a
    single fork. The server never runs student code; each child drops every capability
    before it loads the submission."""
    import signal

    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    _check(libc.unshare(_CLONE_NEWUSER), "unshare(user)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _check(libc.unshare(_CLONE_NEWPID), "unshare(pid)")
    pid = os.fork()
    if pid:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        os.closerange(0, 65536)
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)


def before_fork() -> None:
    """In the warm server, just before it forks a run: that child will be pid 1 of a new
    pid namespace, so its end (or its kill) takes every process it made."""
    _check(_libc().unshare(_CLONE_NEWPID), "unshare(pid)")


def after_fork(own_pidns: int) -> None:
    """In the warm server, after the fork: back to forking into its own pid namespace, so
    that the next `before_fork` may make a new one."""
    _check(_libc().setns(own_pidns, _CLONE_NEWPID_SETNS), "setns(pid)")


def isolate_child(tmp_mb: int, cgroup: str | None = None, nproc: int = NPROC) -> None:
    """In a child just forked by the warm server (pid 1 of its own pid namespace): join a
    pids cgroup of its own, enter a new mount namespace, mount a private tmpfs on /tmp and
    hide /proc (the server's) and the cgroup folder. Then call drop_privileges()."""
    libc = _libc()
    if cgroup:
        try:
            os.mkdir(cgroup)
            _write(os.path.join(cgroup, "pids.max"), str(nproc))
            _write(os.path.join(cgroup, "cgroup.procs"), "0")
        except OSError as exc:
            raise IsolationError(exc.errno or 1, f"pids cgroup: {exc}") from None
    _check(libc.unshare(_CLONE_NEWNS), "unshare(mount)")
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    # The runtime may live under /tmp (a venv or a checkout made there): hold on to those
    # folders before the run's own tmpfs covers /tmp, and bind them back, read-only, on it.
    under_tmp = [p for p in runtime_paths() if p.startswith(JAIL_TMP.rstrip("/") + "/")]
    held = [(p, os.open(p, os.O_PATH | os.O_DIRECTORY)) for p in under_tmp if os.path.isdir(p)]
    opts = f"size={max(1, int(tmp_mb))}m,mode=1777".encode()
    _check(libc.mount(b"tmpfs", JAIL_TMP.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, opts), "tmpfs on /tmp")
    for path, fd in held:
        os.makedirs(path, exist_ok=True)
        source = f"/proc/self/fd/{fd}".encode()
        _check(libc.mount(source, path.encode(), None, _MS_BIND | _MS_REC, None), f"bind {path}")
        _check(libc.mount(None, path.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None), f"read-only {path}")
        os.close(fd)
    _check(libc.mount(b"tmpfs", b"/proc", b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=4k,mode=555"), "hide /proc")
    if os.path.isdir(CGROUP_MOUNT):
        _check(libc.mount(b"tmpfs", CGROUP_MOUNT.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=4k,mode=555"), "hide cgroup")


def drop_privileges() -> None:
    """Drop every capability (bounding, effective, permitted, inheritable, ambient) and set
    no-new-privileges: what the submission runs with."""
    libc = _libc()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (Data * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")
