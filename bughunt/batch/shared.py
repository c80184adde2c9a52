"""Flag submissions that carry the variant handed out to a different student.

Each student's bundle renames identifiers differently (see bughunt.variants); the
instructor bundle's assignment.json records every student's renames. A file that uses
another student's names, and not its owner's, was most likely copied. These flags go to
the instructor only: they name another student, so they never appear in feedback.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..sets import BugSet


@lru_cache(maxsize=8)
def _assignment(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _renames_by_student(bugset: BugSet, exercise_id: str) -> dict[str, dict[str, str]]:
    if bugset.source is None:
        return {}
    data = _assignment(Path(bugset.source).parent / "assignment.json")
    out = {}
    for sid, exercises in (data.get("students") or {}).items():
        entry = exercises.get(exercise_id) if isinstance(exercises, dict) else None
        if isinstance(entry, dict) and isinstance(entry.get("renames"), dict) and entry["renames"]:
            out[sid] = entry["renames"]
    return out


def copied_variants(bugset: BugSet, student_id: str, submission) -> list[tuple[str, str]]:
    """(exercise id, owner) for each file of this submission carrying another student's variant."""
    found = []
    for ex in bugset.exercises:
        file = submission.files.get(ex.id)
        candidates = _renames_by_student(bugset, ex.id)
        if file is None or len(candidates) < 2:
            continue
        try:
            text = Path(file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        from ..variants import match_variant  # libcst: only when there are variants to compare

        owner = match_variant(text, candidates)
        if owner is not None and owner != student_id:
            found.append((ex.id, owner))
    return found


def copier_flag(exercise_id: str, owner: str, student_id: str) -> str:
    return f"{exercise_id}: the file carries the variant handed out to {owner}, not the one handed to {student_id}"


def shared_answer_flags(bugset: BugSet, student_id: str, submission) -> list[str]:
    return [copier_flag(ex_id, owner, student_id) for ex_id, owner in copied_variants(bugset, student_id, submission)]


def donor_flag(exercise_id: str, donor: str, copier: str) -> str:
    """The other side of a copy: the student whose variant turned up in someone else's file."""
    return f"{exercise_id}: {donor}'s own variant was handed in by {copier} too"
