"""A read-only traversal for libcst visitors, and the children of a node in visiting order.

libcst visits a tree by rebuilding it: `CSTNode.visit` calls `_visit_and_replace_children`,
which constructs (and validates) a new copy of every node from its visited children, even
for a `CSTVisitor`, which can never replace anything. libcst says as much in its own code
("TODO: provide traversal where children are not replaced"). For our static checks that
copy was about a third of the time of the metadata (scopes, expression contexts) and all of
the time of the walk that indexes a tree.

`install()` replaces `CSTNode.visit` by one that, for a `CSTVisitor`, makes exactly the
calls libcst makes (`on_visit`, then for each field in libcst's order `on_visit_attribute`,
the children, `on_leave_attribute`, then `on_leave`) and returns the node itself, as
libcst does for a visitor. Transformers, and the few node classes whose
`_visit_and_replace_children` is not the plain pattern, keep libcst's own visit. The field
order is read from libcst's `_visit_and_replace_children` source, so it follows the
installed libcst; tests/test_readonly_visit.py compares every callback, in order, with
libcst's own traversal on every example file we have.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import threading

from libcst import CSTVisitor, MaybeSentinel
from libcst._nodes.base import CSTNode

_VISITS = frozenset({
    "visit_required", "visit_optional", "visit_sentinel", "visit_iterable", "visit_sequence",
    "visit_body_iterable", "visit_body_sequence",
})
#: node class -> the fields libcst visits, in order; None: not the plain pattern (libcst's visit)
_FIELDS: dict[type, tuple[str, ...] | None] = {}
_LOCK = threading.Lock()
_LIBCST_VISIT = CSTNode.visit


def _read_fields(cls: type) -> tuple[str, ...] | None:
    """The fields `cls._visit_and_replace_children` visits, in order, if it is the plain
    pattern `return Cls(field=visit_x(self, "field", self.field, visitor), other=self.other,
    ...)` or `return self` (a leaf); None for anything else."""
    try:
        source = textwrap.dedent(inspect.getsource(cls._visit_and_replace_children))
        body = ast.parse(source).body[0].body
    except (OSError, TypeError, SyntaxError, IndexError, AttributeError):
        return None
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return None
    value = body[0].value
    if isinstance(value, ast.Name) and value.id == "self":
        return ()
    if not isinstance(value, ast.Call) or value.args:
        return None
    fields = []
    for kw in value.keywords:
        v = kw.value
        if _is_self_attr(v, kw.arg):
            continue  # a plain value (a string, a flag): not visited
        if not (isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in _VISITS):
            return None
        a = v.args
        plain = (
            len(a) == 4 and not v.keywords
            and isinstance(a[0], ast.Name) and a[0].id == "self"
            and isinstance(a[1], ast.Constant) and a[1].value == kw.arg
            and _is_self_attr(a[2], kw.arg)
        )
        if not plain:
            return None
        fields.append(kw.arg)
    return tuple(fields)


def _is_self_attr(node: ast.AST, name: str | None) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.value, ast.Name) and node.value.id == "self"


def fields_of(cls: type) -> tuple[str, ...] | None:
    try:
        return _FIELDS[cls]
    except KeyError:
        with _LOCK:
            if cls not in _FIELDS:
                _FIELDS[cls] = _read_fields(cls) if cls.__module__.startswith("libcst.") else None
            return _FIELDS[cls]


#: visitor class -> whether it only reads (a CSTVisitor): an ABC isinstance test per node was slow
_READ_ONLY: dict[type, bool] = {}


def _visit(self: CSTNode, visitor):
    try:
        fields = _FIELDS[type(self)]
    except KeyError:
        fields = fields_of(type(self))
    try:
        read_only = _READ_ONLY[type(visitor)]
    except KeyError:
        read_only = _READ_ONLY.setdefault(type(visitor), isinstance(visitor, CSTVisitor))
    if fields is None or not read_only:
        return _LIBCST_VISIT(self, visitor)
    if visitor.on_visit(self):
        for name in fields:
            visitor.on_visit_attribute(self, name)
            value = getattr(self, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for child in value:
                    child.visit(visitor)
            elif value is not None and kind is not MaybeSentinel:
                value.visit(visitor)
            visitor.on_leave_attribute(self, name)
    visitor.on_leave(self)
    return self


def install() -> None:
    """Make every `CSTVisitor` traversal in this process read-only (idempotent)."""
    if CSTNode.visit is not _visit:
        CSTNode.visit = _visit


def children(node: CSTNode) -> list[CSTNode]:
    """The node's children in libcst's visiting order, without a traversal."""
    fields = fields_of(type(node))
    if fields is None:
        return list(node.children)
    out: list[CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(value)
        elif value is not None and kind is not MaybeSentinel:
            out.append(value)
    return out

