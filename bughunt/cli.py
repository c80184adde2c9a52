"""The `bughunt` command line."""
from __future__ import annotations

import sys
from pathlib import Path


def _starts_a_batch() -> bool:
    """This process is `bughunt grade` itself: not an import by pytest or a test, and not a
    grading worker, which multiprocessing starts by running this same program (with the same
    arguments) as its main module."""
    import multiprocessing

    program = __name__ == "__main__" or Path(sys.argv[0]).stem == "bughunt"
    worker = getattr(multiprocessing.current_process(), "_inheriting", False)
    return program and not worker and sys.argv[1:2] == ["grade"] and "--help" not in sys.argv


if _starts_a_batch():
    # Before anything else: the workers' fork server imports for a second and a half, and
    # the first result waits for it (batch/workers.py).
    from .batch.workers import start_fork_server

    start_fork_server()

import click  # noqa: E402
from rich.console import Console  # noqa: E402

from . import __version__  # noqa: E402
from .manifest import Exercise, ManifestError, load, select  # noqa: E402
from .paths import RootNotFound, find_root  # noqa: E402


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _exercises() -> tuple[Path, list[Exercise]]:
    try:
        root = find_root()
        return root, load(root)
    except (RootNotFound, ManifestError) as exc:
        raise click.UsageError(str(exc)) from None


def _ctx():
    """Where the student works: a workspace, an assignment bundle or a checkout."""
    from .bundle import BundleError
    from .workspace import context

    try:
        return context(Path.cwd())
    except (RootNotFound, ManifestError, BundleError) as exc:
        raise click.UsageError(str(exc)) from None


def _pick(ctx, target: str, single: bool = False) -> list[Exercise]:
    from .resolve import ResolveError, resolve

    try:
        return resolve(target, ctx.exercises, ctx.files, Path.cwd(), single=single)
    except ResolveError as exc:
        if ctx.kind == "bundle":
            try:  # an exercise of the library that this assignment does not hold
                other = resolve(target, ctx.all_exercises, {}, Path.cwd())
            except ResolveError:
                other = []
            if other:
                raise click.UsageError(
                    f"this assignment ({ctx.bundle.set_name}) has no exercise matching {target!r}; "
                    "`bughunt list` shows the ones it holds"
                ) from None
        raise click.UsageError(str(exc)) from None


def _one(ctx, target: str) -> Exercise:
    return _pick(ctx, target, single=True)[0]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bughunt")
def main() -> None:
    """ML bug hunts that grade themselves: fix the root cause, not the symptom.

    Start with `bughunt init` (a workspace of broken exercises), then `bughunt watch`."""


@main.command()
@click.argument("directory", required=False, default="bughunt-exercises", type=click.Path(path_type=Path))
@click.option("--notebooks", is_flag=True, help="Write each exercise as a Jupyter notebook (.ipynb).")
@click.option("--set", "set_name", default=None, help="Only the exercises of this bug set (see `bughunt sets`).")
def init(directory: Path, notebooks: bool, set_name: str | None) -> None:
    """Write a fresh workspace of broken exercises and their READMEs into DIRECTORY."""
    from .workspace import WorkspaceError, init as write

    root, exercises = _exercises()
    if set_name:
        from .sets import SetError, load_sets

        try:
            sets = load_sets(root, exercises)
        except SetError as exc:
            raise click.UsageError(str(exc)) from None
        if set_name not in sets:
            raise click.UsageError(f"no bug set {set_name!r}; `bughunt sets` lists them")
        exercises = sets[set_name].exercises
    try:
        files = write(directory, exercises, notebooks=notebooks)
    except (WorkspaceError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    first = exercises[0]
    click.echo(f"Wrote {len(files)} exercises to {directory}{' as notebooks' if notebooks else ''}. Next:")
    click.echo(f"  cd {directory}")
    click.echo("  bughunt watch                 # or: bughunt check " + first.id)


@main.command()
@click.argument("target")
@click.option("--file", "file", type=click.Path(path_type=Path), help="Grade this file (.py or .ipynb) instead of the exercise's own.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@click.option("-j", "--jobs", type=int, default=None, help="Exercises graded in parallel (default: all cores).")
def check(target: str, file: Path | None, as_json: bool, jobs: int | None) -> None:
    """Grade an exercise (an id such as leakage/scaler-before-split, a path, a unique prefix),
    a category, or a glob."""
    from .report import print_summary, print_verdict, verdicts_json
    from .workspace import grade_many, record

    ctx = _ctx()
    chosen = _pick(ctx, target, single=False)
    if file is not None and len(chosen) != 1:
        raise click.UsageError("--file needs a single exercise id, not a category")
    items = [(ex, file if file is not None else ctx.file(ex), None) for ex in chosen]
    console = _console()
    printer = None if as_json else (lambda v: print_verdict(console, v))
    verdicts = grade_many(items, jobs=jobs, on_done=printer)
    for (ex, f, _), v in zip(items, verdicts):
        if file is None or Path(file).resolve() == ctx.file(ex).resolve():
            record(ctx, ex, f, v.status)
    if as_json:
        click.echo(verdicts_json(verdicts))
    else:
        if len(verdicts) > 1:
            print_summary(console, verdicts)
        if file is None:
            from .workspace import done_count

            done, total = done_count(ctx)
            console.print(f"[dim]{done} / {total} done[/]")
            if ctx.kind == "installed":
                console.print("[dim]These are the exercises as installed. `bughunt init DIR` writes your own copies to edit.[/]")
        if any(v.cases == "public" and v.status != "error" for v in verdicts):
            console.print(
                "[dim]Checked on the public test cases. Your instructor grades on other hidden cases, "
                "made from a secret only they hold.[/]"
            )
    sys.exit(0 if all(v.status == "pass" for v in verdicts) else 1)


@main.command("list")
def list_() -> None:
    """List the exercises with your status on each (a pytest pass counts too)."""
    from .report import exercise_table
    from .workspace import done_count, status

    ctx = _ctx()
    rows = [(e.id, e.title, e.difficulty, status(ctx, e)) for e in ctx.exercises]
    console = Console(highlight=False)
    console.print(exercise_table(rows, width=console.width))
    done, total = done_count(ctx)
    console.print(f"{done} / {total} done")


@main.command()
@click.argument("exercise_id")
@click.option("--reset", is_flag=True, help="Start again from the first hint.")
def hint(exercise_id: str, reset: bool) -> None:
    """Show the next hint for an exercise (each call goes one level deeper)."""
    from .workspace import reset_hints, take_hint

    ctx = _ctx()
    ex = _one(ctx, exercise_id)
    if reset:
        reset_hints(ctx, ex)
    total = len(ex.hints)
    i = take_hint(ctx, ex)
    if i is None:
        last_one = f"The last one was:\n  {ex.hints[-1]}\n" if ex.hints else "\n"
        click.echo(
            f"No hints left for {ex.id}: you have seen all {total}. {last_one}"
            f"`bughunt hint {ex.id} --reset` starts again; `bughunt solution {ex.id} --peek` shows the fix."
        )
        return
    last = " (this is the last hint)" if i == total - 1 else ""
    click.echo(f"Hint {i + 1}/{total} for {ex.id}{last}: {ex.hints[i]}")


@main.command()
@click.argument("exercise_id")
@click.option("--peek", is_flag=True, help="Show it before the exercise passes (recorded in your progress).")
def solution(exercise_id: str, peek: bool) -> None:
    """Print the reference fix of the shipped file (once the exercise passes, or with --peek)."""
    from .grader import load_grader
    from .workspace import ever_passed, is_done, mark_peeked

    ctx = _ctx()
    ex = _one(ctx, exercise_id)
    if not (is_done(ctx, ex) or ever_passed(ctx, ex)):
        if not peek:
            click.echo(
                f"{ex.id} has not passed yet: `bughunt check {ex.id}` first. "
                f"`bughunt solution {ex.id} --peek` shows the fix now (your progress records the peek).",
                err=True,
            )
            sys.exit(1)
        mark_peeked(ctx, ex)
    try:
        text = load_grader(ex.grader_path).reference_example().apply(ex.path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise click.ClickException(f"cannot build the reference fix of {ex.id} ({exc}); please report this exercise") from None
    click.echo(text, nl=False)


@main.command()
@click.argument("exercise_id")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(exercise_id: str, yes: bool) -> None:
    """Restore an exercise's file as shipped (your current file is backed up first)."""
    from .resolve import relative
    from .workspace import WorkspaceError, reset as restore

    ctx = _ctx()
    ex = _one(ctx, exercise_id)
    target = ctx.file(ex)
    if not yes and not click.confirm(f"Replace {relative(target)} with the shipped file? Your version is backed up", default=False):
        click.echo("Nothing changed.")
        sys.exit(1)
    try:
        backup = restore(ctx, ex)
    except (WorkspaceError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Restored {relative(target)}." + (f" Your version is in {relative(backup)}." if backup else ""))


@main.command("next")
@click.option("--open", "open_", is_flag=True, help="Open the file in $VISUAL/$EDITOR (or the system's default).")
def next_(open_: bool) -> None:
    """Show the next unfinished exercise: where its file and README are, and how to check it."""
    from .resolve import relative
    from .workspace import done_count, next_unfinished

    ctx = _ctx()
    done, total = done_count(ctx)
    ex = next_unfinished(ctx)
    if ex is None:
        click.echo(f"All {total} exercises pass. Well done! `bughunt solution ID` shows each reference fix.")
        return
    f = ctx.file(ex)
    click.echo(f"Next: {ex.id} - {ex.title} ({ex.difficulty}); {done} / {total} done")
    click.echo(f"  read   {relative(f.parent / 'README.md')}")
    click.echo(f"  edit   {relative(f)}")
    click.echo(f"  check  bughunt check {ex.id}    (or `bughunt watch`)")
    if open_:
        import os

        if os.environ.get("VISUAL") or os.environ.get("EDITOR"):
            click.edit(filename=str(f))
        else:
            click.launch(str(f))


@main.command()
@click.argument("target", required=False)
def watch(target: str | None) -> None:
    """Re-grade the current exercise on every save and move on when it passes.
    Keys: h hint, l list, r reset, n next, q quit."""
    from .watch import run

    ctx = _ctx()
    start = _one(ctx, target) if target else None
    sys.exit(run(ctx, start))


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
