"""Per-student variants of an exercise: same bug, different text.

A variant is built from the shipped file with libcst transforms chosen by a key derived from
(seed, student, exercise): local variables renamed (rename.py), independent code reordered
(reorder.py), and the visible data's seeds and sizes changed (constants.py). Nothing a grader
can reach is touched (protect.py), so every grader grades every variant as it grades the
original.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field

from ..manifest import Exercise
from . import constants, rename, reorder
from .choice import Chooser
from .protect import graded_functions, protected_names
from .syntax import identifiers


class VariantError(Exception):
    """A transform produced text that is not valid Python (a bug in the transforms)."""


@dataclass(frozen=True)
class Variant:
    exercise: str
    key: str
    text: str
    renames: dict = field(default_factory=dict)  # original identifier -> new identifier
    changes: tuple = ()  # human-readable summary of what was changed


def variant_key(seed: int, student: str, exercise_id: str) -> str:
    return hashlib.sha256(f"{seed}\0{student}\0{exercise_id}".encode()).hexdigest()[:16]


def make_variant(exercise: Exercise, source: str, key: str) -> Variant:
    """The variant of `source` (the exercise file, or an edit of it) for `key`."""
    return _transform(exercise, [source], key)[0]


def broken_and_fixed(exercise: Exercise, key: str) -> tuple[Variant, Variant]:
    """The shipped file and its reference fix, transformed with the same key and the same
    renames, so the fixed variant is a fix of the broken one."""
    from ..grader import load_grader

    text = exercise.path.read_text(encoding="utf-8")
    fixed = load_grader(exercise.grader_path).reference_example().apply(text)
    broken_variant, fixed_variant = _transform(exercise, [text, fixed], key)
    return broken_variant, fixed_variant


def _settings(exercise: Exercise) -> tuple[frozenset[str], frozenset[str]]:
    extra = exercise.extra.get("variants", {}) if isinstance(exercise.extra, dict) else {}
    return frozenset(extra.get("constants", ())), frozenset(extra.get("frozen", ()))


def _transform(exercise: Exercise, texts: list[str], key: str) -> list[Variant]:
    """Transform texts that must correspond (a file and its fix) with one plan: the same
    graded functions, the same renames, the same per-item ordering decisions."""
    chooser = Chooser(key)
    protected = protected_names(exercise)
    allowed, frozen = _settings(exercise)
    analyses = [rename.analyse(t, protected) for t in texts]
    graded: set[str] = set()
    names: set[str] = set()
    forbidden: set[str] = set(protected)
    for analysis in analyses:
        graded |= graded_functions(analysis.module, protected)
        names |= analysis.names
        forbidden |= identifiers(analysis.module)
    mapping = rename.plan(names, forbidden, chooser)

    out = []
    for analysis in analyses:
        # renaming first: the constants pass and the reorderings never depend on local names
        text, used = rename.apply(analysis, mapping)
        text, changed_constants = constants.vary(text, chooser, graded, allowed, frozen)
        changes = [f"renamed {len(used)} local name{'s' if len(used) != 1 else ''}"] if used else []
        for step in (reorder.imports, reorder.functions, reorder.statements):
            text, more = step(text, chooser)
            changes += more
        changes += changed_constants
        try:
            compile(text, exercise.file, "exec", dont_inherit=True)
        except SyntaxError as exc:  # pragma: no cover - would be a transform bug
            raise VariantError(f"{exercise.id}: variant {key} does not compile ({exc.msg}, line {exc.lineno})") from None
        out.append(Variant(exercise.id, key, text, dict(sorted(used.items())), tuple(changes)))
    return out


# --- who does this text belong to? ------------------------------------------------------
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MIN_MATCHES = 3  # fewer shared names than this is coincidence, not a copied variant
MARGIN = 1.5  # the best student must score this many times the runner-up


def code_identifiers(text: str) -> set[str]:
    """Names used as code (not inside strings or comments); any word if the text does not tokenize."""
    try:
        return {tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline) if tok.type == tokenize.NAME}
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set(_WORD.findall(text))


def match_variant(text: str, candidates: dict[str, dict[str, str]]) -> str | None:
    """The student whose renamed identifiers `text` carries most distinctly, or None.

    Each new name counts in proportion to how rare it is among the candidates (a name that
    half the class received says little). The best student needs at least MIN_MATCHES of
    their names in the text and MARGIN times the score of anyone else."""
    used = code_identifiers(text)
    per_student = {s: set(r.values()) for s, r in candidates.items()}
    df = Counter(n for names in per_student.values() for n in names)
    total = len(per_student)
    scores = []
    for student, names in per_student.items():
        hits = names & used
        score = sum(math.log((total + 1) / df[n]) for n in hits)
        scores.append((score, len(hits), student))
    scores.sort(key=lambda t: (-t[0], t[2]))
    if not scores or scores[0][1] < MIN_MATCHES or scores[0][0] <= 0:
        return None
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    return scores[0][2] if scores[0][0] >= MARGIN * runner_up and scores[0][0] > runner_up else None
