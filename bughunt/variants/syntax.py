"""Small libcst helpers shared by the transforms (visitor-based: `node.children` re-visits
the tree on every call and made the transforms quadratic).

A variant is planned on the shipped file's own tree for every key, so the same searches run
again and again on the same nodes. Inside `memo()`, `find` answers each search once, and on
a tree walked once with `index()` it reads that walk instead of visiting with libcst (whose
visit rebuilds every node it passes)."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

import libcst as cst
import libcst.matchers as m

# query -> (node, result), "walks" -> id(node) -> (_Walk, position); nodes are kept so their ids stay theirs
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


class _Quiet(cst.CSTVisitor):
    # the base class looks up visit_/leave_ methods for every node and attribute; nothing to do there
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


class _Finder(_Quiet):
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
            return False
        if self.variables_only and isinstance(node, (cst.Attribute, cst.Arg)):
            node.value.visit(self)  # not the attribute name, not the keyword
            return False
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:  # libcst calls it even when the children were skipped
        if self.post and isinstance(original_node, self.types):
            self.found.append(original_node)


class _Walk(_Quiet):
    """Every node of a tree in visiting order, and where each one's descendants end."""

    def __init__(self):
        self.nodes: list[cst.CSTNode] = []
        self.ends: list[int] = []
        self.at: dict[int, int] = {}
        self._open: list[int] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.at.setdefault(id(node), len(self.nodes))
        self._open.append(len(self.nodes))
        self.nodes.append(node)
        self.ends.append(0)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.ends[self._open.pop()] = len(self.nodes)

    def scan(self, at: int, types: tuple, variables_only: bool, stop: tuple, found: list, root: bool = True) -> None:
        """What _Finder (pre-order) finds in the subtree at `at`; `root`: that node is the search's root."""
        nodes, ends = self.nodes, self.ends
        i, end = at, ends[at]
        while i < end:
            node = nodes[i]
            if isinstance(node, types):
                found.append(node)
            if stop and (i != at or not root) and isinstance(node, stop):
                i = ends[i]
            elif variables_only and isinstance(node, (cst.Attribute, cst.Arg)):
                self.scan(self.at[id(node.value)], types, variables_only, stop, found, root=False)
                i = ends[i]
            else:
                i += 1


def index(tree: cst.CSTNode) -> None:
    """Inside `memo()`: walk `tree` once, so that `find` on any of its nodes reads the walk."""
    store = _MEMO.get()
    if store is None:
        return
    walk = _Walk()
    tree.visit(walk)
    walks = store.setdefault("walks", {})
    for node_id, at in walk.at.items():
        walks.setdefault(node_id, (walk, at))


def find(node: cst.CSTNode, *types: type, variables_only: bool = False, stop: tuple = (), post: bool = False) -> list:
    """Nodes of the given types in `node` (itself included), in source order (`post`: each
    after everything inside it, the order a transformer leaves them in). `variables_only`
    skips attribute names and keyword-argument names; `stop` lists node types whose insides
    are not searched (the node itself is still reported). Do not change the list returned."""
    store = _MEMO.get()
    if store is None:
        finder = _Finder(types, variables_only, stop, post)
        node.visit(finder)
        return finder.found
    query = (id(node), types, variables_only, stop, post)
    hit = store.get(query)
    if hit is not None and hit[0] is node:
        return hit[1]
    walked = store.get("walks", {}).get(id(node))
    if walked is not None and walked[0].nodes[walked[1]] is node:
        walk, at = walked
        found: list = []
        walk.scan(at, types, variables_only, stop, found)
        if post:  # each node after its descendants: by where its subtree ends, inner ones first
            found.sort(key=lambda n: (walk.ends[walk.at[id(n)]], -walk.at[id(n)]))
    else:
        finder = _Finder(types, variables_only, stop, post)
        node.visit(finder)
        found = finder.found
    store[query] = (node, found)
    return found


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
