"""Snippets of the shape_mismatch static checks and suppression entries."""
import pytest

from bughunt.static import shapes
from bughunt.static.base import Source
from bughunt.static.suppressions import shapes as supp

CHECKS = [supp.NumpyResize(), supp.ShapeSlicing(), supp.HardcodedShape(), *shapes.example_checks()]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_snippets(check):
    for snippet in check.VALID:
        assert check.findings(Source.parse(snippet)) == [], snippet
    for snippet in check.INVALID:
        assert check.findings(Source.parse(snippet)), snippet
