"""Instructor commands: `bughunt sets`, `assign`, `grade` and `export gradescope`."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .batch.model import RosterError, read_roster
from .manifest import Exercise, ManifestError, load
from .paths import RootNotFound, find_root
from .sets import BugSet, SetError, load_sets, resolve

_SETS_OPTION = click.option(
    "--sets",
    "sets_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Your own sets file (default: ./bughunt-sets.toml, or $BUGHUNT_SETS).",
)


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _library() -> tuple[Path, list[Exercise]]:
    try:
        root = find_root()
        return root, load(root)
    except (RootNotFound, ManifestError) as exc:
        raise click.UsageError(str(exc)) from None


def _bugset(spec: str, sets_file: Path | None) -> BugSet:
    root, exercises = _library()
    try:
        return resolve(spec, root, exercises, sets_file)
    except SetError as exc:
        raise click.UsageError(str(exc)) from None


class BadInput(click.ClickException):
    """Input that cannot be graded (a roster, a class export): one line, "Error: ...", exit 2
    like a usage error, without the usage text, which would not help."""

    exit_code = 2


def _roster(path: Path | None):
    if path is None:
        return None
    try:
        return read_roster(path)
    except RosterError as exc:
        raise BadInput(str(exc)) from None


@click.command("sets")
@_SETS_OPTION
def sets_cmd(sets_file: Path | None) -> None:
    """List the built-in bug sets and your own."""
    from .assign import describe_sets

    root, exercises = _library()
    try:
        sets = load_sets(root, exercises, sets_file)
    except SetError as exc:
        raise click.UsageError(str(exc)) from None
    rows = describe_sets(sets)
    files = sorted({origin for *_, origin in rows if origin != "built-in"})
    table = Table(title="Bug sets", caption="* " + ", ".join(files) if files else None)
    table.add_column("set", no_wrap=True)
    table.add_column("exercises", justify="right", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("due", no_wrap=True)
    table.add_column("title", ratio=1)
    for name, title, count, points, due, origin in rows:
        mark = "" if origin == "built-in" else " *"
        table.add_row(name + mark, str(count), f"{points:g}", due, title)
    _console().print(table)


@click.command()
@click.argument("set_spec", metavar="SET")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder to write the bundles to.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="CSV of students: one variant each.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the per-student variants.")
@click.option(
    "--new-secret",
    is_flag=True,
    help="Make a new grading secret even if --out holds an assignment already (its hidden cases then change).",
)
@_SETS_OPTION
def assign(set_spec: str, out: Path, roster: Path | None, seed: int, new_secret: bool, sets_file: Path | None) -> None:
    """Write the student bundle(s) and the instructor's grading bundle for SET. The exercises
    are the ones this bughunt installation ships, wherever the command runs."""
    from .assign import AssignError, write_assignment
    from .paths import package_root
    from .secret import SECRET_FILE

    try:
        root = package_root()
        bugset = resolve(set_spec, root, load(root), sets_file)
    except (RootNotFound, ManifestError, SetError) as exc:
        raise click.UsageError(str(exc)) from None
    students = _roster(roster)
    console = _console(stderr=True)
    try:
        result = write_assignment(
            bugset, out, students, seed=seed, progress=lambda m: console.print(m, markup=False), new_secret=new_secret
        )
    except AssignError as exc:
        raise click.UsageError(str(exc)) from None
    who = f"{len(result.student_bundles)} student bundles" if students else "1 student bundle"
    click.echo(f"wrote {who} and the instructor bundle to {out}")
    secret = result.instructor / SECRET_FILE
    click.echo(f"keep {secret} private: it decides the hidden cases" + (" (kept from before)" if result.secret_kept else ""))
    click.echo(f"grade with: bughunt grade SUBMISSIONS --set {result.instructor} --out RESULTS")


@click.command("grade")
@click.argument("submissions", type=click.Path(path_type=Path, exists=True))
@click.option("--set", "set_spec", required=True, help="A set name, a sets TOML file, or an instructor bundle folder.")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder for the results.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Roster CSV (default: the instructor bundle's).")
@click.option("-j", "--jobs", type=int, default=None, help="Parallel graders (default: all cores).")
@click.option(
    "--no-jail",
    is_flag=True,
    help="Grade even without a jail (bubblewrap); every report then says the grades were not isolated.",
)
@click.option(
    "--gradescope-csv",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the class's scores as a CSV for a Gradescope assignment's score upload (Name, SID, Email, Total Score).",
)
@click.option(
    "--private",
    is_flag=True,
    help="Make every file written readable by you only (0600, folders 0700); by default they follow your umask.",
)
@_SETS_OPTION
def grade_cmd(
    submissions: Path, set_spec: str, out: Path, roster: Path | None, jobs: int | None, no_jail: bool,
    gradescope_csv: Path | None, private: bool, sets_file: Path | None,
) -> None:
    """Grade every student's submission (a folder per student, or an LMS zip) and write the gradebook,
    feedback, Gradescope results.json files and a summary to --out. Rerun to resume after a stop.

    A roster may be a Canvas gradebook export; the gradebook then imports back into Canvas.
    A submission that matches no roster student is graded (its feedback is in --out/unmatched)
    but never enters the gradebook."""
    from .batch.atomic import private_files

    with private_files(private):
        _grade(submissions, set_spec, out, roster, jobs, no_jail, gradescope_csv, sets_file)


def _grade(submissions, set_spec, out, roster, jobs, no_jail, gradescope_csv, sets_file) -> None:
    from .batch.run import JailRequired, close_servers, start_servers

    if submissions.is_dir() and out.resolve().is_relative_to(submissions.resolve()):
        raise click.UsageError("--out is inside SUBMISSIONS: its files would be read as a student's; choose a folder outside it")
    try:
        # First, so that their imports overlap everything below (grade_class closes them).
        servers = start_servers(jail=False if no_jail else None)
    except JailRequired as exc:
        raise click.UsageError(
            f"no jail to grade other people's code in: {exc}. Install bubblewrap (Debian/Ubuntu: "
            "apt-get install bubblewrap; Fedora: dnf install bubblewrap; see docs/JAIL.md), or pass "
            "--no-jail to grade without isolation (every report will say so)"
        ) from None
    try:
        from .batch.ingest import SubmissionsError
        from .batch.run import grade_class

        bugset = _bugset(set_spec, sets_file)
        if roster is None and bugset.source is not None and (bugset.source.parent / "roster.csv").is_file():
            roster = bugset.source.parent / "roster.csv"
        students = _roster(roster)
        err = _console(stderr=True)
    except BaseException:
        close_servers(servers)
        raise
    try:
        result = grade_class(bugset, submissions, out, students, jobs=jobs, console=err, servers=servers)
    except SubmissionsError as exc:
        raise BadInput(str(exc)) from None
    from .batch.gradescope import write_scores_csv
    from .batch.run import latency_stats
    from .batch.summary import build_summary, render_summary

    if not result.isolated:
        err.print("warning: graded WITHOUT a jail (--no-jail): the grades were not isolated", markup=False)
    if result.not_graded:
        err.print(
            f"{result.not_graded} file(s) could not be graded because the grading machinery failed; "
            "they are not stored: rerun the same command to regrade them",
            markup=False,
        )
    for refusal in result.refused:
        err.print(f"refused {refusal.entry}: {refusal.reason}", markup=False)
    for label, reason in result.unmatched_reasons:
        err.print(f"not in the gradebook: submission {label}: {reason}", markup=False)
    if gradescope_csv is not None:
        write_scores_csv(gradescope_csv, result.reports)
    render_summary(_console(), build_summary(bugset, result.reports, unmatched=result.unmatched_reasons))
    stats = latency_stats(result.latencies)
    rate = result.graded / result.elapsed if result.elapsed else 0.0
    click.echo(
        f"graded {result.graded} exercise submissions ({result.reused} reused) for {len(result.reports)} students "
        f"in {result.elapsed:.1f} s: {rate:.2f}/s, median {stats['median']:.2f} s, p95 {stats['p95']:.2f} s each"
    )
    click.echo(f"gradebook: {out / 'gradebook.csv'}   feedback: {out / 'feedback'}   summary: {out / 'summary.md'}")
    if gradescope_csv is not None:
        click.echo(f"Gradescope scores: {gradescope_csv}")


@click.group()
def export() -> None:
    """Package a set for another grading platform."""


@export.command("gradescope")
@click.argument("set_spec", metavar="SET")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The autograder zip to write.")
@_SETS_OPTION
def export_gradescope(set_spec: str, out: Path, sets_file: Path | None) -> None:
    """Write a Gradescope autograder zip (setup.sh and run_autograder at its root) for SET."""
    from .autograder import build_zip

    bugset = _bugset(set_spec, sets_file)
    root, _ = _library()
    build_zip(bugset, root, out)
    click.echo(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")


#: worked examples shipped with the package (examples/ in the repository)
EXAMPLES = {"instructor": "a roster of 30, a sets file, and a script that fakes a class's hand-in"}


@click.command("example")
@click.argument("name", type=click.Choice(sorted(EXAMPLES)))
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def example_cmd(name: str, directory: Path) -> None:
    """Copy a worked example to DIRECTORY (instructor: a roster of 30, a sets file, and a
    script that fakes a class's hand-in, to try assign and grade before a real class)."""
    import shutil

    from .paths import RootNotFound, package_root

    try:
        source = package_root() / "examples" / name
    except RootNotFound as exc:
        raise click.UsageError(str(exc)) from None
    if not source.is_dir():
        raise click.UsageError(f"this installation of bughunt lacks its {name} example; reinstall it")
    files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith((".", "__")))
    clash = [p.name for p in files if (directory / p.name).exists()]
    if clash:
        raise click.UsageError(f"{directory} already holds {clash[0]}; choose an empty or new folder")
    directory.mkdir(parents=True, exist_ok=True)
    for p in files:
        shutil.copyfile(p, directory / p.name)
    click.echo(f"wrote {', '.join(p.name for p in files)} to {directory}")


def register(main: click.Group) -> None:
    for cmd in (sets_cmd, assign, grade_cmd, export, example_cmd):
        main.add_command(cmd)

