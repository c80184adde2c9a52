"""The numeric family: static checks (three-valued), suppressions, the floating-point watch
(bughunt.probe.call_watched_strict / guard_floating_point) and the hidden cases."""
import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from bughunt.probe import call_watched_strict
from bughunt.static.base import Source
from bughunt.static.numeric_stability import ExpArgumentBounded, LogArgumentPositive
from bughunt.static.suppressions import CATALOG

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [ExpArgumentBounded, LogArgumentPositive, CATALOG["nan_to_num"], CATALOG["nan_masking"], CATALOG["clip_output"],
          CATALOG["np_seterr"], CATALOG["np_errstate"], CATALOG["warnings_filter"]]


@pytest.mark.parametrize("cls", CHECKS, ids=lambda c: c.name)
def test_snippets(cls):
    check = cls()
    for snippet in cls.VALID:
        assert check.assess(Source.parse(snippet)).outcome != "wrong", snippet
    for snippet in cls.INVALID:
        assert check.assess(Source.parse(snippet)).outcome == "wrong", snippet
    for snippet in cls.UNKNOWN:
        assert check.assess(Source.parse(snippet)).outcome == "unknown", snippet


def test_aliases_and_renames_are_resolved():
    src = Source.parse("import numpy as xp\nfrom numpy import log as ln\ndef f(a):\n    b = xp.clip(a, 1e-9, 1 - 1e-9)\n    return ln(b) + ln(1 - b)\n")
    assert LogArgumentPositive().assess(src).outcome == "right"
    src = Source.parse("import numpy as xp\ndef f(a):\n    b = a\n    return xp.log(1 - b)\n")
    assert LogArgumentPositive().assess(src).outcome == "wrong"


def test_main_block_is_not_graded():
    src = Source.parse("import numpy as np\nif __name__ == '__main__':\n    print(np.exp(1000.0))\n")
    assert ExpArgumentBounded().assess(src).outcome == "right"


@pytest.mark.parametrize("body", [
    "return 1 / (1 + np.exp(-np.clip(z, -500, 500).astype(float)))",
    "return 1 / (1 + np.exp(-np.asarray(z).clip(-500, 500)))",
    "e = np.exp(z - np.amax(z, axis=1).reshape(-1, 1))\n    return e / e.sum(axis=1).reshape(-1, 1)",
    "z = np.array(z, dtype=float)\n    z[z > 500] = 500\n    z[z < -500] = -500\n    return 1 / (1 + np.exp(-z))",
    "return np.piecewise(z, [z >= 0, z < 0], [lambda t: 1 / (1 + np.exp(-t)), lambda t: np.exp(t) / (1 + np.exp(t))])",
    "f = np.vectorize(lambda t: 1 / (1 + np.exp(-t)) if t >= 0 else np.exp(t) / (1 + np.exp(t)))\n    return f(z)",
])
def test_exp_constructs_followed(body):
    src = Source.parse(f"import numpy as np\ndef sigmoid(z):\n    {body}\n")
    assert ExpArgumentBounded(functions=("sigmoid",)).assess(src).outcome == "right"


@pytest.mark.parametrize("body", [
    "eps = sys.float_info.epsilon\n    p = np.clip(p, eps, 1 - eps)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))",
    "a = np.where(p > 1e-12, p, 1e-12)\n    b = np.where(1 - p > 1e-12, 1 - p, 1e-12)\n    return -np.mean(y * np.log(a) + (1 - y) * np.log(b))",
    "p = np.array(p, dtype=float)\n    p[p < 1e-12] = 1e-12\n    p[p > 1 - 1e-12] = 1 - 1e-12\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
    "s = {'eps': 1e-12}\n    p = np.clip(p, s['eps'], 1 - s['eps'])\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
])
def test_log_constructs_followed(body):
    src = Source.parse(f"import sys\nimport numpy as np\ndef bce(y, p):\n    {body}\n")
    assert LogArgumentPositive(functions=("bce",)).assess(src).outcome == "right"


def test_unfollowed_code_is_unknown_never_wrong():
    src = Source.parse(
        "import numpy as np\nclass M:\n    def step(self, z):\n        return 1 / (1 + np.exp(-self.prep(z)))\n"
        "def sigmoid(z):\n    return M().step(z)\n"
    )
    got = ExpArgumentBounded(functions=("sigmoid",)).assess(src)
    assert got.outcome == "unknown" and got.note and got.line == 4


def test_helper_judged_where_it_is_called():
    helper = "import numpy as np\ndef _e(t):\n    return np.exp(t)\n"
    safe = Source.parse(helper + "def sigmoid(z):\n    return 1 / (1 + _e(-np.abs(z)))\n")
    unsafe = Source.parse(helper + "def sigmoid(z):\n    return 1 / (1 + _e(-z))\n")
    assert ExpArgumentBounded(functions=("sigmoid",)).assess(safe).outcome == "right"
    assert ExpArgumentBounded(functions=("sigmoid",)).assess(unsafe).outcome == "wrong"


def test_isfinite_in_assert_or_raise_is_not_masking():
    src = Source.parse(
        "import numpy as np\ndef bce(y, p):\n    assert np.isfinite(p).all()\n    if not np.all(np.isfinite(y)):\n"
        "        raise ValueError('bad labels')\n    return -np.mean(np.log(np.clip(p, 1e-12, 1)))\n"
    )
    assert CATALOG["nan_masking"]().assess(src).outcome == "right"


# --- the floating-point watch -----------------------------------------------------------
def _student_errstate(z):
    with np.errstate(over="ignore"):
        return np.exp(z)


def _student_seterr(z):
    np.seterr(over="ignore")
    return np.exp(z)


def _student_filter(z):
    warnings.simplefilter("ignore")
    return np.exp(z)


def _student_seterrcall(z):
    np.seterrcall(lambda *a: None)
    np.seterr(all="call")
    return np.exp(z)


def _student_suppress(z):
    from numpy.testing import suppress_warnings

    with suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        return np.exp(z)


@pytest.mark.parametrize("fn", [_student_errstate, _student_seterr, _student_filter, _student_seterrcall, _student_suppress])
def test_strict_watch_sees_through_silencing(fn):
    before = np.geterr()
    _, ws = call_watched_strict(fn, np.array([1000.0]))
    assert any("overflow" in w for w in ws)
    assert np.geterr() == before
    assert np.errstate is not None and np.seterr.__module__ == "numpy"  # temporary guards were removed


def test_strict_watch_keeps_library_errstate():
    from scipy.special import logsumexp

    _, ws = call_watched_strict(lambda z: np.exp(z - logsumexp(z)), np.array([1e4, 0.0, -1e4]))
    assert not [w for w in ws if "overflow" in w]


def test_strict_watch_ignores_underflow_and_reports_lines():
    _, ws = call_watched_strict(lambda z: np.exp(z), np.array([-1e4]))
    assert ws == []
    _, ws = call_watched_strict(lambda p: np.log(p), np.array([0.0]))
    assert ws and "divide by zero" in ws[0] and "at line" in ws[0]


STUDENT = '''
import warnings
import numpy as np
from numpy import errstate
from numpy.testing import suppress_warnings

np.seterr(all="ignore")
warnings.filterwarnings("ignore")

def block(z):
    with np.errstate(over="ignore"):
        return np.exp(z)

@np.errstate(over="ignore")
def decorated(z):
    return np.exp(z)

@errstate(all="ignore")
def imported_name(z):
    return np.exp(z)

def seterr_inside(z):
    np.seterr(all="ignore")
    return np.exp(z)

def seterrcall(z):
    np.seterrcall(lambda *a: None)
    np.seterr(all="call")
    return np.exp(z)

def suppressed(z):
    with suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        return np.exp(z)

def caught(z):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("ignore")
        return np.exp(z)

def long_double(z):
    return np.exp(np.asarray(z, dtype=np.longdouble))

def clean(z):
    from scipy.special import expit
    return expit(z)
'''

RUNNER = '''
import importlib.util, json, sys
sys.path.insert(0, {root!r})
from bughunt import probe
probe.STUDENT_FILE[:] = [{path!r}]
from bughunt.families.numeric.probes import NUMERIC
NUMERIC.instrument({{}})
spec = importlib.util.spec_from_file_location("student_submission", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
import numpy as np
out = {{}}
for name in ("block", "decorated", "imported_name", "seterr_inside", "seterrcall", "suppressed", "caught", "long_double", "clean"):
    z = np.array([1e5, 1.0]) if name == "long_double" else np.array([1000.0, 1.0])
    out[name] = probe.call_watched_strict(getattr(module, name), z)[1]
print(json.dumps(out))
'''


def test_guard_holds_for_the_whole_child_run(tmp_path):
    """Every spelling of silencing, at import time or inside the call, decorator included,
    leaves the overflow visible once the probe guarded the process."""
    student = tmp_path / "student.py"
    student.write_text(STUDENT)
    code = RUNNER.format(root=str(ROOT), path=str(student))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout.strip().splitlines()[-1])
    for name, ws in events.items():
        if name == "clean":
            assert ws == []
        else:
            assert any("overflow" in w for w in ws), (name, ws)


# --- hidden cases -----------------------------------------------------------------------
NUMERIC_GRADERS = ["sigmoid/overflow_basic", "sigmoid/softmax_max", "sigmoid/hidden_layer",
                   "log_epsilon/bce_logistic", "log_epsilon/categorical_ce", "log_epsilon/network_loss"]


@pytest.mark.parametrize("name", NUMERIC_GRADERS)
def test_cases_deterministic_and_seeded(name):
    from bughunt.grader import load_grader
    from bughunt.sandbox import wire

    grader = load_grader(ROOT / "graders" / f"{name}.py")
    a, b, c = wire.dumps(grader.cases(1)), wire.dumps(grader.cases(1)), wire.dumps(grader.cases(2))
    assert a == b and a != c
    assert grader.probe_name == "bughunt.families.numeric.probes:NUMERIC"
    for case in grader.cases(7):
        assert set(grader.observations) >= {f"events_{g}" for g in ("act",)}


def test_probe_module_holds_no_secret():
    text = (ROOT / "bughunt" / "families" / "numeric" / "probes.py").read_text()
    for forbidden in ("judges", "graders", "bughunt.grader", "cases", "expit(", "softmax("):
        assert f"import {forbidden}" not in text and f"from bughunt.families.numeric.{forbidden}" not in text
    assert "bughunt.grader " not in text and "from bughunt.grader import" not in text


def test_long_inputs_reach_beyond_long_double():
    from bughunt.families.numeric.cases import sigmoid_inputs, softmax_inputs

    z = sigmoid_inputs(3, 0)
    assert np.abs(z["z"]).max() >= 1.7e308 and np.abs(z["Z2"]).max() >= 1.7e308
    Z = softmax_inputs(3, 0, 4)
    spread = Z["Z"].max(axis=1) - Z["Z"].min(axis=1)
    assert np.abs(Z["Z"]).max() > 1e307 and np.all(np.isfinite(spread))
    assert Z["one"].shape[0] == 1 and Z["few"].shape[0] < Z["few"].shape[1]


# --- correct code in unfamiliar styles is never proven wrong ---------------------------
CORRECT_SIGMOIDS = [
    "return np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))",
    "z = np.where(z < -500, -500, z)\n    return 1 / (1 + np.exp(-z))",
    "out = np.empty_like(z)\n    for i in range(len(z)):\n        if z[i] >= 0:\n            out[i] = 1 / (1 + math.exp(-z[i]))\n"
    "        else:\n            e = math.exp(z[i])\n            out[i] = e / (1 + e)\n    return out",
    "return np.array([1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t)) for t in z])",
    "neg = z < 0\n    ez = np.exp(np.where(neg, z, -z))\n    return np.where(neg, ez / (1 + ez), 1 / (1 + ez))",
    "result = np.zeros(z.shape)\n    pos = np.where(z >= 0)\n    neg = np.where(z < 0)\n    result[pos] = 1 / (1 + np.exp(-z[pos]))\n"
    "    result[neg] = np.exp(z[neg]) / (1 + np.exp(z[neg]))\n    return result",
    "limit = np.log(np.finfo(np.float64).max)\n    return 1 / (1 + np.exp(-np.clip(z, -limit, limit)))",
    "with np.errstate(under='ignore'):\n        return 1 / (1 + np.exp(-np.clip(z, -500, 500)))",
]
CORRECT_SOFTMAXES = [
    "e = np.exp(Z - np.max(Z, axis=1)[:, np.newaxis])\n    return e / e.sum(axis=1)[:, np.newaxis]",
    "S = (Z.T - Z.max(axis=1)).T\n    E = np.exp(S)\n    return E / E.sum(axis=1, keepdims=True)",
    "out = []\n    for row in Z:\n        m = max(row)\n        ex = [math.exp(v - m) for v in row]\n        s = sum(ex)\n"
    "        out.append([v / s for v in ex])\n    return np.array(out)",
    "return np.exp(Z - logsumexp(Z, axis=1)[:, None])",
]
CORRECT_LOSSES = [
    "eps = 1e-15\n    return -np.mean(y * np.log(np.clip(p, eps, 1)) + (1 - y) * np.log(1 - np.clip(p, 0, 1 - eps)))",
    "return -np.mean(y * np.log(p.clip(min=1e-12)) + (1 - y) * np.log((1 - p).clip(min=1e-12)))",
    "total = 0\n    for t, q in zip(y, p):\n        total += -math.log(q) if (t == 1 and q > 0) else (-math.log(1 - q) if q < 1 else 30.0)\n"
    "    return total / len(y)",
    "ll = np.zeros_like(p)\n    ll[y == 1] = np.log(np.maximum(p[y == 1], 1e-12))\n    ll[y == 0] = np.log(np.maximum(1 - p[y == 0], 1e-12))\n"
    "    return -ll.mean()",
    "p = np.where(p == 0, 1e-12, p)\n    q = np.where(p == 1, 1e-12, 1 - p)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(q))",
]
HEADER = "import math\nimport numpy as np\nfrom scipy.special import logsumexp\n"


@pytest.mark.parametrize("body", CORRECT_SIGMOIDS)
def test_correct_sigmoid_never_wrong(body):
    src = Source.parse(f"{HEADER}def sigmoid(z):\n    {body}\n")
    assert ExpArgumentBounded(functions=("sigmoid",)).assess(src).outcome != "wrong"


@pytest.mark.parametrize("body", CORRECT_SOFTMAXES)
def test_correct_softmax_never_wrong(body):
    src = Source.parse(f"{HEADER}def softmax(Z):\n    {body}\n")
    assert ExpArgumentBounded(functions=("softmax",)).assess(src).outcome != "wrong"


@pytest.mark.parametrize("body", CORRECT_LOSSES)
def test_correct_loss_never_wrong(body):
    src = Source.parse(f"{HEADER}def bce(y, p):\n    {body}\n")
    assert LogArgumentPositive(functions=("bce",)).assess(src).outcome != "wrong"


def test_private_error_mode_change_is_reported(tmp_path):
    """Reaching numpy's private error-mode state past the guards is reported as what it is."""
    import importlib.util

    path = tmp_path / "private.py"
    path.write_text(
        "import numpy as np\nimport numpy._core._ufunc_config as cfg\n\n"
        "def f(z):\n    cfg._extobj_contextvar.set(cfg._make_extobj(all='ignore'))\n    return np.exp(z)\n"
    )
    spec = importlib.util.spec_from_file_location("private_mode", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = np.geterr()
    _, ws = call_watched_strict(module.f, np.array([1000.0]))
    assert any("error mode changed" in w for w in ws)
    assert np.geterr() == before
