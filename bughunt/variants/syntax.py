"""Small libcst helpers shared by the transforms (visitor-based: `node.children` re-visits
the tree on every call and made the transforms quadratic)."""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m


class _Finder(cst.CSTVisitor):
    def __init__(self, types: tuple, variables_only: bool, stop: tuple):
        self.types, self.variables_only, self.stop = types, variables_only, stop
        self.found: list = []
        self.root = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.root is None:
            self.root = node
        if isinstance(node, self.types):
            self.found.append(node)
        if self.stop and node is not self.root and isinstance(node, self.stop):
            return False
        if self.variables_only and isinstance(node, (cst.Attribute, cst.Arg)):
            node.value.visit(self)  # not the attribute name, not the keyword
            return False
        return True

    # the base class looks up visit_/leave_ methods for every node and attribute; nothing to find there
    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def find(node: cst.CSTNode, *types: type, variables_only: bool = False, stop: tuple = ()) -> list:
    """Nodes of the given types in `node` (itself included), in source order.
    `variables_only` skips attribute names and keyword-argument names; `stop` lists node
    types whose insides are not searched (the node itself is still reported)."""
    finder = _Finder(types, variables_only, stop)
    node.visit(finder)
    return finder.found


def is_main_guard(stmt: cst.CSTNode) -> bool:
    return m.matches(
        stmt,
        m.If(test=m.Comparison(left=m.Name("__name__"), comparisons=[m.ComparisonTarget(comparator=m.SimpleString())])),
    )


def identifiers(module: cst.CSTNode) -> set[str]:
    """Every name and attribute name in the tree."""
    return {n.value for n in find(module, cst.Name)}


def names_read(expr: cst.CSTNode) -> set[str]:
    """Every variable name in an expression: not attribute names, not keyword-argument names."""
    return {n.value for n in find(expr, cst.Name, variables_only=True)}
