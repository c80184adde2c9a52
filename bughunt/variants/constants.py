"""Different data seeds and sizes for the visible data.

Only code the grader never runs is touched: module-level functions outside the closure of
the grader's entry points (typically `make_data`) and the `if __name__ == "__main__":` demo.
There, integer literals given as `seed=`/`random_state=` (defaults or keyword arguments)
or to `default_rng(...)`, `RandomState(...)`, `np.random.seed(...)` get a new seed, and
row-count defaults (`n_rows=`, `n_samples=`, ...) are scaled by a modest factor. The same old
seed always maps to the same new one, so code that reuses a seed on purpose still does.

An exercise manifest can adjust this per exercise:
    [exercise.variants]
    constants = ["train.seed"]     # also vary this default, although the grader runs `train`
    frozen = ["make_data.n_rows"]  # leave this default as shipped
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .choice import Chooser
from .syntax import find, is_main_guard

SEED_NAMES = frozenset({"seed", "random_state"})
ROW_NAMES = frozenset({"n_rows", "n_samples", "n_days", "n_per_class"})
SEED_CALLS = frozenset({"default_rng", "RandomState", "seed"})
ROW_FACTORS = (0.75, 0.8, 0.9, 1.1, 1.2, 1.25, 1.5)


class _Plan:
    def __init__(self, chooser: Chooser):
        self.chooser = chooser
        self.seeds: dict[int, int] = {}
        self.changes: list[str] = []

    def seed(self, old: int) -> int:
        if old not in self.seeds:
            new = 1 + self.chooser.index(9999, "seed", old)
            while new == old or new in self.seeds.values() or new in self.seeds:
                new = new % 9999 + 1
            self.seeds[old] = new
            self.changes.append(f"data seed {old} -> {new}")
        return self.seeds[old]

    def rows(self, where: str, old: int) -> int:
        factor = self.chooser.pick(ROW_FACTORS, "rows", where, old)
        new = max(2, round(old * factor))
        if new != old:
            self.changes.append(f"{where} {old} -> {new}")
        return new


def _int(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    return None


@dataclass(frozen=True)
class Site:
    """An integer literal the constants pass may change, in the order the pass meets it."""

    node: cst.Integer
    kind: str  # "seed" or "rows"
    spec: str = ""  # "function.parameter", for row counts
    callee: cst.Name | None = None  # a first positional argument: a seed only if this names a seeding call


def _defaults(fn: cst.FunctionDef, visible: bool, allowed: frozenset[str], frozen: frozenset[str]) -> list[Site]:
    """Parameter defaults of one module-level function: seeds and row counts (a lambda in a
    default value is not a knob of the exercise)."""
    out = []
    for param in find(fn.params, cst.Param, stop=(cst.Lambda,)):
        if param.default is None:
            continue
        name = param.name.value
        spec = f"{fn.name.value}.{name}"
        if _int(param.default) is None or spec in frozen:
            continue
        if name in SEED_NAMES and (visible or spec in allowed):
            out.append(Site(param.default, "seed"))
        elif (name in ROW_NAMES and visible) or spec in allowed:
            out.append(Site(param.default, "rows", spec))
    return out


def _seed_arguments(code: cst.CSTNode) -> list[Site]:
    """Seeds passed as arguments inside visible-only code (inner calls first, as a transformer leaves them)."""
    out = []
    for call in find(code, cst.Call, post=True):
        func = call.func
        for i, arg in enumerate(call.args):
            if _int(arg.value) is None:
                continue
            keyword = arg.keyword.value if arg.keyword else None
            if keyword in SEED_NAMES:
                out.append(Site(arg.value, "seed"))
            elif keyword is None and i == 0:
                if isinstance(func, cst.Name):
                    out.append(Site(arg.value, "seed", callee=func))  # a local may be renamed: decided per key
                elif isinstance(func, cst.Attribute) and func.attr.value in SEED_CALLS:
                    out.append(Site(arg.value, "seed"))
    return out


def sites(
    module: cst.Module,
    graded: set[str],
    allowed: frozenset[str] = frozenset(),
    frozen: frozenset[str] = frozenset(),
) -> list[Site]:
    """Every literal the pass may change. `graded` names the module-level functions the
    grader can run; `allowed`/`frozen` are "function.parameter" specs from the exercise manifest."""
    out: list[Site] = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            visible = stmt.name.value not in graded
            out += _defaults(stmt, visible, frozenset(allowed), frozenset(frozen))
            if visible:
                out += _seed_arguments(stmt.body)
        elif is_main_guard(stmt):
            out += _seed_arguments(stmt)
    return out


def plan(draft, found: list[Site], chooser: Chooser) -> list[str]:
    """Give `draft` its new seeds and sizes; returns a description of each change."""
    choices = _Plan(chooser)
    for site in found:
        if site.callee is not None and draft.name_of(site.callee) not in SEED_CALLS:
            continue
        old = _int(site.node)
        new = choices.seed(old) if site.kind == "seed" else choices.rows(site.spec, old)
        draft.replace(site.node, str(new))
    return choices.changes


def vary(
    module: cst.Module,
    chooser: Chooser,
    graded: set[str],
    allowed: frozenset[str] = frozenset(),
    frozen: frozenset[str] = frozenset(),
) -> tuple[cst.Module, list[str]]:
    """The constants pass on a module of its own: the new module and a description of each change."""
    from .layout import Draft, Layout

    draft = Draft(Layout(module), {})
    changes = plan(draft, sites(module, graded, allowed, frozen), chooser)
    return (cst.parse_module(draft.render()) if draft.literals else module), changes
