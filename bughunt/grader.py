"""The contract every grader in graders/ follows, and the inline examples it carries.

A grader module defines `GRADER = SomeGrader()`. The parent process reads its static
checks and judges observations; the sandboxed child calls `instrument`, `cases` and
`probe`. Cases are regenerated from fixed seeds on both sides, so the parent never
trusts data that passed through the child.
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .static.base import StaticCheck
from .static.suppressions import checks as catalog_checks
from .verdict import Check


@dataclass(frozen=True)
class Example:
    """A submission written as edits to the shipped file: each (old, new) pair replaces
    text that occurs exactly once. FAIL examples name the checks that must fail."""

    name: str
    edits: tuple[tuple[str, str], ...]
    fails: tuple[str, ...] = ()

    def apply(self, text: str) -> str:
        for old, new in self.edits:
            count = text.count(old)
            if count != 1:
                raise ValueError(f"example {self.name!r}: {old!r} occurs {count} times in the shipped file")
            text = text.replace(old, new)
        return text


def PASS(name: str, *edits: tuple[str, str]) -> Example:
    return Example(name, tuple(edits))


def FAIL(name: str, *edits: tuple[str, str], fails: tuple[str, ...] | str) -> Example:
    return Example(name, tuple(edits), (fails,) if isinstance(fails, str) else tuple(fails))


@dataclass
class CaseResult:
    """One hidden case as the child reported it: observations, or the student's exception."""

    index: int
    obs: dict | None = None
    error: dict | None = None


class Grader:
    exercise: ClassVar[str] = ""
    #: functions the probe calls, with their signatures as the exercise README states them
    functions: ClassVar[dict[str, str]] = {}
    #: catalog names of suppressions this exercise watches for
    suppression_names: ClassVar[tuple[str, ...]] = ("try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate")
    REFERENCE: ClassVar[tuple[tuple[str, str], ...]] = ()
    PASS: ClassVar[list[Example]] = []
    FAIL: ClassVar[list[Example]] = []

    # --- parent side -----------------------------------------------------------------
    def static_checks(self) -> list[StaticCheck]:
        return []

    def suppression_checks(self) -> list[StaticCheck]:
        return catalog_checks(*self.suppression_names)

    def judge(self, results: list[CaseResult]) -> list[Check]:
        """Runtime checks from the observations of every case (all cases ran without error)."""
        raise NotImplementedError

    def reference_example(self) -> Example:
        return Example("reference fix", self.REFERENCE)

    def pass_examples(self) -> list[Example]:
        return [self.reference_example(), *self.PASS]

    # --- both sides ------------------------------------------------------------------
    def cases(self) -> list[Any]:
        """Hidden inputs, built deterministically from fixed seeds that differ from the visible data."""
        raise NotImplementedError

    # --- child side ------------------------------------------------------------------
    def instrument(self) -> None:
        """Called in the child before the submission is loaded (e.g. to wrap library functions)."""

    def probe(self, student, case) -> dict:
        raise NotImplementedError


_loaded: dict[Path, Grader] = {}


def load_grader(path: Path) -> Grader:
    """Import a grader module by path (graders are trusted project code)."""
    path = Path(path).resolve()
    if path not in _loaded:
        name = "bughunt_graders." + "_".join(path.with_suffix("").parts[-2:])
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load grader {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _loaded[path] = module.GRADER
    return _loaded[path]
