"""The `bughunt` command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from . import __version__, progress
from .manifest import Exercise, ManifestError, load, select
from .paths import RootNotFound, find_root


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _exercises() -> tuple[Path, list[Exercise]]:
    try:
        root = find_root()
        return root, load(root)
    except (RootNotFound, ManifestError) as exc:
        raise click.UsageError(str(exc)) from None


def _bundle():
    from .bundle import BundleError, find_bundle

    try:
        return find_bundle(Path.cwd())
    except BundleError as exc:
        raise click.UsageError(str(exc)) from None


def _one(exercise_id: str) -> tuple[Path, Exercise]:
    root, exercises = _exercises()
    for ex in exercises:
        if ex.id == exercise_id:
            return root, ex
    raise click.UsageError(f"no exercise {exercise_id!r}; `bughunt list` shows them all")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bughunt")
def main() -> None:
    """ML bug hunts that grade themselves: fix the root cause, not the symptom."""


@main.command()
@click.argument("target")
@click.option("--file", "file", type=click.Path(path_type=Path), help="Grade this file instead of the exercise's own.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@click.option("-j", "--jobs", type=int, default=None, help="Exercises graded in parallel (default: all cores).")
def check(target: str, file: Path | None, as_json: bool, jobs: int | None) -> None:
    """Grade an exercise (id such as leakage/scaler-before-split), a category, or a glob."""
    from .grading import grade_many
    from .report import print_summary, print_verdict, verdicts_json

    root, exercises = _exercises()
    chosen = select(exercises, target)
    if not chosen:
        raise click.UsageError(f"no exercise or category matches {target!r}; `bughunt list` shows them all")
    if file is not None and len(chosen) != 1:
        raise click.UsageError("--file needs a single exercise id, not a category")
    bundle = _bundle() if file is None else None
    if bundle is not None:  # inside an assignment: grade the student's own copies
        chosen = [ex for ex in chosen if ex.id in bundle.files]
        if not chosen:
            raise click.UsageError(f"this assignment ({bundle.set_name}) has no exercise matching {target!r}")
    items = [(ex, bundle.files[ex.id] if bundle else file) for ex in chosen]
    console = _console()
    printer = None if as_json else (lambda v: print_verdict(console, v))
    verdicts = grade_many(items, jobs=jobs, on_done=printer)
    for ex, v in zip(chosen, verdicts):
        if file is None and bundle is None:
            progress.record_verdict(root, ex.id, ex.path, v.status)
    if as_json:
        click.echo(verdicts_json(verdicts))
    elif len(verdicts) > 1:
        print_summary(console, verdicts)
    sys.exit(0 if all(v.status == "pass" for v in verdicts) else 1)


@main.command("list")
def list_() -> None:
    """List the exercises with your status on each."""
    from .report import exercise_table

    root, exercises = _exercises()
    rows = [(e.id, e.title, e.difficulty, progress.status_of(root, e.id, e.path)) for e in exercises]
    _console().print(exercise_table(rows))


@main.command()
@click.argument("exercise_id")
@click.option("--reset", is_flag=True, help="Start again from the first hint.")
def hint(exercise_id: str, reset: bool) -> None:
    """Show the next hint for an exercise (each call goes one level deeper)."""
    root, ex = _one(exercise_id)
    if reset:
        data = progress.load(root)
        data.get("hints", {}).pop(ex.id, None)
        progress.save(root, data)
    i = progress.next_hint(root, ex.id, len(ex.hints))
    click.echo(f"Hint {i + 1}/{len(ex.hints)} for {ex.id}: {ex.hints[i]}")


@main.command()
@click.argument("exercise_id")
def solution(exercise_id: str) -> None:
    """Print the reference fix (the whole file)."""
    from .grader import load_grader

    _, ex = _one(exercise_id)
    grader = load_grader(ex.grader_path)
    click.echo(grader.reference_example().apply(ex.path.read_text(encoding="utf-8")), nl=False)


@main.group()
def dev() -> None:
    """Tools for exercise authors."""


@dev.command("check")
@click.argument("target", required=False, default="*")
@click.option("--no-grade", is_flag=True, help="Only validate the manifest, READMEs, hints and examples; grade nothing.")
@click.option("-j", "--jobs", type=int, default=None)
def dev_check(target: str, no_grade: bool, jobs: int | None) -> None:
    """Prove every exercise fails as shipped, every PASS example passes and every FAIL example fails."""
    from .devcheck import run

    root, exercises = _exercises()
    chosen = select(exercises, target) if target != "*" else exercises
    if not chosen:
        raise click.UsageError(f"no exercise matches {target!r}")
    problems = run(chosen, grade_examples=not no_grade, jobs=jobs, console=_console())
    sys.exit(1 if problems else 0)


from .cli_instructor import register  # noqa: E402  (the instructor commands join the same group)

register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
