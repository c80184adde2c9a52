"""bughunt.static.scopes.Resolver gives, for every node of every example file, the qualified
names libcst's ScopeProvider gives; files it does not mirror are sent to libcst."""
from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ScopeProvider

from bughunt.static.base import Source, _Index
from bughunt.static.scopes import Resolver, Unsupported

from .syntax_samples import ZOO
from .test_readonly_visit import CORPUS, REPOSITORY, _parse, _parsed



def _compare(module: cst.Module, resolver: Resolver) -> None:
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    for node in _Index(module).order:
        scope = scopes.get(node)
        expected = set(scope.get_qualified_names_for(node)) if scope is not None else set()
        assert resolver.qualified_names(node) == expected, (type(node).__name__, module.code_for_node(node)[:60])


def test_the_zoo_is_mirrored():
    module = cst.parse_module(ZOO)
    _compare(module, Resolver(module, ZOO))


@pytest.mark.parametrize("name,text", CORPUS + REPOSITORY, ids=[n for n, _ in CORPUS + REPOSITORY])
def test_same_qualified_names_as_libcst(name, text):
    module = _parsed(text)
    try:
        resolver = Resolver(module, text)
    except Unsupported:
        pytest.skip("sent to libcst's ScopeProvider")
    _compare(module, resolver)


def test_nearly_every_example_is_mirrored():
    """The fallback is for odd files, not the common case."""
    mirrored = 0
    for _, text in CORPUS:
        module = _parse(text)
        try:
            Resolver(module, text)
            mirrored += 1
        except Unsupported:
            pass
    assert mirrored >= 0.95 * len(CORPUS)


@pytest.mark.parametrize("text", [
    "from typing import cast\nx = cast('int', y)\n",
    "def f(x: 'np.ndarray') -> 'int':\n    return x\n",
    "class Box[T]:\n    pass\n",
    "type Alias = list[int]\n",
])
def test_what_is_not_mirrored_goes_to_libcst(text):
    module = cst.parse_module(text)
    with pytest.raises(Unsupported):
        Resolver(module, text)
    src = Source(text, module, MetadataWrapper(module, unsafe_skip_copy=True))
    assert src._resolver is None
    name = _Index(module).order[-1]
    src.qualified_names(name)  # answered by libcst's ScopeProvider


def test_a_source_answers_from_the_resolver():
    src = Source.parse("import numpy as np\nz = np.exp(1)\n")
    assert src._resolver is not None
    call = next(n for n in src._index.order if isinstance(n, cst.Call))
    assert src.names(call.func) == {"numpy.exp"}
