"""A batch no submission can break: hostile classmates change no honest student's row,
a SIGKILLed warm server is restarted, a killed worker costs nothing but a retry, the
watchdog gives each file a deadline, and machinery failures are never stored.

Nothing here depends on the machine's speed: deadlines are generous except where a test
sets one on purpose."""
from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from bughunt.batch import run as batch_run
from bughunt.batch.store import ResultStore
from bughunt.grader import load_grader
from bughunt.sandbox import jail
from bughunt.sets import resolve

from .conftest import ROOT, EXERCISES, exercise

IDS = ("sigmoid/overflow-basic", "log_epsilon/bce-logistic")
SETS = """format_version = 1
[sets.hostile]
title = "hostile classmates"
exercises = "sigmoid/overflow-basic + log_epsilon/bce-logistic"
points = 5
"""
needs_jail = pytest.mark.skipif(not jail.available(), reason=f"no jail here: {jail.status()[1]}")


def _bugset(tmp_path: Path):
    sets = tmp_path / "sets.toml"
    sets.write_text(SETS)
    return resolve("hostile", ROOT, EXERCISES, sets)


def _text(ex_id: str, fixed: bool) -> str:
    ex = exercise(ex_id)
    text = ex.path.read_text()
    return load_grader(ex.grader_path).reference_example().apply(text) if fixed else text


def _write(subs: Path, sid: str, ex_id: str, text: str) -> None:
    ex = exercise(ex_id)
    path = subs / sid / ex.category / ex.slug / ex.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _honest(subs: Path) -> None:
    for sid, fixed in (("h1", (True, True)), ("h2", (False, False)), ("h3", (True, False))):
        for ex_id, f in zip(IDS, fixed):
            _write(subs, sid, ex_id, _text(ex_id, f))


def _attacks(out: Path, tag: str) -> dict[str, str]:
    grader = exercise(IDS[0]).grader_path.resolve()
    forged = out / ".bughunt" / "results" / "h2" / (IDS[0].replace("/", "__") + ".json")
    return {
        "killer": """
            import os, signal
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(-1, sig)
                except OSError:
                    pass
        """,
        "bomb": f"""
            import os, time
            for _ in range(200):
                try:
                    if os.fork() == 0:
                        os.environ["TAG"] = {tag!r}
                        time.sleep(300)
                        os._exit(0)
                except OSError:
                    break
        """,
        "forger": f"""
            import os, json
            try:
                os.makedirs({str(forged.parent)!r}, exist_ok=True)
                with open({str(forged)!r}, "w") as fh:
                    json.dump({{"status": "pass"}}, fh)
            except OSError:
                pass
        """,
        "grader_editor": f"""
            try:
                with open({str(grader)!r}, "a") as fh:
                    fh.write("\\nGRADER = None\\n")
            except OSError:
                pass
        """,
        "injector": f"""
            try:
                with open({str(ROOT / 'bughunt' / 'grading.py')!r}, "a") as fh:
                    fh.write("\\nraise SystemExit\\n")
            except OSError:
                pass
        """,
        "detacher": f"""
            import os
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execve({sys.executable!r}, [{sys.executable!r}, "-c", "import time; time.sleep(300)", {tag!r}], {{}})
                os._exit(0)
        """,
    }


def _rows(out: Path) -> dict[str, list[str]]:
    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    return {r[2]: r for r in rows[2:]}  # SIS User ID: the roster id (ID is Canvas' own, empty here)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_process_with(tag: str) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    text = fh.read()
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    text += fh.read()
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    state = fh.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if tag.encode() in text and state != b"Z":
                return False
    return True


@needs_jail
def test_hostile_classmates_change_no_honest_row(tmp_path):
    bugset = _bugset(tmp_path)
    clean, mixed = tmp_path / "clean", tmp_path / "mixed"
    _honest(clean)
    _honest(mixed)
    out_clean, out_mixed = tmp_path / "out-clean", tmp_path / "out-mixed"
    tag = uuid.uuid4().hex
    for name, attack in _attacks(out_mixed, tag).items():
        for i, ex_id in enumerate(IDS):
            _write(mixed, f"x_{name}", ex_id, _text(ex_id, i == 0) + "\n" + textwrap.dedent(attack))
    protected = [exercise(IDS[0]).grader_path, ROOT / "bughunt" / "grading.py"]
    before = [_digest(p) for p in protected]

    batch_run.grade_class(bugset, clean, out_clean, jobs=2)
    result = batch_run.grade_class(bugset, mixed, out_mixed, jobs=2)

    a, b = _rows(out_clean), _rows(out_mixed)
    for sid in ("h1", "h2", "h3"):
        assert a[sid] == b[sid], sid
    assert [_digest(p) for p in protected] == before
    assert result.not_graded == 0
    forged = out_mixed / ".bughunt" / "results" / "h2" / (IDS[0].replace("/", "__") + ".json")
    assert json.loads(forged.read_text())["status"] == "fail"
    for _ in range(50):
        if _no_process_with(tag):
            break
        import time

        time.sleep(0.1)
    assert _no_process_with(tag), "a hostile submission left a process behind"


class _KillOnFirstPut:
    """Patches ResultStore.put to run `action` once, when the first result lands."""

    def __init__(self, monkeypatch, action):
        self.done = False
        real = ResultStore.put

        def put(store, *args, **kwargs):
            real(store, *args, **kwargs)
            if not self.done:
                self.done = True
                action()

        monkeypatch.setattr(ResultStore, "put", put)


def _class(tmp_path: Path, n: int = 4) -> Path:
    subs = tmp_path / "subs"
    for i in range(n):
        for ex_id in IDS:
            _write(subs, f"s{i}", ex_id, _text(ex_id, i % 2 == 0))
    return subs


def _all_graded(out: Path, n: int) -> None:
    records = [json.loads(p.read_text()) for p in (out / ".bughunt" / "results").rglob("*.json")]
    assert len(records) == n * len(IDS)
    for r in records:
        assert r["status"] in ("pass", "fail"), r.get("reason")
        assert not r.get("infrastructure")


@needs_jail
def test_a_killed_warm_server_is_restarted(tmp_path, monkeypatch):
    from bughunt.sandbox import warm

    servers = []
    real_start = warm.WarmSandbox._start

    def start(self, *args, **kwargs):
        servers.append(self)
        real_start(self, *args, **kwargs)

    monkeypatch.setattr(warm.WarmSandbox, "_start", start)

    def kill_server():
        proc = servers[-1].proc
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    _KillOnFirstPut(monkeypatch, kill_server)
    out = tmp_path / "out"
    result = batch_run.grade_class(_bugset(tmp_path), _class(tmp_path), out, jobs=2)
    assert result.restarts >= 1 and result.not_graded == 0
    _all_graded(out, 4)


@needs_jail
def test_a_killed_worker_costs_nothing_but_a_retry(tmp_path, monkeypatch):
    def kill_worker():
        workers = [p for p in multiprocessing.active_children() if p.is_alive()]
        assert workers, "no pool worker to kill"
        os.kill(workers[0].pid, signal.SIGKILL)

    _KillOnFirstPut(monkeypatch, kill_worker)
    out = tmp_path / "out"
    result = batch_run.grade_class(_bugset(tmp_path), _class(tmp_path), out, jobs=2)
    assert result.not_graded == 0
    _all_graded(out, 4)


@needs_jail
def test_the_watchdog_fails_late_files_without_storing_them_and_a_rerun_regrades(tmp_path, monkeypatch):
    bugset, subs, out = _bugset(tmp_path), _class(tmp_path, 2), tmp_path / "out"
    # Every file takes longer than the loop's first wait (2 s), so none can finish before the
    # watchdog looks, however busy the machine (on a loaded machine two quick files once did).
    for path in subs.rglob("*.py"):
        path.write_text(path.read_text() + "\nimport time as _t\n_t.sleep(3)\n")
    monkeypatch.setattr(batch_run, "WATCHDOG_GRACE", -10_000.0)  # every file is late at once
    first = batch_run.grade_class(bugset, subs, out, jobs=2)
    total = 2 * len(IDS)
    assert first.not_graded == total
    stored = list((out / ".bughunt" / "results").rglob("*.json"))
    assert len(stored) == total - first.not_graded, "a machinery failure was stored"
    late = [r.reason for rep in first.reports for r in rep.results if r.reason and "rerun" in r.reason]
    assert len(late) == first.not_graded
    monkeypatch.setattr(batch_run, "WATCHDOG_GRACE", 300.0)
    second = batch_run.grade_class(bugset, subs, out, jobs=2)
    assert second.reused == total - first.not_graded and second.not_graded == 0
    _all_graded(out, 2)


def test_machinery_failures_are_never_stored_or_reused(tmp_path):
    store = ResultStore(tmp_path / "results")
    with pytest.raises(ValueError):
        store.put("s1", "a/b", "fp", {"status": "error", "reason": "x", "infrastructure": True})
    # A result stored by an older version for a dead worker is not reused.
    store.path("s1", "a/b").parent.mkdir(parents=True, exist_ok=True)
    store.path("s1", "a/b").write_text(json.dumps({
        "status": "error", "fingerprint": "fp",
        "reason": "f.py: could not be graded (BrokenProcessPool); regrade it",
    }))
    assert store.get("s1", "a/b", "fp") is None


@pytest.mark.parametrize("damage", [b"", b"\0" * 4096, b'{"status": "pass", "finger', b"[1, 2]"])
def test_a_damaged_result_is_regraded_not_reused(tmp_path, damage):
    """Results are not fsynced (batch.atomic): what a power cut can leave of one (nothing, zeros,
    a torn write) is never read as a result."""
    store = ResultStore(tmp_path / "results")
    store.put("s1", "a/b", "fp", {"status": "pass", "reason": ""})
    assert store.get("s1", "a/b", "fp")["status"] == "pass"
    store.path("s1", "a/b").write_bytes(damage)
    assert store.get("s1", "a/b", "fp") is None


def _cli(*args, env_extra=None, cwd=None):
    env = {**os.environ, "BUGHUNT_ROOT": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "bughunt.cli", *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_grade_refuses_without_a_jail_unless_told(tmp_path):
    subs = _class(tmp_path, 1)
    (tmp_path / "sets.toml").write_text(SETS)
    base = ["grade", str(subs), "--set", "hostile", "--sets", str(tmp_path / "sets.toml"), "--jobs", "1"]
    refused = _cli(*base, "--out", str(tmp_path / "out1"), env_extra={"BUGHUNT_NO_JAIL": "1"})
    assert refused.returncode == 2 and "no jail" in refused.stderr and "bubblewrap" in refused.stderr
    assert not (tmp_path / "out1" / "gradebook.csv").exists()
    done = _cli(*base, "--out", str(tmp_path / "out2"), "--no-jail", env_extra={"BUGHUNT_NO_JAIL": "1"})
    assert done.returncode == 0, done.stderr
    assert "not isolated" in done.stderr
    feedback = (tmp_path / "out2" / "feedback" / "s0" / "feedback.md").read_text()
    assert "not isolated" in feedback
    results = json.loads((tmp_path / "out2" / "gradescope" / "s0" / "results.json").read_text())
    assert "not isolated" in json.dumps(results)


def test_check_without_a_jail_runs_with_a_one_line_notice(tmp_path):
    done = _cli("check", IDS[0], env_extra={"BUGHUNT_NO_JAIL": "1"})
    assert done.returncode == 1, done.stderr  # the shipped file fails, as before
    notices = [line for line in done.stderr.splitlines() if "without a jail" in line]
    assert len(notices) == 1


@needs_jail
def test_a_grader_changed_mid_batch_leaves_no_row_missing(tmp_path, monkeypatch):
    """Fingerprints are taken before any code runs; a grader file that changes afterwards
    (the jail stops a submission from doing it; an editor might) cannot blank a column."""
    real = batch_run.fingerprint
    changed = {"yes": False}
    monkeypatch.setattr(batch_run, "fingerprint", lambda *a: real(*a) + ("-changed" if changed["yes"] else ""))

    def change():
        changed["yes"] = True

    _KillOnFirstPut(monkeypatch, change)
    result = batch_run.grade_class(_bugset(tmp_path), _class(tmp_path, 2), tmp_path / "out", jobs=2)
    statuses = [r.status for rep in result.reports for r in rep.results]
    assert "missing" not in statuses and len(statuses) == 2 * len(IDS)
