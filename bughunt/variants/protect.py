"""What a variant must leave alone: the names a grader can reach, and the code it runs.

Conservative on purpose: the functions the grader declares, every identifier-like string in
its `config()` (what the child-side probe is told to call), and every identifier-like string
literal and attribute name in the grader's source and in its probe module count as names
the grader may read from the student's module.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import libcst as cst

from .syntax import find

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _strings_and_attributes(tree: ast.AST) -> tuple[set[str], set[str]]:
    strings, attrs = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.add(node.value)
        elif isinstance(node, ast.Attribute):
            attrs.add(node.attr)
    return strings, attrs


@lru_cache(maxsize=None)
def _grader_names(path: Path) -> frozenset[str]:
    graders_dir = path.parent.parent
    seen: set[Path] = set()
    names: set[str] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        strings, attrs = _strings_and_attributes(ast.parse(current.read_text(encoding="utf-8")))
        names |= {s for s in strings if _IDENT.match(s)} | attrs
        # a shared helper module is loaded by path: any string naming a file next to the graders
        for s in strings:
            stem = s[:-3] if s.endswith(".py") else s
            if _IDENT.match(stem):
                todo.extend(p for p in graders_dir.glob(f"*/{stem}.py") if p not in seen)
    return frozenset(names)


def _config_strings(value) -> set[str]:
    if isinstance(value, str):
        return {value} if _IDENT.match(value) else set()
    if isinstance(value, dict):
        return set().union(*(_config_strings(v) for v in value.values()), *(_config_strings(k) for k in value))
    if isinstance(value, (list, tuple)):
        return set().union(*(_config_strings(v) for v in value)) if value else set()
    return set()


@lru_cache(maxsize=None)
def _probe_names(probe_name: str) -> frozenset[str]:
    import importlib.util

    spec = importlib.util.find_spec(probe_name.partition(":")[0])
    if spec is None or not spec.origin:
        return frozenset()
    strings, attrs = _strings_and_attributes(ast.parse(Path(spec.origin).read_text(encoding="utf-8")))
    return frozenset({s for s in strings if _IDENT.match(s)} | attrs)


def protected_names(exercise) -> frozenset[str]:
    """Module-level names of the exercise file that its grader may read."""
    from ..grader import load_grader

    grader = load_grader(exercise.grader_path)
    return (
        frozenset(grader.functions)
        | _config_strings(grader.config())
        | _probe_names(grader.probe_name)
        | _grader_names(Path(exercise.grader_path).resolve())
    )


def module_functions(module: cst.Module) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}


def graded_functions(module: cst.Module, entry_points: frozenset[str] | set[str]) -> set[str]:
    """Module-level functions the grader can run: its entry points and every module-level
    function their bodies mention (called or passed along), transitively."""
    functions = module_functions(module)
    graded: set[str] = set()
    todo = [n for n in entry_points if n in functions]
    while todo:
        name = todo.pop()
        if name in graded:
            continue
        graded.add(name)
        for node in find(functions[name], cst.Name, variables_only=True):
            if node.value in functions and node.value not in graded:
                todo.append(node.value)
    return graded
