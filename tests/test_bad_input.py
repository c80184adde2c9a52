"""Untrusted submissions: each bad input gets a one-line reason and a fail or error verdict,
never a pass, never a grader traceback, and nothing is left running."""
from __future__ import annotations

import dataclasses
import os
import textwrap
import time

import pytest

from bughunt.grading import grade

from .conftest import exercise

EX = dataclasses.replace(exercise("leakage/scaler-before-split"), timeout=6.0, memory_mb=1024)
REFERENCE_TEXT = None


def _reference() -> str:
    from bughunt.grader import load_grader

    global REFERENCE_TEXT
    if REFERENCE_TEXT is None:
        REFERENCE_TEXT = load_grader(EX.grader_path).reference_example().apply(EX.path.read_text())
    return REFERENCE_TEXT


RUNNER = None  # None: a cold `python -I` per run; else a warm fork server's run


@pytest.fixture(autouse=True, scope="module", params=["cold", "warm"])
def sandbox_kind(request):
    """Every bad input goes through both sandboxes: the one students use and the one batch grading uses."""
    global RUNNER
    if request.param == "cold":
        RUNNER = None
        yield "cold"
        return
    from bughunt.sandbox.warm import WarmSandbox

    with WarmSandbox() as warm:
        RUNNER = warm.run
        yield "warm"
    RUNNER = None


def _grade(tmp_path, body: str | bytes):
    path = tmp_path / "pipeline.py"
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(textwrap.dedent(body))
    return grade(EX, path, runner=RUNNER)


def _one_line(verdict) -> str:
    text = verdict.reason if verdict.status == "error" else " ".join(verdict.lines())
    assert verdict.status in ("fail", "error")
    assert "Traceback" not in text and "bughunt/" not in text
    if verdict.status == "error":
        assert "\n" not in verdict.reason
    return text


def test_syntax_error_names_its_line(tmp_path):
    v = _grade(tmp_path, "import numpy as np\n\ndef train_and_predict(X, y, seed)\n    return 1\n")
    text = _one_line(v)
    assert v.status == "error" and "syntax error" in text and "pipeline.py:3" in text


def test_empty_file(tmp_path):
    v = _grade(tmp_path, "")
    assert v.status == "error" and "empty" in _one_line(v)


def test_non_utf8_bytes(tmp_path):
    v = _grade(tmp_path, b"x = '\xff\xfe'\n")
    assert v.status == "error" and "UTF-8" in _one_line(v)


def test_missing_function(tmp_path):
    v = _grade(tmp_path, "def train_and_predict_v2(X, y, seed):\n    return None\n")
    assert "`train_and_predict` is missing" in _one_line(v)


def test_wrong_return_type(tmp_path):
    v = _grade(tmp_path, "def train_and_predict(X, y, seed):\n    return 'done'\n")
    assert "should return a pair" in _one_line(v)


def test_nan_results(tmp_path):
    text = _reference().replace("return y_test, model.predict_proba(X_test)[:, 1]", "return y_test, model.predict_proba(X_test)[:, 1] * float('nan')")
    v = _grade(tmp_path, text)
    text = _one_line(v)
    assert v.status == "fail" and ("no NaN" in text or "probability in [0, 1]" in text), text


def test_crash_inside_function_reports_student_line(tmp_path):
    v = _grade(tmp_path, "def train_and_predict(X, y, seed):\n    return 1 / 0\n")
    text = _one_line(v)
    assert "ZeroDivisionError" in text and "pipeline.py:2" in text


def test_infinite_loop_ignoring_signals(tmp_path):
    start = time.monotonic()
    v = _grade(
        tmp_path,
        """
        import signal
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        def train_and_predict(X, y, seed):
            while True:
                pass
        """,
    )
    assert v.status == "error" and "did not finish" in _one_line(v)
    assert time.monotonic() - start < EX.timeout + 10


def test_memory_bomb(tmp_path):
    v = _grade(tmp_path, "def train_and_predict(X, y, seed):\n    blocks = []\n    while True:\n        blocks.append(bytearray(50_000_000))\n")
    assert v.status == "error" and "memory" in _one_line(v)


def test_deep_recursion(tmp_path):
    v = _grade(
        tmp_path,
        """
        import sys
        sys.setrecursionlimit(10**8)
        def down(n):
            return down(n + 1) + 1
        def train_and_predict(X, y, seed):
            return down(0)
        """,
    )
    text = _one_line(v)
    # CPython 3.11+ keeps Python frames on the heap, so runaway recursion ends as a crash,
    # a memory error or a timeout depending on the machine; each is a clear reason.
    assert v.status in ("error", "fail")
    assert any(w in text for w in ("crashed", "Recursion", "memory", "did not finish"))


def test_output_flood(tmp_path):
    v = _grade(tmp_path, "def train_and_predict(X, y, seed):\n    while True:\n        print('x' * 10000)\n")
    assert v.status == "error" and "printed more than" in _one_line(v)


def test_leftover_child_processes_are_killed(tmp_path):
    marker = tmp_path / "alive"
    v = _grade(
        tmp_path,
        f"""
        import os, time
        def train_and_predict(X, y, seed):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(3)
                    open({str(marker)!r}, "w").write("still running")
                os._exit(0)
            raise RuntimeError("left a grandchild behind")
        """,
    )
    _one_line(v)
    time.sleep(4)
    assert not marker.exists(), "an orphaned grandchild survived grading"


def test_exit_at_import_is_not_a_pass(tmp_path):
    v = _grade(tmp_path, "import sys\nprint('PASS: all checks passed')\nsys.exit(0)\n")
    assert v.status == "error" and "stopped the program" in _one_line(v)


def test_os_exit_inside_function_is_not_a_pass(tmp_path):
    v = _grade(tmp_path, "import os\ndef train_and_predict(X, y, seed):\n    os._exit(0)\n")
    assert v.status == "error" and "stopped the program" in _one_line(v)


def test_patching_numpy_and_printing_a_verdict_cannot_forge_a_pass(tmp_path):
    text = EX.path.read_text() + textwrap.dedent(
        """
        import json, sys
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        print(json.dumps({"status": "pass", "score": 7, "max_score": 7}))
        """
    )
    v = _grade(tmp_path, text)
    assert v.status == "fail"
    assert "test_rows_do_not_influence_training" in {c.name for c in v.failures()}


def test_library_imports_in_a_submission_keep_working(tmp_path):
    """Import-time patch undoing must not break numpy's lazily imported submodules."""
    from .conftest import exercise as get

    ex = get("bias_update/logistic-bias")
    path = tmp_path / ex.file
    path.write_text(
        ex.path.read_text()
        + "\nimport scipy.special\nimport sklearn.linear_model\nimport numpy.polynomial\n"
        + "_probe = sklearn.linear_model.LogisticRegression().fit([[0.0], [1.0]], [0, 1])\n"
    )
    v = grade(ex, path)
    assert "RecursionError" not in " ".join(v.lines()) + v.reason
    assert v.status == "fail"
