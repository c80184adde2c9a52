"""Reordering that cannot change behaviour: the import block, runs of module-level function
definitions, and adjacent independent assignments inside function bodies.

Orders come from hashing each item's own text or name with the key (see choice.py), so a
file and its reference fix, which share most items, put them in the same order.
"""
from __future__ import annotations

import libcst as cst

from .choice import Chooser
from .purity import Context
from .syntax import find, names_read

_EMPTY = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    if hasattr(node, "leading_lines"):
        node = node.with_changes(leading_lines=())
    return _EMPTY.code_for_node(node).strip()


def _blank(lines) -> bool:
    return all(line.comment is None for line in lines)


def _permute(items: list, order: list) -> list:
    """`order` placed at the positions of `items`. Blank lines stay where they were (the
    layout of the file); comment lines travel with the statement they describe."""
    out = []
    for slot, item in zip(items, order):
        if item is slot or not _blank(item.leading_lines) or not _blank(slot.leading_lines):
            out.append(item)
        else:
            out.append(item.with_changes(leading_lines=slot.leading_lines))
    return out


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


def _permute_aliases(stmt: cst.SimpleStatementLine, chooser: Chooser) -> cst.SimpleStatementLine:
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        return stmt
    aliases = list(small.names)
    if len(aliases) < 2:
        return stmt
    order = chooser.order(aliases, [_alias_name(a) for a in aliases], "import names", _code(stmt))
    commas = [a.comma for a in aliases]  # separators keep their place, so the layout does too
    new = [a.with_changes(comma=c) for a, c in zip(order, commas)]
    return stmt.with_changes(body=[small.with_changes(names=new)])


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
    """Permute the import block at the top of the file (and the names inside each import).
    `from __future__` imports stay first, and an import the file never uses (imported for its
    side effects, like sklearn's `enable_*` switches) is a fence no other import crosses."""
    body = list(module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import(body[end]):
        end += 1
    run = body[start:end]
    used: set[str] = set()
    for stmt in body[end:]:
        used |= names_read(stmt)
    order: list = []
    segment: list = []

    def flush():
        permuted = chooser.order(segment, [_code(s) for s in segment], "imports")
        order.extend(_permute_aliases(s, chooser) for s in permuted)
        segment.clear()

    for stmt in run:
        if _is_future(stmt) or not _bound_by_import(stmt) & used:
            flush()
            order.append(stmt)
        else:
            segment.append(stmt)
    flush()
    new_run = _permute(run, order)
    if [_code(s) for s in new_run] == [_code(s) for s in run]:
        return module, []
    body[start:end] = new_run
    return module.with_changes(body=body), ["reordered imports"]


# --- module-level functions ---------------------------------------------------------------
def _definition_time_names(fn: cst.FunctionDef) -> set[str]:
    """Names evaluated when the def statement runs: defaults and annotations."""
    out: set[str] = set()
    params = fn.params
    for p in [*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg]:
        if isinstance(p, cst.Param):
            if p.default is not None:
                out |= names_read(p.default)
            if p.annotation is not None:
                out |= names_read(p.annotation.annotation)
    if fn.returns is not None:
        out |= names_read(fn.returns.annotation)
    return out


def functions(module: cst.Module, chooser: Chooser) -> tuple[cst.Module, list[str]]:
    body = list(module.body)
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
            and not any(_definition_time_names(fn) & names for fn in run)
        )
        if movable:
            order = chooser.order(run, [fn.name.value for fn in run], "functions")
            if any(a is not b for a, b in zip(order, run)):
                body[i:j] = _permute(run, order)
                changed = True
        i = max(j, i + 1)
    if not changed:
        return module, []
    return module.with_changes(body=body), ["reordered functions"]


# --- statements inside functions ----------------------------------------------------------
class _Swapper(cst.CSTTransformer):
    def __init__(self, context: Context, chooser: Chooser):
        self.context = context
        self.chooser = chooser
        self.stack: list[frozenset | None] = []  # local names of each enclosing function, None: do not touch
        self.tries: list[int] = []  # per enclosing function: how many try statements we are inside
        self.swaps = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        declares = bool(find(node.body, cst.Global, cst.Nonlocal))
        outer = self.stack[-1] if self.stack else frozenset()
        if declares or outer is None:
            self.stack.append(None)
        else:
            self.stack.append(self.context.local_names(node) | outer)  # closures see the enclosing names too
        self.tries.append(0)
        return True

    def leave_FunctionDef(self, original, updated):
        self.stack.pop()
        self.tries.pop()
        return updated

    def visit_ClassDef(self, node) -> bool:
        self.stack.append(None)
        self.tries.append(0)
        return True

    def leave_ClassDef(self, original, updated):
        self.stack.pop()
        self.tries.pop()
        return updated

    # an exception raised between two statements inside a try is caught in this same function,
    # which would then see whether the second had run: nothing there is moved
    def visit_Try(self, node) -> bool:
        if self.tries:
            self.tries[-1] += 1
        return True

    def leave_Try(self, original, updated):
        if self.tries:
            self.tries[-1] -= 1
        return updated

    visit_TryStar = visit_Try
    leave_TryStar = leave_Try

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        local = self.stack[-1] if self.stack else None
        if local is None or self.tries[-1]:
            return updated
        body = list(updated.body)
        i = 0
        while i < len(body) - 1:
            a, b = body[i], body[i + 1]
            ea = self.context.effects(a, local)
            eb = self.context.effects(b, local) if ea is not None else None
            if (
                ea is not None
                and eb is not None
                and ea.independent_of(eb)
                and not b.leading_lines  # a blank line or comment separates paragraphs: keep them
                and _blank(a.leading_lines)
                and self.chooser.coin("swap", _code(a), _code(b))
            ):
                body[i] = b.with_changes(leading_lines=a.leading_lines)
                body[i + 1] = a.with_changes(leading_lines=())
                self.swaps += 1
                i += 2
            else:
                i += 1
        return updated.with_changes(body=body)


def statements(module: cst.Module, chooser: Chooser) -> tuple[cst.Module, list[str]]:
    swapper = _Swapper(Context(module), chooser)
    new = module.visit(swapper)
    if not swapper.swaps:
        return module, []
    n = swapper.swaps
    return new, [f"swapped {n} pair{'s' if n != 1 else ''} of independent statements"]
