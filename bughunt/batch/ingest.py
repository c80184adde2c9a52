"""Turn a class's submissions (a folder per student, or an LMS export zip) into per-student trees,
and find in each tree the file to grade for every exercise of a set.

    collected = collect(Path("export.zip"), out / "work", bugset.exercises, roster)

Zips are extracted by safezip into `<workdir>/students/<key>/` (a fresh temporary folder swapped in at
the end, so running again over the same workdir is safe and gives the same result). Folders are read
in place. Layout recognition (plain folders, Moodle, Canvas) lives in layouts.py.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..manifest import Exercise
from .layouts import Group, Item, Layout, detect
from .model import Student
from .safezip import (
    Refusal,
    SubmissionsError,
    ZipLimits,
    check_file,
    extract,
    printable,
    scan_folder,
)

__all__ = ["Collected", "Refusal", "Submission", "SubmissionsError", "ZipLimits", "collect", "match_files"]

STUDENTS_DIR = "students"
_TEMP_PREFIX = ".ingest-"


@dataclass
class Submission:
    key: str  # the student id (roster id when matched)
    root: Path  # that student's tree (inside workdir for zips; the original folder for folders)
    files: dict[str, Path]  # exercise id -> file to grade
    notes: list[str]  # per-student notes for feedback: refused entries, ambiguous files, unmatched name
    student: Student | None  # roster entry when matched
    tree: dict[str, Path] = field(default_factory=dict)  # every accepted file: path in the tree -> on disk
    flags: list[str] = field(default_factory=list)  # for the instructor only: a weak roster match, a tie
    matched_by: str | None = None  # how the roster entry was matched (id, id ignoring case, ..., name)
    unmatched: str = ""  # with a roster, why no roster entry has this submission ("" when one has)


class _Claim(NamedTuple):
    key: str
    student: Student | None
    notes: list[str]
    flags: list[str] = []
    matched_by: str | None = None
    unmatched: str = ""


@dataclass
class Collected:
    submissions: list[Submission]
    refused: list[Refusal]
    unmatched: list[str]  # keys of submissions no roster entry claimed (empty without a roster)


def collect(
    source: Path,
    workdir: Path,
    exercises: list[Exercise],
    roster: list[Student] | None = None,
    limits: ZipLimits = ZipLimits(),
    single: str | None = None,
) -> Collected:
    """`single`: SOURCE is a folder holding one student's submission, to be kept under that key
    whatever its layout (the Gradescope autograder: an upload may have any folders in it)."""
    # Absolute, so the paths handed on still hold when the grader runs from another directory.
    source, workdir = Path(source).absolute(), Path(workdir).absolute()
    if not source.exists():
        raise SubmissionsError(f"{source}: no such file or folder")
    exercise_dirs = {e.category for e in exercises} | {e.slug for e in exercises}
    if single is not None:
        if not source.is_dir():
            raise SubmissionsError(f"{source}: not a folder")
        return _from_folder(source, exercises, None, limits, exercise_dirs, single)
    if source.is_dir():
        return _from_folder(source, exercises, roster, limits, exercise_dirs)
    return _from_zip(source, workdir, exercises, roster, limits, exercise_dirs)


# ---------------------------------------------------------------- inputs


def _from_folder(source, exercises, roster, limits, exercise_dirs, single: str | None = None) -> Collected:
    scan = scan_folder(source, limits)
    if single is None:
        layout = detect(scan.files + sorted(scan.links), scan.refused, exercise_dirs)
    else:
        layout = _one_student(single, scan)
    refused = list(scan.refused) + layout.strays
    keys = _assign_keys(layout.groups, roster)
    subs = []
    for group in layout.groups:
        tree: dict[str, Path] = {}
        for logical, item in group.files.items():
            target = scan.links.get(item.rel)
            if target is None:
                tree[logical] = source / item.rel
                continue
            home = (source / item.home).resolve()
            why = ("is a link to a file outside the student's folder" if not target.is_relative_to(home)
                   else check_file(target, logical, limits))
            if why:
                group.refused.append((printable(logical), why))
                refused.append(Refusal(printable(item.rel), why))
            else:
                tree[logical] = target
        subs.append(_submission(group, keys[id(group)], source / group.home, tree, exercises))
    return _collected(subs, refused, roster)


def _one_student(key: str, scan) -> Layout:
    group = Group(("folder", key), "folder", key, key)
    group.files = {rel: Item(rel, "") for rel in sorted([*scan.files, *scan.links])}
    group.refused = [(r.entry, r.reason) for r in scan.refused]
    return Layout([group], "", [])


def _from_zip(source, workdir, exercises, roster, limits, exercise_dirs) -> Collected:
    workdir.mkdir(parents=True, exist_ok=True)
    _remove_stale(workdir)
    tmp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=workdir))
    try:
        raw = tmp / "raw"
        raw.mkdir()
        extraction = extract(source, raw, limits)
        layout = detect(extraction.files, extraction.refused, exercise_dirs)
        keys = _assign_keys(layout.groups, roster)
        staged = tmp / STUDENTS_DIR
        staged.mkdir()
        for group in layout.groups:
            _move_group(group, raw, staged / keys[id(group)].key)
        final = workdir / STUDENTS_DIR
        _swap_in(staged, final, workdir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    subs = []
    for group in layout.groups:
        root = final / keys[id(group)].key
        tree = {logical: root / logical for logical in group.files}
        subs.append(_submission(group, keys[id(group)], root, tree, exercises))
    return _collected(subs, extraction.refused + layout.strays, roster)


def _move_group(group: Group, raw: Path, dest: Path) -> None:
    """Move the group's extracted files into its own tree, under their logical names."""
    dest.mkdir()
    top = dest.resolve()
    for logical, item in group.files.items():
        target = dest / logical
        # Logical names were checked by split_path; this guards the invariant, not user input.
        if not target.resolve().is_relative_to(top):
            raise RuntimeError(f"refusing to place {logical!r} outside {dest}")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(raw / item.rel, target)


def _swap_in(staged: Path, final: Path, workdir: Path) -> None:
    old = None
    if final.exists() or final.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=workdir)) / "old"
        os.rename(final, old)
    os.rename(staged, final)
    if old is not None:
        shutil.rmtree(old.parent, ignore_errors=True)


def _remove_stale(workdir: Path) -> None:
    """Temporary folders an interrupted run left behind (only ours, by their prefix)."""
    for entry in workdir.iterdir():
        if entry.name.startswith(_TEMP_PREFIX) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


def _submission(group: Group, claim: _Claim, root: Path, tree: dict[str, Path], exercises) -> Submission:
    notes = [f"not accepted: {logical} {why}" for logical, why in sorted(group.refused)]
    notes += group.notes + claim.notes
    if group.late:
        notes.append("the LMS marked this submission late")
    chosen, match_notes = match_files(sorted(tree), exercises)
    return Submission(
        key=claim.key,
        root=root,
        files={ex_id: tree[logical] for ex_id, logical in chosen.items()},
        notes=notes + match_notes,
        student=claim.student,
        tree=dict(sorted(tree.items())),
        flags=list(claim.flags),
        matched_by=claim.matched_by,
        unmatched=claim.unmatched,
    )


def _collected(subs: list[Submission], refused: list[Refusal], roster) -> Collected:
    subs.sort(key=lambda s: s.key)
    unmatched = sorted(s.key for s in subs if roster is not None and s.student is None)
    refused = sorted(refused, key=lambda r: (r.entry, r.reason))
    return Collected(subs, refused, unmatched)


# ---------------------------------------------------------------- roster


def _fold(text: str) -> str:
    """Letters and digits only, accents dropped, case folded: 'Smith, José' -> 'smithjose'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def _name_forms(name: str) -> set[str]:
    """A roster name as 'first last' and as Canvas' 'lastfirst'."""
    name = name.strip()
    forms = {_fold(name)}
    if "," in name:
        last, first = name.split(",", 1)
        forms |= {_fold(first + last), _fold(last + first)}
    else:
        words = name.split()
        if len(words) >= 2:
            forms.add(_fold(words[-1] + "".join(words[:-1])))
    return forms - {""}


def _group_names(group: Group) -> set[str]:
    raw = group.label if group.kind == "folder" else group.name
    return {_fold(raw)} - {""}


def _email_forms(email: str) -> set[str]:
    return {email.casefold(), email.split("@", 1)[0].casefold()} if email else set()


# Ways a roster entry can claim a submission, strongest first: (label, test(student, tokens, names)).
# Tokens are the folder name or the LMS ids; names are the person's name as the LMS wrote it, folded.
_TIERS = (
    ("id", lambda s, toks, names: s.id in toks),
    ("id ignoring case", lambda s, toks, names: s.id.casefold() in {t.casefold() for t in toks}),
    ("canvas_id", lambda s, toks, names: bool(s.canvas_id) and s.canvas_id in toks),
    ("sis_id", lambda s, toks, names: bool(s.sis_id) and s.sis_id in toks),
    ("login", lambda s, toks, names: bool(s.login) and s.login.casefold() in {t.casefold() for t in toks}),
    ("email", lambda s, toks, names: bool(_email_forms(s.email) & {t.casefold() for t in toks})),
    ("name", lambda s, toks, names: bool(names & _name_forms(s.name))),
)
#: matches the instructor is asked to check: they could be another person's
_WEAK = {"id ignoring case", "name"}


def _roster_match(group: Group, roster: list[Student]) -> tuple[int | None, Student | None, str | None]:
    """(tier rank, student, problem): the group's strongest unambiguous match."""
    tokens, names = set(group.tokens), _group_names(group)
    for rank, (label, test) in enumerate(_TIERS):
        hits = [s for s in roster if test(s, tokens, names)]
        if len(hits) == 1:
            return rank, hits[0], None
        if len(hits) > 1:
            ids = ", ".join(sorted(s.id for s in hits))
            return rank, None, f"{printable(group.label)} matches several roster students by {label} ({ids})"
    return None, None, None


def _assign_keys(groups: list[Group], roster: list[Student] | None) -> dict[int, _Claim]:
    """id(group) -> its key and roster student. Keys are unique (ignoring case) and folder-safe.

    A roster student goes to the submission that matches them by the strongest tier across
    all submissions (an exact id beats the same id in other case, which beats a name), never
    to whichever folder sorts first. Two submissions matching one student equally well both
    stay unmatched, flagged: neither silently takes the row. Weak matches (case-folded id,
    name only) are flagged for the instructor."""
    out: dict[int, _Claim] = {}
    # Case-folded keys taken so far. Every roster id is reserved, so a submission no one claimed
    # can never take the key (and so the files) of a roster student who submitted nothing.
    used: set[str] = {s.id.casefold() for s in roster or ()}
    problems: dict[int, list[str]] = {id(g): [] for g in groups}  # why a group has no roster entry
    notes: dict[int, list[str]] = {id(g): [] for g in groups}
    flags: dict[int, list[str]] = {id(g): [] for g in groups}
    winners: dict[int, tuple[Student, str]] = {}
    if roster is not None:
        found = {id(g): _roster_match(g, roster) for g in groups}
        by_student: dict[str, list[tuple[int, int, Group]]] = {}
        for order, group in enumerate(groups):
            rank, student, problem = found[id(group)]
            if problem:
                notes[id(group)].append(problem)
                problems[id(group)].append(problem)
            if student is not None:
                by_student.setdefault(student.id, []).append((rank, order, group))
        by_id = {s.id: s for s in roster}
        for sid, claims in by_student.items():
            claims.sort(key=lambda c: (c[0], c[1]))
            best = [c for c in claims if c[0] == claims[0][0]]
            label = _TIERS[claims[0][0]][0]
            if len(best) > 1:
                labels = ", ".join(printable(g.label) for _, _, g in best)
                for _, _, g in best:
                    text = (f"{printable(g.label)} matches roster student {sid} by {label}, as do other "
                            f"submissions ({labels}); none was given the row: check who is who")
                    notes[id(g)].append(text)
                    flags[id(g)].append(text)
                    problems[id(g)].append(text)
                best = []
            else:
                winners[id(best[0][2])] = (by_id[sid], label)
            for rank, _, g in claims:
                if best and g is best[0][2]:
                    continue
                if len([c for c in claims if c[0] == rank]) > 1 and rank == claims[0][0]:
                    continue  # a tie, noted above
                holder = printable(best[0][2].label) if best else "none"
                text = (f"{printable(g.label)} also matches roster student {sid} (by {_TIERS[rank][0]}), whose "
                        f"submission is {holder} (matched by {label}); kept separately")
                notes[id(g)].append(text)
                problems[id(g)].append(text)
    for group in groups:
        if id(group) in winners:
            student, label = winners[id(group)]
            if label in _WEAK:
                flags[id(group)].append(
                    f"{printable(group.label)} was matched to roster student {student.id} by {label} only; "
                    "check it is theirs"
                )
            out[id(group)] = _Claim(student.id, student, notes[id(group)], flags[id(group)], label)
    for group in groups:
        if id(group) in winners:
            continue
        key, n = group.key, 2
        while key.casefold() in used:
            key, n = f"{group.key}-{n}", n + 1
        used.add(key.casefold())
        why = ""
        if roster is not None:
            notes[id(group)].append(f"{printable(group.label)} was not matched to the roster; kept under the key {key}")
            why = "; ".join(problems[id(group)]) or f"{printable(group.label)} matches no student on the roster"
        out[id(group)] = _Claim(key, None, notes[id(group)], flags[id(group)], None, why)
    return out


# ---------------------------------------------------------------- files


def match_files(paths: list[str], exercises: list[Exercise]) -> tuple[dict[str, str], list[str]]:
    """For each exercise, the one path (posix, in a student's tree) to grade, and notes where more
    than one could be it. Rules, first that finds anything wins; a tie is reported, never guessed:
    `<category>/<slug>/<file>`, `<slug>/<file>`, the upload name `<slug>__<file>` anywhere (see
    autograder.upload_name), `<slug>.py` / `*_<slug>.py` / `*-<slug>.py`, then a file named `<file>`
    anywhere, if no other exercise of the set uses that name (else the student is told to rename
    it). A Jupyter notebook stands for the script of the same stem (`model.ipynb` for `model.py`)."""
    from ..autograder import upload_name

    users: dict[str, list[Exercise]] = {}
    for ex in exercises:
        users.setdefault(ex.file.casefold(), []).append(ex)
    split = [(p, [c.casefold() for c in p.split("/")]) for p in sorted(paths)]
    chosen: dict[str, str] = {}
    notes: list[str] = []
    for ex in exercises:
        cat, slug, file = ex.category.casefold(), ex.slug.casefold(), ex.file.casefold()
        files = _with_notebook(file)
        uploads = _with_notebook(upload_name(ex).casefold())
        own = {f"{slug}.py", f"{slug}.ipynb"}
        ends = tuple(f"{sep}{name}" for sep in "_-" for name in own)
        rules = [
            lambda c: c[-3:-1] == [cat, slug] and c[-1] in files,
            lambda c: c[-2:-1] == [slug] and c[-1] in files,
            lambda c: c[-1] in uploads,
            lambda c: c[-1] in own or c[-1].endswith(ends),
        ]
        if len(users[file]) == 1:
            rules.append(lambda c: c[-1] in files)
        for rule in rules:
            hits = [p for p, c in split if rule(c)]
            if len(hits) == 1:
                chosen[ex.id] = hits[0]
            elif hits:
                notes.append(
                    f"{ex.id}: {len(hits)} files could be the one to grade ({', '.join(printable(h) for h in hits)}); "
                    f"none was graded. Keep one, at {ex.category}/{ex.slug}/{ex.file} or named {upload_name(ex)}"
                )
            if hits:
                break
    notes += _shared_name_notes(split, exercises, users, chosen)
    return chosen, notes


def _with_notebook(name: str) -> set[str]:
    return {name, name.rsplit(".", 1)[0] + ".ipynb"}


def _shared_name_notes(split, exercises, users, chosen) -> list[str]:
    """A file whose name several exercises of the set use (a flat upload of `model.py` when two
    exercises are written in model.py) cannot be given to any of them: say why, and what to name it."""
    taken = set(chosen.values())
    from ..autograder import upload_name

    notes = []
    for name, sharing in sorted(users.items()):
        waiting = [ex for ex in sharing if ex.id not in chosen]
        if len(sharing) < 2 or not waiting:
            continue
        names = _with_notebook(name)
        loose = [p for p, c in split if c[-1] in names and p not in taken]
        if not loose:
            continue
        renames = "; ".join(f"{upload_name(ex)} for {ex.id}" for ex in waiting)
        notes.append(
            f"{', '.join(printable(p) for p in loose)} was not graded: {len(sharing)} exercises of this set are "
            f"written in {sharing[0].file}, so the name alone does not say which one it is. Rename it: {renames} "
            f"(or put it in the exercise's folder, <category>/<slug>/{sharing[0].file})"
        )
    return notes
