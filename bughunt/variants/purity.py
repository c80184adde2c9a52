"""Which statements may trade places: read/write sets of side-effect-free assignments.

A statement is *movable* only when it is a single assignment to plain names (`a = ...`,
`a, b = ...`) whose right-hand side calls nothing but known side-effect-free functions:
a short list of builtins, numpy functions outside numpy.random, array methods that return
a new value, and module-level functions of the same file that are themselves pure by this
definition. Everything else is a barrier: augmented assignment (arrays change in place),
stores into subscripts or attributes, any other method call (`obj.m(...)` may change `obj`,
`rng.normal` advances the generator, `model.fit` trains), calls into other libraries, yield,
lambda, walrus, an `out=` argument, and every compound statement. Two movable statements
commute when neither writes a name the other reads or writes; they only rebind names and
mutate nothing, so aliasing cannot make the swap visible. (Nothing inside a try statement
is moved, since there an exception between the two would expose the order; see reorder.py.)
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .syntax import Naming, find, names_read, value_of

PURE_BUILTINS = frozenset(
    {
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "frozenset", "int", "isinstance",
        "len", "list", "max", "min", "pow", "range", "reversed", "round", "set", "sorted", "str", "sum",
        "tuple", "zip",
    }
)
PURE_NUMPY = frozenset(
    {
        "abs", "absolute", "add", "all", "allclose", "any", "arange", "argmax", "argmin", "argsort", "array",
        "asarray", "atleast_1d", "atleast_2d", "average", "bincount", "ceil", "clip", "column_stack",
        "concatenate", "copy", "corrcoef", "cos", "count_nonzero", "cov", "cumsum", "diag", "diff", "divide",
        "dot", "einsum", "empty_like", "exp", "expand_dims", "expm1", "eye", "float64", "floor", "full",
        "full_like", "hstack", "identity", "inner", "isclose", "isfinite", "isnan", "linspace", "log",
        "log1p", "logaddexp", "logical_and", "logical_not", "logical_or", "matmul", "max", "maximum", "mean",
        "median", "min", "minimum", "multiply", "negative", "ones", "ones_like", "outer", "percentile", "power",
        "prod", "ptp", "quantile", "ravel", "repeat", "reshape", "round", "sign", "sin", "sort", "sqrt",
        "square", "squeeze", "stack", "std", "subtract", "sum", "tanh", "tile", "trace", "transpose",
        "true_divide", "unique", "var", "vstack", "where", "zeros", "zeros_like",
    }
)
PURE_NUMPY_SUBMODULES = frozenset({"linalg"})
PURE_METHODS = frozenset(
    {
        "all", "any", "argmax", "argmin", "argsort", "astype", "clip", "conj", "copy", "cumsum", "dot",
        "flatten", "item", "max", "mean", "min", "nonzero", "prod", "ptp", "ravel", "reshape", "round",
        "squeeze", "std", "sum", "tolist", "transpose", "var",
    }
)


@dataclass(frozen=True)
class Effects:
    reads: frozenset
    writes: frozenset

    def independent_of(self, other: "Effects") -> bool:
        return not (self.writes & (other.reads | other.writes) or other.writes & self.reads)


class Context:
    """What a file's names refer to: numpy's aliases and its pure module-level functions.
    `name_of` gives each name node its name in the text being made (see syntax.Naming), so a
    file can be judged as its renamed variant would be without building that variant's tree."""

    def __init__(self, module: cst.Module, name_of: Naming = value_of):
        self.name_of = name_of
        self.numpy = {
            _alias_binding(alias)
            for stmt in module.body
            if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body
            if isinstance(small, cst.Import)
            for alias in small.names
            if _dotted(alias.name) == "numpy"
        }
        self._locals: dict[int, frozenset[str]] = {}
        self.module_bound = _module_bindings(module, name_of=name_of)
        # `from m import *` can bind any name, builtins included
        self.star = any(
            isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
            for stmt in module.body
            if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body
        )
        # a name bound twice at module level may not mean what its first binding says
        rebound = _module_bindings(module, imports=False, defs=False, name_of=name_of)
        self.numpy -= rebound
        defs = [s.name.value for s in module.body if isinstance(s, (cst.FunctionDef, cst.ClassDef))]
        functions = {
            s.name.value: s
            for s in module.body
            if isinstance(s, cst.FunctionDef) and s.name.value not in rebound and defs.count(s.name.value) == 1
        }
        # greatest fixed point: assume every function pure, drop those that are not, repeat
        self.pure_functions = set(functions)
        changed = True
        while changed:
            changed = False
            for name in sorted(self.pure_functions):
                fn = functions[name]
                if not self._pure_function(fn):
                    self.pure_functions.discard(name)
                    changed = True
        self.pure_functions = frozenset(self.pure_functions)

    # --- functions ------------------------------------------------------------------
    def _pure_function(self, fn: cst.FunctionDef) -> bool:
        if fn.decorators or fn.asynchronous:
            return False
        return self._pure_block(fn.body, self.local_names(fn))

    def local_names(self, fn: cst.FunctionDef) -> frozenset[str]:
        if id(fn) not in self._locals:
            self._locals[id(fn)] = local_names(fn, self.name_of)
        return self._locals[id(fn)]

    def _pure_block(self, block, local) -> bool:
        body = block.body if isinstance(block, cst.IndentedBlock) else [block]
        return all(self._pure_statement(s, local) for s in body)

    def _pure_statement(self, stmt, local) -> bool:
        if isinstance(stmt, cst.SimpleStatementLine):
            return all(self._pure_small(s, local) for s in stmt.body)
        if isinstance(stmt, cst.If):
            return (
                self.pure_expression(stmt.test, local)
                and self._pure_block(stmt.body, local)
                and (stmt.orelse is None or self._pure_statement(stmt.orelse, local))
            )
        if isinstance(stmt, cst.Else):
            return self._pure_block(stmt.body, local)
        if isinstance(stmt, cst.For):
            return (
                not stmt.asynchronous
                and _name_targets(stmt.target, self.name_of) is not None
                and self.pure_expression(stmt.iter, local)
                and self._pure_block(stmt.body, local)
                and (stmt.orelse is None or self._pure_statement(stmt.orelse, local))
            )
        if isinstance(stmt, cst.While):
            return (
                self.pure_expression(stmt.test, local)
                and self._pure_block(stmt.body, local)
                and (stmt.orelse is None or self._pure_statement(stmt.orelse, local))
            )
        return False  # with, try, def, class, match: not worth the risk

    def _pure_small(self, small, local) -> bool:
        if isinstance(small, (cst.Pass, cst.Break, cst.Continue)):
            return True
        if isinstance(small, cst.Expr):
            return isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))  # a docstring
        if isinstance(small, cst.Return):
            return small.value is None or self.pure_expression(small.value, local)
        return self.assignment(small, local) is not None

    # --- expressions and statements ------------------------------------------------
    def pure_expression(self, expr: cst.CSTNode, local) -> bool:
        for node in find(expr, cst.Yield, cst.Await, cst.NamedExpr, cst.Lambda, cst.Call, variables_only=True):
            if not isinstance(node, cst.Call) or not self._pure_call(node, local):
                return False
        return True

    def _pure_call(self, call: cst.Call, local) -> bool:
        func = call.func
        if isinstance(func, cst.Name):
            name = self.name_of(func)
            if name in local:
                return False
            if name in self.pure_functions:
                return True
            return name in PURE_BUILTINS and name not in self.module_bound and not self.star
        if not isinstance(func, cst.Attribute):
            return False
        if any(arg.keyword is not None and arg.keyword.value == "out" for arg in call.args):
            return False  # writes into an existing array
        chain = _attribute_chain(func, self.name_of)
        if chain and chain[0] in self.numpy and chain[0] not in local:
            path = chain[1:]
            if len(path) == 1:
                return path[0] in PURE_NUMPY
            return len(path) == 2 and path[0] in PURE_NUMPY_SUBMODULES
        if chain and (chain[0] in self.module_bound and chain[0] not in local):
            return False  # a method of a module-level object or another library
        return func.attr.value in PURE_METHODS

    def assignment(self, small, local) -> Effects | None:
        """Effects of a movable assignment, or None when the statement is a barrier."""
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
            value = small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
            value = small.value
        else:
            return None
        writes: set[str] = set()
        for target in targets:
            names = _name_targets(target, self.name_of)
            if names is None:
                return None
            writes |= names
        if not self.pure_expression(value, local):
            return None
        return Effects(frozenset(names_read(value, self.name_of)), frozenset(writes))

    def effects(self, stmt, local) -> Effects | None:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        return self.assignment(stmt.body[0], local)


def local_names(fn: cst.FunctionDef, name_of: Naming = value_of) -> frozenset[str]:
    """Names bound by the function: parameters and every kind of assignment target, import,
    def, class, or global/nonlocal declaration. Nested functions are included, which
    over-approximates and so only makes purity stricter."""
    bound = {p.name.value for p in _all_params(fn.params)}
    return frozenset(bound | _bindings_in(fn.body, name_of=name_of))


def _bindings_in(root: cst.CSTNode, imports: bool = True, stop: tuple = (), name_of: Naming = value_of) -> set[str]:
    bound: set[str] = set()
    kinds = (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.AsName, cst.NamedExpr,
             cst.Import, cst.ImportFrom, cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Global, cst.Nonlocal)
    # an import's `as` names are import bindings, not with/except targets: do not look inside
    for node in find(root, *kinds, stop=(*stop, cst.Import, cst.ImportFrom)):
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for t in targets:
                bound |= _bound_by_target(t, name_of)
        elif isinstance(node, (cst.For, cst.CompFor)):
            bound |= _bound_by_target(node.target, name_of)
        elif isinstance(node, cst.AsName):
            bound |= _bound_by_target(node.name, name_of)
        elif isinstance(node, cst.NamedExpr):
            bound |= _bound_by_target(node.target, name_of)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            if imports and not isinstance(node.names, cst.ImportStar):
                bound |= {_alias_binding(alias) for alias in node.names}
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bound.add(node.name.value)
            if isinstance(node, cst.FunctionDef):
                bound |= {p.name.value for p in _all_params(node.params)}
        elif isinstance(node, cst.Lambda):
            bound |= {p.name.value for p in _all_params(node.params)}
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            bound |= {n.name.value for n in node.names}
    return bound


def _alias_binding(alias: cst.ImportAlias) -> str:
    if alias.asname and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _dotted(alias.name).split(".")[0]


def _bound_by_target(target, name_of: Naming) -> set[str]:
    if isinstance(target, cst.Name):
        return {name_of(target)}
    if isinstance(target, (cst.Tuple, cst.List)):
        out = set()
        for el in target.elements:
            out |= _bound_by_target(el.value, name_of)
        return out
    if isinstance(target, cst.StarredElement):
        return _bound_by_target(target.value, name_of)
    return set()


def _all_params(params: cst.Parameters):
    out = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.append(star)
    return out


def _name_targets(target, name_of: Naming = value_of) -> set[str] | None:
    """Names bound by a target made only of names (possibly in tuples/lists/starred); None otherwise."""
    if isinstance(target, cst.Name):
        return {name_of(target)}
    if isinstance(target, (cst.Tuple, cst.List)):
        out: set[str] = set()
        for el in target.elements:
            inner = _name_targets(el.value, name_of)
            if inner is None:
                return None
            out |= inner
        return out
    return None


def _attribute_chain(node: cst.Attribute, name_of: Naming = value_of) -> list[str] | None:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(name_of(node))
    return parts[::-1]


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _dotted(node.value) + "." + node.attr.value
    return ""


def _module_bindings(module: cst.Module, imports: bool = True, defs: bool = True, name_of: Naming = value_of) -> set[str]:
    """Names bound at module level (so a builtin of that name is shadowed), optionally
    leaving out those bound by imports or by top-level def/class statements."""
    out: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            if defs:
                out.add(stmt.name.value)
            continue
        out |= _bindings_in(stmt, imports=imports, stop=(cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.BaseComp), name_of=name_of)
    return out
