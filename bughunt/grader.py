"""The contract every grader in graders/ follows, and the inline examples it carries.

A grader module defines `GRADER = SomeGrader()` and lives in the parent process only: it
holds the hidden-case builder, the expected values, the reference fix and the examples.
The sandboxed child never imports it. The child imports only the grader's *probe*, a
trusted module under `bughunt.families.<family>.probes` named by `probe_name`, receives
the hidden inputs (built here) and the `config()` over its pipe, calls the student's
functions and sends back raw observations. `judge` turns them into checks.
"""
from __future__ import annotations

import importlib.util
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar

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


from .secret import PUBLIC_SEED  # noqa: E402  (re-exported: graders and tests import it from here)


def case_rng(seed: int, *tags: str | int):
    """A generator for one hidden case, independent of every other (seed, tags) pair."""
    import numpy as np

    # A seed of up to 32 bits (the public seed) is one word; a secret-derived seed is split
    # into 32-bit words so that none of its bits are dropped.
    seed, words = int(seed), []
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if not seed:
            break
    words += [t if isinstance(t, int) else zlib.crc32(str(t).encode()) for t in tags]
    return np.random.default_rng(np.random.SeedSequence(words))


class Grader:
    exercise: ClassVar[str] = ""
    #: "module:attribute" of the child-side probe (a bughunt.probe.Probe under
    #: bughunt.families); empty only for graders not yet split into probe and judge
    probe_name: ClassVar[str] = ""
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

    #: the observations each case must carry, by key: "array", "number", "bool", "text",
    #: "texts" (a list of strings) or "any". Checked before `judge` sees them.
    observations: ClassVar[dict[str, str]] = {}

    def judge(self, cases: list[Any], results: list[CaseResult]) -> list[Check]:
        """Runtime checks from the observations of every case (all cases ran without
        error), against the cases this grader built. Compare so that NaN fails:
        `not (err <= tol)`, never `err > tol`."""
        raise NotImplementedError

    def reference_example(self) -> Example:
        return Example("reference fix", self.REFERENCE)

    def pass_examples(self) -> list[Example]:
        return [self.reference_example(), *self.PASS]

    def config(self) -> dict:
        """Plain JSON sent to the child with the cases: function names, arities, flags.
        Never an expected value or anything a submission could use to fake a result."""
        return {}

    def cases(self, seed: int = PUBLIC_SEED) -> list[Any]:
        """Hidden inputs, built here from `seed` (use `case_rng`) and sent to the child;
        deterministic, and different from the visible data."""
        raise NotImplementedError


_cases: dict[tuple[int, int], list] = {}


def hidden_cases(grader: Grader, seed: int | None = None) -> list:
    """The grader's hidden inputs for `seed` (the public seed if None), built once per
    process. Judges read them and must not modify them."""
    seed = PUBLIC_SEED if seed is None else int(seed)
    key = (id(grader), seed)
    if key not in _cases:
        _cases[key] = grader.cases(seed)
    return _cases[key]


_facts: dict[tuple[int, str], tuple[Any, Any]] = {}


def case_fact(case: Any, name: str, compute: Callable[[], Any]) -> Any:
    """A parent-side fact of one hidden case alone (the rows its split holds out, what an
    honest pipeline scores on it), computed once per process: every file of an exercise is
    judged on the same cases, and refitting a reference model for each file was most of a
    leakage judge's time. Arrays come back read-only, so no judge can change another's."""
    key = (id(case), name)
    hit = _facts.get(key)
    if hit is None or hit[0] is not case:  # the case itself is kept, so its id is never reused
        value = compute()
        if hasattr(value, "setflags"):  # a numpy array
            value.setflags(write=False)
        hit = _facts[key] = (case, value)
    return hit[1]


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
