"""The jail (bughunt/sandbox/jail.py): each attack a hostile submission tried against the
landed code, tried again in the cold and in the warm sandbox, and shown blocked.

Every attack runs at import time of an otherwise ordinary submission and prints what it
achieved; the test then checks, from outside, that nothing outside the run changed.
No assertion depends on how fast the machine is: limits are generous, and waits poll.
"""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from bughunt.sandbox import Limits, jail, run_probe
from bughunt.sandbox.warm import WarmSandbox

from .conftest import ROOT, exercise

pytestmark = pytest.mark.skipif(not jail.available(), reason=f"no jail here: {jail.status()[1]}")

EX = exercise("sigmoid/overflow-basic")
LIMITS = Limits(timeout=120, memory_mb=2048)
_WARM = None


@pytest.fixture(scope="module", params=["cold", "warm"])
def runner(request):
    global _WARM
    if request.param == "cold":
        yield lambda path: run_probe(EX.grader_path, path, LIMITS)
        return
    with WarmSandbox() as warm:
        assert warm.jailed
        _WARM = warm
        yield lambda path: warm.run(EX.grader_path, path, LIMITS)
    _WARM = None


def _attack(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "student" / EX.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EX.path.read_text() + "\n\n" + textwrap.dedent(body))
    return path


def _said(result, key: str) -> list[str]:
    return [line.split(" ", 1)[1] if " " in line else "" for line in result.output.splitlines() if line.startswith(key + " ")]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_grader_tree_cannot_be_read_or_written(runner, tmp_path):
    grader = EX.grader_path.resolve()
    before = _digest(grader)
    result = runner(_attack(tmp_path, f"""
        import os
        for p in ({str(grader)!r}, {str(ROOT / 'graders')!r}, {str(ROOT / 'exercises')!r}):
            try:
                print("SAW", p, len(open(p).read()) if p.endswith('.py') else os.listdir(p))
            except Exception as e:
                print("BLOCKED", p, type(e).__name__)
        try:
            open({str(grader)!r}, "a").write("\\nGRADER = None\\n")
            print("WROTE grader")
        except Exception as e:
            print("BLOCKED write", type(e).__name__)
    """))
    assert result.outcome == "ok", result.output
    assert not _said(result, "SAW") and not _said(result, "WROTE"), result.output
    assert len(_said(result, "BLOCKED")) == 4
    assert _digest(grader) == before


def test_other_submissions_the_result_store_and_home_are_invisible(runner, tmp_path):
    other = tmp_path / "classmate" / EX.file
    other.parent.mkdir()
    other.write_text("SECRET = 'the classmate answer'\n")
    store = tmp_path / "out" / ".bughunt" / "results" / "s1" / "x.json"
    store.parent.mkdir(parents=True)
    store.write_text('{"status": "pass"}')
    home = Path.home()
    result = runner(_attack(tmp_path, f"""
        import os
        for p in ({str(other)!r}, {str(store)!r}, {str(tmp_path)!r}):
            print("SEES" if os.path.exists(p) else "HIDDEN", p)
        try:
            os.makedirs({str(store.parent)!r}, exist_ok=True)
            with open({str(store)!r}, "w") as fh:
                fh.write('{{"status": "fail"}}')
            print("FORGED")
        except Exception as e:
            print("BLOCKED", type(e).__name__)
        print("HOME", sorted(os.listdir({str(home)!r})) if os.path.isdir({str(home)!r}) else [])
    """))
    assert result.outcome == "ok", result.output
    assert not _said(result, "SEES") and not _said(result, "FORGED"), result.output
    assert store.read_text() == '{"status": "pass"}'
    (home_seen,) = _said(result, "HOME")
    runtime = {Path(p).relative_to(home).parts[0] for p in jail.runtime_paths() if Path(p).is_relative_to(home)}
    assert set(eval(home_seen)) <= runtime, f"the home folder shows {home_seen}"  # noqa: S307 (our own output)


def test_bughunt_itself_is_read_only(runner, tmp_path):
    target = ROOT / "bughunt" / "grading.py"
    before = _digest(target)
    result = runner(_attack(tmp_path, f"""
        try:
            open({str(target)!r}, "a").write("\\nraise SystemExit\\n")
            print("INJECTED")
        except Exception as e:
            print("BLOCKED", type(e).__name__)
    """))
    assert result.outcome == "ok" and not _said(result, "INJECTED"), result.output
    assert _digest(target) == before


def test_kill_minus_one_reaches_nothing_outside(runner, tmp_path):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        result = runner(_attack(tmp_path, """
            import os, signal
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(-1, sig)
                except OSError as e:
                    print("KILL", e)
            for pid in {os.getppid(), 1} - {0, os.getpid()}:
                try:
                    os.kill(pid, signal.SIGSTOP)
                except OSError as e:
                    print("STOP", e)
            print("ALIVE")
        """))
        assert bystander.poll() is None, "kill(-1) inside the jail killed a process outside it"
        assert _process_state(bystander.pid) not in ("T", "t"), "a process outside was stopped"
        assert _process_state(os.getpid()) not in ("T", "t")
        assert "ALIVE" in result.output
        if _WARM is not None:
            assert _WARM.alive(), "the warm server was killed from inside a run"
            assert runner(EX.path).outcome == "ok", "the warm server no longer grades"
    finally:
        bystander.kill()
        bystander.wait()


def _process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        return fh.read().rsplit(b")", 1)[1].split()[0].decode()


def test_a_fork_bomb_is_stopped_by_the_process_limit(runner, tmp_path):
    tag = uuid.uuid4().hex
    result = runner(_attack(tmp_path, f"""
        import os, time
        made = 0
        for _ in range(200):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                os.environ["BOMB"] = {tag!r}
                time.sleep(300)
                os._exit(0)
            made += 1
        print("FORKED", made)
    """))
    (made,) = _said(result, "FORKED")
    assert int(made) < 200, "200 forks went through: no process limit"
    assert int(made) <= jail.NPROC
    _assert_gone(f"BOMB={tag}", result)


def _assert_gone(needle: str, result=None) -> None:
    """No live process carries `needle` in its command line or environment (polls briefly:
    the kernel tears a pid namespace down asynchronously)."""
    for _ in range(100):
        left = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    text = fh.read()
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    text += fh.read()
                state = _process_state(int(entry))
            except OSError:
                continue
            if needle.encode() in text and state != "Z":
                left.append(entry)
        if not left:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes left behind: {left}")


def test_detached_processes_and_files_are_left_nowhere(runner, tmp_path):
    tag = uuid.uuid4().hex
    result = runner(_attack(tmp_path, f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execve({sys.executable!r}, [{sys.executable!r}, "-c", "import time; time.sleep(300)", {tag!r}], {{}})
            os._exit(0)
        os.makedirs("/tmp/{tag}", exist_ok=True)
        n = 0
        try:
            for i in range(20000):
                with open(f"/tmp/{tag}/f{{i}}", "w") as fh:
                    fh.write("x" * 4096)
                n += 1
        except OSError as e:
            print("CAPPED", type(e).__name__)
        print("FILES", n)
        time.sleep(0.5)
    """))
    assert result.outcome == "ok", result.output
    assert _said(result, "CAPPED"), "the run's tmpfs has no size cap"
    _assert_gone(tag)
    assert not Path(f"/tmp/{tag}").exists(), "files were left outside the run"


def test_the_network_is_closed(runner, tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        result = runner(_attack(tmp_path, f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5)
                print("CONNECTED")
            except OSError as e:
                print("NONET", type(e).__name__)
            try:
                socket.getaddrinfo("example.com", 80)
                print("RESOLVED")
            except OSError as e:
                print("NODNS", type(e).__name__)
        """))
    finally:
        server.close()
    assert _said(result, "NONET") and not _said(result, "CONNECTED"), result.output
    assert not _said(result, "RESOLVED")


def test_the_grade_process_memory_is_out_of_reach(runner, tmp_path):
    me = os.getpid()
    result = runner(_attack(tmp_path, f"""
        for path in ("/proc/{me}/mem", "/proc/{me}/environ", "/proc/{me}/cmdline"):
            try:
                with open(path, "rb") as fh:
                    fh.read(16)
                print("READ", path)
            except Exception as e:
                print("BLOCKED", path, type(e).__name__)
    """))
    assert not _said(result, "READ"), result.output
    assert len(_said(result, "BLOCKED")) == 3


def test_the_warm_server_socket_is_out_of_reach(tmp_path):
    with WarmSandbox() as warm:
        result = warm.run(EX.grader_path, _attack(tmp_path, f"""
            import socket
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect({warm.sock_path!r})
                print("CONNECTED")
            except OSError as e:
                print("BLOCKED", type(e).__name__)
        """), LIMITS)
        assert _said(result, "BLOCKED") and not _said(result, "CONNECTED"), result.output


def test_without_a_jail_the_server_refuses_its_own_children(tmp_path):
    """--no-jail: the socket path is reachable, but SO_PEERCRED shows the caller is a run."""
    with WarmSandbox(jail=False) as warm:
        result = warm.run(EX.grader_path, _attack(tmp_path, f"""
            import json, socket
            s = socket.socket(socket.AF_UNIX)
            s.connect({warm.sock_path!r})
            s.settimeout(30)
            print("ANSWER", s.recv(4096).decode().strip())
        """), LIMITS)
        (answer,) = _said(result, "ANSWER")
        assert "refused" in answer, result.output


def test_a_huge_or_malformed_reply_is_the_submissions_error(runner, tmp_path):
    result = runner(_attack(tmp_path, """
        import os
        for fd in range(3, 64):
            try:
                os.write(fd, b"{" * 100000)
            except OSError:
                pass
        os._exit(0)
    """))
    assert result.outcome not in ("ok", "internal"), result


def test_check_a_broken_file_cannot_pass_by_editing_the_grader(tmp_path):
    """`bughunt check` (grading.grade, cold): appending an always-pass grader is blocked,
    so this and every later check of a broken file still fails."""
    from bughunt.grading import grade

    grader = EX.grader_path.resolve()
    before = _digest(grader)
    attack = _attack(tmp_path, f"""
        try:
            with open({str(grader)!r}, "a") as fh:
                fh.write("\\nclass _P:\\n    def judge(self, *a):\\n        return []\\nGRADER = _P()\\n")
        except OSError:
            pass
    """)
    assert grade(EX, attack).status != "pass"
    assert _digest(grader) == before
    assert grade(EX, EX.path).status == "fail"


def test_judges_and_case_builders_are_unreadable_in_the_jail(runner, tmp_path):
    hidden = jail.parent_only_files()
    assert hidden
    result = runner(_attack(tmp_path, f"""
        for p in {hidden!r}:
            try:
                with open(p, "rb") as fh:
                    print("SIZE", len(fh.read()))
            except OSError:
                print("SIZE", 0)
    """))
    assert _said(result, "SIZE") and all(n == "0" for n in _said(result, "SIZE")), result.output


def test_an_installed_package_s_graders_and_a_runtime_under_tmp(tmp_path, monkeypatch):
    """A wheel install ships graders inside the package: the jail covers them with an
    empty folder. A runtime under /tmp (a venv made there) stays visible above the jail's
    own /tmp."""
    pkg = tmp_path / "site" / "bughunt"
    (pkg / "graders" / "sigmoid").mkdir(parents=True)
    (pkg / "graders" / "sigmoid" / "overflow_basic.py").write_text("REFERENCE = 'secret'\n")
    (pkg / "visible.txt").write_text("shown\n")
    monkeypatch.setattr(jail, "_PKG_DIR", pkg)
    script = (
        f"import os; print(os.listdir({str(pkg / 'graders')!r}), open({str(pkg / 'visible.txt')!r}).read().strip())"
    )
    argv = jail.bwrap_argv([sys.executable, "-I", "-S", "-c", script], tmp_mb=1)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "shown"]
