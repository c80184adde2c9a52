"""Notebook submissions: conversion with a line map, magics, `cell N, line M` messages."""
from __future__ import annotations

import ast
import json

import nbformat
import pytest
from click.testing import CliRunner

from bughunt.cli import main
from bughunt.grader import load_grader
from bughunt.notebooks import from_script, locate, to_script
from bughunt.workspace import grade_file, init

from .conftest import EXERCISES, exercise

EX = exercise("sigmoid/overflow-basic")


def _nb(tmp_path, *cells):
    nb = nbformat.v4.new_notebook()
    for kind, src in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src))
    path = tmp_path / "sub.ipynb"
    path.write_text(nbformat.writes(nb))
    return path


def test_to_script_comments_out_magics_and_maps_every_line(tmp_path):
    path = _nb(
        tmp_path,
        ("md", "# title"),
        ("code", "%matplotlib inline\nimport numpy as np\n!pip install nothing"),
        ("code", "%%time\nx = 1\ny = 2"),
        ("code", "np.exp?\ndef f(z):\n    return np.exp(z)"),
    )
    text, line_map = to_script(path)
    compile(text, "sub.py", "exec")  # magics no longer break the syntax
    lines = text.splitlines()
    assert lines[0].startswith("#") and "%matplotlib" in lines[0]
    assert lines[1] == "import numpy as np"
    assert all(ln.startswith("#") for ln in lines[4:7])  # the whole %%time cell
    n = lines.index("    return np.exp(z)") + 1
    assert locate(line_map, n) == "cell 4, line 3"
    assert locate(line_map, 2) == "cell 2, line 2"
    assert len(line_map) == len(lines)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_round_trips_through_a_notebook(ex, tmp_path):
    text = ex.path.read_text()
    nb = tmp_path / "x.ipynb"
    nb.write_text(from_script(text, title=ex.title))
    nbformat.validate(nbformat.reads(nb.read_text(), as_version=4))
    back, _ = to_script(nb)
    assert ast.dump(ast.parse(back)) == ast.dump(ast.parse(text))
    assert len(json.loads(nb.read_text())["cells"]) > 3  # split into readable cells


def test_a_notebook_submission_is_graded_with_cell_and_line(tmp_path, monkeypatch):
    monkeypatch.delenv("BUGHUNT_ROOT", raising=False)
    ws = tmp_path / "ws"
    files = init(ws, [EX], notebooks=True)
    nb = files[EX.id]
    assert nb.suffix == ".ipynb"
    monkeypatch.chdir(ws)
    r = CliRunner().invoke(main, ["check", "overflow-basic", "--json"])
    assert r.exit_code == 1, r.output
    (v,) = json.loads(r.output)
    assert v["status"] == "fail" and v["file"].endswith("model.ipynb")
    failing = [c for c in v["checks"] if not c["passed"]]
    assert failing
    plain = CliRunner().invoke(main, ["check", "overflow-basic"]).output
    assert "model.ipynb, cell " in plain and ", line " in plain
    assert "model.ipynb:" not in plain

    # a fixed notebook with magics passes, through check --file and the pytest plugin's path
    fixed = load_grader(EX.grader_path).reference_example().apply(EX.path.read_text())
    data = json.loads(from_script(fixed))
    data["cells"].insert(0, nbformat.v4.new_code_cell("%matplotlib inline\n!echo hi"))
    data["cells"][0]["id"] = "magic"
    elsewhere = tmp_path / "mine.ipynb"
    elsewhere.write_text(json.dumps(data))
    ok = CliRunner().invoke(main, ["check", "sigmoid/overflow-basic", "--file", str(elsewhere)])
    assert ok.exit_code == 0, ok.output
    assert grade_file(EX, elsewhere).status == "pass"


def test_a_broken_notebook_is_an_error_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    v = grade_file(EX, bad)
    assert v.status == "error" and "not a valid notebook" in v.reason


def test_batch_grading_accepts_notebook_submissions(tmp_path):
    """`bughunt grade`: a student who hands in `model.ipynb` for `model.py` is graded on
    it, and the failure of a broken notebook points at a cell."""
    from pathlib import Path

    from bughunt.batch import run as batch_run
    from bughunt.grader import load_grader
    from bughunt.notebooks import from_script
    from bughunt.sandbox import jail
    from bughunt.sets import resolve

    from .conftest import EXERCISES, ROOT, exercise

    ex = exercise("sigmoid/overflow-basic")
    shipped = ex.path.read_text()
    fixed = load_grader(ex.grader_path).reference_example().apply(shipped)
    subs = tmp_path / "subs"
    for sid, text in (("s1", fixed), ("s2", shipped)):
        target = subs / sid / ex.category / ex.slug / (Path(ex.file).stem + ".ipynb")
        target.parent.mkdir(parents=True)
        target.write_text(from_script(text))
    sets = tmp_path / "sets.toml"
    sets.write_text('format_version = 1\n[sets.nb]\nexercises = "sigmoid/overflow-basic"\npoints = 10\n')
    bugset = resolve("nb", ROOT, EXERCISES, sets)
    result = batch_run.grade_class(bugset, subs, tmp_path / "out", jobs=1, write_outputs=False,
                                   jail=None if jail.available() else False)
    by_id = {r.student.id: r.results[0] for r in result.reports}
    assert by_id["s1"].verdict["status"] == "pass", by_id["s1"].verdict
    broken = by_id["s2"].verdict
    assert broken["status"] == "fail"
    assert any(", cell " in line for line in by_id["s2"].verdict.get("lines", [])), broken
