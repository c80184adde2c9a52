"""Batch grading throughput: `bughunt grade` against one `pytest` process per submission.

Builds a fake class (default 20 students x the "starter" set, six exercises each), where
every student hands in a mix of reference fixes, untouched broken files and symptom-only
fixes. Then, on the same machine, in this one run:

  baseline  for each student, one `python -m pytest` process over a copy of the exercise
            tree holding that student's files (the bughunt pytest plugin grades them),
            one after the other — what grading a class with the plugin alone looks like;
            timed in --repeat shares, each right after one cold bughunt run, so that
            both arms see the same minutes of a machine whose speed drifts;
  parallel  the same pytest processes, two at a time per core (a fairer baseline);
  bughunt   one `bughunt grade SUBMISSIONS --set starter --out DIR` command, cold start
            included (imports, the warm fork server, writing every output), every run
            in its bubblewrap jail (the pytest baseline is jailed too: each cold run is);
            run --repeat times (default 3), each cold into a fresh folder: the median
            is reported, every run's time is printed, and their gradebooks must agree;
  no jail   the same command with --no-jail, to give the jail's cost per file.

Reports student submissions per second, exercise files per second, median and p95
latency, and the speed-up ratios. Verdicts are compared so the speed is not bought with
different answers.

    python bench/batch_throughput.py [--students N] [--set NAME] [--repeat N] [--skip-parallel] [--skip-no-jail]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bughunt.grader import load_grader  # noqa: E402
from bughunt.manifest import load  # noqa: E402
from bughunt.sets import load_sets  # noqa: E402


def submission_text(ex, i: int, j: int) -> tuple[str, str]:
    """(kind, text) for student i, exercise j: a fix, the broken file, or a symptom-only fix."""
    text = ex.path.read_text(encoding="utf-8")
    grader = load_grader(ex.grader_path)
    kind = (i + j) % 3
    if kind == 0:
        return "fixed", grader.reference_example().apply(text)
    if kind == 1:
        return "broken", text
    bad = grader.FAIL[(i // 3) % len(grader.FAIL)]
    return "symptom", bad.apply(text)


def build_class(work: Path, exercises, students: int) -> tuple[Path, Path]:
    subs, trees = work / "submissions", work / "baseline"
    for i in range(students):
        sid = f"s{i + 1:03d}"
        tree = trees / sid
        # A bughunt tree holding just this student's files: the manifests, the set's exercise folders.
        for manifest in (ROOT / "exercises").rglob("*.toml"):
            rel = manifest.relative_to(ROOT)
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(manifest, tree / rel)
        for ex in exercises:
            shutil.copytree(ex.folder, tree / "exercises" / ex.category / ex.slug, ignore=shutil.ignore_patterns("__pycache__"))
        os.symlink(ROOT / "graders", tree / "graders")
        for j, ex in enumerate(exercises):
            _, text = submission_text(ex, i, j)
            # Every file unique, as real hand-ins are: nothing may be served from a cache.
            text += f"\n# handed in by {sid}\n"
            rel = Path(ex.category) / ex.slug / ex.file
            (subs / sid / rel).parent.mkdir(parents=True, exist_ok=True)
            (subs / sid / rel).write_text(text, encoding="utf-8")
            (tree / "exercises" / rel).write_text(text, encoding="utf-8")
    return subs, trees


def pytest_one(tree: Path, exercises) -> tuple[float, dict]:
    report = tree / "report.xml"
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist",
         f"--junitxml={report}", "exercises"],
        cwd=tree, env={**os.environ, "BUGHUNT_ROOT": str(tree)}, capture_output=True,
    )
    took = time.perf_counter() - t
    return took, _junit_outcomes(report)


def _junit_outcomes(report: Path) -> dict:
    import xml.etree.ElementTree as ET

    out = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = any(child.tag in ("failure", "error") for child in case)
        out[case.get("name")] = "fail" if failed else "pass"
    if len(out) != len(set(out)) or any("." in name for name in out):
        raise SystemExit(f"pytest did not collect the exercises as expected: {sorted(out)}")
    return out


def cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (user + system, all cores, from /proc/stat).

    Not this process's RUSAGE_CHILDREN: a jailed run's CPU is reaped inside bubblewrap's pid
    namespace, which the batch tears down with a kill, so those times never reach us and the
    jailed arm looked cheaper than the unjailed one. Machine-wide time counts everything, other
    load included, so read it on an otherwise idle machine (the load average is printed)."""
    with open("/proc/stat") as fh:
        fields = fh.readline().split()[1:]
    ticks = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / ticks


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--set", default="starter")
    ap.add_argument("--skip-parallel", action="store_true")
    ap.add_argument("--skip-no-jail", action="store_true", help="do not time a --no-jail run for the jail's cost")
    ap.add_argument("--repeat", type=int, default=3, help="cold runs of each bughunt arm; the median is reported (default 3)")
    args = ap.parse_args()
    from bughunt.sandbox import jail

    jailed, why = jail.status()
    print(f"jail: {'bubblewrap' if jailed else 'none (' + why + ')'}")
    exercises_all = load(ROOT)
    bugset = load_sets(ROOT, exercises_all)[args.set]
    exercises = bugset.exercises
    files = args.students * len(exercises)
    cores = os.cpu_count() or 1
    print(f"{args.students} students x {len(exercises)} exercises of set {args.set!r} = {files} files; {cores} cores")

    work = Path(tempfile.mkdtemp(prefix="bughunt-bench-"))
    try:
        subs, trees = build_class(work, exercises, args.students)
        sids = sorted(p.name for p in trees.iterdir())

        def grade(out: Path, *extra: str) -> tuple[float, float]:
            t, c = time.perf_counter(), cpu_seconds()
            proc = subprocess.run(
                [sys.executable, "-m", "bughunt.cli", "grade", str(subs), "--set", args.set, "--out", str(out), *extra],
                capture_output=True, text=True, env={**os.environ, "BUGHUNT_ROOT": str(ROOT)},
            )
            took, cpu = time.perf_counter() - t, cpu_seconds() - c
            if proc.returncode != 0:
                sys.exit(f"bughunt grade failed:\n{proc.stdout}\n{proc.stderr}")
            return took, cpu

        def repeated(name: str, *extra: str, between=None) -> tuple[float, float, list[float]]:
            """`--repeat` cold runs, each into a fresh folder: the median run's wall and CPU
            time, and every run's wall time. One run of a few seconds catches whatever the
            machine is doing then; the serial baseline averages over a minute or more.
            `between(i)`, if given, runs after cold run i (a share of the baseline)."""
            runs = []
            for i in range(args.repeat):
                runs.append(grade(work / f"{name}-{i}", *extra))
                if between is not None:
                    between(i)
            books = {(work / f"{name}-{i}" / "gradebook.csv").read_text() for i in range(args.repeat)}
            if len(books) != 1:
                sys.exit("two runs on the same files wrote different gradebooks")
            mid = sorted(runs)[len(runs) // 2]
            return mid[0], mid[1], [took for took, _ in runs]

        # The serial baseline runs in `--repeat` shares, one after each cold bughunt run, so
        # both arms are measured over the same minutes: this machine's speed drifts by 10 %
        # and more from one minute to the next, and a baseline timed in one block before
        # the bughunt runs put that drift into the ratio.
        by_sid: dict = {}
        baseline = baseline_cpu = 0.0
        shares = [sids[i :: args.repeat] for i in range(args.repeat)]

        def baseline_share(i: int) -> None:
            nonlocal baseline, baseline_cpu
            t, c = time.perf_counter(), cpu_seconds()
            by_sid.update((sid, pytest_one(trees / sid, exercises)) for sid in shares[i])
            baseline, baseline_cpu = baseline + time.perf_counter() - t, baseline_cpu + cpu_seconds() - c

        out = work / "out-0"
        ours, ours_cpu, ours_runs = repeated("out", *(() if jailed else ("--no-jail",)), between=baseline_share)
        serial = [by_sid[sid] for sid in sids]

        parallel = None
        if not args.skip_parallel:
            t = time.perf_counter()
            with ThreadPoolExecutor(cores) as pool:
                list(pool.map(lambda sid: pytest_one(trees / sid, exercises), sids))
            parallel = time.perf_counter() - t
        bare, bare_cpu, bare_runs = (None, None, []) if args.skip_no_jail or not jailed else repeated("out-nojail", "--no-jail")
        latencies, agree, total = [], 0, 0
        for sid, (_, outcomes) in zip(sids, serial):
            if len(outcomes) != len(exercises):
                sys.exit(f"pytest graded {len(outcomes)} of {len(exercises)} exercises for {sid}: {sorted(outcomes)}")
            for ex in exercises:
                path = out / ".bughunt" / "results" / sid / (ex.id.replace("/", "__") + ".json")
                record = json.loads(path.read_text())
                latencies.append(record["latency"])
                total += 1
                agree += (record["status"] == "pass") == (outcomes.get(ex.slug) == "pass")
        with open(out / "gradebook.csv", newline="") as fh:
            rows = list(csv.reader(fh))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    per_student = [took for took, _ in serial]
    print(f"baseline, one pytest process per submission, serial: {baseline:7.1f} s  "
          f"{args.students / baseline:6.3f} submissions/s  {files / baseline:6.2f} files/s  "
          f"latency per submission median {statistics.median(per_student):.2f} s, p95 {percentile(per_student, 0.95):.2f} s")
    if parallel:
        print(f"baseline, {cores} pytest processes at a time:           {parallel:7.1f} s  "
              f"{args.students / parallel:6.3f} submissions/s  {files / parallel:6.2f} files/s")
    runs = ", ".join(f"{t:.1f}" for t in ours_runs)
    print(f"bughunt grade (cold start, all outputs written):     {ours:7.1f} s  "
          f"{args.students / ours:6.3f} submissions/s  {files / ours:6.2f} files/s  "
          f"latency per file median {statistics.median(latencies):.3f} s, p95 {percentile(latencies, 0.95):.3f} s  "
          f"(median of {len(ours_runs)} cold runs: {runs} s)")
    if bare:
        print(f"bughunt grade --no-jail (median of {len(bare_runs)}):               {bare:7.1f} s  {files / bare:6.2f} files/s; "
              f"the jail costs {(ours - bare) / files * 1000:+.0f} ms of wall time per file ({cores} cores), "
              f"{(ours_cpu - bare_cpu) / files * 1000:+.0f} ms of CPU time per file")
    loadavg = os.getloadavg()[0]
    print(f"CPU time: baseline {baseline_cpu:.1f} s, bughunt grade {ours_cpu:.1f} s: {baseline_cpu / ours_cpu:.1f}x less "
          f"CPU per class (load average now {loadavg:.1f} on {cores} cores; wall-time ratios need an idle machine)")
    print(f"speed-up vs serial pytest: {baseline / ours:.2f}x" + (f"; vs {cores} parallel pytest: {parallel / ours:.2f}x" if parallel else ""))
    print(f"verdicts agreeing with the pytest plugin: {agree}/{total}; gradebook rows: {len(rows) - 2}")


if __name__ == "__main__":
    main()
