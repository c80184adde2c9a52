"""A student's local progress: last verdict per exercise (keyed by file content) and hints seen.

Stored in <root>/.bughunt/progress.json; losing it only loses convenience, never grades.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def _path(root: Path) -> Path:
    return root / ".bughunt" / "progress.json"


def load(root: Path) -> dict:
    try:
        data = json.loads(_path(root).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save(root: Path, data: dict) -> None:
    path = _path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout still grades; it just forgets progress


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def record_verdict(root: Path, exercise_id: str, file: Path, status: str) -> None:
    data = load(root)
    data.setdefault("verdicts", {})[exercise_id] = {"sha256": digest(file), "status": status}
    save(root, data)


def status_of(root: Path, exercise_id: str, file: Path) -> str:
    entry = load(root).get("verdicts", {}).get(exercise_id)
    if not entry:
        return "not checked"
    if entry.get("sha256") != digest(file):
        return "edited since check"
    return entry.get("status", "not checked")


def next_hint(root: Path, exercise_id: str, total: int) -> int:
    """Index of the hint to show now (advancing the counter), capped at the last hint."""
    data = load(root)
    seen = data.setdefault("hints", {}).get(exercise_id, 0)
    index = min(seen, total - 1)
    data["hints"][exercise_id] = min(seen + 1, total)
    save(root, data)
    return index
