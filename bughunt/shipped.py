"""The exercise files as they were shipped, whatever happened to this copy since.

`exercises/SHA256SUMS` (in `sha256sum` format) records every file `bughunt assign` hands
out: each exercise's file and its README.md. A test keeps it in step with the exercises;
after changing an exercise on purpose, regenerate it with

    python -m bughunt.shipped --write

`shipped_text` gives a file's recorded text. A file edited in a checkout (an instructor who
tried the exercise first) is not handed out: its committed version is used when it is the
recorded one, with a warning that names the file; otherwise assigning stops and says how to
restore the file.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from .manifest import Exercise, load

CHECKSUMS = "SHA256SUMS"
REGENERATE = "python -m bughunt.shipped --write"


class ShippedError(Exception):
    """A file to hand out is not the shipped one and the shipped one cannot be recovered."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def handed_out(ex: Exercise) -> list[str]:
    """The files of `ex` a bundle carries, relative to exercises/."""
    return [f"{ex.category}/{ex.slug}/{ex.file}", f"{ex.category}/{ex.slug}/README.md"]


def render(root: Path) -> str:
    """The SHA256SUMS text for the library at `root`, as it is now."""
    lines = []
    for ex in load(root):
        for rel in handed_out(ex):
            lines.append(f"{digest((root / 'exercises' / rel).read_text(encoding='utf-8'))}  {rel}")
    return "\n".join(lines) + "\n"


def recorded(root: Path) -> dict[str, str]:
    """relative path -> recorded SHA-256; empty when the library has no checksum list."""
    try:
        text = (Path(root) / "exercises" / CHECKSUMS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    out = {}
    for line in text.splitlines():
        value, _, rel = line.partition("  ")
        if value and rel:
            out[rel] = value
    return out


class Library:
    """One library's recorded checksums, read once."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.sums = recorded(self.root)

    def text(self, rel: str) -> tuple[str, str | None]:
        """The shipped text of exercises/`rel`, and a warning when this copy's file was edited."""
        path = self.root / "exercises" / rel
        shown = f"exercises/{rel}"
        want = self.sums.get(rel)
        if want is None:
            raise ShippedError(
                f"{shown} is not in exercises/{CHECKSUMS}, so bughunt cannot tell whether it is the shipped file; "
                f"an author who added or changed it on purpose runs `{REGENERATE}`"
            )
        text = path.read_text(encoding="utf-8")
        if digest(text) == want:
            return text, None
        committed = _committed(self.root, f"exercises/{rel}")
        if committed is not None and digest(committed) == want:
            return committed, (
                f"{shown} was edited in this checkout ({path}); the bundles get the shipped version, not your edits"
            )
        raise ShippedError(
            f"{shown} differs from the shipped file ({path} was edited) and the original cannot be recovered; "
            "restore it (`git checkout -- <file>` in a checkout, `pip install --force-reinstall bughunt` otherwise) "
            f"and assign again"
        )


def _committed(root: Path, rel: str) -> str | None:
    """The file as committed at HEAD, when `root` is a git checkout."""
    try:
        out = subprocess.run(["git", "-C", str(root), "show", f"HEAD:./{rel}"], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    try:
        return out.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def main(argv: list[str]) -> int:
    from .paths import shipped_root

    root = shipped_root()
    if root is None:
        print("no bughunt exercises found next to this package", file=sys.stderr)
        return 2
    text = render(root)
    if "--write" in argv:
        (root / "exercises" / CHECKSUMS).write_text(text, encoding="utf-8")
        print(f"wrote {root / 'exercises' / CHECKSUMS} ({text.count(chr(10))} files)")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
