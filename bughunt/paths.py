"""Locate the bughunt project tree (exercises/ and graders/) that commands operate on."""
from __future__ import annotations

import os
from pathlib import Path


class RootNotFound(Exception):
    pass


def find_root(start: Path | None = None) -> Path:
    """$BUGHUNT_ROOT, else the nearest ancestor of `start` (or cwd) holding exercises/manifest.toml,
    else the checkout this package was installed from (editable installs)."""
    env = os.environ.get("BUGHUNT_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "exercises" / "manifest.toml").is_file():
            return d
    pkg_parent = Path(__file__).resolve().parent.parent
    if (pkg_parent / "exercises" / "manifest.toml").is_file():
        return pkg_parent
    raise RootNotFound(
        "no bughunt exercises found: run this inside a bughunt checkout or set BUGHUNT_ROOT"
    )
