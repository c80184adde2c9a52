"""Fixit-style: every static check's VALID snippets are not proven wrong, every INVALID
snippet is proven wrong (with a line and a message), and every UNKNOWN snippet gets
"cannot tell", which never fails a file."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import bughunt.static as static_pkg
from bughunt.static.base import Source, StaticCheck


def _all_checks() -> list[type[StaticCheck]]:
    for info in pkgutil.walk_packages(static_pkg.__path__, static_pkg.__name__ + "."):
        importlib.import_module(info.name)
    seen, out = set(), []
    stack = list(StaticCheck.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls not in seen and (cls.VALID or cls.INVALID or cls.UNKNOWN):
            seen.add(cls)
            out.append(cls)
    return sorted(out, key=lambda c: (c.__module__, c.__name__))


CHECKS = _all_checks()
CASES = [(c, "VALID", i, code) for c in CHECKS for i, code in enumerate(c.VALID)] + [
    (c, "INVALID", i, code) for c in CHECKS for i, code in enumerate(c.INVALID)
] + [(c, "UNKNOWN", i, code) for c in CHECKS for i, code in enumerate(c.UNKNOWN)]


def test_every_check_has_both_kinds_of_example():
    for cls in CHECKS:
        assert cls.VALID and cls.INVALID, f"{cls.__name__} needs VALID and INVALID examples"
        assert cls.name, f"{cls.__name__} needs a name"


@pytest.mark.parametrize("cls,kind,i,code", CASES, ids=lambda v: v.__name__ if isinstance(v, type) else (v if isinstance(v, str) and len(v) < 10 else str(v)) if not isinstance(v, str) or len(v) < 10 else None)
def test_snippet(cls, kind, i, code):
    got = cls().assess(Source.parse(code))
    if kind == "VALID":
        assert got.outcome != "wrong", f"{cls.__name__} VALID #{i} flagged: {got.findings}"
    elif kind == "UNKNOWN":
        assert got.outcome == "unknown", f"{cls.__name__} UNKNOWN #{i} gave {got.outcome}: {got.findings}"
        assert got.note, f"{cls.__name__} UNKNOWN #{i} should say what it could not follow"
    else:
        assert got.outcome == "wrong" and got.findings, f"{cls.__name__} INVALID #{i} not flagged"
        assert all(f.line >= 1 and f.message for f in got.findings)


def test_a_method_on_a_computed_value_has_no_library_name():
    """libcst names `np.exp(x).sum` as `numpy.exp.sum`; that is a method of the result, not
    a numpy function, and checks must not read it as one."""
    import libcst.matchers as m

    src = Source.parse("import numpy as np\nz = np.clip(a, 0, 1).astype(float)\nr = np.exp(z).sum()\n")
    names = {src.module.code_for_node(c.func): src.names(c.func) for c in src.find(src.module, m.Call())}
    assert names["np.clip"] == {"numpy.clip"} and names["np.exp"] == {"numpy.exp"}
    assert names["np.clip(a, 0, 1).astype"] == set() and names["np.exp(z).sum"] == set()
