"""How much grading adds to running the student's pipeline once.

For each exercise (or those matching argv[1]): median wall time of
  (a) `python <exercise file>`        — the student running their pipeline once;
  (b) `grade(exercise)` in a warm process — static checks + sandboxed runtime checks;
  (c) `bughunt check <id>` as a command  — what a student actually types.
Prints each and the overhead (b - a) and ratio (b / a), all measured in this one run.

    python bench/grade_overhead.py [target] [--repeat N]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bughunt.grading import grade  # noqa: E402
from bughunt.manifest import load, select  # noqa: E402


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    exercises = load(ROOT)
    if args:
        exercises = select(exercises, args[0])
    print(f"{'exercise':45} {'run once':>9} {'grade':>7} {'check cmd':>10} {'overhead':>9} {'ratio':>6}")
    overheads = []
    for ex in exercises:
        run = timed(lambda: subprocess.run([sys.executable, str(ex.path)], capture_output=True, cwd=ROOT), repeat)
        grade(ex)  # warm the grader import
        graded = timed(lambda: grade(ex), repeat)
        cmd = timed(lambda: subprocess.run([sys.executable, "-m", "bughunt.cli", "check", ex.id], capture_output=True, cwd=ROOT), repeat)
        overheads.append(graded - run)
        print(f"{ex.id:45} {run:8.2f}s {graded:6.2f}s {cmd:9.2f}s {graded - run:+8.2f}s {graded / run:5.2f}x")
    print(f"\nmedian overhead of grading over one run: {statistics.median(overheads):+.2f}s")


if __name__ == "__main__":
    main()
