"""`bughunt export gradescope` writes a zip whose run_autograder grades a fake
/autograder tree and writes a Gradescope results.json."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile

import pytest

from bughunt.autograder import PROJECT_DIR, build_zip
from bughunt.grader import load_grader
from bughunt.manifest import load
from bughunt.paths import find_root
from bughunt.sets import expand, load_sets

ROOT = find_root()


@pytest.fixture(scope="module")
def bugset():
    exercises = load(ROOT)
    base = load_sets(ROOT, exercises)["starter"]
    import dataclasses

    chosen = {e.id for e in expand(exercises, "sigmoid/overflow-basic + log_epsilon/bce-logistic")}
    return dataclasses.replace(base, name="gs-test", entries=tuple(e for e in base.entries if e.exercise.id in chosen))


@pytest.fixture(scope="module")
def autograder(bugset, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gs")
    zpath = build_zip(bugset, ROOT, tmp / "autograder.zip")
    source = tmp / "autograder" / "source"
    with zipfile.ZipFile(zpath) as zf:
        for info in zf.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    return tmp / "autograder", zpath


def test_zip_has_the_gradescope_layout(autograder):
    _, zpath = autograder
    with zipfile.ZipFile(zpath) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", "set.toml"} <= names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert {f"{PROJECT_DIR}/bughunt/__init__.py", f"{PROJECT_DIR}/requirements.txt"} <= names
    assert not any(n.startswith((f"{PROJECT_DIR}/bughunt/exercises/", f"{PROJECT_DIR}/bughunt/graders/")) for n in names)
    assert f"{PROJECT_DIR}/graders/sigmoid/overflow_basic.py" in names
    assert not any("__pycache__" in n or n.startswith("/") or ".." in n.split("/") for n in names)
    for script in ("setup.sh", "run_autograder"):
        with zipfile.ZipFile(zpath) as zf:
            text = zf.read(script).decode()
        assert subprocess.run(["bash", "-n", "-c", text]).returncode == 0


def test_setup_pins_the_versions_bughunt_was_tested_with(autograder):
    from importlib import metadata

    _, zpath = autograder
    with zipfile.ZipFile(zpath) as zf:
        pins = dict(line.split("==") for line in zf.read(f"{PROJECT_DIR}/requirements.txt").decode().split())
        setup = zf.read("setup.sh").decode()
    for name in ("numpy", "scikit-learn", "scipy", "libcst"):
        assert pins[name] == metadata.version(name)
    assert "requirements.txt" in setup


def test_export_is_reproducible_for_the_same_secret(bugset, tmp_path):
    import dataclasses

    kept = dataclasses.replace(bugset, secret="ab" * 32)  # as read from an instructor bundle
    a, b = build_zip(kept, ROOT, tmp_path / "a.zip"), build_zip(kept, ROOT, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert zf.read("grading-secret.txt").decode().strip() == "ab" * 32


def test_export_without_a_bundle_grades_on_a_fresh_secret_not_the_public_cases(bugset, tmp_path):
    from bughunt.grader import PUBLIC_SEED
    from bughunt.sets import with_secret

    a, b = build_zip(bugset, ROOT, tmp_path / "a.zip"), build_zip(bugset, ROOT, tmp_path / "b.zip")
    secrets = []
    for zpath in (a, b):
        with zipfile.ZipFile(zpath) as zf:
            zf.extract("grading-secret.txt", tmp_path / zpath.stem)
            secrets.append(zf.read("grading-secret.txt").decode().strip())
    assert secrets[0] != secrets[1] and all(len(s) == 64 for s in secrets)
    graded = with_secret(bugset, tmp_path / "a")  # what the autograder's resolve() does
    assert graded.secret == secrets[0]
    assert all(graded.seed_for(ex) != PUBLIC_SEED for ex in graded.exercises)


def _run(tree, files: dict[str, str]):
    sub = tree / "submission"
    if sub.exists():
        import shutil

        shutil.rmtree(sub)
    for rel, text in files.items():
        (sub / rel).parent.mkdir(parents=True, exist_ok=True)
        (sub / rel).write_text(text)
    results = tree / "results" / "results.json"
    results.unlink(missing_ok=True)
    env = {**os.environ, "AUTOGRADER_ROOT": str(tree), "BUGHUNT_PYTHON": sys.executable}
    env.pop("BUGHUNT_ROOT", None)
    proc = subprocess.run(["bash", str(tree / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    assert results.is_file(), proc.stderr[-2000:]
    return json.loads(results.read_text())


def test_run_autograder_grades_a_fixed_and_a_broken_file(autograder, bugset):
    tree, _ = autograder
    sig, bce = bugset.exercises
    fixed = load_grader(sig.grader_path).reference_example().apply(sig.path.read_text())
    data = _run(tree, {f"{sig.category}/{sig.slug}/{sig.file}": fixed, f"{bce.category}/{bce.slug}/{bce.file}": bce.path.read_text()})
    tests = {t["name"].split(" ")[0]: t for t in data["tests"]}
    assert tests[sig.id]["status"] == "passed" and tests[sig.id]["score"] == tests[sig.id]["max_score"] == 10
    assert tests[bce.id]["status"] == "failed" and tests[bce.id]["score"] == 0
    assert data["score"] == sum(t["score"] for t in data["tests"]) == 10
    assert "Traceback" not in json.dumps(data)


def test_run_autograder_reports_a_missing_file(autograder):
    tree, _ = autograder
    data = _run(tree, {"notes.txt": "I ran out of time"})
    assert data["score"] == 0 and len(data["tests"]) == 2
    assert all(t["status"] == "failed" and "no file" in t["output"] for t in data["tests"])
