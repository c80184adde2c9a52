"""Read and validate the exercise manifest.

exercises/manifest.toml names the format version and the categories in order;
each exercises/<category>/manifest.toml lists that category's exercises.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMAT_VERSION = 1
DIFFICULTIES = ("easy", "medium", "hard")


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    difficulty: str
    file: str
    hints: tuple[str, ...]
    root: Path
    timeout: float = 20.0
    memory_mb: int = 2048
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def category(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def slug(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def folder(self) -> Path:
        return self.root / "exercises" / self.category / self.slug

    @property
    def path(self) -> Path:
        return self.folder / self.file

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"

    @property
    def grader_path(self) -> Path:
        return self.root / "graders" / self.category / (self.slug.replace("-", "_") + ".py")


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: {exc}") from None


def _check_version(data: dict, path: Path) -> None:
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ManifestError(f"{path}: format_version should be {FORMAT_VERSION}; found {version!r}")


def load(root: Path) -> list[Exercise]:
    top_path = root / "exercises" / "manifest.toml"
    top = _read(top_path)
    _check_version(top, top_path)
    exercises: list[Exercise] = []
    for category in top.get("categories", []):
        path = root / "exercises" / category / "manifest.toml"
        if not path.is_file():
            raise ManifestError(f"{top_path}: category {category!r} has no {path.relative_to(root)}")
        data = _read(path)
        _check_version(data, path)
        for entry in data.get("exercise", []):
            exercises.append(_entry(entry, category, path, root))
    ids = [e.id for e in exercises]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ManifestError(f"duplicate exercise ids: {sorted(dupes)}")
    return exercises


def _entry(entry: dict, category: str, path: Path, root: Path) -> Exercise:
    known = {"id", "title", "difficulty", "file", "hints", "timeout", "memory_mb"}
    try:
        ex = Exercise(
            id=entry["id"],
            title=entry["title"],
            difficulty=entry["difficulty"],
            file=entry["file"],
            hints=tuple(entry["hints"]),
            root=root,
            timeout=float(entry.get("timeout", 20.0)),
            memory_mb=int(entry.get("memory_mb", 2048)),
            extra={k: v for k, v in entry.items() if k not in known},
        )
    except KeyError as exc:
        raise ManifestError(f"{path}: an exercise lacks the field {exc.args[0]!r}") from None
    if not ex.id.startswith(category + "/"):
        raise ManifestError(f"{path}: exercise id {ex.id!r} should start with {category + '/'!r}")
    return ex


def select(exercises: list[Exercise], target: str) -> list[Exercise]:
    """Exercises matching an id, a category, or a glob such as 'leakage/*'."""
    from fnmatch import fnmatchcase

    target = target.strip().rstrip("/")
    return [
        e
        for e in exercises
        if e.id == target or e.category == target or fnmatchcase(e.id, target)
    ]
