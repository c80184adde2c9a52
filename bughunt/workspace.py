"""The student's loop: where the exercises and the student's own files are, what is done,
and the workspace `bughunt init` writes.

Three places hold a student's files:

- a **workspace** (`bughunt init DIR`): the broken files and READMEs of every exercise,
  copied from the installed package, in a `<category>/<slug>/<file>` layout; no reference
  fixes and no graders;
- an **assignment bundle** (`bughunt assign`), the same layout for one set;
- a **checkout** of the bughunt repository, where the files under exercises/ are edited
  in place;
- anywhere else, the **installed** package's own (read-only) copies; progress then goes
  to `$XDG_STATE_HOME/bughunt` (`~/.local/state/bughunt`), and `bughunt init` is the way
  to get files to edit.

Workspaces and bundles carry the same marker file (`.bughunt-assignment.toml`), so
`bughunt check` and `pytest` grade the student's copies in both. Progress (the last
verdict per exercise keyed by file content, hints seen, solutions peeked at, passes) is
kept in `<workspace>/.bughunt/progress.json`; losing it only loses convenience.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import progress
from .manifest import Exercise, load
from .paths import find_root

WORKSPACE_SET = "workspace"


class WorkspaceError(Exception):
    pass


@dataclass
class Context:
    library: Path  # the tree holding exercises/ and graders/
    exercises: list[Exercise]  # the student's exercises, in order
    files: dict[str, Path]  # exercise id -> the student's file
    home: Path  # where .bughunt/progress.json lives
    kind: str  # "workspace" | "bundle" | "checkout"
    bundle: object = None
    all_exercises: list[Exercise] = field(default_factory=list)

    def file(self, ex: Exercise) -> Path:
        return self.files[ex.id]


def context(cwd: Path | None = None) -> Context:
    """Where the student works from `cwd`. Raises RootNotFound, ManifestError or BundleError."""
    from .bundle import find_bundle

    cwd = Path(cwd or Path.cwd())
    root = find_root(cwd)
    everything = load(root)
    bundle = find_bundle(cwd)
    if bundle is not None:
        chosen = [ex for ex in everything if ex.id in bundle.files]
        kind = "workspace" if bundle.set_name == WORKSPACE_SET and bundle.student is None else "bundle"
        return Context(root, chosen, {ex.id: bundle.files[ex.id] for ex in chosen}, bundle.root, kind, bundle, everything)
    if _inside_package(root):  # the installed package's own copies: read-only, progress kept per user
        return Context(root, everything, {ex.id: ex.path for ex in everything}, _state_home(), "installed", None, everything)
    return Context(root, everything, {ex.id: ex.path for ex in everything}, root, "checkout", None, everything)


def _inside_package(root: Path) -> bool:
    return root.resolve() == Path(__file__).resolve().parent


def _state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "bughunt"


# --- progress ------------------------------------------------------------------------

def record(ctx: Context, ex: Exercise, file: Path, status: str) -> None:
    progress.record_verdict(ctx.home, ex.id, file, status)
    if status == "pass":
        data = progress.load(ctx.home)
        data.setdefault("passed", {})[ex.id] = _now()
        progress.save(ctx.home, data)


def status(ctx: Context, ex: Exercise) -> str:
    return progress.status_of(ctx.home, ex.id, ctx.file(ex))


def is_done(ctx: Context, ex: Exercise) -> bool:
    return status(ctx, ex) == "pass"


def ever_passed(ctx: Context, ex: Exercise) -> bool:
    return ex.id in progress.load(ctx.home).get("passed", {})


def mark_peeked(ctx: Context, ex: Exercise) -> None:
    data = progress.load(ctx.home)
    data.setdefault("peeked", {}).setdefault(ex.id, _now())
    progress.save(ctx.home, data)


def peeked(ctx: Context, ex: Exercise) -> bool:
    return ex.id in progress.load(ctx.home).get("peeked", {})


def done_count(ctx: Context) -> tuple[int, int]:
    return sum(is_done(ctx, ex) for ex in ctx.exercises), len(ctx.exercises)


def next_unfinished(ctx: Context, after: Exercise | None = None) -> Exercise | None:
    """The first exercise not done, starting after `after` and wrapping around."""
    order = ctx.exercises
    if after is not None and after in order:
        i = order.index(after) + 1
        order = order[i:] + order[:i]
    return next((ex for ex in order if not is_done(ctx, ex)), None)


def hint_state(ctx: Context, ex: Exercise) -> int:
    return int(progress.load(ctx.home).get("hints", {}).get(ex.id, 0))


def take_hint(ctx: Context, ex: Exercise) -> int | None:
    """The index of the hint to show now (advancing the counter), or None when all were shown."""
    data = progress.load(ctx.home)
    seen = int(data.setdefault("hints", {}).get(ex.id, 0))
    if seen >= len(ex.hints):
        return None
    data["hints"][ex.id] = seen + 1
    progress.save(ctx.home, data)
    return seen


def reset_hints(ctx: Context, ex: Exercise) -> None:
    data = progress.load(ctx.home)
    data.get("hints", {}).pop(ex.id, None)
    progress.save(ctx.home, data)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


# --- shipped files, reset ------------------------------------------------------------

def shipped_text(ctx: Context, ex: Exercise, target: Path | None = None) -> str:
    """The exercise's file as shipped, in the form of `target` (a notebook for an .ipynb)."""
    target = target or ctx.file(ex)
    if ctx.kind == "bundle" and ctx.bundle is not None and getattr(ctx.bundle, "student", None):
        raise WorkspaceError(
            f"this bundle was generated for {ctx.bundle.student}: its files differ from the library's, "
            "so bughunt cannot restore them; ask your instructor for a fresh copy"
        )
    if ctx.kind == "installed":
        raise WorkspaceError(
            "these are the installed package's own files; `bughunt init DIR` writes copies for you to edit"
        )
    if ctx.kind == "checkout":
        text = _git_original(ctx.library, ex.path)
        if text is None:
            raise WorkspaceError(
                f"cannot find the shipped {ex.file} of {ex.id} (no git history here); "
                "use a workspace (`bughunt init`) to reset exercises"
            )
    else:
        text = ex.path.read_text(encoding="utf-8")
    from .notebooks import from_script, is_notebook

    if is_notebook(target):
        return from_script(text, title=ex.title, intro=_notebook_intro(ex))
    return text


def _git_original(root: Path, path: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        out = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{rel}"], capture_output=True, timeout=20)
    except (ValueError, OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode("utf-8") if out.returncode == 0 else None


def reset(ctx: Context, ex: Exercise) -> Path | None:
    """Restore the shipped file; the current one is kept in .bughunt/backups. Returns the backup."""
    target = ctx.file(ex)
    text = shipped_text(ctx, ex, target)
    backup = None
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        backup = ctx.home / ".bughunt" / "backups" / ex.category / ex.slug / f"{stamp}-{target.name}"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.bughunt-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return backup


# --- init ----------------------------------------------------------------------------

def _notebook_intro(ex: Exercise) -> str:
    return (
        "Read README.md in this folder for the story and the task. Fix the bug in the code cells "
        f"below, save, then run `bughunt check {ex.id}` (or `pytest {ex.category}/{ex.slug}`) in a "
        "terminal inside the workspace. Keep the function names: the grader calls them. "
        "Messages point at `cell N, line M`."
    )


def handout_name(ex: Exercise, notebooks: bool) -> str:
    return Path(ex.file).stem + ".ipynb" if notebooks else ex.file


def _marker(files: dict[str, str]) -> str:
    from .bundle import marker_text

    return marker_text(
        "Written by `bughunt init`. `bughunt check` and `pytest` run inside this folder grade the files\n"
        "listed here against the exercises of the installed bughunt package.",
        WORKSPACE_SET, None, files,
    )


def hints_markdown(ex: Exercise) -> str:
    lines = [
        f"# Hints: {ex.title}",
        "",
        "Try on your own first. When stuck, read one hint and go back to work before the next.",
        f"`bughunt hint {ex.id}` shows them one at a time.",
        "",
    ]
    lines += [f"{i}. {h}" for i, h in enumerate(ex.hints, start=1)]
    return "\n".join(lines) + "\n"


def workspace_readme(exercises: list[Exercise], notebooks: bool) -> str:
    first = exercises[0]
    rows = "\n".join(
        f"| {i} | `{e.id}` | {e.title.replace('|', '/')} | {e.difficulty} |" for i, e in enumerate(exercises, 1)
    )
    kind = "notebook" if notebooks else "file"
    return f"""# Your bughunt workspace

Each folder `<category>/<slug>/` holds one small machine-learning program with one deliberate
bug ({kind}), and a README with the story and the task. Fix the **root cause**; hiding the
symptom (a `try`/`except`, a clipped value, a silenced warning) does not count.

```bash
bughunt watch                     # re-grades on every save, moves on when an exercise passes
bughunt list                      # every exercise and your status (n / m done)
bughunt check {first.id:<24}# grade one exercise (ids, paths and unique prefixes work)
pytest {first.category:<31}# the same verdicts, through pytest
bughunt hint {first.id:<25}# one hint at a time
bughunt next                      # the next unfinished exercise
bughunt reset {first.id:<24}# start an exercise again (your file is backed up)
bughunt solution {first.id:<21}# the reference fix, once the exercise passes
```

| # | exercise | title | difficulty |
|---|----------|-------|------------|
{rows}

Your progress is kept in `.bughunt/progress.json`.
"""


def init(dest: Path, exercises: list[Exercise], notebooks: bool = False) -> dict[str, Path]:
    """Write a fresh workspace of broken files and READMEs into `dest` (absent or empty)."""
    dest = Path(dest).absolute()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise WorkspaceError(f"{dest} already exists and is not empty; choose a new folder")
    if not exercises:
        raise WorkspaceError("no exercises to write")
    from .notebooks import from_script

    staging = dest.with_name(f".{dest.name}.bughunt-init")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        rel: dict[str, str] = {}
        for ex in exercises:
            folder = staging / ex.category / ex.slug
            folder.mkdir(parents=True)
            text = ex.path.read_text(encoding="utf-8")
            name = handout_name(ex, notebooks)
            body = from_script(text, title=ex.title, intro=_notebook_intro(ex)) if notebooks else text
            (folder / name).write_text(body, encoding="utf-8")
            shutil.copyfile(ex.readme, folder / "README.md")
            (folder / "HINTS.md").write_text(hints_markdown(ex), encoding="utf-8")
            rel[ex.id] = f"{ex.category}/{ex.slug}/{name}"
        (staging / "README.md").write_text(workspace_readme(exercises, notebooks), encoding="utf-8")
        (staging / "pytest.ini").write_text(
            "# Makes this folder pytest's root: `pytest` here grades your files with the bughunt plugin.\n[pytest]\n",
            encoding="utf-8",
        )
        (staging / ".gitignore").write_text(".bughunt/\n__pycache__/\n", encoding="utf-8")
        from .bundle import MARKER

        (staging / MARKER).write_text(_marker(rel), encoding="utf-8")
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {i: dest / r for i, r in rel.items()}


# --- grading a student's file ----------------------------------------------------------

def grade_file(ex: Exercise, file: Path, runner=None, shown: str | None = None, limits=None, seed: int | None = None):
    """Grade `file` (a .py or an .ipynb) as `bughunt check` does; `runner` and `limits` as
    for grade(); `seed` picks the hidden cases (None: the public ones)."""
    from .grading import display_path
    from .notebooks import Converted, NotebookError, is_notebook, remap_verdict

    file = Path(file)
    shown = shown or display_path(file)
    if is_notebook(file):
        try:
            conv = Converted(file, name=Path(ex.file).name)
        except NotebookError as exc:
            from .verdict import Verdict

            return Verdict(exercise=ex.id, file=shown, status="error", reason=str(exc))
        with conv:
            v = _grade(ex, conv.path, shown, runner, limits, seed)
            return remap_verdict(v, conv, shown)
    return _grade(ex, file, shown, runner, limits, seed)


def _grade(ex: Exercise, path: Path, shown: str, runner, limits=None, seed=None):
    from .grading import grade

    return grade(ex, path, limits=limits, runner=runner or _cold_runner(ex), display=shown, seed=seed)


_LAZY_IMPORT = None


def _judge_imports(grader) -> list[str]:
    """Modules the grader's judges import lazily (scipy.special for the numeric family):
    found by reading the family's judge modules for indented `from scipy... import` lines."""
    global _LAZY_IMPORT
    import re
    import sys

    if _LAZY_IMPORT is None:
        _LAZY_IMPORT = re.compile(r"^[ \t]+(?:from|import)[ \t]+((?:scipy|sklearn)(?:\.\w+)*)", re.M)
    names: set[str] = set()
    for cls in type(grader).__mro__:
        mod = sys.modules.get(cls.__module__)
        if mod is None or not cls.__module__.startswith("bughunt.families."):
            continue
        try:
            text = Path(mod.__file__).read_text(encoding="utf-8")
        except (OSError, TypeError):
            continue
        names.update(_LAZY_IMPORT.findall(text))
    return sorted(names)


def _cold_runner(ex: Exercise):
    """The cold sandbox, plus: while the child runs, import what the judge will need
    (a daemon thread), so that this import is not paid after the child returns."""
    from .sandbox import run_probe

    def runner(grader_path, student_path, limits, seed=None):
        try:
            from .grader import load_grader

            wanted = _judge_imports(load_grader(grader_path))
        except Exception:
            wanted = []
        if wanted:
            import importlib

            def warm():
                for name in wanted:
                    try:
                        importlib.import_module(name)
                    except Exception:
                        pass

            threading.Thread(target=warm, daemon=True).start()
        return run_probe(grader_path, student_path, limits, seed=seed)

    return runner


def grade_many(items, jobs: int | None = None, on_done=None, runner=None) -> list:
    """grade_file over (exercise, file, shown) triples, `jobs` at a time, results in input order."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = jobs or os.cpu_count() or 1
    if runner is None:
        # Cold runs: start the first children now, so their interpreters, jails and numpy
        # load while this process imports the static analysis and builds the hidden cases.
        from .sandbox.runner import Limits, prestart

        for ex, _, _ in items[:jobs]:
            prestart(Limits(timeout=ex.timeout, memory_mb=ex.memory_mb))
    if jobs <= 1 or len(items) <= 1:
        out = []
        for ex, f, shown in items:
            out.append(grade_file(ex, f, runner=runner, shown=shown))
            if on_done:
                on_done(out[-1])
        return out
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade_file, ex, f, runner, shown) for ex, f, shown in items]
        results = []
        for fut in futures:
            results.append(fut.result())
            if on_done:
                on_done(results[-1])
        return results
