"""The parsed source a static check reads, and the StaticCheck contract.

Every check carries VALID and INVALID snippets (as Fixit rules do); tests/ runs them all.
"""
from __future__ import annotations

import ast
import bisect
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import libcst as cst
import libcst.matchers as m
from libcst._position import CodeRange
from libcst.metadata import MetadataWrapper, QualifiedName, ScopeProvider

from .positions import positions
from .readonly_visit import children, install
from .scopes import Resolver, Unsupported

install()  # libcst's visitors stop rebuilding the tree they read (see readonly_visit)


class SourceError(Exception):
    """The file cannot be read as Python. `line` is where, if known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass
class Finding:
    line: int
    message: str


WRONG, RIGHT, UNKNOWN = "wrong", "right", "unknown"


@dataclass
class Assessment:
    """What a static check could establish about a file.

    - WRONG: the check proved the root cause is still there (or a suppression applies to the
      faulting code); `findings` say where. Only this outcome fails a submission.
    - RIGHT: the check proved the repair.
    - UNKNOWN: the check lost track of the code (an unfamiliar construct, a helper it cannot
      follow); `note` says what, and the runtime checks decide. Never a failure.
    """

    outcome: str
    findings: list[Finding] = field(default_factory=list)
    note: str = ""
    line: int | None = None

    @classmethod
    def wrong(cls, findings: list[Finding]) -> "Assessment":
        return cls(WRONG, list(findings))

    @classmethod
    def right(cls) -> "Assessment":
        return cls(RIGHT)

    @classmethod
    def unknown(cls, note: str, line: int | None = None) -> "Assessment":
        return cls(UNKNOWN, note=note, line=line)


@dataclass
class Source:
    text: str
    module: cst.Module
    wrapper: MetadataWrapper = field(repr=False)
    #: the same file as Python's own AST (set by `parse`; None for a Source made otherwise)
    pytree: ast.Module | None = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, data: bytes | str) -> "Source":
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SourceError(f"the file is not valid UTF-8 text (bad byte at offset {exc.start})") from None
        else:
            text = data
        if not text.strip():
            raise SourceError("the file is empty")
        try:
            # Parsed once to Python's own AST (the code policy reads it), then compiled from
            # that tree, which catches what only the compiler rejects ('return' outside a
            # function, a bad nonlocal) without parsing the text a second time.
            pytree = compile(text, "<submission>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
            compile(pytree, "<submission>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise SourceError(f"syntax error: {exc.msg}", exc.lineno) from None
        except ValueError as exc:  # e.g. null bytes
            raise SourceError(f"the file cannot be compiled: {exc}") from None
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            raise SourceError(f"syntax error: {exc.message}", exc.raw_line) from None
        src = cls(text, module, MetadataWrapper(module, unsafe_skip_copy=True))
        src.pytree = pytree
        src._index  # index the tree now, so that `findall` can find this source
        return src

    @cached_property
    def positions(self) -> dict[cst.CSTNode, CodeRange]:
        """Each node's position, as libcst's PositionProvider gives it (see positions.py)."""
        return positions(self.module)

    @cached_property
    def _resolver(self) -> Resolver | None:
        try:
            return Resolver(self.module, self.text)
        except (Unsupported, RecursionError):
            return None

    @cached_property
    def scopes(self):
        """libcst's ScopeProvider, for a file the faster resolver does not mirror."""
        return self.wrapper.resolve(ScopeProvider)

    def qualified_names(self, node: cst.CSTNode) -> set[QualifiedName]:
        """What libcst's QualifiedNameProvider gives for `node` (`scope.get_qualified_names_for`
        of the node's scope): from scopes.Resolver, which drives libcst's own scope objects
        with a faster walk, or from libcst's ScopeProvider for files it does not mirror."""
        resolver = self._resolver
        if resolver is not None:
            return resolver.qualified_names(node)
        scope = self.scopes.get(node)
        return set(scope.get_qualified_names_for(node)) if scope is not None else set()

    @property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        """Each node's parent (the module has none), recorded by the same walk that indexes
        the tree for `find`, instead of libcst's ParentNodeProvider (another full walk)."""
        return self._index.parent

    def cached(self, key, compute):
        """`compute()`, once per source and `key`: an analysis several checks share (the
        numeric one is run by every exp/log check and by a suppression)."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def names(self, node: cst.CSTNode) -> set[str]:
        """Fully resolved qualified names of an expression (imports and aliases followed).

        A method looked up on a computed value has none: libcst names `np.exp(x).sum` as
        `numpy.exp.sum` and `np.asarray(z).clip` as `numpy.asarray.clip`, which are not
        numpy functions but methods of whatever the call returned."""
        base = node
        while isinstance(base, cst.Attribute):
            base = base.value
        if base is not node and not isinstance(base, cst.Name):
            return set()
        return {q.name for q in self.qualified_names(node)}

    def calls_to(self, node: cst.CSTNode, *qualified: str) -> bool:
        return bool(self.names(node) & set(qualified))

    @cached_property
    def functions(self) -> dict[str, cst.FunctionDef]:
        """Module-level functions by name."""
        return {
            s.name.value: s for s in self.module.body if isinstance(s, cst.FunctionDef)
        }

    @cached_property
    def _index(self) -> "_Index":
        """Every node in visiting order, each node's subtree as a slice of that list, its
        parent, and where the nodes of each class sit.

        Checks search the same tree hundreds of times; one walk here replaces a full
        libcst traversal per search. The walk reads each node's fields in libcst's order
        (readonly_visit.children): no visitor, and no copy of the tree."""
        index = _Index(self.module)
        _LIVE[id(self.module)] = self
        return index

    def find(self, root: cst.CSTNode, matcher) -> list[cst.CSTNode]:
        index = self._index
        if not index.holds(root):  # a node from another tree
            return list(m.findall(root, matcher))
        start, end = index.span[id(root)]
        types = _node_types(matcher)
        if types is None:
            return [n for n in index.order[start:end] if m.matches(n, matcher)]
        # A matcher for a node type can only match nodes of that type: take the positions
        # of those nodes inside the subtree from the per-class index (libcst's node classes
        # are ABCs, so even an isinstance test on every node of the slice was slow).
        positions = index.positions_of(types)
        hits = []
        for pos in positions:
            hits.extend(pos[bisect.bisect_left(pos, start):bisect.bisect_left(pos, end)])
        if len(positions) > 1:
            hits.sort()
        return [index.order[i] for i in hits if m.matches(index.order[i], matcher)]

    def graded_nodes(self) -> list[cst.CSTNode]:
        """Everything except the `if __name__ == "__main__":` block, which only runs on visible data."""
        return [s for s in self.module.body if not _is_main_guard(s)]


class _Index:
    """One walk of a tree: `order` (preorder), `span` (id of a node -> its subtree as a slice
    of `order`), `parent`, and `by_class` (node class -> its positions in `order`)."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.order: list[cst.CSTNode] = []
        self.parent: dict[cst.CSTNode, cst.CSTNode] = {}
        self.by_class: dict[type, list[int]] = {}
        self._classes: dict[tuple[type, ...], list[list[int]]] = {}
        order, parent, by_class = self.order, self.parent, self.by_class
        up: list[int] = []  # position of each node's parent in `order`
        # An explicit stack (children pushed in reverse) gives libcst's visiting order
        # without a libcst traversal or Python recursion.
        stack: list[tuple[cst.CSTNode, int]] = [(root, -1)]
        while stack:
            node, p = stack.pop()
            i = len(order)
            order.append(node)
            up.append(p)
            by_class.setdefault(type(node), []).append(i)
            if p >= 0:
                parent[node] = order[p]
            stack.extend((child, i) for child in reversed(children(node)))
        size = [1] * len(order)
        for i in range(len(order) - 1, 0, -1):
            size[up[i]] += size[i]
        self.span: dict[int, tuple[int, int]] = {id(n): (i, i + size[i]) for i, n in enumerate(order)}

    def holds(self, node: cst.CSTNode) -> bool:
        where = self.span.get(id(node))
        return where is not None and self.order[where[0]] is node

    def positions_of(self, types: tuple[type, ...]) -> list[list[int]]:
        """The sorted positions of the nodes of each class that is one of `types` or a subclass."""
        if types not in self._classes:
            self._classes[types] = [pos for cls, pos in self.by_class.items() if issubclass(cls, types)]
        return self._classes[types]


#: Sources whose tree has been indexed, by id of their module: `findall` searches a node
#: of theirs through the index. Weak values: a Source leaves when nothing else holds it.
_LIVE: "weakref.WeakValueDictionary[int, Source]" = weakref.WeakValueDictionary()


def findall(root: cst.CSTNode, matcher) -> list[cst.CSTNode]:
    """`libcst.matchers.findall`, answered from the index of the Source that `root` belongs
    to when there is one (a slice of one list instead of a full libcst traversal, which
    rebuilds every node it passes)."""
    for src in list(_LIVE.values()):
        if src._index.holds(root):
            return src.find(root, matcher)
    return list(m.findall(root, matcher))


_TYPES: dict[type, tuple[type, ...] | None] = {}


def _node_types(matcher) -> tuple[type, ...] | None:
    """The CST node classes `matcher` can match, or None if it is not a plain node matcher
    (or a `|` of them): AllOf, TypeOf, MatchIfTrue and friends are matched in full."""
    if isinstance(matcher, m.OneOf):
        parts = [_node_types(o) for o in matcher.options]
        return None if any(p is None for p in parts) else tuple(t for p in parts for t in p)
    key = type(matcher)
    if key not in _TYPES:
        cls = getattr(cst, key.__name__, None) if isinstance(matcher, m.BaseMatcherNode) else None
        ok = isinstance(cls, type) and issubclass(cls, cst.CSTNode) and key.__module__ == "libcst.matchers"
        _TYPES[key] = (cls,) if ok else None
    return _TYPES[key]


def _is_main_guard(stmt: cst.CSTNode) -> bool:
    return m.matches(
        stmt,
        m.If(
            test=m.Comparison(
                left=m.Name("__name__"),
                comparisons=[m.ComparisonTarget(comparator=m.SimpleString())],
            )
        ),
    )


class StaticCheck:
    """A named libcst check. Subclasses set `name`, `VALID`, `INVALID` and implement `findings`.

    `suppression = True` marks a check whose findings hide a symptom instead of fixing it.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    suppression: ClassVar[bool] = False
    VALID: ClassVar[list[str]] = []  # proven right (or at least not proven wrong)
    INVALID: ClassVar[list[str]] = []  # proven wrong
    UNKNOWN: ClassVar[list[str]] = []  # the check must say it cannot tell

    def findings(self, src: Source) -> list[Finding]:
        """Proven problems only. A check that can lose track of the code overrides `assess`
        instead and returns Assessment.unknown there; it must never report a finding for
        code it could not follow."""
        raise NotImplementedError

    def assess(self, src: Source) -> Assessment:
        found = self.findings(src)
        return Assessment.wrong(found) if found else Assessment.right()

    def passed_message(self) -> str:
        return self.summary

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
