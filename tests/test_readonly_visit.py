"""The read-only libcst traversal (bughunt.static.readonly_visit) makes exactly the callbacks
libcst's own traversal makes, in the same order, and the metadata our checks read (scopes,
qualified names, positions) is identical, on every example we have: each exercise's file
with its reference fix and every PASS and FAIL example applied, every static check's
snippets, this repository's own Python files, and a file of unusual syntax."""
from __future__ import annotations

import contextlib
from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.base import CSTNode
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from bughunt.grader import load_grader
from bughunt.manifest import load
from bughunt.static import readonly_visit
from bughunt.static.base import Source, _Index
from bughunt.static.positions import positions

from .syntax_samples import UNUSUAL

ROOT = Path(__file__).resolve().parents[1]



def _corpus() -> list[tuple[str, str]]:
    out = [("unusual", UNUSUAL)]
    for ex in load(ROOT):
        text = ex.path.read_text(encoding="utf-8")
        out.append((ex.id, text))
        grader = load_grader(ex.grader_path)
        for example in [grader.reference_example(), *grader.PASS, *grader.FAIL]:
            out.append((f"{ex.id} {example.name}", example.apply(text)))
    from tests.test_static_snippets import CASES

    out += [(f"{cls.__name__} {kind} {i}", code) for cls, kind, i, code in CASES]
    return out


def _repository_files() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.glob("*/**/*.py"))
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]


#: what students hand in, and what our checks are written against: callbacks and metadata
CORPUS = _corpus()
#: this repository's own code, for the variety of its syntax: callbacks (metadata follows from them)
REPOSITORY = _repository_files()


@contextlib.contextmanager
def libcst_visit():
    """libcst's own traversal, for comparison."""
    patched = CSTNode.visit
    CSTNode.visit = readonly_visit._LIBCST_VISIT
    try:
        yield
    finally:
        CSTNode.visit = patched


class Recorder(cst.CSTVisitor):
    def __init__(self):
        self.events = []

    def on_visit(self, node):
        self.events.append(("visit", id(node)))
        return True

    def on_leave(self, node):
        self.events.append(("leave", id(node)))

    def on_visit_attribute(self, node, attribute):
        self.events.append(("visit_attr", id(node), attribute))

    def on_leave_attribute(self, node, attribute):
        self.events.append(("leave_attr", id(node), attribute))


def _parse(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None


def _parsed(text: str) -> cst.Module:
    """The module, or a skip for text libcst cannot parse."""
    module = _parse(text)
    if module is None:
        pytest.skip("not parsable by libcst")
    return module


def _metadata(module: cst.Module) -> list:
    res = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many([PositionProvider, ScopeProvider])
    rows = []
    for node in _Index(module).order:
        scope = res[ScopeProvider].get(node)
        names = sorted((q.name, q.source.name) for q in scope.get_qualified_names_for(node)) if scope else None
        pos = res[PositionProvider].get(node)
        rows.append((type(node).__name__, type(scope).__name__, names, pos and (pos.start, pos.end)))
    return rows


def test_the_corpus_is_wide():
    assert len(CORPUS) > 500 and len(REPOSITORY) > 200
    classes = set()
    for _, text in CORPUS + REPOSITORY:
        module = _parse(text)
        if module is not None:
            classes |= {type(n) for n in _Index(module).order}
    # The node classes a program can contain, less a handful only odd code has.
    assert len(classes) > 140, sorted(c.__name__ for c in classes)


def test_the_unusual_file_parses():
    assert _parse(UNUSUAL) is not None


def _same_callbacks(module: cst.Module) -> None:
    fast = Recorder()
    module.visit(fast)
    with libcst_visit():
        slow = Recorder()
        module.visit(slow)
    assert fast.events == slow.events
    # The index walks the same order libcst visits in.
    assert [e[1] for e in slow.events if e[0] == "visit"] == [id(n) for n in _Index(module).order]


@pytest.mark.parametrize("name,text", CORPUS, ids=[n for n, _ in CORPUS])
def test_same_callbacks_and_metadata_as_libcst(name, text):
    module = _parsed(text)
    _same_callbacks(module)
    with libcst_visit():
        expected = _metadata(module)
    assert _metadata(module) == expected
    # Source.positions (a lighter code generator) gives libcst's PositionProvider positions.
    assert positions(module) == dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


@pytest.mark.parametrize("name,text", REPOSITORY, ids=[n for n, _ in REPOSITORY])
def test_same_callbacks_on_our_own_code(name, text):
    module = _parsed(text)
    _same_callbacks(module)


def test_transformers_still_rebuild():
    class Rename(cst.CSTTransformer):
        def leave_Name(self, original, updated):
            return updated.with_changes(value=updated.value.upper())

    module = cst.parse_module("a = b + c\n")
    assert module.visit(Rename()).code == "A = B + C\n"
    assert module.code == "a = b + c\n"


def test_a_source_indexes_in_libcst_order():
    module = cst.parse_module(UNUSUAL)  # 3.12 syntax: libcst parses it, this Python may not compile it
    src = Source(UNUSUAL, module, MetadataWrapper(module, unsafe_skip_copy=True))
    with libcst_visit():
        slow = Recorder()
        src.module.visit(slow)
    assert [e[1] for e in slow.events if e[0] == "visit"] == [id(n) for n in src._index.order]
