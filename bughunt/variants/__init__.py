"""Per-student variants of an exercise: same bug, different text (SKELETON: identity transform
until the libcst transforms land)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..manifest import Exercise


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
    return Variant(exercise.id, key, source)


def broken_and_fixed(exercise: Exercise, key: str) -> tuple[Variant, Variant]:
    from ..grader import load_grader

    text = exercise.path.read_text(encoding="utf-8")
    fixed = load_grader(exercise.grader_path).reference_example().apply(text)
    return make_variant(exercise, text, key), make_variant(exercise, fixed, key)


def match_variant(text: str, candidates: dict[str, dict]) -> str | None:
    """The student whose renamed identifiers `text` carries most distinctly, or None."""
    return None
