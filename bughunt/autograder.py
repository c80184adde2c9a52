"""Gradescope autograder: the zip `bughunt export gradescope` writes, and the entry point
its `run_autograder` calls inside Gradescope's container.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when it builds the
image, then runs run_autograder per submission with the student's files in
/autograder/submission and expects /autograder/results/results.json. The zip carries
the bughunt source (library, exercises, graders) and the frozen set, so the image grades
with exactly the version the instructor exported; nothing is fetched while grading.
"""
from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

from .sets import BugSet

PROJECT_DIR = "bughunt-project"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # same zip bytes for the same inputs

SETUP_SH = """#!/usr/bin/env bash
# Runs once while Gradescope builds the autograder image (network is available then).
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install ./{project}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. AUTOGRADER_ROOT lets it run outside the
# container too (bughunt's own tests use a fake /autograder tree).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{BUGHUNT_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
export BUGHUNT_ROOT="$ROOT/source/{project}"
exec "$PY" -m bughunt.autograder run \\
    --set "$ROOT/source/set.toml" \\
    --submission "$ROOT/submission" \\
    --results "$ROOT/results/results.json"
"""

_PROJECT_FILES = ("pyproject.toml", "README.md")
_PROJECT_TREES = ("bughunt", "exercises", "graders")


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    zf.writestr(info, data)


def _project_files(root: Path):
    for name in _PROJECT_FILES:
        if (root / name).is_file():
            yield name, root / name
    for tree in _PROJECT_TREES:
        for path in sorted((root / tree).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and "__pycache__" not in rel.parts and not path.name.endswith(".pyc"):
                yield rel.as_posix(), path


def build_zip(bugset: BugSet, root: Path, out: Path) -> Path:
    """Write the autograder zip for `bugset` from the bughunt tree at `root`."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.format(project=PROJECT_DIR).encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.format(project=PROJECT_DIR).encode(), executable=True)
        _add(zf, "set.toml", bugset.to_toml().encode())
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
            # One student: give the submission the per-student folder layout batch grading reads.
            staged = Path(tmp) / "submissions" / "student"
            staged.parent.mkdir(parents=True)
            shutil.copytree(submission, staged, symlinks=True)
            result = grade_class(bugset, staged.parent, Path(tmp) / "out", write_outputs=False)
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
