"""The static policy (bughunt/static/policy.py): hostile constructs are rejected with a
line each, and no shipped file, reference fix or PASS example trips it."""
from __future__ import annotations

import pytest

from bughunt.grader import load_grader
from bughunt.static.base import WRONG, Source
from bughunt.static.policy import ForbiddenConstruct, forbidden

from .conftest import EXERCISES

ATTACKS = {
    "stack walk to the grader": "import sys\n\ndef f():\n    return sys._getframe(2).f_locals['self']\n",
    "leak hidden from libcst": "import numpy as np\n\ndef f(X):\n    return getattr(X, 'me' + 'an')(axis=0)\n",
    "append a grader": "def f():\n    open('graders/leakage/x.py', 'a').write('GRADER = None')\n",
    "edit the result store": "from pathlib import Path\n\ndef f():\n    Path('/out/.bughunt/results/s1.json').write_text('{}')\n",
    "inject into bughunt": "import importlib\nimportlib.import_module('bughunt.grading')\n",
    "read another process": "def f():\n    return open('/proc/1/mem', 'rb').read()\n" + "import os\n",
    "signal the parent": "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n",
    "fork bomb": "import os\nwhile True:\n    os.fork()\n",
    "network": "import socket\nsocket.create_connection(('example.com', 80))\n",
    "threads": "from threading import Thread\n",
    "eval by another name": "import builtins\nbuiltins.eval('1')\n",
    "computed namespace": "def f():\n    return globals()['__buil' + 'tins__']\n",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_attack_is_rejected_with_its_line(name):
    assessment = ForbiddenConstruct().assess(Source.parse(ATTACKS[name]))
    assert assessment.outcome == WRONG, name
    for f in assessment.findings:
        assert f.line >= 1 and f"line {f.line}:" in f.message and "\n" not in f.message


def test_main_block_is_not_graded():
    code = "import numpy as np\n\ndef f(x):\n    return x\n\nif __name__ == '__main__':\n    import os\n    exec('print(1)')\n"
    assert forbidden(code) == []


def test_no_shipped_file_or_passing_example_trips_the_policy():
    for ex in EXERCISES:
        text = ex.path.read_text()
        assert forbidden(text) == [], ex.id
        grader = load_grader(ex.grader_path)
        for example in grader.pass_examples():
            found = forbidden(example.apply(text))
            assert found == [], (ex.id, example.name, [f.message for f in found])
