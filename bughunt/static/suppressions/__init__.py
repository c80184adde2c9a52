"""The shared catalog of suppressions: constructs that make a symptom disappear while the
root cause stays. Every module in this package contributes its StaticCheck subclasses
with `suppression = True`; graders pick entries by name.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from ..base import StaticCheck


def _discover() -> dict[str, type[StaticCheck]]:
    found: dict[str, type[StaticCheck]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, StaticCheck) and obj.suppression and obj.__module__ == module.__name__:
                if obj.name in found:
                    raise RuntimeError(f"two suppression checks are named {obj.name!r}")
                found[obj.name] = obj
    return found


CATALOG: dict[str, type[StaticCheck]] = _discover()


def checks(*names: str) -> list[StaticCheck]:
    """Instances of the named catalog entries (all of them when no name is given)."""
    missing = [n for n in names if n not in CATALOG]
    if missing:
        raise KeyError(f"unknown suppression checks: {missing}")
    return [CATALOG[n]() for n in (names or CATALOG)]
