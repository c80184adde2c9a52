"""Scope-correct renaming of local variables.

A binding is renamable when libcst's ScopeProvider shows that every assignment of the name
in its scope is a plain name (an assignment target, a loop or comprehension target, a
with-as or except-as name, a walrus target) and that every reference to those assignments
is a plain name that refers to nothing else. Parameters, imports, nested functions and
classes, names declared global or nonlocal, and every name in a function that calls
locals()/vars()/eval()/exec() are left alone. At module level only names that live and die
inside the `if __name__ == "__main__":` demo are candidates, and never one the grader may read.

New names are fresh: they occur nowhere in the file (nor in the files it must correspond
to), are not builtins or keywords, and are never reused for two different old names, so a
rename can neither capture nor shadow anything.
"""
from __future__ import annotations

import builtins
import keyword
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ClassScope, ComprehensionScope, FunctionScope, GlobalScope, MetadataWrapper, ScopeProvider

from .choice import Chooser
from .synonyms import candidates
from .syntax import find, index, is_main_guard

_DYNAMIC = {"locals", "vars", "eval", "exec", "globals", "dir"}
RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"self", "cls"}


@dataclass
class Binding:
    name: str
    nodes: list  # every cst.Name that binds or reads this variable
    scope: str  # "function <name>", "lambda", "comprehension" or "demo"


@dataclass
class Analysis:
    """A parsed file and its renamable bindings (node identities refer to `module`)."""

    module: cst.Module
    bindings: list[Binding]

    @property
    def names(self) -> set[str]:
        return {b.name for b in self.bindings}


def _dynamic_functions(module: cst.Module) -> set[int]:
    """ids of the functions (and lambdas) that call locals(), vars(), eval(), exec(), globals() or dir():
    their names can be looked up by string, so none of them is renamed."""
    out: set[int] = set()
    if not any(isinstance(c.func, cst.Name) and c.func.value in _DYNAMIC for c in find(module, cst.Call)):
        return out
    for fn in find(module, cst.FunctionDef, cst.Lambda):
        calls = find(fn, cst.Call)
        if any(isinstance(c.func, cst.Name) and c.func.value in _DYNAMIC for c in calls):
            out.add(id(fn))
    return out


def analyse(text: str, protected: frozenset[str] | set[str] = frozenset()) -> Analysis:
    module = cst.parse_module(text)
    index(module)  # inside syntax.memo(): every later search of this tree reads one walk
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    declared = {n.name.value for node in find(module, cst.Global, cst.Nonlocal) for n in node.names}
    dynamic = _dynamic_functions(module)
    demo_names = {id(n) for s in module.body if is_main_guard(s) for n in find(s, cst.Name)}
    out: list[Binding] = []
    seen: set[int] = set()
    for scope in scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        if isinstance(scope, ClassScope) or _inside_dynamic(scope, dynamic):
            continue
        for name in sorted({a.name for a in scope.assignments}):
            if name in declared or name == "_" or name.startswith("__"):
                continue
            nodes = _binding_nodes(scope, name)
            if nodes is None:
                continue
            if isinstance(scope, GlobalScope):
                if name in protected or not all(id(n) in demo_names for n in nodes):
                    continue
                where = "demo"
            elif isinstance(scope, FunctionScope):
                where = f"function {scope.name}" if scope.name else "lambda"
            elif isinstance(scope, ComprehensionScope):
                where = "comprehension"
            else:
                continue
            out.append(Binding(name, nodes, where))
    return Analysis(module, out)


def _inside_dynamic(scope, dynamic: set[int]) -> bool:
    while scope is not None and not isinstance(scope, GlobalScope):
        if id(getattr(scope, "node", None)) in dynamic:
            return True
        scope = scope.parent
    return False


def _binding_nodes(scope, name: str) -> list | None:
    assigns = set(scope.assignments[name])
    nodes: dict[int, cst.Name] = {}
    for a in assigns:
        if not isinstance(a.node, cst.Name):
            return None  # a parameter, import, def or class binds this name here
        nodes[id(a.node)] = a.node
        for ref in a.references:
            if not isinstance(ref.node, cst.Name) or not set(ref.referents) <= assigns:
                return None
            nodes[id(ref.node)] = ref.node
    return list(nodes.values())


def plan(names: set[str], forbidden: set[str], chooser: Chooser) -> dict[str, str]:
    """old name -> fresh new name; the same old name always gets the same new one for a key."""
    taken = set(forbidden) | RESERVED | set(names)
    out: dict[str, str] = {}
    for name in sorted(names):
        curated, fallback = candidates(name)
        options = [c for c in curated if c not in taken] or [c for c in fallback if c not in taken]
        if not options:
            continue
        new = options[chooser.index(len(options), "rename", name)]
        out[name] = new
        taken.add(new)
    return out


class _Renamer(cst.CSTTransformer):
    def __init__(self, new_names: dict[int, str]):
        self.new_names = new_names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        new = self.new_names.get(id(original))
        return updated.with_changes(value=new) if new else updated


def renamed_nodes(analysis: Analysis, mapping: dict[str, str]) -> tuple[dict[int, tuple[cst.Name, str]], dict[str, str]]:
    """Which name nodes of `analysis.module` the renames in `mapping` change: id(node) ->
    (node, new name), and the part of the mapping that was used."""
    new_names: dict[int, tuple[cst.Name, str]] = {}
    used: dict[str, str] = {}
    for b in analysis.bindings:
        if b.name in mapping:
            used[b.name] = mapping[b.name]
            for node in b.nodes:
                new_names[id(node)] = (node, mapping[b.name])
    return new_names, used


def apply(analysis: Analysis, mapping: dict[str, str]) -> tuple[cst.Module, dict[str, str]]:
    """Rename every renamable binding whose name is in `mapping`; returns the new module and
    the part of the mapping that was used."""
    new_names, used = renamed_nodes(analysis, mapping)
    return analysis.module.visit(_Renamer({k: new for k, (_node, new) in new_names.items()})), used
