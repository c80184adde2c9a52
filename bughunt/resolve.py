"""Turn what a student types into exercises: an id, a category, a glob, a folder or file path
(`exercises/sigmoid/overflow-basic`, `.../model.py`, `sigmoid/overflow-basic` in a
workspace), or a unique prefix of an id, a slug or a category. A typo gets a "did you mean".
"""
from __future__ import annotations

import difflib
import os
from fnmatch import fnmatchcase
from pathlib import Path

from .manifest import Exercise

_SUFFIXES = (".py", ".ipynb", ".md")


class ResolveError(Exception):
    """No exercise, or several where one is needed; the message says what to type instead."""


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _by_path(target: str, exercises: list[Exercise], files: dict[str, Path], cwd: Path) -> list[Exercise] | None:
    """Exercises an existing file or folder on disk stands for, or None if it is no such path."""
    p = Path(target).expanduser()
    if not p.is_absolute():
        p = cwd / p
    if not p.exists():
        return None
    p = p.resolve()
    hits = []
    for ex in exercises:
        mine = [files.get(ex.id), ex.path]
        for f in (m for m in mine if m is not None):
            f = Path(f)
            if _same(p, f) or _same(p, f.parent) or _same(p, f.with_suffix(".py")) or _same(p, f.with_suffix(".ipynb")):
                hits.append(ex)
                break
    if hits:
        return hits
    # a category folder (or the exercises/ folder itself) holds several exercises
    inside = [ex for ex in exercises
              if any(f is not None and _below(Path(f), p) for f in (files.get(ex.id), ex.path))]
    return inside or None


def _below(f: Path, folder: Path) -> bool:
    try:
        f.resolve().relative_to(folder)
        return folder.is_dir()
    except (ValueError, OSError):
        return False


def _as_text(target: str) -> str:
    """`./exercises/sigmoid/overflow-basic/model.py` -> `sigmoid/overflow-basic`."""
    t = target.strip().replace("\\", "/")
    while t.startswith("./"):
        t = t[2:]
    t = t.rstrip("/")
    parts = [p for p in t.split("/") if p not in ("", ".")]
    if "exercises" in parts:
        parts = parts[len(parts) - parts[::-1].index("exercises"):]
    if parts and parts[-1].endswith(_SUFFIXES):
        parts = parts[:-1] if len(parts) > 1 else [parts[0].rsplit(".", 1)[0]]
    return "/".join(parts)


def resolve(
    target: str,
    exercises: list[Exercise],
    files: dict[str, Path] | None = None,
    cwd: Path | None = None,
    single: bool = False,
) -> list[Exercise]:
    """The exercises `target` names, in library order. With `single`, exactly one or an error."""
    files = files or {}
    cwd = Path(cwd or Path.cwd())
    if not target or not target.strip():
        raise ResolveError("name an exercise: an id such as leakage/scaler-before-split, a category, or a path")
    chosen = _by_path(target, exercises, files, cwd)
    if chosen is None:
        chosen = _by_text(_as_text(target), exercises)
    if not chosen:
        raise ResolveError(_no_match(target, exercises))
    if single and len(chosen) > 1:
        raise ResolveError(_ambiguous(target, chosen))
    return chosen


def _by_text(t: str, exercises: list[Exercise]) -> list[Exercise]:
    if not t:
        return []
    exact = [e for e in exercises if e.id == t or e.category == t or fnmatchcase(e.id, t)]
    if exact:
        return exact
    slug = [e for e in exercises if e.slug == t]
    if slug:
        return slug
    low = t.lower()
    if "/" in low:
        cat, _, rest = low.partition("/")
        return [e for e in exercises if e.category.startswith(cat) and e.slug.startswith(rest)]
    cats = {e.category for e in exercises if e.category.startswith(low)}
    if len(cats) == 1:
        return [e for e in exercises if e.category in cats]
    return [e for e in exercises if e.id.startswith(low) or e.slug.startswith(low)]


def _ambiguous(target: str, chosen: list[Exercise]) -> str:
    shown = ", ".join(e.id for e in chosen[:8]) + (", ..." if len(chosen) > 8 else "")
    return f"{target!r} matches {len(chosen)} exercises ({shown}); type more of the id"


def suggestions(target: str, exercises: list[Exercise], n: int = 3) -> list[str]:
    t = _as_text(target).lower() or target.lower()
    names: dict[str, str] = {}
    for e in exercises:
        names.setdefault(e.id, e.id)
        names.setdefault(e.slug, e.id)
        names.setdefault(e.category, e.category)
    close = difflib.get_close_matches(t, list(names), n=n, cutoff=0.6)
    if "/" in t:
        cat, _, slug = t.partition("/")
        close += [e.id for e in exercises
                  if difflib.SequenceMatcher(None, slug, e.slug).ratio() >= 0.7
                  and difflib.SequenceMatcher(None, cat, e.category).ratio() >= 0.6]
    out: list[str] = []
    for c in close:
        full = names.get(c, c)
        if full not in out:
            out.append(full)
    return out[:n]


def _no_match(target: str, exercises: list[Exercise]) -> str:
    close = suggestions(target, exercises)
    msg = f"no exercise matches {target!r}"
    if close:
        msg += "; did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
    return msg + " `bughunt list` shows them all"


def relative(path: Path, cwd: Path | None = None) -> str:
    """`path` relative to the working folder when it sits below it, else as given."""
    try:
        rel = os.path.relpath(path, cwd or Path.cwd())
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel
