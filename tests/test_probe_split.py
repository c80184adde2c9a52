"""The child never holds a secret: for every grader, the sandboxed process that runs the
student's code imports only the grader's probe, never the grader (which holds REFERENCE,
the examples and the case builder) nor any judge module."""
from __future__ import annotations

import ast
import importlib.util
import textwrap

import pytest

from bughunt.grader import load_grader
from bughunt.grading import grade

from .conftest import EXERCISES

SPY = textwrap.dedent(
    """
    import sys
    _secret = sorted(
        name for name, mod in list(sys.modules.items())
        if "judge" in name or "grader" in name.replace("bughunt.probe", "")
        or name.startswith("bughunt.devcheck")
        or "/graders/" in (getattr(mod, "__file__", None) or "")
    )
    raise RuntimeError("SPY:" + ",".join(_secret) + ":END")
    """
)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_every_grader_is_split(ex):
    grader = load_grader(ex.grader_path)
    assert grader.probe_name, f"{ex.id}: the grader still runs inside the child (no probe_name)"
    module, _, attr = grader.probe_name.partition(":")
    assert module.startswith("bughunt.families.") and module.endswith("probes") and attr


def _imports_of(module_name: str) -> set[str]:
    spec = importlib.util.find_spec(module_name)
    tree = ast.parse(open(spec.origin, encoding="utf-8").read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module_name.rsplit(".", node.level)[0]
                base = f"{parent}.{base}" if base else parent
            found.add(base)
    return found


PROBE_MODULES = sorted({load_grader(ex.grader_path).probe_name.partition(":")[0] for ex in EXERCISES} - {""})


@pytest.mark.parametrize("module", PROBE_MODULES)
def test_probe_modules_import_no_judge(module):
    """Transitively, a probe module reaches no grader, judge, case builder or devcheck."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen or not name.startswith("bughunt"):
            continue
        seen.add(name)
        assert not any(word in name for word in ("judge", "cases", "devcheck")) and name != "bughunt.grader", (
            f"{module} imports {name}, which holds parent-only data"
        )
        if importlib.util.find_spec(name) is not None:
            todo.extend(_imports_of(name))


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_the_child_has_no_grader_loaded(ex, tmp_path):
    if not load_grader(ex.grader_path).probe_name:
        pytest.skip("legacy grader")
    path = tmp_path / ex.file
    path.write_text(SPY)
    verdict = grade(ex, path)
    assert verdict.status == "error"
    assert "SPY::END" in verdict.reason, verdict.reason
