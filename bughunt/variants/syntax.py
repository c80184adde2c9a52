"""Small libcst helpers shared by the transforms (visitor-based: `node.children` re-visits
the tree on every call and made the transforms quadratic).

A variant is planned on the shipped file's own tree for every key, so the same searches run
again and again on the same nodes: inside `memo()`, `find` answers each search once."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

import libcst as cst
import libcst.matchers as m

# (id(node), query) -> (node, result); the node is kept so that its id cannot be reused
_MEMO: ContextVar[dict | None] = ContextVar("bughunt_variants_find_memo", default=None)


@contextmanager
def memo(store: dict) -> Iterator[None]:
    """Answer `find` from (and into) `store` for the duration; the store keeps the nodes it
    has answered for alive, so keep one per tree and drop it with the tree."""
    token = _MEMO.set(store)
    try:
        yield
    finally:
        _MEMO.reset(token)


class _Finder(cst.CSTVisitor):
    def __init__(self, types: tuple, variables_only: bool, stop: tuple, post: bool):
        self.types, self.variables_only, self.stop, self.post = types, variables_only, stop, post
        self.found: list = []
        self.root = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.root is None:
            self.root = node
        if not self.post and isinstance(node, self.types):
            self.found.append(node)
        if self.stop and node is not self.root and isinstance(node, self.stop):
            self._report_after(node)
            return False
        if self.variables_only and isinstance(node, (cst.Attribute, cst.Arg)):
            node.value.visit(self)  # not the attribute name, not the keyword
            self._report_after(node)
            return False
        return True

    def _report_after(self, node: cst.CSTNode) -> None:
        # libcst does not call on_leave for a node whose visit returned False
        if self.post and isinstance(node, self.types):
            self.found.append(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.post and isinstance(original_node, self.types):
            self.found.append(original_node)

    # the base class looks up visit_/leave_ methods for every node and attribute; nothing to find there
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def find(node: cst.CSTNode, *types: type, variables_only: bool = False, stop: tuple = (), post: bool = False) -> list:
    """Nodes of the given types in `node` (itself included), in source order (`post`: each
    after everything inside it, the order a transformer leaves them in). `variables_only`
    skips attribute names and keyword-argument names; `stop` lists node types whose insides
    are not searched (the node itself is still reported). Do not change the list returned."""
    store = _MEMO.get()
    if store is not None:
        query = (id(node), types, variables_only, stop, post)
        hit = store.get(query)
        if hit is not None and hit[0] is node:
            return hit[1]
    finder = _Finder(types, variables_only, stop, post)
    node.visit(finder)
    if store is not None:
        store[query] = (node, finder.found)
    return finder.found


def is_main_guard(stmt: cst.CSTNode) -> bool:
    return m.matches(
        stmt,
        m.If(test=m.Comparison(left=m.Name("__name__"), comparisons=[m.ComparisonTarget(comparator=m.SimpleString())])),
    )


def identifiers(module: cst.CSTNode) -> set[str]:
    """Every name and attribute name in the tree."""
    return {n.value for n in find(module, cst.Name)}


def value_of(node: cst.Name) -> str:
    return node.value


Naming = Callable[[cst.Name], str]  # what a name node is called in the text being made (renames applied)


def names_read(expr: cst.CSTNode, name_of: Naming = value_of) -> set[str]:
    """Every variable name in an expression: not attribute names, not keyword-argument names."""
    return {name_of(n) for n in find(expr, cst.Name, variables_only=True)}
