"""Graded results on disk, one small JSON file per (student, exercise), so a batch that is
killed at any moment resumes where it stopped.

Each file is written atomically (temp file, rename) by the one process that owns the
batch, so after `kill -9` a result is either wholly there or not there at all, and a rerun
cannot count it twice. It is not fsynced: a result a power cut damaged does not parse, and
is regraded. A result is reused only if it was produced for the same
file content, grader, limits and bughunt version (its fingerprint).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__
from ..manifest import Exercise
from ..sandbox import Limits
from . import atomic


def fingerprint(exercise: Exercise, file: Path | None, limits: Limits, seed: int | None = None) -> str:
    h = hashlib.sha256()
    h.update(f"bughunt {__version__}\0{exercise.id}\0{limits.timeout}\0{limits.memory_mb}\0".encode())
    if seed is not None:  # other hidden cases (a new grading secret) give another verdict
        h.update(f"seed {seed}\0".encode())
    h.update(exercise.grader_path.read_bytes())
    h.update(b"\0")
    h.update(file.read_bytes() if file is not None else b"<missing>")
    return h.hexdigest()


def _infrastructure(record: dict) -> bool:
    """A failure of the grading machinery, not a verdict on the file: never reused. (Older
    versions stored these as errors ending in "regrade it".)"""
    reason = record.get("reason") or ""
    return bool(record.get("infrastructure")) or (
        record.get("status") == "error" and reason.endswith("; regrade it") and "could not be graded (" in reason
    )


class ResultStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.rglob(".*.part"):  # left by a run killed mid-write
            stale.unlink(missing_ok=True)

    def path(self, student: str, exercise_id: str) -> Path:
        return self.root / student / (exercise_id.replace("/", "__") + ".json")

    def get(self, student: str, exercise_id: str, fp: str) -> dict | None:
        try:
            data = json.loads(self.path(student, exercise_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("fingerprint") != fp or _infrastructure(data):
            return None
        return data

    def put(self, student: str, exercise_id: str, fp: str, record: dict) -> None:
        if _infrastructure(record):
            raise ValueError("a failure of the grading machinery is not a result")
        atomic.write_json(self.path(student, exercise_id), {**record, "fingerprint": fp}, durable=False)
