"""How much a student waits for a verdict, compared with running the fixed file once.

In one run, for one exercise (default sigmoid/overflow-basic), with the reference fix as
the submission:

- `python fixed.py`                          the student's own run (interpreter, imports, code)
- `bughunt check ID --file fixed.py`         a cold check: a fresh CLI process, as typed
- a warm re-check, as `bughunt watch` does   one process with a warm fork server, re-grading

Each is repeated (median of --repeat runs, after one warm-up run of each so that the
file-system cache is equal). Wall time and CPU time (this process's children, so
everything the command started) are reported, as differences and ratios. The machine's
load average is printed too: wall times on a loaded 2-core machine are not comparable.

    python bench/check_latency.py [--exercise ID] [--repeat 5]

Targets (issue 10): a cold check adds at most 1 s to running the fixed file once; a warm
re-check adds at most 0.3 s.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float, int]:
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - cpu0, proc.returncode


def median_of(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up
    walls, cpus = [], []
    for _ in range(repeat):
        w, c, *_ = fn()
        walls.append(w)
        cpus.append(c)
    return statistics.median(walls), statistics.median(cpus)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exercise", default="sigmoid/overflow-basic")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    from bughunt.grader import load_grader
    from bughunt.manifest import load

    ex = next(e for e in load(ROOT) if e.id == args.exercise)
    work = Path(tempfile.mkdtemp(prefix="bughunt-latency-"))
    fixed = work / ex.file
    fixed.write_text(load_grader(ex.grader_path).reference_example().apply(ex.path.read_text()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BUGHUNT_ROOT"}
    env["BUGHUNT_ROOT"] = str(ROOT)
    bughunt = [sys.executable, "-m", "bughunt.cli"]
    load0 = os.getloadavg()

    run_wall, run_cpu = median_of(lambda: timed([sys.executable, str(fixed)], work, env), args.repeat)

    def cold():
        w, c, rc = timed([*bughunt, "check", ex.id, "--file", str(fixed)], work, env)
        if rc != 0:
            raise SystemExit(f"the reference fix did not pass `bughunt check` (exit {rc})")
        return w, c

    cold_wall, cold_cpu = median_of(cold, args.repeat)

    from bughunt.sandbox.warm import WarmSandbox
    from bughunt.workspace import grade_file

    with WarmSandbox() as box:
        def warm():
            t0, c0 = time.perf_counter(), _self_cpu()
            v = grade_file(ex, fixed, runner=box.run)
            if v.status != "pass":
                raise SystemExit(f"the reference fix did not pass the warm re-check: {v.reason or v.lines()}")
            # CPU: the grading process's own; the forked child is not our child, so wall is what counts
            return time.perf_counter() - t0, _self_cpu() - c0

        warm_wall, warm_cpu = median_of(warm, args.repeat)
    load1 = os.getloadavg()

    rows = [
        ("python fixed file (the student's run)", run_wall, run_cpu),
        ("bughunt check, cold (CLI process)", cold_wall, cold_cpu),
        ("warm re-check (bughunt watch)", warm_wall, warm_cpu),
    ]
    print(f"exercise {ex.id}, median of {args.repeat}; load average {load0[0]:.2f} before, {load1[0]:.2f} after, "
          f"{os.cpu_count()} cores")
    print(f"{'':42} {'wall s':>8} {'cpu s':>8}")
    for name, w, c in rows:
        print(f"{name:42} {w:8.3f} {c:8.3f}")
    print()
    print(f"cold check - run:  wall {cold_wall - run_wall:+.3f} s (target <= +1.0)   ratio {cold_wall / run_wall:.2f}x;"
          f"  cpu {cold_cpu - run_cpu:+.3f} s, ratio {cold_cpu / max(run_cpu, 1e-9):.2f}x")
    print(f"warm re-check - run: wall {warm_wall - run_wall:+.3f} s (target <= +0.3)   ratio {warm_wall / run_wall:.2f}x")
    ok = cold_wall - run_wall <= 1.0 and warm_wall - run_wall <= 0.3
    print("targets met" if ok else "targets NOT met (see the load average: wall times need an idle machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
