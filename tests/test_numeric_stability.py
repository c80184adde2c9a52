"""Tests for the numeric-stability static checks, the numeric_values suppressions and
bughunt.probe.call_watched_strict."""
import warnings

import numpy as np
import pytest

from bughunt.probe import call_watched_strict
from bughunt.static.base import Source
from bughunt.static.numeric_stability import ExpArgumentBounded, LogArgumentPositive
from bughunt.static.suppressions import CATALOG

CHECKS = [ExpArgumentBounded, LogArgumentPositive, CATALOG["nan_to_num"], CATALOG["nan_masking"], CATALOG["clip_output"]]


@pytest.mark.parametrize("cls", CHECKS, ids=lambda c: c.name)
def test_snippets(cls):
    check = cls()
    for snippet in cls.VALID:
        assert check.findings(Source.parse(snippet)) == [], snippet
    for snippet in cls.INVALID:
        assert check.findings(Source.parse(snippet)), snippet


def test_aliases_and_renames_are_resolved():
    src = Source.parse("import numpy as xp\nfrom numpy import log as ln\ndef f(a):\n    b = xp.clip(a, 1e-9, 1 - 1e-9)\n    return ln(b) + ln(1 - b)\n")
    assert LogArgumentPositive().findings(src) == []
    src = Source.parse("import numpy as xp\ndef f(a):\n    b = a\n    return xp.log(1 - b)\n")
    assert LogArgumentPositive().findings(src)


def test_main_block_is_not_graded():
    src = Source.parse("import numpy as np\nif __name__ == '__main__':\n    print(np.exp(1000.0))\n")
    assert ExpArgumentBounded().findings(src) == []


def _student_errstate(z):
    with np.errstate(over="ignore"):
        return np.exp(z)


def _student_seterr(z):
    np.seterr(over="ignore")
    return np.exp(z)


def _student_filter(z):
    warnings.simplefilter("ignore")
    return np.exp(z)


@pytest.mark.parametrize("fn", [_student_errstate, _student_seterr, _student_filter])
def test_strict_watch_sees_through_silencing(fn):
    before = np.geterr()
    _, ws = call_watched_strict(fn, np.array([1000.0]))
    assert any("overflow" in w for w in ws)
    assert np.geterr() == before


def test_strict_watch_keeps_library_errstate():
    from scipy.special import logsumexp

    _, ws = call_watched_strict(lambda z: np.exp(z - logsumexp(z)), np.array([1e4, 0.0, -1e4]))
    assert not [w for w in ws if "overflow" in w]
