"""A name a student controls (a Canvas display name) must never run as a spreadsheet
formula when the instructor opens the gradebook or the Gradescope scores CSV."""
from __future__ import annotations

import csv
import io

import pytest

from bughunt.batch.gradebook import gradebook_csv, spreadsheet_text
from bughunt.batch.gradescope import scores_rows
from bughunt.batch.model import Student, StudentReport
from bughunt.manifest import load
from bughunt.paths import find_root
from bughunt.sets import load_sets

ROOT = find_root()
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTab", "\rCR"]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_formula_name_is_text_in_the_gradebook_and_the_scores_csv(name):
    bugset = load_sets(ROOT, load(ROOT))["starter"]
    student = Student(id="s001", name=name, email="@evil.example", section="+A")
    report = StudentReport(student, [])
    rows = list(csv.reader(io.StringIO(gradebook_csv(bugset, [report]))))
    cell = rows[2][0]
    # Canvas' own exporter writes ="..." for a leading '='; the rest get an apostrophe.
    assert cell == f'="{name}"' if name.startswith("=") else cell == "'" + name
    assert not rows[2][4].startswith(FORMULA)  # the section
    name_cell, _, email_cell, _ = scores_rows([report])[1]
    assert name_cell == "'" + name and email_cell == "'@evil.example"


@pytest.mark.parametrize("text", ["Ada Lovelace", "O'Brien", "Zoë 3", "s001@uni.example", ""])
def test_ordinary_text_is_left_as_it_is(text):
    assert spreadsheet_text(text) == text
