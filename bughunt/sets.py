"""Bug sets: named groups of exercises with points, a due date and grading limits.

Built-in sets live in exercises/sets.toml; an instructor's own sets live in a TOML file
of the same shape (bughunt-sets.toml in the working directory, $BUGHUNT_SETS, or --sets):

    format_version = 1
    [sets.week3]
    title = "Week 3: leaks and overflows"
    exercises = "leakage/* + sigmoid/overflow-basic - leakage/scaled-outside-cv"
    points = 10                  # per exercise, unless overridden below
    due = 2026-12-01T23:59:00    # optional
    timeout = 30                 # optional: seconds per exercise (else each exercise's own)
    memory_mb = 1024             # optional
    scoring = "all-or-nothing"   # or "partial"
    [sets.week3.points_for]
    "leakage/target-derived-feature" = 15
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from .manifest import Exercise, ManifestError, select
from .sandbox import Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMAT_VERSION = 1
SCORING = ("all-or-nothing", "partial")
INSTRUCTOR_FILE = "bughunt-sets.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KNOWN = {"title", "exercises", "points", "points_for", "due", "timeout", "memory_mb", "scoring"}


class SetError(Exception):
    """A set file or set expression that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class SetEntry:
    exercise: Exercise
    points: float


@dataclass(frozen=True)
class BugSet:
    name: str
    title: str
    entries: tuple[SetEntry, ...]
    expression: str
    due: dt.datetime | dt.date | None = None
    timeout: float | None = None
    memory_mb: int | None = None
    scoring: str = "all-or-nothing"
    source: Path | None = None  # the TOML file it came from
    builtin: bool = False
    #: the instructor's grading secret (bughunt.secret), read from beside an instructor
    #: bundle's set.toml; None grades on the public cases
    secret: str | None = field(default=None, repr=False, compare=False)

    @property
    def exercises(self) -> list[Exercise]:
        return [e.exercise for e in self.entries]

    @property
    def total_points(self) -> float:
        return sum(e.points for e in self.entries)

    def points_for(self, exercise_id: str) -> float:
        for e in self.entries:
            if e.exercise.id == exercise_id:
                return e.points
        raise KeyError(exercise_id)

    def limits_for(self, exercise: Exercise) -> Limits:
        return Limits(
            timeout=self.timeout if self.timeout is not None else exercise.timeout,
            memory_mb=self.memory_mb if self.memory_mb is not None else exercise.memory_mb,
        )

    def seed_for(self, exercise: Exercise) -> int:
        """The seed of `exercise`'s hidden cases: the public seed, or one derived from the secret."""
        from .secret import case_seed

        return case_seed(self.secret, exercise.id)

    def award(self, exercise_id: str, verdict) -> float:
        """Points for one verdict: full marks for a pass. With partial scoring, a fail whose
        root cause is fixed (no suppression, no proven-wrong check, every runtime check of
        the cause passed) earns half, because only a symptom-level check failed. A file
        whose root cause is not fixed, an error, or no verdict earns nothing."""
        possible = self.points_for(exercise_id)
        if verdict is None or verdict.status == "error":
            return 0.0
        if verdict.status == "pass":
            return possible
        if self.scoring == "partial" and verdict.root_cause_fixed:
            return round(possible / 2, 2)
        return 0.0

    def to_toml(self) -> str:
        """This set, frozen to explicit exercise ids, as a one-set TOML file (read back by read_file)."""
        import tomli_w

        body: dict = {"title": self.title, "exercises": [e.exercise.id for e in self.entries]}
        if self.due is not None:
            body["due"] = self.due
        if self.timeout is not None:
            body["timeout"] = _num(self.timeout)
        if self.memory_mb is not None:
            body["memory_mb"] = self.memory_mb
        body["scoring"] = self.scoring
        body["points_for"] = {e.exercise.id: _num(e.points) for e in self.entries}
        return tomli_w.dumps({"format_version": FORMAT_VERSION, "sets": {self.name: body}})


def _num(x: float) -> int | float:
    # An integer stays one (points = 10, not 10.0); any other float keeps every digit (tomli-w
    # writes its repr), so the frozen set awards exactly the points of the original.
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def expand(exercises: list[Exercise], expression: str | list[str]) -> list[Exercise]:
    """Exercises named by 'a + b - c' (ids, categories or globs), in the order written."""
    terms = expression if isinstance(expression, list) else [expression]
    chosen: list[Exercise] = []
    for term in terms:
        if not isinstance(term, str):
            raise SetError(f"set members should be strings; found {term!r}")
        # Operators need spaces around them: exercise ids contain '-' themselves.
        parts = re.split(r"\s+([+-])\s+", " + " + term.strip())
        for sign, pattern in zip(parts[1::2], parts[2::2]):
            pattern = pattern.strip()
            matched = select(exercises, pattern)
            if not matched:
                raise SetError(f"{pattern!r} matches no exercise; `bughunt list` shows them all")
            if sign == "-":
                chosen = [e for e in chosen if e not in matched]
            else:
                chosen += [e for e in matched if e not in chosen]
    if not chosen:
        raise SetError(f"{expression!r} selects no exercise")
    return chosen


def _parse_set(name: str, body: dict, exercises: list[Exercise], source: Path, builtin: bool) -> BugSet:
    where = f"{source}: set {name!r}"
    if not _NAME.match(name):
        raise SetError(f"{where}: a set name uses letters, digits, '-', '_' and '.' only")
    if not isinstance(body, dict):
        raise SetError(f"{where}: should be a table")
    unknown = set(body) - _KNOWN
    if unknown:
        raise SetError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KNOWN))}")
    if "exercises" not in body:
        raise SetError(f"{where}: lacks `exercises`, e.g. exercises = \"leakage/* + sigmoid/overflow-basic\"")
    try:
        chosen = expand(exercises, body["exercises"])
    except SetError as exc:
        raise SetError(f"{where}: {exc}") from None
    default = body.get("points", 10)
    overrides = body.get("points_for", {})
    if not isinstance(overrides, dict):
        raise SetError(f"{where}: points_for should be a table of exercise id = points")
    for key in overrides:
        if key not in {e.id for e in chosen}:
            raise SetError(f"{where}: points_for names {key!r}, which is not in the set")
    entries = []
    for ex in chosen:
        pts = overrides.get(ex.id, default)
        if not isinstance(pts, (int, float)) or isinstance(pts, bool) or not math.isfinite(pts) or pts < 0:
            raise SetError(f"{where}: points for {ex.id} should be a number >= 0; found {pts!r}")
        entries.append(SetEntry(ex, float(pts)))
    due = body.get("due")
    if due is not None and not isinstance(due, (dt.date, dt.datetime)):
        raise SetError(f"{where}: due should be a TOML date or date-time such as 2026-12-01T23:59:00; found {due!r}")
    scoring = body.get("scoring", "all-or-nothing")
    if scoring not in SCORING:
        raise SetError(f"{where}: scoring should be one of {', '.join(SCORING)}; found {scoring!r}")
    timeout = body.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 3600
    ):
        raise SetError(f"{where}: timeout should be seconds between 0 and 3600; found {timeout!r}")
    memory = body.get("memory_mb")
    if memory is not None and (not isinstance(memory, int) or not 256 <= memory <= 65536):
        raise SetError(f"{where}: memory_mb should be an integer between 256 and 65536; found {memory!r}")
    title = body.get("title", name)
    if not isinstance(title, str):
        raise SetError(f"{where}: title should be a string; found {title!r}")
    expr = body["exercises"]
    return BugSet(
        name=name,
        title=title,
        entries=tuple(entries),
        expression=expr if isinstance(expr, str) else " + ".join(expr),
        due=due,
        timeout=float(timeout) if timeout is not None else None,
        memory_mb=memory,
        scoring=scoring,
        source=source,
        builtin=builtin,
    )


def read_file(path: Path, exercises: list[Exercise], builtin: bool = False) -> dict[str, BugSet]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SetError(f"{path}: not valid TOML ({exc})") from None
    if data.get("format_version") != FORMAT_VERSION:
        raise SetError(f"{path}: format_version should be {FORMAT_VERSION}; found {data.get('format_version')!r}")
    unknown = set(data) - {"format_version", "sets"}
    if unknown:
        raise SetError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; sets go in [sets.NAME] tables")
    sets = data.get("sets", {})
    if not isinstance(sets, dict):
        raise SetError(f"{path}: [sets.NAME] tables expected")
    return {name: _parse_set(name, body, exercises, Path(path), builtin) for name, body in sets.items()}


def instructor_file(explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("BUGHUNT_SETS")
    if env:
        return Path(env)
    here = Path.cwd() / INSTRUCTOR_FILE
    return here if here.is_file() else None


def load_sets(root: Path, exercises: list[Exercise], extra: Path | None = None) -> dict[str, BugSet]:
    """Built-in sets, then the instructor's (which may redefine a built-in name)."""
    sets = read_file(root / "exercises" / "sets.toml", exercises, builtin=True)
    mine = instructor_file(extra)
    if mine is not None:
        sets.update(read_file(mine, exercises))
    return sets


def resolve(spec: str, root: Path, exercises: list[Exercise], extra: Path | None = None) -> BugSet:
    """A set by name, or from a TOML file holding exactly one set (e.g. an instructor bundle's set.toml)."""
    path = Path(spec)
    if path.suffix == ".toml" and not path.exists():
        raise SetError(f"{path}: no such file")
    if path.suffix == ".toml" and path.is_file() or path.is_dir() and (path / "set.toml").is_file():
        file = path / "set.toml" if path.is_dir() else path
        found = read_file(file, exercises)
        if len(found) != 1:
            raise SetError(f"{path}: holds {len(found)} sets; name one with --sets {path} --set NAME")
        return with_secret(next(iter(found.values())), file.parent)
    sets = load_sets(root, exercises, extra)
    if spec not in sets:
        raise SetError(f"no set named {spec!r}; `bughunt sets` lists them ({', '.join(sorted(sets))})")
    return sets[spec]


def with_secret(bugset: BugSet, folder: Path) -> BugSet:
    """`bugset` with the grading secret kept in FOLDER (an instructor bundle, or the
    Gradescope autograder's source folder), if there is one."""
    from .secret import SecretError, read_secret

    try:
        secret = read_secret(folder)
    except SecretError as exc:
        raise SetError(str(exc)) from None
    return bugset if secret is None else replace(bugset, secret=secret)


__all__ = ["BugSet", "SetEntry", "SetError", "expand", "load_sets", "read_file", "resolve", "ManifestError"]
