"""How long `bughunt assign` takes per variant: a class of 30 students x 3 exercises.

Each measurement is one fresh Python process that imports bughunt from a source tree and
calls `write_assignment` once for the whole class (imports and the first grader load are
inside the timing: that is what an instructor waits for). The figure is seconds per
variant (one student's copy of one exercise, with its solution).

With `--against REV`, the same class is also written by the code of git revision REV, from
a temporary `git worktree` of this repository (removed afterwards), in the same run; the
handed-out exercise files and the solutions of both runs are compared byte for byte, so
the speed is not bought with different variants. READMEs are not compared (they are
rewritten per variant since the speed-up).

    python bench/assign_speed.py [--students 30] [--exercises ID,ID,ID] [--against REV]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ("leakage/scaler-before-split", "gradient_sign/linreg-batch", "bias_update/linreg-minibatch")

# Run in a child process with the tree to measure first on sys.path. It uses only the API
# that has not changed (load, read_file, write_assignment), so it runs against old revisions too.
_CHILD = r"""
import json, sys, time
from pathlib import Path
tree, out, n, ids = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(",")
sys.path.insert(0, str(tree))
t0 = time.perf_counter()
from bughunt.assign import write_assignment
from bughunt.batch.model import Student
from bughunt.manifest import load
from bughunt.sets import read_file
sets = out.parent / "bench-sets.toml"
sets.write_text('format_version = 1\n[sets.bench]\ntitle = "Assign speed"\nexercises = ' + json.dumps(ids) + '\n')
bugset = read_file(sets, load(tree))["bench"]
roster = [Student(f"s{i:03d}", name=f"Student {i}") for i in range(1, n + 1)]
write_assignment(bugset, out, roster=roster, seed=7)
print(json.dumps({"seconds": time.perf_counter() - t0, "module": __import__("bughunt").__file__}))
"""


def measure(tree: Path, out: Path, students: int, ids: list[str]) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), str(out), str(students), ",".join(ids)],
        capture_output=True, text=True, cwd=out.parent,
    )
    if proc.returncode != 0:
        sys.exit(f"writing the class with {tree} failed:\n{proc.stderr.strip()}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if not Path(result["module"]).resolve().is_relative_to(tree.resolve()):
        sys.exit(f"the child imported bughunt from {result['module']}, not from {tree}")
    return result["seconds"]


def python_files(out: Path) -> dict[str, bytes]:
    """The handed-out exercise files and the solutions: what must not change."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.py"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--exercises", default=",".join(EXERCISES), help="comma-separated exercise ids")
    parser.add_argument("--against", metavar="REV", help="also time git revision REV and compare the variants")
    args = parser.parse_args()
    ids = args.exercises.split(",")
    variants = args.students * len(ids)
    with tempfile.TemporaryDirectory(prefix="assign-speed-") as tmp:
        tmp = Path(tmp)
        runs = [("this tree", ROOT)]
        if args.against:
            old = tmp / "old"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.against],
                           check=True, capture_output=True)
            runs.insert(0, (f"{args.against}", old))
        try:
            seconds, outputs = {}, {}
            for label, tree in runs:
                (tmp / label.replace(" ", "_")).mkdir()
                out = tmp / label.replace(" ", "_") / "out"
                seconds[label] = measure(tree, out, args.students, ids)
                outputs[label] = python_files(out)
                print(f"{label:>14}: {seconds[label]:7.2f} s for {args.students} students x {len(ids)} exercises "
                      f"= {seconds[label] / variants:.3f} s per variant")
            if args.against:
                old_files, new_files = outputs[args.against], outputs["this tree"]
                same = sum(old_files.get(k) == v for k, v in new_files.items())
                print(f"{'speed-up':>14}: {seconds[args.against] / seconds['this tree']:.1f}x")
                print(f"{'identical':>14}: {same} of {len(new_files)} exercise files and solutions "
                      f"({len(set(old_files) ^ set(new_files))} present in only one run)")
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "old")],
                               capture_output=True)


if __name__ == "__main__":
    main()
