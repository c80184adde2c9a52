"""Reordering that cannot change behaviour: the import block, runs of module-level function
definitions, and adjacent independent assignments inside function bodies.

Orders come from hashing each item's own text or name with the key (see choice.py), so a
file and its reference fix, which share most items, put them in the same order.

Each pass decides on the shipped file's tree as the variant so far has it (a `Draft`: its
renames and changed numbers) and records the moves; `imports`, `functions` and `statements`
run one pass on a module of its own.
"""
from __future__ import annotations

import libcst as cst

from .choice import Chooser
from .layout import Draft, Layout
from .purity import Context
from .syntax import find, names_read

_EMPTY = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    if hasattr(node, "leading_lines"):
        node = node.with_changes(leading_lines=())
    return _EMPTY.code_for_node(node).strip()


def _blank(lines) -> bool:
    return all(line.comment is None for line in lines)


def _permute(draft: Draft, items: list, order: list) -> None:
    """`order` placed at the positions of `items`. Blank lines stay where they were (the
    layout of the file); comment lines travel with the statement they describe."""
    keep_slot_lines = [
        not (item is slot or not _blank(item.leading_lines) or not _blank(slot.leading_lines))
        for slot, item in zip(items, order)
    ]
    draft.permute(items, order, keep_slot_lines)


def _alone(module: cst.Module, chooser: Chooser, step) -> tuple[cst.Module, list[str]]:
    """Run one pass on `module` by itself."""
    draft = Draft(Layout(module), {})
    changes = step(draft, chooser)
    return (cst.parse_module(draft.render()), changes) if changes else (module, [])


# --- imports ----------------------------------------------------------------------------
def _is_docstring(stmt) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import(stmt) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    )


def _is_future(stmt) -> bool:
    small = stmt.body[0]
    return isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__"


def _alias_name(alias: cst.ImportAlias) -> str:
    return _EMPTY.code_for_node(alias.name)


def _alias_order(stmt: cst.SimpleStatementLine, chooser: Chooser) -> list | None:
    """The import's names in their new order (separators keep their place, so the layout
    does too); None when there is nothing to order."""
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        return None
    aliases = list(small.names)
    if len(aliases) < 2:
        return None
    return chooser.order(aliases, [_alias_name(a) for a in aliases], "import names", _code(stmt))


def _with_aliases(stmt: cst.SimpleStatementLine, order: list | None) -> cst.SimpleStatementLine:
    if order is None:
        return stmt
    small = stmt.body[0]
    commas = [a.comma for a in small.names]
    return stmt.with_changes(body=[small.with_changes(names=[a.with_changes(comma=c) for a, c in zip(order, commas)])])


def _bound_by_import(stmt) -> set[str]:
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        return set()
    out = set()
    for alias in small.names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            out.add(alias.asname.name.value)
        else:
            out.add(_alias_name(alias).split(".")[0])
    return out


def imports(module: cst.Module, chooser: Chooser) -> tuple[cst.Module, list[str]]:
    return _alone(module, chooser, plan_imports)


def plan_imports(draft: Draft, chooser: Chooser) -> list[str]:
    """Permute the import block at the top of the file (and the names inside each import).
    `from __future__` imports stay first, and an import the file never uses (imported for its
    side effects, like sklearn's `enable_*` switches) is a fence no other import crosses."""
    body = list(draft.module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import(body[end]):
        end += 1
    run = body[start:end]
    used: set[str] = set()
    for stmt in body[end:]:
        used |= names_read(stmt, draft.name_of)
    order: list = []
    aliases: dict[int, list] = {}
    segment: list = []

    def flush():
        for stmt in chooser.order(segment, [draft.code(s) for s in segment], "imports"):
            order.append(stmt)
            names = _alias_order(stmt, chooser)
            if names is not None:
                aliases[id(stmt)] = names
        segment.clear()

    for stmt in run:
        if _is_future(stmt) or not _bound_by_import(stmt) & used:
            flush()
            order.append(stmt)
        else:
            segment.append(stmt)
    flush()
    new = [_code(_with_aliases(s, aliases[id(s)])) if id(s) in aliases else draft.code(s) for s in order]
    if new == [draft.code(s) for s in run]:
        return []
    _permute(draft, run, order)
    for stmt in run:
        if id(stmt) in aliases:
            draft.permute_spans(list(stmt.body[0].names), aliases[id(stmt)])
    return ["reordered imports"]


# --- module-level functions ---------------------------------------------------------------
def _definition_time_names(fn: cst.FunctionDef, name_of) -> set[str]:
    """Names evaluated when the def statement runs: defaults and annotations."""
    out: set[str] = set()
    params = fn.params
    for p in [*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg]:
        if isinstance(p, cst.Param):
            if p.default is not None:
                out |= names_read(p.default, name_of)
            if p.annotation is not None:
                out |= names_read(p.annotation.annotation, name_of)
    if fn.returns is not None:
        out |= names_read(fn.returns.annotation, name_of)
    return out


def functions(module: cst.Module, chooser: Chooser) -> tuple[cst.Module, list[str]]:
    return _alone(module, chooser, plan_functions)


def plan_functions(draft: Draft, chooser: Chooser) -> list[str]:
    body = list(draft.module.body)
    changed = False
    i = 0
    while i < len(body):
        j = i
        while j < len(body) and isinstance(body[j], cst.FunctionDef):
            j += 1
        run = body[i:j]
        names = {fn.name.value for fn in run}
        movable = (
            len(run) > 1
            and len(names) == len(run)
            and not any(fn.decorators for fn in run)
            and not any(_definition_time_names(fn, draft.name_of) & names for fn in run)
        )
        if movable:
            order = chooser.order(run, [fn.name.value for fn in run], "functions")
            if any(a is not b for a, b in zip(order, run)):
                _permute(draft, run, order)
                changed = True
        i = max(j, i + 1)
    return ["reordered functions"] if changed else []


# --- statements inside functions ----------------------------------------------------------
class _Blocks(cst.CSTVisitor):
    """Every indented block, with the functions and classes around it (innermost last) and
    whether it lies inside a try statement of the innermost one."""

    def __init__(self):
        self.frames: list[cst.CSTNode] = []
        self.tries: list[int] = []  # per enclosing function or class: how many try statements we are inside
        self.found: list[tuple[cst.IndentedBlock, tuple, bool]] = []

    def visit_FunctionDef(self, node) -> bool:
        self.frames.append(node)
        self.tries.append(0)
        return True

    def leave_FunctionDef(self, original) -> None:
        self.frames.pop()
        self.tries.pop()

    visit_ClassDef = visit_FunctionDef
    leave_ClassDef = leave_FunctionDef

    # an exception raised between two statements inside a try is caught in this same function,
    # which would then see whether the second had run: nothing there is moved
    def visit_Try(self, node) -> bool:
        if self.tries:
            self.tries[-1] += 1
        return True

    def leave_Try(self, original) -> None:
        if self.tries:
            self.tries[-1] -= 1

    visit_TryStar = visit_Try
    leave_TryStar = leave_Try

    def visit_IndentedBlock(self, node) -> bool:
        self.found.append((node, tuple(self.frames), bool(self.tries and self.tries[-1])))
        return True


def _blocks(layout: Layout) -> list[tuple[cst.IndentedBlock, tuple, bool]]:
    found = layout.derived.get("blocks")
    if found is None:
        visitor = _Blocks()
        layout.module.visit(visitor)
        found = layout.derived["blocks"] = visitor.found
    return found


def _local(context: Context, frames: tuple, cache: dict) -> frozenset | None:
    """The names local to the innermost function of `frames` (closures see the enclosing
    names too); None inside a class, or when a function declares global or nonlocal names."""
    if not frames:
        return None
    if frames in cache:
        return cache[frames]
    node = frames[-1]
    if isinstance(node, cst.ClassDef):
        local = None
    else:
        outer = _local(context, frames[:-1], cache) if len(frames) > 1 else frozenset()
        declares = bool(find(node.body, cst.Global, cst.Nonlocal))
        local = None if declares or outer is None else context.local_names(node) | outer
    cache[frames] = local
    return local


def statements(module: cst.Module, chooser: Chooser) -> tuple[cst.Module, list[str]]:
    return _alone(module, chooser, plan_statements)


def plan_statements(draft: Draft, chooser: Chooser) -> list[str]:
    """Swap adjacent independent assignments inside function bodies."""
    context = Context(draft.module, draft.name_of)
    locals_cache: dict = {}
    swaps = 0
    for block, frames, in_try in _blocks(draft.layout):
        local = _local(context, frames, locals_cache)
        if local is None or in_try:
            continue
        body = list(block.body)
        i = 0
        while i < len(body) - 1:
            a, b = body[i], body[i + 1]
            ea = context.effects(a, local)
            eb = context.effects(b, local) if ea is not None else None
            if (
                ea is not None
                and eb is not None
                and ea.independent_of(eb)
                and not b.leading_lines  # a blank line or comment separates paragraphs: keep them
                and _blank(a.leading_lines)
                and chooser.coin("swap", draft.code(a), draft.code(b))
            ):
                draft.permute([a, b], [b, a], [True, True])
                swaps += 1
                i += 2
            else:
                i += 1
    if not swaps:
        return []
    return [f"swapped {swaps} pair{'s' if swaps != 1 else ''} of independent statements"]
