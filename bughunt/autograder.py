"""Gradescope autograder: the zip `bughunt export gradescope` writes, and the entry point
its `run_autograder` calls inside Gradescope's container.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when it builds the
image, then runs run_autograder per submission with the student's files in
/autograder/submission and expects /autograder/results/results.json. The zip carries
the bughunt source (library, exercises, graders), the frozen set and the grading secret, so
the image grades with exactly the version the instructor exported; nothing is fetched while
grading. setup.sh installs exactly the package versions pinned in requirements.txt (every
runtime dependency of bughunt, transitively, at the version installed where the zip was
made) and stops if pip ends up with any other version.

A submission may keep the bundle's folders (`<category>/<slug>/<file>`) or be a flat
drag-and-drop upload, where only file names survive: each exercise's file is then named by
`upload_name(ex)`, `<slug>__<file>`, which is unique within a set even when two exercises are
both written in model.py. The zip carries the grading secret, so it is written owner-only.
"""
from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

from .secret import SECRET_FILE, new_secret
from .sets import BugSet

PROJECT_DIR = "bughunt-project"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # same zip bytes for the same inputs
#: between an exercise's slug and its file name in a flat upload's file name
UPLOAD_SEPARATOR = "__"


def upload_name(ex) -> str:
    """The file name a student gives exercise `ex` in a flat upload (Gradescope's drag and drop,
    or any upload without the bundle's folders): `<slug>__<file>`, e.g. `overflow-basic__model.py`.
    Slugs are unique in the library, so the name is unique within any set. The one rule for
    uploads: the student README, the missing-file message and the grader all use it."""
    return f"{ex.slug}{UPLOAD_SEPARATOR}{ex.file}"


SETUP_SH = """#!/usr/bin/env bash
# Runs once while Gradescope builds the autograder image (network is available then).
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
# Every submission runs in a bubblewrap jail; without one the autograder refuses to grade.
if ! command -v bwrap >/dev/null; then
    apt-get update && apt-get install -y bubblewrap
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
# Exactly the versions bughunt was exported (and tested) with, so the image grades the same way.
/autograder/venv/bin/pip install -r ./{project}/requirements.txt
/autograder/venv/bin/python - ./{project}/requirements.txt <<'PY'
import sys
from importlib import metadata
wrong = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if "==" in line:
        name, pinned = line.split("==", 1)
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = "missing"
        if found != pinned:
            wrong.append("%s %s (pinned %s)" % (name, found, pinned))
if wrong:
    sys.exit("setup.sh: installed versions differ from the pins: " + ", ".join(wrong))
PY
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. AUTOGRADER_ROOT lets it run outside the
# container too (bughunt's own tests use a fake /autograder tree).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{BUGHUNT_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
export BUGHUNT_ROOT="$ROOT/source/{project}"
export PYTHONPATH="$ROOT/source/{project}${{PYTHONPATH:+:$PYTHONPATH}}"
exec "$PY" -m bughunt.autograder run \\
    --set "$ROOT/source/set.toml" \\
    --submission "$ROOT/submission" \\
    --results "$ROOT/results/results.json"
"""

_CONTENT_TREES = ("exercises", "graders")
#: pinned in requirements.txt besides bughunt's own dependencies: the judges use SciPy
_ALSO_PINNED = ("scipy",)


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False, mode: int | None = None) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = mode if mode is not None else 0o755 if executable else 0o644
    info.external_attr = (mode | stat.S_IFREG) << 16
    zf.writestr(info, data)


def _tree(base: Path, skip: tuple[str, ...] = ()):
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base)
        if rel.parts[0] in skip or "__pycache__" in rel.parts or path.name.endswith((".pyc", ".pyo")):
            continue
        if path.is_file():
            yield rel.as_posix(), path


def _project_files(root: Path):
    """The bughunt package as installed (a checkout's or a wheel's), and the exercises and
    graders of `root`: whatever way bughunt was installed, the zip is the same shape."""
    package = Path(__file__).resolve().parent
    for rel, path in _tree(package, skip=_CONTENT_TREES):
        yield f"bughunt/{rel}", path
    for tree in _CONTENT_TREES:
        for rel, path in _tree(Path(root) / tree):
            yield f"{tree}/{rel}", path


def _runtime_closure() -> dict[str, str]:
    """Every distribution bughunt needs at run time here, transitively: canonical name -> version.
    Requirements of an extra, or whose marker does not hold here, are left out."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement  # pytest's own dependency
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    todo = ["bughunt", *_ALSO_PINNED]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist.version
        for text in dist.requires or []:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    found.pop("bughunt", None)
    return found


def requirements() -> str:
    """bughunt's runtime dependencies, and theirs, pinned to the versions installed here."""
    import platform

    pins = _runtime_closure()
    lines = [f"# bughunt's runtime dependencies as tested, on Python {platform.python_version()}"]
    lines += [f"{name}=={version}" for name, version in sorted(pins.items())]
    return "\n".join(lines) + "\n"


def build_zip(bugset: BugSet, root: Path, out: Path) -> Path:
    """Write the autograder zip for `bugset` from the bughunt tree at `root`."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    # Owner-only from the start: the zip holds the grading secret.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.format(project=PROJECT_DIR).encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.format(project=PROJECT_DIR).encode(), executable=True)
        _add(zf, "set.toml", bugset.to_toml().encode())
        # The hidden cases Gradescope grades on come from the instructor's secret (a set
        # exported from an instructor bundle keeps its own; otherwise a fresh one), never
        # from the public seed every student can reproduce.
        _add(zf, SECRET_FILE, ((bugset.secret or new_secret()) + "\n").encode(), mode=0o600)
        _add(zf, f"{PROJECT_DIR}/requirements.txt", requirements().encode())
        for rel, path in _project_files(Path(root)):
            _add(zf, f"{PROJECT_DIR}/{rel}", path.read_bytes())
    os.replace(tmp, out)
    return out


def run(set_file: Path, submission: Path, results: Path) -> int:
    """Grade one Gradescope submission and write results.json; always leaves a results file."""
    from .batch import atomic
    from .batch.gradescope import write_results
    from .batch.run import grade_class
    from .manifest import load
    from .paths import find_root
    from .sets import resolve

    try:
        root = find_root()
        bugset = resolve(str(set_file), root, load(root))
        with tempfile.TemporaryDirectory(prefix="bughunt-gs-") as tmp:
            # One student, whatever folders the upload has: read in place, files matched by
            # path or by upload_name().
            result = grade_class(bugset, Path(submission), Path(tmp) / "out", write_outputs=False, single="student")
            write_results(results, bugset, result.reports[0])
        return 0
    except Exception as exc:  # Gradescope shows this text; never a traceback
        atomic.write_json(
            results,
            {"score": 0, "output": f"The autograder could not grade this submission: {type(exc).__name__}: {exc}", "tests": []},
        )
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bughunt.autograder")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="grade /autograder/submission into results.json")
    r.add_argument("--set", required=True, type=Path)
    r.add_argument("--submission", required=True, type=Path)
    r.add_argument("--results", required=True, type=Path)
    args = parser.parse_args(argv)
    return run(args.set, args.submission, args.results)


if __name__ == "__main__":
    sys.exit(main())
