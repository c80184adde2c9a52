"""A student bundle written by `bughunt assign`, found from the working directory.

The marker file at the bundle's top names the set, the student and where each exercise's
file sits, so `bughunt check` run anywhere inside the bundle grades the student's copy.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MARKER = ".bughunt-assignment.toml"
FORMAT_VERSION = 1


class BundleError(Exception):
    """A bundle marker that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Bundle:
    root: Path
    set_name: str
    student: str | None
    files: dict[str, Path] = field(default_factory=dict)  # exercise id -> absolute path in the bundle

    def file_for(self, exercise_id: str) -> Path | None:
        return self.files.get(exercise_id)


def bundle_marker(set_name: str, student: str | None, files: dict[str, str]) -> str:
    """The marker's text: `files` maps exercise id -> path relative to the bundle root."""
    return marker_text(
        "Written by `bughunt assign`. `bughunt check` run inside this folder grades the files listed here.",
        set_name, student, files,
    )


def marker_text(comment: str, set_name: str, student: str | None, files: dict[str, str]) -> str:
    """A bundle or workspace marker: a comment, then TOML written by tomli-w."""
    import tomli_w

    data: dict = {"format_version": FORMAT_VERSION, "set": set_name}
    if student is not None:
        data["student"] = student
    data["exercises"] = dict(files)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + tomli_w.dumps(data)


def read_bundle(root: Path) -> Bundle:
    """The bundle whose marker sits in `root`."""
    root = Path(root)
    path = root / MARKER
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BundleError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(
            f"{path}: not valid TOML ({exc}); get a fresh copy of the bundle from your instructor"
        ) from None
    if data.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{path}: format_version should be {FORMAT_VERSION}; found {data.get('format_version')!r}")
    set_name, student, exercises = data.get("set"), data.get("student"), data.get("exercises")
    if not isinstance(set_name, str) or not set_name:
        raise BundleError(f"{path}: lacks the set name (set = \"...\")")
    if student is not None and not isinstance(student, str):
        raise BundleError(f"{path}: student should be a string; found {student!r}")
    if not isinstance(exercises, dict) or not exercises:
        raise BundleError(f"{path}: lacks the [exercises] table (exercise id = \"path\")")
    files = {}
    for ex_id, rel in exercises.items():
        # The marker is on the student's machine and may be edited: never let it point outside.
        if not isinstance(rel, str) or not rel or PurePosixPath(rel).is_absolute() or "\\" in rel \
                or ".." in PurePosixPath(rel).parts or ":" in rel:
            raise BundleError(f"{path}: the path for {ex_id} should be relative inside the bundle; found {rel!r}")
        files[ex_id] = root.joinpath(*PurePosixPath(rel).parts)
    return Bundle(root=root, set_name=set_name, student=student, files=files)


def find_bundle(start: Path) -> Bundle | None:
    """The bundle holding `start` (a folder or a file), from the nearest marker above it; None if none."""
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return read_bundle(folder)
    return None


__all__ = ["MARKER", "Bundle", "BundleError", "bundle_marker", "find_bundle", "read_bundle"]
