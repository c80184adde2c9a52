"""Locate the bughunt library tree (exercises/ and graders/) that commands operate on.

In a checkout the tree is the repository itself. In an installed wheel the exercises and
graders ship as package data inside the package (`bughunt/exercises`, `bughunt/graders`),
so every command works from any folder after `pip install bughunt`.
"""
from __future__ import annotations

import os
from pathlib import Path


class RootNotFound(Exception):
    pass


def _is_root(d: Path) -> bool:
    return (d / "exercises" / "manifest.toml").is_file() and (d / "graders").is_dir()


def shipped_root() -> Path | None:
    """The tree this package carries: the installed package folder (wheel) or the checkout
    it was installed from (editable installs); None if neither holds the exercises."""
    pkg = Path(__file__).resolve().parent
    for d in (pkg, pkg.parent):
        if _is_root(d):
            return d
    return None


def package_root() -> Path:
    """The library this installed package carries, never the working directory's: what
    `bughunt assign` hands out (a checkout nearby may hold edited or student copies)."""
    root = shipped_root()
    if root is None:
        raise RootNotFound(
            "this installation of bughunt lacks its exercises; reinstall it (`pip install --force-reinstall bughunt`)"
        )
    return root


def find_root(start: Path | None = None) -> Path:
    """$BUGHUNT_ROOT, else the nearest ancestor of `start` (or cwd) holding exercises/manifest.toml,
    else the exercises shipped with the installed package."""
    env = os.environ.get("BUGHUNT_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "exercises" / "manifest.toml").is_file():
            return d
    shipped = shipped_root()
    if shipped is not None:
        return shipped
    raise RootNotFound(
        "no bughunt exercises found: this installation of bughunt lacks its exercises; "
        "reinstall it (`pip install --force-reinstall bughunt`) or set BUGHUNT_ROOT to a checkout"
    )
