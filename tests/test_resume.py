"""`kill -9` in the middle of `bughunt grade`, then the same command again: the second run
grades only what is missing, and the gradebook has every student exactly once."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bughunt.grader import load_grader

from .conftest import exercise

IDS = ("sigmoid/overflow-basic", "log_epsilon/bce-logistic")
STUDENTS = [f"s{i:02d}" for i in range(1, 9)]
SETS = """format_version = 1
[sets.resume]
title = "resume test"
exercises = "sigmoid/overflow-basic + log_epsilon/bce-logistic"
points = 5
"""


def _class(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    for i, sid in enumerate(STUDENTS):
        for ex_id in IDS:
            ex = exercise(ex_id)
            text = ex.path.read_text()
            if i % 2 == 0:
                text = load_grader(ex.grader_path).reference_example().apply(text)
            # Slow enough at import that the kill lands half-way through the class.
            text += "\nimport time as _t\n_t.sleep(0.6)\n"
            path = subs / sid / ex.category / ex.slug / ex.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    (tmp_path / "sets.toml").write_text(SETS)
    return subs


def _command(tmp_path, subs):
    from bughunt.sandbox import jail

    # Without bubblewrap (a fresh machine), grading other people's code needs --no-jail.
    no_jail = [] if jail.available() else ["--no-jail"]
    return [sys.executable, "-m", "bughunt.cli", "grade", str(subs), "--set", "resume",
            "--sets", str(tmp_path / "sets.toml"), "--out", str(tmp_path / "out"), "--jobs", "2", *no_jail]


def _results(tmp_path) -> dict[Path, str]:
    root = tmp_path / "out" / ".bughunt" / "results"
    return {p: p.read_text() for p in root.rglob("*.json")} if root.exists() else {}


def _descendants(pid: int) -> set[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat", "rb").read()
            except OSError:
                continue
            ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
            kids.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            found.add(k)
            todo.append(k)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat", "rb").read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] != b"Z"


def test_kill_9_then_resume(tmp_path):
    subs = _class(tmp_path)
    total = len(STUDENTS) * len(IDS)
    proc = subprocess.Popen(_command(tmp_path, subs), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_results(tmp_path)) < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    helpers = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    first = _results(tmp_path)
    assert 4 <= len(first) < total, f"the kill should land mid-batch; {len(first)} of {total} were graded"
    # The warm server, the workers and any running submission go down with their parent.
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in helpers if _alive(p)], "processes of the killed batch are still running"

    again = subprocess.run(_command(tmp_path, subs), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"resuming: {len(first)} of {total} exercises already graded, {total - len(first)} to grade" in again.stderr
    final = _results(tmp_path)
    assert len(final) == total
    assert all(final[p] == text for p, text in first.items()), "a result graded before the kill was graded again"

    with open(tmp_path / "out" / "gradebook.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    ids = [r[2] for r in rows[2:]] if rows[1][0].strip().lower().startswith("points possible") else [r[2] for r in rows[1:]]
    assert sorted(ids) == STUDENTS, "every student exactly once"
    for p, text in final.items():
        record = json.loads(text)
        fixed = int(p.parent.name[1:]) % 2 == 1  # s01, s03, ... got the reference fixes
        assert record["status"] == ("pass" if fixed else "fail"), (p, record.get("lines"))

    third = subprocess.run(_command(tmp_path, subs), capture_output=True, text=True, timeout=300)
    assert third.returncode == 0 and f"resuming: {total} of {total}" in third.stderr
