"""Qualified names for a parsed file: libcst's scope analysis, with a faster walk.

libcst's ScopeProvider answers "which import, builtin or local does this name refer to"
(`numpy.exp` for `np.exp`). It costs three traversals of the tree: the batched metadata
walk, ExpressionContextProvider's own walk, and ScopeVisitor's walk. Those were a third of
the time of our static checks.

`Resolver` keeps libcst's own scope objects (GlobalScope, FunctionScope, ClassScope,
ComprehensionScope), Access, and their resolution rules, and drives them with one walk that
makes the calls ScopeVisitor makes, in its order: the same assignments, accesses and
counters, so `qualified_names(node)` is what `scope.get_qualified_names_for(node)` gives.
Expression contexts come from a second, small walk that mirrors ExpressionContextVisitor.

What ScopeVisitor does with typing constructs, string annotations and PEP 695 type
parameters is not mirrored: a file that has any of them raises `Unsupported`, and the
caller uses libcst's ScopeProvider itself. tests/test_scopes.py compares every node's
qualified names with libcst's on every example file.
"""
from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import QualifiedName
from libcst.metadata.expression_context_provider import ExpressionContext
from libcst.metadata.scope_provider import (
    _ASSIGNMENT_LIKE_NODES,
    Access,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    GlobalScope,
    Scope,
    _gen_dotted_names,
)

from .readonly_visit import children

STORE, LOAD, DEL = ExpressionContext.STORE, ExpressionContext.LOAD, ExpressionContext.DEL
_ASSIGNMENT_LIKE = frozenset(_ASSIGNMENT_LIKE_NODES)
_STRINGS = (cst.SimpleString, cst.ConcatenatedString)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class Unsupported(Exception):
    """The file uses something this walk does not mirror; use libcst's ScopeProvider."""


def unsupported_text(text: str) -> bool:
    """typing names change how ScopeVisitor walks calls and subscripts (cast, TypeVar,
    Literal, string type hints): any mention of them sends the file to libcst."""
    return "typing" in text


# --- expression contexts: ExpressionContextVisitor, for the Names ScopeVisitor reads ---------
def contexts(module: cst.Module) -> dict[cst.Name, ExpressionContext]:
    out: dict[cst.Name, ExpressionContext] = {}
    _context(module, LOAD, out)
    return out


def _context(node: cst.CSTNode, ctx: ExpressionContext, out: dict) -> None:
    t = type(node)
    if t is cst.Name:
        out[node] = ctx
        return
    rule = _CONTEXT_RULES.get(t)
    if rule is not None:
        rule(node, ctx, out)
        return
    for child in children(node):
        _context(child, ctx, out)


def _store_then(node, ctx, out, target, *rest) -> None:
    _context(target, STORE, out)
    for part in rest:
        if part is None:
            continue
        if isinstance(part, (list, tuple)):
            for p in part:
                _context(p, ctx, out)
        else:
            _context(part, ctx, out)


def _ctx_assign(node, ctx, out) -> None:
    for target in node.targets:
        _context(target, STORE, out)
    _context(node.value, ctx, out)


def _ctx_subscript(node, ctx, out) -> None:
    _context(node.value, LOAD, out)
    for element in node.slice:
        _context(element, LOAD, out)


_CONTEXT_RULES = {
    cst.Assign: _ctx_assign,
    cst.AnnAssign: lambda n, c, o: _store_then(n, c, o, n.target, n.annotation, n.value),
    cst.AugAssign: lambda n, c, o: _store_then(n, c, o, n.target, n.value),
    cst.NamedExpr: lambda n, c, o: _store_then(n, c, o, n.target, n.value),
    cst.AsName: lambda n, c, o: _context(n.name, STORE, o),
    cst.CompFor: lambda n, c, o: _store_then(n, c, o, n.target, n.iter, n.ifs, n.inner_for_in),
    cst.For: lambda n, c, o: _store_then(n, c, o, n.target, n.iter, n.body, n.orelse),
    cst.Del: lambda n, c, o: _context(n.target, DEL, o),
    cst.Attribute: lambda n, c, o: _context(n.value, LOAD, o),
    cst.Subscript: _ctx_subscript,
    cst.ClassDef: lambda n, c, o: _store_then(n, c, o, n.name, n.body, n.bases, n.keywords, n.decorators),
    cst.FunctionDef: lambda n, c, o: _store_then(n, c, o, n.name, n.params, n.body, n.decorators, n.returns),
    cst.Param: lambda n, c, o: _store_then(n, c, o, n.name, n.annotation, n.default),
}


# --- scopes: ScopeVisitor's walk --------------------------------------------------------------
class Resolver:
    def __init__(self, module: cst.Module, text: str | None = None):
        if text is not None and unsupported_text(text):
            raise Unsupported("typing")
        self.context = contexts(module)
        self.scope: Scope = GlobalScope()
        self.meta: dict[cst.CSTNode, Scope] = {}
        self.deferred: list[tuple[Access, cst.Attribute | None]] = []
        self.attribute_stack: list[cst.Attribute | None] = [None]
        self.annotation_stack: list[bool] = [False]
        self.visit(module)
        self._infer_accesses()

    def qualified_names(self, node: cst.CSTNode) -> set[QualifiedName]:
        scope = self.meta.get(node)
        return set(scope.get_qualified_names_for(node)) if scope is not None else set()

    # The walk: on_visit (a rule, or every child), then on_leave (the node's scope, counters).
    def visit(self, node: cst.CSTNode) -> None:
        t = type(node)
        rule = _SCOPE_RULES.get(t)
        if rule is None or rule(self, node):
            for child in children(node):
                self.visit(child)
        if t is cst.Call:
            self.attribute_stack.pop()
        elif t is cst.Annotation:
            self.annotation_stack.pop()
        self.meta[node] = self.scope
        if t in _ASSIGNMENT_LIKE:
            self.scope._assignment_count += 1

    def _in_scope(self, scope: Scope, *nodes) -> None:
        outer, self.scope = self.scope, scope
        try:
            for node in nodes:
                if node is not None:
                    self.visit(node)
        finally:
            self.scope = outer

    def _infer_accesses(self) -> None:
        """ScopeVisitor.infer_accesses: a name inside `a.b.c` is an access of the longest
        dotted prefix that is assigned (a dotted import), else of the name."""
        for access, attribute in self.deferred:
            name = access.node.value
            if attribute is not None:
                for dotted, node in _gen_dotted_names(attribute):
                    if dotted in access.scope:
                        access.node = node
                        name = dotted
                        break
            access.record_assignments(name)
            access.scope.record_access(name, access)
        self.deferred = []

    # --- rules: return True to visit every child, as ScopeVisitor's visit_* methods do ---------
    def _name(self, node: cst.Name) -> bool:
        ctx = self.context.get(node)
        if ctx is STORE:
            self.scope.record_assignment(node.value, node)
        else:  # LOAD, DEL or none
            access = Access(node, self.scope, is_annotation=self.annotation_stack[-1], is_type_hint=False)
            self.deferred.append((access, self.attribute_stack[-1]))
        return True

    def _import(self, node) -> bool:
        names = node.names
        if isinstance(names, cst.ImportStar):
            return False
        for alias in names:
            self.meta[alias] = self.scope
            if alias.asname is not None:
                target = alias.asname.name
                dotted = _gen_dotted_names(cst.ensure_type(target, cst.Name))
            else:
                target = alias.name
                dotted = _gen_dotted_names(alias.name)
            for value, _ in dotted:
                self.scope.record_import_assignment(value, node, target)
        return False

    def _attribute(self, node: cst.Attribute) -> bool:
        stack = self.attribute_stack
        if stack[-1] is None:
            stack[-1] = node
        self.visit(node.value)
        if stack[-1] is node:
            stack[-1] = None
        return False

    def _call(self, node: cst.Call) -> bool:
        self.attribute_stack.append(None)  # popped on leaving the call
        return True

    def _annotation(self, node: cst.Annotation) -> bool:
        self.annotation_stack.append(True)  # popped on leaving the annotation
        return True

    def _string(self, node) -> bool:
        if self.annotation_stack[-1]:
            raise Unsupported("a string annotation")
        return isinstance(node, cst.ConcatenatedString)

    def _function(self, node: cst.FunctionDef) -> bool:
        if node.type_parameters is not None:
            raise Unsupported("type parameters")
        self.scope.record_assignment(node.name.value, node)
        self.meta[node.name] = self.scope
        self._in_scope(FunctionScope(self.scope, node, get_full_name_for_node(node.name)), node.params, node.body)
        for decorator in node.decorators:
            self.visit(decorator)
        if node.returns is not None:
            self.visit(node.returns)
        return False

    def _lambda(self, node: cst.Lambda) -> bool:
        self._in_scope(FunctionScope(self.scope, node), node.params, node.body)
        return False

    def _param(self, node: cst.Param) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.meta[node.name] = self.scope
        self._in_scope(self.scope.parent, node.default, node.annotation)
        return False

    def _arg(self, node: cst.Arg) -> bool:
        if node.value is not None:
            self.visit(node.value)
        return False

    def _class(self, node: cst.ClassDef) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.meta[node.name] = self.scope
        for decorator in node.decorators:
            self.visit(decorator)
        if node.type_parameters is not None:
            raise Unsupported("type parameters")
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword)
        self._in_scope(ClassScope(self.scope, node, get_full_name_for_node(node.name)), *node.body.body)
        return False

    def _global(self, node: cst.Global) -> bool:
        for item in node.names:
            self.scope.record_global_overwrite(item.name.value)
        return False

    def _nonlocal(self, node: cst.Nonlocal) -> bool:
        for item in node.names:
            self.scope.record_nonlocal_overwrite(item.name.value)
        return False

    def _comprehension(self, node) -> bool:
        """The first iterable is evaluated outside the comprehension's scope, the rest inside."""
        for_in = node.for_in
        self.visit(for_in.iter)
        self.meta[for_in] = self.scope
        outer, self.scope = self.scope, ComprehensionScope(self.scope, node)
        try:
            self.visit(for_in.target)
            self.scope._assignment_count += 1
            for condition in for_in.ifs:
                self.visit(condition)
            if for_in.inner_for_in is not None:
                self.visit(for_in.inner_for_in)
            if isinstance(node, cst.DictComp):
                self.visit(node.key)
                self.visit(node.value)
            else:
                self.visit(node.elt)
        finally:
            self.scope = outer
        return False

    def _for(self, node: cst.For) -> bool:
        self.visit(node.target)
        self.scope._assignment_count += 1
        for child in (node.iter, node.body, node.orelse, node.asynchronous):
            if child is not None:
                self.visit(child)
        return False

    def _unsupported(self, node) -> bool:
        raise Unsupported(type(node).__name__)


_SCOPE_RULES = {
    cst.Name: Resolver._name,
    cst.Import: Resolver._import,
    cst.ImportFrom: Resolver._import,
    cst.Attribute: Resolver._attribute,
    cst.Call: Resolver._call,
    cst.Annotation: Resolver._annotation,
    cst.SimpleString: Resolver._string,
    cst.ConcatenatedString: Resolver._string,
    cst.FunctionDef: Resolver._function,
    cst.Lambda: Resolver._lambda,
    cst.Param: Resolver._param,
    cst.Arg: Resolver._arg,
    cst.ClassDef: Resolver._class,
    cst.Global: Resolver._global,
    cst.Nonlocal: Resolver._nonlocal,
    cst.For: Resolver._for,
    **{t: Resolver._comprehension for t in _COMPREHENSIONS},
    **{t: Resolver._unsupported for t in (cst.TypeAlias, cst.TypeVar, cst.TypeVarTuple, cst.ParamSpec)},
}
