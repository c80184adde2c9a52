"""The built wheel, installed (not editable) into a fresh virtual environment, works from a
folder outside the repository: init, check, pytest, solution after a pass, watch through a
pty, and an assignment bundle.

Slow (it installs numpy, scikit-learn and the rest into the new venv, from pip's cache or
index). Skipped only when the wheel cannot be built or its dependencies cannot be fetched.
"""
from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bughunt.grader import load_grader

from .conftest import ROOT, exercise

SIG = exercise("sigmoid/overflow-basic")
_NETWORK = ("No matching distribution", "Could not fetch", "NewConnectionError", "Temporary failure in name resolution",
            "ConnectionError", "Network is unreachable", "ReadTimeoutError")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("BUGHUNT_ROOT", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(COLUMNS="100", **extra)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("bughunt", "exercises", "graders", "examples"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".bughunt"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = base / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "-w", str(wheels), "--no-deps", "-q"],
        capture_output=True, text=True, timeout=900, env=_clean_env(),
    )
    found = list(wheels.glob("bughunt-*.whl"))
    if built.returncode != 0 or not found:
        pytest.skip(f"cannot build the wheel here: {built.stderr.strip()[-500:]}")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    py = env_dir / "bin" / "python"
    installed = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(found[0])],
        capture_output=True, text=True, timeout=1800, env=_clean_env(),
    )
    if installed.returncode != 0:
        if any(s in installed.stderr for s in _NETWORK):
            pytest.skip(f"cannot fetch the dependencies: {installed.stderr.strip()[-300:]}")
        raise AssertionError(f"pip install of the wheel failed:\n{installed.stderr[-3000:]}")
    return env_dir


def _run(venv: Path, args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    exe = venv / "bin" / args[0]
    return subprocess.run([str(exe), *args[1:]], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=_clean_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"))


def test_the_wheel_carries_the_exercises_and_works_outside_the_repository(venv, tmp_path):
    where = _run(venv, ["python", "-c", "import bughunt, bughunt.paths as p; print(bughunt.__file__); print(p.shipped_root())"], tmp_path)
    pkg_file, shipped = where.stdout.split()
    assert str(venv) in pkg_file and Path(shipped) == Path(pkg_file).parent, where
    assert (Path(shipped) / "exercises" / "sets.toml").is_file() and (Path(shipped) / "graders").is_dir()

    outside = tmp_path / "outside"
    outside.mkdir()
    assert ROOT not in outside.parents
    init = _run(venv, ["bughunt", "init", "ws"], outside)
    assert init.returncode == 0, init.stderr
    ws = outside / "ws"

    listed = _run(venv, ["bughunt", "list"], ws)
    assert listed.returncode == 0 and "0 / 22 done" in listed.stdout

    check = _run(venv, ["bughunt", "check", "leakage"], ws)
    assert check.returncode == 1, check.stdout + check.stderr
    assert len(re.findall(r"^FAIL\s+leakage/", check.stdout, re.M)) == 7, check.stdout
    assert "Traceback" not in check.stdout + check.stderr

    # Inside the jail, the graders shipped in the package (reference fixes) cannot be read.
    jailed = _run(venv, ["python", "-c", "from bughunt.sandbox import jail; print(jail.available())"], ws)
    if jailed.stdout.strip() == "True":
        spy = outside / "spy.py"
        grader_file = Path(shipped) / "graders" / "sigmoid" / "overflow_basic.py"
        spy.write_text(f"try:\n    n = len(open({str(grader_file)!r}).read())\nexcept OSError as e:\n    n = type(e).__name__\n"
                       "raise RuntimeError(f'SPY {n}')\n")
        seen = _run(venv, ["bughunt", "check", "sigmoid/overflow-basic", "--file", str(spy)], ws)
        assert "SPY FileNotFoundError" in seen.stdout, seen.stdout + seen.stderr

    tests = _run(venv, ["python", "-m", "pytest", "leakage", "-q", "-p", "no:cacheprovider"], ws)
    assert tests.returncode == 1 and "7 failed" in tests.stdout, tests.stdout[-2000:]

    # solution: refused before a pass, the shipped fix after one
    assert _run(venv, ["bughunt", "solution", "sigmoid/overflow-basic"], ws).returncode == 1
    fixed = load_grader(SIG.grader_path).reference_example().apply(SIG.path.read_text())
    (ws / "sigmoid" / "overflow-basic" / SIG.file).write_text(fixed)
    ok = _run(venv, ["bughunt", "check", "sigmoid/overflow-basic/model.py"], ws)
    assert ok.returncode == 0 and "PASS" in ok.stdout and "1 / 22 done" in ok.stdout, ok.stdout + ok.stderr
    sol = _run(venv, ["bughunt", "solution", "sigmoid/overflow-basic"], ws)
    assert sol.returncode == 0 and sol.stdout == fixed

    # an assignment bundle, written and graded by the installed package
    assign = _run(venv, ["bughunt", "assign", "starter", "--out", "asg"], outside)
    assert assign.returncode == 0, assign.stderr
    student = outside / "asg" / "student"
    graded = _run(venv, ["bughunt", "check", "sigmoid"], student)
    assert graded.returncode == 1 and re.search(r"^FAIL\s+sigmoid/overflow-basic", graded.stdout, re.M), graded.stdout
    assert "0 / 6 done" in _run(venv, ["bughunt", "list"], student).stdout

    _watch_and_quit(venv, ws)


def test_the_readme_instructor_flow_runs_from_the_wheel(venv, tmp_path):
    """The README's instructor flow, with nothing but the installed wheel: the example, a
    class assigned with variants and a grading secret, a faked LMS hand-in graded in the
    jail, and the Gradescope autograder carrying the same secret."""
    import csv
    import stat
    import zipfile

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    made = _run(venv, ["bughunt", "example", "instructor", "demo"], outside)
    assert made.returncode == 0, made.stderr
    demo = outside / "demo"
    roster = (demo / "roster.csv").read_text().splitlines()
    (demo / "roster.csv").write_text("\n".join(roster[:7]) + "\n")  # six students: one of each kind
    assert "week3" in _run(venv, ["bughunt", "sets"], demo).stdout
    assign = _run(venv, ["bughunt", "assign", "week3", "--roster", "roster.csv", "--seed", "7", "--out", str(tmp_path / "week3")], demo)
    assert assign.returncode == 0, assign.stderr
    bundle = tmp_path / "week3" / "instructor"
    secret = (bundle / "grading-secret.txt").read_text().strip()
    assert len(secret) == 64 and stat.S_IMODE((bundle / "grading-secret.txt").stat().st_mode) == 0o600
    fake = _run(venv, ["python", "fake_submissions.py", str(tmp_path / "week3"), str(tmp_path / "class.zip")], demo)
    assert fake.returncode == 0, fake.stderr
    kinds = dict(line.split("\t") for line in fake.stdout.split("\n") if "\t" in line)
    results = tmp_path / "results"
    graded = _run(venv, ["bughunt", "grade", str(tmp_path / "class.zip"), "--set", str(bundle), "--out", str(results)], demo)
    if "no jail" in graded.stderr:
        pytest.skip("no jail on this machine: " + graded.stderr.strip()[-200:])
    assert graded.returncode == 0, graded.stderr[-2000:]
    with open(results / "gradebook.csv", newline="") as fh:
        rows = {r["SIS User ID"]: r for r in csv.DictReader(fh) if r["Student"].strip() != "Points Possible"}
    by_kind = {kind: rows[sid] for sid, kind in kinds.items()}
    total = next(k for k in rows[next(iter(rows))] if k.endswith(": Total"))
    assert float(by_kind["fixed"][total]) == 35 and float(by_kind["suppressed"][total]) == 0
    assert float(by_kind["absent"][total]) == 0 and float(by_kind["partial"][total]) == 15
    summary = (results / "summary.md").read_text()
    copier = next(sid for sid, kind in kinds.items() if kind == "copied")
    assert copier in summary.split("##")[1], "the copy is flagged at the top of the summary"
    record = next((results / ".bughunt" / "results").rglob("*.json")).read_text()
    assert '"cases": "secret"' in record  # graded on the instructor's hidden cases
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((results / "gradebook.csv").stat().st_mode) == 0o666 & ~mask  # shareable, as the umask says
    export = _run(venv, ["bughunt", "export", "gradescope", str(bundle), "--out", str(tmp_path / "ag.zip")], demo)
    assert export.returncode == 0, export.stderr
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        assert zf.read("grading-secret.txt").decode().strip() == secret


def _watch_and_quit(venv: Path, ws: Path) -> None:
    import pty

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(ws)
            exe = str(venv / "bin" / "bughunt")
            os.execve(exe, [exe, "watch"], _clean_env(TERM="xterm", LINES="40"))
        finally:
            os._exit(127)
    seen = b""
    try:
        deadline = time.monotonic() + 180
        while b"quit" not in seen or b"leakage/scaler-before-split" not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-2000:]
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                chunk = os.read(fd, 65536)
                assert chunk, seen.decode(errors="replace")[-2000:]
                seen += chunk
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))
        assert re.search(r"FAIL\s+leakage/scaler-before-split", text) and "1 / 22 done" in text, text[-2000:]
        os.write(fd, b"q")
        deadline = time.monotonic() + 30
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            assert time.monotonic() < deadline, "watch did not quit"
            try:
                if select.select([fd], [], [], 0.2)[0]:
                    os.read(fd, 65536)
            except OSError:
                pass
        assert os.waitstatus_to_exitcode(status) == 0
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
