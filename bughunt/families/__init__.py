"""Grader families: one package per bug category (child-side probes apart from parent-side judges)."""
from __future__ import annotations

from pathlib import Path


def module_names(suffix: str = "") -> list[str]:
    """Dotted names of the family modules whose file name ends with `suffix` ("probes": the
    child-side ones), listed from the package's files without importing any of them."""
    here = Path(__file__).resolve().parent
    return sorted(f"{__name__}.{p.parent.name}.{p.stem}" for p in here.glob(f"*/*{suffix}.py") if p.stem != "__init__")
