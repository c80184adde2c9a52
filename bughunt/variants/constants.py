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

import libcst as cst

from .choice import Chooser
from .rename import is_main_guard

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


def _literal(value: int) -> cst.Integer:
    return cst.Integer(str(value))


class _Defaults(cst.CSTTransformer):
    """Parameter defaults of one module-level function: seeds and row counts."""

    def __init__(self, plan: _Plan, function: str, visible: bool, allowed: frozenset[str], frozen: frozenset[str]):
        self.plan, self.function, self.visible = plan, function, visible
        self.allowed, self.frozen = allowed, frozen

    def visit_Lambda(self, node) -> bool:
        return False  # a lambda in a default value is not a knob of the exercise

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        if updated.default is None:
            return updated
        name = updated.name.value
        spec = f"{self.function}.{name}"
        old = _int(updated.default)
        if old is None or spec in self.frozen:
            return updated
        if name in SEED_NAMES and (self.visible or spec in self.allowed):
            return updated.with_changes(default=_literal(self.plan.seed(old)))
        if (name in ROW_NAMES and self.visible) or spec in self.allowed:
            return updated.with_changes(default=_literal(self.plan.rows(spec, old)))
        return updated


class _SeedArguments(cst.CSTTransformer):
    """Seeds passed as arguments inside visible-only code."""

    def __init__(self, plan: _Plan):
        self.plan = plan

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func = updated.func
        callee = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
        args = list(updated.args)
        changed = False
        for i, arg in enumerate(args):
            old = _int(arg.value)
            if old is None:
                continue
            keyword = arg.keyword.value if arg.keyword else None
            seeded = keyword in SEED_NAMES or (keyword is None and i == 0 and callee in SEED_CALLS)
            if seeded:
                args[i] = arg.with_changes(value=_literal(self.plan.seed(old)))
                changed = True
        return updated.with_changes(args=args) if changed else updated


def vary(
    module: cst.Module,
    chooser: Chooser,
    graded: set[str],
    allowed: frozenset[str] = frozenset(),
    frozen: frozenset[str] = frozenset(),
) -> tuple[cst.Module, list[str]]:
    """Returns the new module and a description of each change. `graded` names the module-level
    functions the grader can run; `allowed`/`frozen` are "function.parameter" specs from the
    exercise manifest."""
    plan = _Plan(chooser)
    body = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            fn = stmt.name.value
            visible = fn not in graded
            params = stmt.params.visit(_Defaults(plan, fn, visible, frozenset(allowed), frozenset(frozen)))
            stmt = stmt.with_changes(params=params)
            if visible:
                stmt = stmt.with_changes(body=stmt.body.visit(_SeedArguments(plan)))
        elif is_main_guard(stmt):
            stmt = stmt.visit(_SeedArguments(plan))
        body.append(stmt)
    return module.with_changes(body=body), plan.changes
