"""`bughunt assign`: write the student bundles and the instructor bundle for one bug set.

    OUT/student/ or OUT/students/<id>/   what students receive (no fixes, no graders, no data)
    OUT/instructor/                      the frozen set, variant record, solutions, grading
                                         notes and the grading secret

Everything is built in a staging folder inside OUT and moved into place at the end, so a
failed run leaves OUT as it was. OUT is only ever replaced when a previous `assign` wrote it
and nobody has added files to it since.

The exercises handed out are the shipped ones (see shipped.py): a file edited in this copy of
the library is never handed out. Each exercise is prepared once (parsed, analysed) and every
student's variant made from that; its README and hints are rewritten to match the variant
(see variants/prose.py).
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .batch.model import Student
from .bundle import MARKER, bundle_marker
from .manifest import Exercise
from .secret import SECRET_FILE, SecretError, read_secret, write_secret
from .sets import BugSet
from .shipped import Library, ShippedError, handed_out
from .variants import Prepared, VariantError, prepare, reference_fix, variant_key
from .variants.prose import Handout, rewrite_markdown

FORMAT_VERSION = 1
OUT_MARKER = ".bughunt-assign.json"  # in OUT: what a previous run wrote, so it may be replaced
_TMP_PREFIX = ".bughunt-assign-tmp-"
_SHARED = "all"  # the solutions folder (and assignment.json entry) when everyone gets the same files
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")
_ROSTER_FIELDS = ("id", "name", "email", "sis_id", "login", "section")


class AssignError(Exception):
    """The assignment cannot be written; the message says why and what to do."""


@dataclass
class AssignResult:
    out: Path
    student_bundles: list[Path]
    instructor: Path
    variants: int  # handed-out files generated from a per-student variant key (0 without a roster)
    warnings: list[str] = field(default_factory=list)  # e.g. an exercise file edited in this checkout
    secret_kept: bool = False  # the grading secret of the assignment OUT held before was kept


@dataclass(frozen=True)
class _Source:
    """An exercise's shipped file and README, read once."""

    exercise: Exercise
    text: str
    readme: str


@dataclass(frozen=True)
class _Handout:
    exercise: Exercise
    key: str | None
    text: str
    solution: str
    renames: dict
    changes: tuple
    data_changes: tuple = ()


def write_assignment(
    bugset: BugSet,
    out: Path,
    roster: list[Student] | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    new_secret: bool = False,
) -> AssignResult:
    """Write OUT/student (or OUT/students/<id> per roster entry) and OUT/instructor for `bugset`.
    The grading secret of an assignment OUT already holds is kept unless `new_secret`: the
    hidden cases a class is graded on must not change under students who started."""
    out = Path(os.path.abspath(out))
    say = progress or (lambda _msg: None)
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        say(f"warning: {message}")

    _check_roster(roster)
    _check_target(out)
    secret = None if new_secret else _kept_secret(out)
    sources = _sources(bugset, warn)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out))
    try:
        written = _build(bugset, sources, staging, roster, seed, say, secret is not None)
        write_secret(staging / "instructor", secret)
        written.append(f"instructor/{SECRET_FILE}")
        (staging / OUT_MARKER).write_text(_json({
            "format_version": FORMAT_VERSION,
            "set": bugset.name,
            "generated_by": f"bughunt {__version__}",
            "files": sorted(written),
        }), encoding="utf-8")
        if hasattr(os, "sync"):  # POSIX: everything on disk before it replaces the previous assignment
            os.sync()
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if roster is None:
        bundles = [out / "student"]
    else:
        bundles = [out / "students" / s.id for s in roster]
    variants = 0 if roster is None else len(roster) * len(bugset.entries)
    return AssignResult(out=out, student_bundles=bundles, instructor=out / "instructor", variants=variants,
                        warnings=warnings, secret_kept=secret is not None)


def describe_sets(sets: dict[str, BugSet]) -> list[tuple[str, str, int, float, str, str]]:
    """Rows for `bughunt sets`: name, title, exercise count, total points, due, origin."""
    return [
        (
            s.name,
            s.title,
            len(s.entries),
            s.total_points,
            format_due(s.due),
            "built-in" if s.builtin else str(s.source or ""),
        )
        for s in sets.values()
    ]


def format_due(due: dt.date | dt.datetime | None) -> str:
    if due is None:
        return ""
    if isinstance(due, dt.datetime):
        text = due.strftime("%Y-%m-%d %H:%M")
        if due.second:
            text += due.strftime(":%S")
        if due.tzinfo is not None:
            offset = due.strftime("%z")
            text += " UTC" if offset in ("+0000", "-0000") else f" UTC{offset[:3]}:{offset[3:]}"
        return text
    return due.isoformat()


def format_points(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


# --- checks before anything is written ------------------------------------------------

def _check_roster(roster: list[Student] | None) -> None:
    if roster is None:
        return
    if not roster:
        raise AssignError("the roster lists no students; leave out --roster to write one bundle for everyone")
    seen: set[str] = set()
    for s in roster:
        if not _SAFE_ID.match(s.id):
            raise AssignError(f"student id {s.id!r} cannot name a folder: use letters, digits and _.@+- only")
        if s.id in seen:
            raise AssignError(f"student id {s.id!r} appears twice in the roster")
        seen.add(s.id)


def _files_under(folder: Path) -> set[str]:
    """Every non-directory entry below `folder` (symlinks are not followed), as posix paths."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        if rel == Path("."):
            # Staging folders of an interrupted run are ours to clean up.
            dirnames[:] = [d for d in dirnames if not d.startswith(_TMP_PREFIX)]
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            found.add((rel / name).as_posix())
    return found


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise AssignError(f"{out} is a file; --out needs a folder (new, empty, or written by `bughunt assign`)")
    if not out.is_dir():
        return
    if not [p for p in out.iterdir() if not p.name.startswith(_TMP_PREFIX)]:
        return
    marker = out / OUT_MARKER
    if not marker.is_file():
        raise AssignError(
            f"{out} is not empty and was not written by `bughunt assign`; choose a new or empty folder for --out"
        )
    try:
        recorded = set(json.loads(marker.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise AssignError(f"{out / OUT_MARKER} is unreadable; remove {out} yourself or choose another --out") from None
    foreign = sorted(_files_under(out) - recorded - {OUT_MARKER})
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise AssignError(
            f"{out} holds files `bughunt assign` did not write ({foreign[0]}{more}); "
            "move them elsewhere or choose another --out"
        )


def _kept_secret(out: Path) -> str | None:
    """The grading secret of the assignment already in OUT (checked by _check_target to be ours)."""
    try:
        return read_secret(out / "instructor")
    except SecretError as exc:
        raise AssignError(f"{exc}; or pass --new-secret to grade on new hidden cases") from None


def _sources(bugset: BugSet, warn: Callable[[str], None]) -> dict[str, _Source]:
    """Each exercise's shipped file and README (never a copy edited since: see shipped.py)."""
    libraries: dict[Path, Library] = {}
    out = {}
    for ex in bugset.exercises:
        library = libraries.setdefault(ex.root, Library(ex.root))
        texts = []
        for rel in handed_out(ex):
            try:
                text, warning = library.text(rel)
            except ShippedError as exc:
                raise AssignError(str(exc)) from None
            except OSError as exc:
                raise AssignError(f"cannot read exercises/{rel}: {exc.strerror or exc}") from None
            if warning:
                warn(warning)
            texts.append(text)
        out[ex.id] = _Source(ex, *texts)
    return out


# --- building -----------------------------------------------------------------------

def _build(bugset: BugSet, sources: dict[str, _Source], staging: Path, roster: list[Student] | None, seed: int,
           say, secret_kept: bool) -> list[str]:
    written: list[str] = []

    def put(rel: str, data: bytes | str) -> None:
        # Plain writes: the staging folder is the unit that appears atomically (_swap_in), and
        # write_assignment flushes it to disk once, where a flush per file cost more than the variants.
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        written.append(rel)

    record: dict[str, dict] = {}
    if roster is None:
        handouts = [_shared_handout(sources[ex.id]) for ex in bugset.exercises]
        _write_student(put, "student", bugset, None, handouts, sources)
        _write_solutions(put, _SHARED, handouts)
        record[_SHARED] = _record(handouts)
        say(f"student/: {len(handouts)} exercises, the shipped files")
    else:
        prepared = {ex.id: _prepare(sources[ex.id]) for ex in bugset.exercises}  # once, for every student
        for student in roster:
            handouts = [_variant_handout(prepared[ex.id], seed, student.id) for ex in bugset.exercises]
            _write_student(put, f"students/{student.id}", bugset, student, handouts, sources)
            _write_solutions(put, student.id, handouts)
            record[student.id] = _record(handouts)
            say(f"students/{student.id}/: {len(handouts)} exercises")
    put("instructor/set.toml", bugset.to_toml())
    put("instructor/assignment.json", _json({
        "format_version": FORMAT_VERSION,
        "set": bugset.name,
        "title": bugset.title,
        "seed": seed,
        "generated_by": f"bughunt {__version__}",
        "roster": roster is not None,
        "exercises": {e.exercise.id: e.points for e in bugset.entries},
        "students": record,
    }))
    if roster is not None:
        put("instructor/roster.csv", _roster_csv(roster))
    put("instructor/README.md", instructor_readme(bugset, staging.parent.name, roster, seed, secret_kept))
    say("instructor/: set.toml, assignment.json, solutions, grading secret"
        + (" (kept from the assignment this folder held)" if secret_kept else ""))
    return written


def _solution(source: _Source) -> str:
    ex = source.exercise
    try:
        return reference_fix(ex, source.text)
    except Exception as exc:  # an authoring problem in the library: say which exercise, not a traceback
        raise AssignError(
            f"cannot build the solution of {ex.id}: {exc}; `bughunt dev check {ex.id}` tells more"
        ) from exc


def _shared_handout(source: _Source) -> _Handout:
    return _Handout(source.exercise, None, source.text, _solution(source), {}, ())


def _prepare(source: _Source) -> Prepared:
    ex = source.exercise
    solution = _solution(source)
    try:
        return prepare(ex, [source.text, solution])
    except VariantError as exc:
        raise AssignError(f"cannot make variants of {ex.id}: {exc}") from exc


def _variant_handout(prepared: Prepared, seed: int, student_id: str) -> _Handout:
    ex = prepared.exercise
    key = variant_key(seed, student_id, ex.id)
    try:
        broken, fixed = prepared.variants(key)
    except Exception as exc:
        raise AssignError(f"cannot build the variant of {ex.id} for {student_id} (key {key}): {exc}") from exc
    return _Handout(ex, key, broken.text, fixed.text, dict(broken.renames), tuple(broken.changes), broken.data_changes)


def handout_path(ex: Exercise) -> str:
    """Where an exercise's file sits inside a student bundle (and in what students hand in)."""
    return f"{ex.category}/{ex.slug}/{ex.file}"


def _write_student(put, base: str, bugset: BugSet, student: Student | None, handouts: list[_Handout],
                   sources: dict[str, _Source]) -> None:
    for h in handouts:
        ex = h.exercise
        # the README and hints quote the student's own file: its names, its lines, no numbers it would not print
        truth = Handout(h.text, h.renames, bool(h.data_changes))
        put(f"{base}/{handout_path(ex)}", h.text)
        put(f"{base}/{ex.category}/{ex.slug}/README.md", rewrite_markdown(sources[ex.id].readme, truth))
        put(f"{base}/{ex.category}/{ex.slug}/HINTS.md", rewrite_markdown(hints_markdown(ex), truth))
    put(f"{base}/README.md", assignment_readme(bugset, student))
    files = {h.exercise.id: handout_path(h.exercise) for h in handouts}
    put(f"{base}/{MARKER}", bundle_marker(bugset.name, student.id if student else None, files))


def _write_solutions(put, who: str, handouts: list[_Handout]) -> None:
    for h in handouts:
        put(f"instructor/solutions/{who}/{handout_path(h.exercise)}", h.solution)


def _record(handouts: list[_Handout]) -> dict:
    return {
        h.exercise.id: {
            "key": h.key,
            "file": handout_path(h.exercise),
            "sha256": hashlib.sha256(h.text.encode("utf-8")).hexdigest(),
            "renames": dict(sorted(h.renames.items())),
            "changes": list(h.changes),
        }
        for h in handouts
    }


def _json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"  # as batch.atomic.write_json writes


def _roster_csv(roster: list[Student]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_ROSTER_FIELDS)
    for s in roster:
        writer.writerow([getattr(s, f) for f in _ROSTER_FIELDS])
    return buf.getvalue()


def _swap_in(staging: Path, out: Path) -> None:
    """Replace OUT's contents with the staging folder's: old entries go to a trash folder first,
    so OUT never mixes files of two runs."""
    trash = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out))
    try:
        for entry in sorted(out.iterdir()):
            if entry not in (staging, trash):
                os.replace(entry, trash / entry.name)
        for entry in sorted(staging.iterdir()):
            os.replace(entry, out / entry.name)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


# --- texts --------------------------------------------------------------------------

def hints_markdown(ex: Exercise) -> str:
    lines = [
        f"# Hints: {ex.title}",
        "",
        "Try the exercise on your own first: read README.md, run the program, and look for the root",
        "cause yourself. When you are stuck, read one hint and go back to work before reading the next.",
        f"`bughunt hint {ex.id}` shows them one at a time.",
        "",
    ]
    lines += [f"{i}. {hint}" for i, hint in enumerate(ex.hints, start=1)]
    return "\n".join(lines) + "\n"


def assignment_readme(bugset: BugSet, student: Student | None) -> str:
    from .templates import render

    rows = [
        {
            "id": e.exercise.id,
            "title": e.exercise.title.replace("|", "\\|"),
            "path": handout_path(e.exercise),
            "difficulty": e.exercise.difficulty,
            "points": format_points(e.points),
        }
        for e in bugset.entries
    ]
    return render(
        "assignment_readme.md.j2",
        title=bugset.title,
        set_name=bugset.name,
        student=student.display if student else None,
        due=format_due(bugset.due),
        exercises=rows,
        total=format_points(bugset.total_points),
        scoring=bugset.scoring,
    )


def instructor_readme(bugset: BugSet, out_name: str, roster: list[Student] | None, seed: int, secret_kept: bool) -> str:
    from .templates import render

    limits = []
    if bugset.timeout is not None:
        limits.append(f"{bugset.timeout:g} s per exercise")
    if bugset.memory_mb is not None:
        limits.append(f"{bugset.memory_mb} MB of memory")
    return render(
        "instructor_readme.md.j2",
        title=bugset.title,
        set_name=bugset.name,
        count=len(bugset.entries),
        total=format_points(bugset.total_points),
        scoring=bugset.scoring,
        due=format_due(bugset.due),
        limits=", ".join(limits),
        students=None if roster is None else len(roster),
        seed=seed,
        instructor=shlex.quote(out_name + "/instructor"),
        secret_file=SECRET_FILE,
        secret_kept=secret_kept,
    )


__all__ = ["AssignError", "AssignResult", "describe_sets", "format_due", "handout_path", "write_assignment"]
