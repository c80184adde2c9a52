"""Per-student variants of an exercise: same bug, different text.

A variant is built from the shipped file with libcst transforms chosen by a key derived from
(seed, student, exercise): local variables renamed (rename.py), independent code reordered
(reorder.py), and the visible data's seeds and sizes changed (constants.py). Nothing a grader
can reach is touched (protect.py), so every grader grades every variant as it grades the
original.

`prepare` parses and analyses an exercise once; `Prepared.variants(key)` then plans each
pass on that tree and writes the variant by splicing the shipped text (layout.py), a few
milliseconds per student.
"""
from __future__ import annotations

import hashlib
import io
import re
import tokenize
from dataclasses import dataclass, field

import libcst as cst

from ..manifest import Exercise
from . import constants, rename, reorder, syntax
from .choice import Chooser
from .layout import Draft, Layout
from .protect import graded_functions, protected_names
from .syntax import identifiers


class VariantError(Exception):
    """No variant can be made: the source does not parse, or (a bug) a transform broke it."""


@dataclass(frozen=True)
class Variant:
    exercise: str
    key: str
    text: str
    renames: dict = field(default_factory=dict)  # original identifier -> new identifier
    changes: tuple = ()  # human-readable summary of what was changed
    data_changes: tuple = ()  # the part of `changes` that gives the visible data other seeds or sizes


def variant_key(seed: int, student: str, exercise_id: str) -> str:
    return hashlib.sha256(f"{seed}\0{student}\0{exercise_id}".encode()).hexdigest()[:16]


def make_variant(exercise: Exercise, source: str, key: str) -> Variant:
    """The variant of `source` (the exercise file, or an edit of it) for `key`."""
    return prepare(exercise, [source]).variants(key)[0]


def reference_fix(exercise: Exercise, text: str) -> str:
    """`text` (the shipped file) with the grader's reference fix applied."""
    from ..grader import load_grader

    return load_grader(exercise.grader_path).reference_example().apply(text)


def broken_and_fixed(exercise: Exercise, key: str, text: str | None = None) -> tuple[Variant, Variant]:
    """The shipped file (or `text`, the shipped file as the caller read it) and its reference
    fix, transformed with the same key and the same renames, so the fixed variant is a fix of
    the broken one. For many keys, `prepare` once and call `variants` per key."""
    text = exercise.path.read_text(encoding="utf-8") if text is None else text
    broken_variant, fixed_variant = prepare(exercise, [text, reference_fix(exercise, text)]).variants(key)
    return broken_variant, fixed_variant


def _settings(exercise: Exercise) -> tuple[frozenset[str], frozenset[str]]:
    """The exercise manifest's `[exercise.variants]` lists of "function.parameter" defaults
    to vary (`constants`) or to keep as shipped (`frozen`); see constants.py."""
    table = exercise.extra.get("variants", {})
    lists = []
    for field_name in ("constants", "frozen"):
        value = table.get(field_name, []) if isinstance(table, dict) else None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.count(".") == 1 for v in value):
            raise VariantError(
                f"{exercise.id}: [exercise.variants] {field_name} should be a list of \"function.parameter\" strings"
            )
        lists.append(frozenset(value))
    return lists[0], lists[1]


def prepare(exercise: Exercise, texts: list[str]) -> "Prepared":
    """Everything about `texts` that no key changes (the parse, scopes and renamable
    bindings, positions, the names the grader reaches, the literals the constants pass may
    change), worked out once; `Prepared.variants(key)` then only decides and splices.
    `texts` must correspond: the shipped file first, then its fix."""
    protected = protected_names(exercise)
    allowed, frozen = _settings(exercise)
    memo: dict = {}
    with syntax.memo(memo):
        try:
            analyses = [rename.analyse(t, protected) for t in texts]
        except cst.ParserSyntaxError as exc:
            raise VariantError(f"{exercise.id}: cannot make a variant of text that does not parse (line {exc.raw_line})") from None
        first_graded = graded_functions(analyses[0].module, protected)
        graded = [first_graded] + [first_graded | graded_functions(a.module, protected) for a in analyses[1:]]
        texts_ = [
            _Text(a, Layout(a.module), identifiers(a.module), constants.sites(a.module, g, allowed, frozen))
            for a, g in zip(analyses, graded)
        ]
    return Prepared(exercise, protected, texts_, memo)


@dataclass(frozen=True)
class _Text:
    analysis: rename.Analysis  # its module is the tree every key's decisions are made on
    layout: Layout
    ids: set  # every identifier in the text
    sites: list  # the literals the constants pass may change


@dataclass(frozen=True)
class Prepared:
    exercise: Exercise
    protected: frozenset
    texts: list
    memo: dict = field(repr=False)  # syntax.find's answers on these trees, shared by every key

    def variants(self, key: str) -> list[Variant]:
        """Transform the texts for `key`: the first (the shipped file) exactly as make_variant
        would, then the others (its fix) with the same plan, the same renames and the same
        per-item ordering decisions. A name the fix adds gets its own fresh name; a new name
        that the fix happens to use already is chosen again for the fix alone."""
        chooser = Chooser(key)
        first = self.texts[0]
        mapping = rename.plan(first.analysis.names, first.ids | self.protected, chooser)
        plans = [mapping]
        for text in self.texts[1:]:
            keep = {old: new for old, new in mapping.items() if new not in text.ids}
            taken = text.ids | first.ids | self.protected | set(keep.values())
            plans.append({**keep, **rename.plan(text.analysis.names - keep.keys(), taken, chooser)})
        with syntax.memo(self.memo):
            return [self._one(text, plan, chooser, key) for text, plan in zip(self.texts, plans)]

    def _one(self, source: _Text, mapping: dict, chooser: Chooser, key: str) -> Variant:
        ex = self.exercise
        names, used = rename.renamed_nodes(source.analysis, mapping)
        draft = Draft(source.layout, names)
        # every pass decides on the shipped tree as renamed so far; the renames and numbers
        # never depend on the order of things, and the reorderings see them through the draft
        changed_constants = constants.plan(draft, source.sites, chooser)
        changes = [f"renamed {len(used)} local name{'s' if len(used) != 1 else ''}"] if used else []
        for step in (reorder.plan_imports, reorder.plan_functions, reorder.plan_statements):
            changes += step(draft, chooser)
        changes += changed_constants
        text = draft.render()
        try:
            compile(text, ex.file, "exec", dont_inherit=True)
        except SyntaxError as exc:  # pragma: no cover - would be a transform bug
            raise VariantError(f"{ex.id}: variant {key} does not compile ({exc.msg}, line {exc.lineno})") from None
        return Variant(ex.id, key, text, dict(sorted(used.items())), tuple(changes), tuple(changed_constants))


# --- who does this text belong to? ------------------------------------------------------
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MIN_MATCHES = 3  # fewer shared names than this is coincidence, not a copied variant
MIN_COVERAGE = 0.6  # the owner's new names that must occur in the text
MARGIN = 0.15  # how much more of the owner's names than of anyone else's


def code_identifiers(text: str) -> set[str]:
    """Names used as code (not inside strings or comments); any word if the text does not tokenize."""
    try:
        return {tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline) if tok.type == tokenize.NAME}
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set(_WORD.findall(text))


def match_variant(text: str, candidates: dict[str, dict[str, str]]) -> str | None:
    """The student whose renamed identifiers `text` carries most distinctly, or None.

    A student's score is the share of their new names (the values of their renames) that
    occur as code in the text: a copy of their variant carries all of them, anyone else's
    only those that happen to coincide (up to about 0.8 in a class of 100 with ten names).
    The best student needs MIN_MATCHES names, MIN_COVERAGE of theirs, and MARGIN more than
    anyone else. Pass each student's renames *for the exercise the text belongs to*: a
    union over exercises dilutes every share (a student holds most synonyms of `X` across
    twenty exercises), so it finds nobody rather than the wrong student."""
    used = code_identifiers(text)
    shares = []
    for student, renames in candidates.items():
        names = set(renames.values())
        hits = names & used
        shares.append((len(hits) / len(names) if names else 0.0, len(hits), student))
    shares.sort(key=lambda t: (-t[0], -t[1], t[2]))
    if not shares:
        return None
    best, hits, student = shares[0]
    runner_up = shares[1][0] if len(shares) > 1 else 0.0
    if hits < MIN_MATCHES or best < MIN_COVERAGE or best - runner_up < MARGIN:
        return None
    return student
