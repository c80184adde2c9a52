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
        text = zf.read(f"{PROJECT_DIR}/requirements.txt").decode()
        pins = dict(line.split("==") for line in text.splitlines() if line and not line.startswith("#"))
        setup = zf.read("setup.sh").decode()
    for name in ("numpy", "scikit-learn", "scipy", "libcst"):
        assert pins[name] == metadata.version(name)
    # Their own dependencies too (scikit-learn's joblib and threadpoolctl), so pip picks nothing.
    for name in ("joblib", "threadpoolctl", "markupsafe"):
        assert pins[name] == metadata.version(name)
    assert "pip install -r ./bughunt-project/requirements.txt" in setup


def _setup_check(setup: str) -> str:
    """The version check setup.sh runs after pip (the Python between the heredoc markers)."""
    return setup.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]


def test_setup_stops_when_an_installed_version_differs_from_its_pin(autograder, tmp_path):
    _, zpath = autograder
    with zipfile.ZipFile(zpath) as zf:
        setup = zf.read("setup.sh").decode()
        pins = zf.read(f"{PROJECT_DIR}/requirements.txt").decode()
    check = _setup_check(setup)
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(pins)
    bad.write_text(pins.replace(f"numpy=={__import__('numpy').__version__}", "numpy==0.0.1"))
    assert subprocess.run([sys.executable, "-", str(good)], input=check, text=True).returncode == 0
    proc = subprocess.run([sys.executable, "-", str(bad)], input=check, text=True, capture_output=True)
    assert proc.returncode != 0 and "numpy" in proc.stderr and "pinned 0.0.1" in proc.stderr


def test_the_zip_and_its_secret_are_owner_only(autograder):
    _, zpath = autograder
    assert stat.S_IMODE(zpath.stat().st_mode) == 0o600
    with zipfile.ZipFile(zpath) as zf:
        assert (zf.getinfo("grading-secret.txt").external_attr >> 16) & 0o777 == 0o600


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


def _fixed(ex) -> str:
    return load_grader(ex.grader_path).reference_example().apply(ex.path.read_text())


def test_run_autograder_grades_a_flat_upload_by_its_upload_names(autograder, bugset):
    from bughunt.autograder import upload_name

    tree, _ = autograder
    sig, bce = bugset.exercises
    assert sig.file == bce.file == "model.py"  # the case a flat upload cannot carry by plain names
    data = _run(tree, {upload_name(sig): _fixed(sig), upload_name(bce): _fixed(bce)})
    assert [t["status"] for t in data["tests"]] == ["passed", "passed"] and data["score"] == 20


def test_run_autograder_keeps_an_upload_with_its_own_folders_as_one_student(autograder, bugset):
    tree, _ = autograder
    sig, bce = bugset.exercises
    data = _run(tree, {
        f"my-work/{sig.category}/{sig.slug}/{sig.file}": _fixed(sig),
        f"other/bce-logistic__model.py": _fixed(bce),
        "other/notes.txt": "two top folders: still one student",
    })
    assert [t["status"] for t in data["tests"]] == ["passed", "passed"]


def test_a_plain_shared_file_name_tells_the_student_what_to_name_it(autograder, bugset):
    tree, _ = autograder
    sig, bce = bugset.exercises
    data = _run(tree, {"model.py": _fixed(sig)})
    assert data["score"] == 0 and all(t["status"] == "failed" for t in data["tests"])
    assert "model.py was not graded: 2 exercises of this set are written in model.py" in data["output"]
    assert "overflow-basic\\_\\_model.py" in data["output"] or "overflow-basic__model.py" in data["output"]
    for test, ex in zip(data["tests"], (sig, bce)):
        assert f"{ex.slug}\\_\\_model.py" in test["output"] or f"{ex.slug}__model.py" in test["output"]


def _probe(paths: list[str]) -> str:
    """Code run at import: raise LEAKED with the first of `paths` it can read."""
    return (
        "import os as _os\n"
        f"for _p in {tuple(paths)!r}:\n"
        "    try:\n"
        "        _leak = open(_p).read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    raise RuntimeError('LEAKED ' + _p + ' ' + _leak[:80])\n"
    )


def test_a_jailed_submission_cannot_read_the_grading_secret(autograder, bugset):
    from bughunt.sandbox import jail

    if not jail.available():
        pytest.skip("no jail here: the autograder refuses to grade without one")
    tree, _ = autograder
    secret_file = tree / "source" / "grading-secret.txt"
    secret = secret_file.read_text().strip()
    sig, _ = bugset.exercises
    where = f"{sig.category}/{sig.slug}/{sig.file}"
    # The probe works: a file the jail does show (the standard library's os.py) is read and reported.
    data = _run(tree, {where: _probe([os.__file__]) + _fixed(sig)})
    assert data["tests"][0]["extra_data"]["status"] == "error" and "LEAKED" in json.dumps(data)
    # The secret, where Gradescope keeps it and beside the set the autograder reads: not there.
    candidates = [str(secret_file), "/autograder/source/grading-secret.txt", str(tree / "source" / "set.toml")]
    data = _run(tree, {where: _probe(candidates) + _fixed(sig)})
    text = json.dumps(data)
    assert "LEAKED" not in text and secret not in text
    # It ran to the end (it only fails the static rule against `import os`).
    assert data["tests"][0]["extra_data"]["status"] == "fail" and "Runs on the hidden data" in data["tests"][0]["output"]
