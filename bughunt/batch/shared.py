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


def shared_answer_flags(bugset: BugSet, student_id: str, submission) -> list[str]:
    from ..variants import match_variant

    flags = []
    for ex in bugset.exercises:
        file = submission.files.get(ex.id)
        candidates = _renames_by_student(bugset, ex.id)
        if file is None or len(candidates) < 2:
            continue
        try:
            text = Path(file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        owner = match_variant(text, candidates)
        if owner is not None and owner != student_id:
            flags.append(f"{ex.id}: the file carries the variant handed out to {owner}, not the one handed to {student_id}")
    return flags
