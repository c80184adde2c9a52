"""What batch grading writes: gradebook.csv, feedback, Gradescope results.json, the instructor summary."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re

import pytest
from rich.console import Console

from bughunt.batch import feedback, gradebook, gradescope, summary
from bughunt.batch.model import ExerciseResult, Student, StudentReport
from bughunt.grader import load_grader
from bughunt.grading import grade
from bughunt.sets import BugSet, SetEntry
from bughunt.batch.check_titles import check_title, suppression_title
from bughunt.templates import md, md_code, md_message
from bughunt.verdict import Check, Suppression, Verdict

from .conftest import exercise

LEAK = "leakage/scaler-before-split"
SIG = "sigmoid/overflow-basic"
EVIL_FILE = "leakage/<script>alert(1)</script>.py"
EVIL_NAME = "Ada <script>alert(1)</script>"
EVIL_NOTE = "refused zip entry <script>alert(2)</script>.py"


# --- fixtures: real verdicts from grading real files --------------------------------------
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Verdict dicts for: the reference fix (pass), the shipped file (fail), a try/except FAIL
    example (suppression), a syntax error (error), on two exercises."""
    tmp = tmp_path_factory.mktemp("graded")
    out = {}
    for ex_id, kinds in ((LEAK, ("ref", "broken", "suppressed", "syntax")), (SIG, ("ref", "broken"))):
        ex = exercise(ex_id)
        g = load_grader(ex.grader_path)
        text = ex.path.read_text(encoding="utf-8")
        sources = {"ref": lambda: g.reference_example().apply(text), "broken": lambda: text,
                   "syntax": lambda: text + "\ndef (:\n",
                   "suppressed": lambda: next(f for f in g.FAIL if "try_except" in f.fails).apply(text)}
        for kind in kinds:
            path = tmp / f"{ex.slug}-{kind}.py"
            path.write_text(sources[kind](), encoding="utf-8")
            shown = EVIL_FILE if kind == "syntax" else f"{ex.category}/{ex.slug}/{ex.file}"
            out[(ex_id, kind)] = grade(ex, path, display=shown).to_dict()
    assert out[(LEAK, "ref")]["status"] == "pass"
    assert out[(LEAK, "broken")]["status"] == "fail"
    assert out[(LEAK, "suppressed")]["suppressions"]
    assert out[(LEAK, "syntax")]["status"] == "error"
    assert out[(SIG, "broken")]["status"] == "fail"
    return out


@pytest.fixture(scope="module")
def bugset():
    return BugSet(
        "week3", "Week 3: leaks & overflows",
        (SetEntry(exercise(LEAK), 10.0), SetEntry(exercise(SIG), 5.5)),
        f"{LEAK} + {SIG}", due=dt.datetime(2026, 12, 1, 23, 59), scoring="partial",
    )


def _result(bugset, graded, ex_id, kind):
    ex = exercise(ex_id)
    pts = bugset.points_for(ex_id)
    if kind is None:
        return ExerciseResult(ex_id, ex.title, pts, 0.0, "missing", None, f"no file for {ex_id} in the submission")
    d = graded[(ex_id, kind)]
    return ExerciseResult(
        ex_id, ex.title, pts, bugset.award(ex_id, Verdict.from_dict(d)), d["status"], d, d["reason"], d["file"], d["duration"]
    )


@pytest.fixture(scope="module")
def reports(bugset, graded):
    r = lambda ex_id, kind: _result(bugset, graded, ex_id, kind)  # noqa: E731
    # Deliberately out of id order: the gradebook sorts.
    return [
        StudentReport(Student("s03", "Bob, Jr."), [r(LEAK, "suppressed"), r(SIG, "broken")]),
        StudentReport(Student("s01", EVIL_NAME, sis_id="SIS1", login="ada", section="A"), [r(LEAK, "ref"), r(SIG, "ref")]),
        StudentReport(
            Student("s04", "Cy"), [r(LEAK, "syntax"), r(SIG, "ref")], notes=[EVIL_NOTE],
            flags=[f"{LEAK}: the file carries the variant handed out to s01, not the one handed to s04"],
        ),
        StudentReport(Student("s02", "=1+1"), [r(LEAK, "broken"), r(SIG, None)]),
    ]


def _by_id(reports, sid):
    return next(r for r in reports if r.student.id == sid)


# --- gradebook.csv -------------------------------------------------------------------------
def test_gradebook_csv_follows_canvas_import_layout(tmp_path, bugset, reports):
    path = tmp_path / "gradebook.csv"
    gradebook.write_gradebook(path, bugset, reports)
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n") and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0] == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
        f"week3: {LEAK}", f"week3: {SIG}", "week3: Total",
    ]
    assert rows[1] == ["    Points Possible", "", "", "", "", "10", "5.5", "(read only)"]
    # ID is Canvas' numeric user id, which these students (no Canvas roster) do not have: empty,
    # never the roster id. SIS User ID is the roster's, or its id when it has none.
    assert [r[1] for r in rows[2:]] == ["", "", "", ""]
    assert [r[2] for r in rows[2:]] == ["SIS1", "s02", "s03", "s04"]
    assert rows[2][:5] == [EVIL_NAME, "", "SIS1", "ada", "A"]
    assert rows[2][5:] == ["10", "5.5", "15.5"]  # both pass
    assert rows[3][0] == '="=1+1"'  # the exporter's guard against formulas
    assert rows[3][6] == "0"  # missing scores 0
    assert rows[4][0] == "Bob, Jr."
    assert rows[4][5] == "0"  # a suppression earns nothing, even with partial scoring
    assert rows[5][5] == "0"  # error scores 0
    for row, sid in zip(rows[2:], ["s01", "s02", "s03", "s04"]):
        rep = _by_id(reports, sid)
        expected = [r.points for r in rep.results]
        assert [float(x) for x in row[5:7]] == pytest.approx(expected)
        assert float(row[7]) == pytest.approx(sum(float(x) for x in row[5:7]))
        assert float(row[7]) == pytest.approx(rep.total)
        for cell in row[5:]:
            assert re.fullmatch(r"\d+(\.\d{1,2})?", cell), cell
    assert not list(tmp_path.glob("*.part"))


def test_gradebook_partial_points_and_assignment_name(bugset, reports):
    rows = gradebook.gradebook_rows(bugset, reports, assignment_name="HW 3 (2026)")
    assert rows[0][5:] == [f"HW 3 (2026): {LEAK}", f"HW 3 (2026): {SIG}", "HW 3 (2026): Total"]
    # Canvas reads a header ending in " (digits)" as an existing assignment's id.
    assert not any(re.search(r"\s\(\d+\)$", h) for h in rows[0][5:])
    broken = float(rows[3][5])  # s02's shipped (broken) file: root cause not fixed, so nothing
    assert broken == 0 == _by_id(reports, "s02").results[0].points


def test_gradebook_treats_an_absent_exercise_as_zero(bugset, reports):
    lone = StudentReport(Student("s09"), [reports[1].results[0]])  # only the first exercise
    rows = gradebook.gradebook_rows(bugset, [lone])
    assert rows[2][5:] == ["10", "0", "10"]


# --- Gradescope results.json ---------------------------------------------------------------
VIS = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def _is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


@pytest.mark.parametrize("sid", ["s01", "s02", "s03", "s04"])
def test_gradescope_results_match_the_spec_and_the_gradebook(tmp_path, bugset, reports, sid):
    rep = _by_id(reports, sid)
    path = tmp_path / sid / "results.json"
    gradescope.write_results(path, bugset, rep)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == gradescope.results_json(bugset, rep)
    assert _is_num(data["score"]) and _is_num(data["execution_time"]) and data["execution_time"] >= 0
    assert isinstance(data["output"], str) and data["output_format"] in FORMATS
    assert data["test_output_format"] in FORMATS and data["test_name_format"] in FORMATS
    assert data["visibility"] in VIS and data["stdout_visibility"] in VIS
    assert len(data["tests"]) == len(bugset.entries)
    for test, result in zip(data["tests"], rep.results):
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["name"], str) and result.exercise in test["name"]
        assert _is_num(test["score"]) and _is_num(test["max_score"])
        assert test["max_score"] == bugset.points_for(result.exercise)
        assert test["status"] == ("passed" if result.status == "pass" else "failed")
        assert test["output_format"] in FORMATS and test["visibility"] in VIS
        assert isinstance(test["output"], str) and test["output"]
        assert isinstance(test["number"], str) and isinstance(test["tags"], list)
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"])
    row = next(r for r in gradebook.gradebook_rows(bugset, reports)[2:] if r[:5] == gradebook.student_cells(rep.student))
    assert data["score"] == pytest.approx(float(row[-1]))


def test_gradescope_test_output_carries_the_feedback_messages(bugset, reports, graded):
    data = gradescope.results_json(bugset, _by_id(reports, "s03"))
    leak = data["tests"][0]["output"]
    v = graded[(LEAK, "suppressed")]
    for c in v["checks"]:
        if not c["passed"] and c["line"]:
            assert f"{v['file']}:{c['line']}" in leak
    assert "hides the symptom:" in leak and v["suppressions"][0]["location"] in leak
    assert data["tests"][0]["status"] == "failed" and data["tests"][0]["score"] == 0


def test_gradescope_rejects_unknown_visibility(bugset, reports):
    with pytest.raises(ValueError, match="visibility should be one of"):
        gradescope.results_json(bugset, reports[0], visibility="public")


# --- feedback.md / feedback.html -----------------------------------------------------------
def _visible(page: str) -> str:
    """The page's text as a reader sees it: without the line-break hints around ids."""
    return re.sub(r"<wbr>|<span class=\"nb\">|</span>", "", page)


def test_feedback_shows_messages_and_check_titles(tmp_path, bugset, reports, graded):
    rep = _by_id(reports, "s03")
    md_path, html_path = feedback.write_feedback(tmp_path, bugset, rep)
    assert md_path == tmp_path / "s03" / "feedback.md" and html_path == tmp_path / "s03" / "feedback.html"
    text, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    seen = _visible(page)
    assert "Week 3: leaks &amp; overflows" in text and "2026-12-01 23:59" in text
    assert f"{rep.total:g} / 15.5" in text
    for ex_id, kind in ((LEAK, "suppressed"), (SIG, "broken")):
        v = graded[(ex_id, kind)]
        for c in v["checks"]:
            title = check_title(c["name"])
            assert title != c["name"] and c["name"] not in seen  # people read titles, not names
            if not c["passed"]:
                if c["line"]:
                    assert f"({v['file']}:{c['line']})" in text and f"({v['file']}:{c['line']})" in seen
                assert f"✗ {title}" in text and f"**{title}**:" in text
            else:
                assert f"✓ {title}" in text
        # No command line: the page is read in a browser; the way forward is a file to open.
        assert "bughunt check" not in text + page and "bughunt hint" not in text + page
        assert f"{ex_id}/HINTS.md" in text
    sup = graded[(LEAK, "suppressed")]["suppressions"][0]
    assert f"**{suppression_title(sup['name'])}** hides the symptom: {sup['message']} ({sup['location']})" in text
    # Two FAIL badges in the overview table, two on the sections.
    assert text.count("**FAIL**") == 4 and page.count('<strong class="status fail">FAIL</strong>') == 4


def test_feedback_for_errors_missing_and_notes_but_never_flags(tmp_path, bugset, reports, graded):
    md_text, page = feedback.render_feedback(bugset, _by_id(reports, "s04"))
    assert "## 1. **ERROR**" in md_text and "## 2. **PASS**" in md_text
    assert "syntax error: invalid syntax; fix this before the exercise can be graded" in md_text
    assert "refused zip entry" in md_text and "refused zip entry" in page
    assert "variant handed out" not in md_text and "variant handed out" not in page
    missing_md, _ = feedback.render_feedback(bugset, _by_id(reports, "s02"))
    assert "## 2. **MISSING**" in missing_md and f"no file for {SIG} in the submission" in missing_md


def _outside_code_spans(markdown: str) -> str:
    """Markdown renderers escape code span content, so raw HTML is inert only there."""
    return re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", markdown)


def test_feedback_escapes_untrusted_text(bugset, reports):
    for sid in ("s01", "s04"):
        md_text, page = feedback.render_feedback(bugset, _by_id(reports, sid))
        assert "<script" not in page and "<script" not in _outside_code_spans(md_text)
    assert "<script" in md_text  # the file name, inside a code span: the check above is not vacuous
    _, page = feedback.render_feedback(bugset, _by_id(reports, "s01"))
    assert "Ada &lt;script&gt;alert(1)&lt;/script&gt;" in _visible(page)
    md_text, page = feedback.render_feedback(bugset, _by_id(reports, "s04"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py:63: syntax error" in _visible(page)  # a file name in a message
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in _visible(page)  # a note
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in md_text


def _reference_lines(ex_id: str) -> set[str]:
    """Lines only the reference fix has: what must never reach a student."""
    ex = exercise(ex_id)
    shipped = ex.path.read_text(encoding="utf-8")
    new = "".join(after for _before, after in load_grader(ex.grader_path).REFERENCE)
    lines = {ln.strip() for ln in new.splitlines() if ln.strip()}
    return {ln for ln in lines if ln not in shipped}


def test_feedback_never_shows_the_reference_fix(bugset, reports):
    secret = _reference_lines(LEAK) | _reference_lines(SIG)
    assert secret  # the test is vacuous if the fix only deletes
    for sid in ("s02", "s03"):  # failing students: their own files lack the fix
        md_text, page = feedback.render_feedback(bugset, _by_id(reports, sid))
        gs = json.dumps(gradescope.results_json(bugset, _by_id(reports, sid)), ensure_ascii=False)
        for line in secret:
            assert line not in md_text and line not in page and line not in gs, line
        src = load_grader(exercise(LEAK).grader_path)
        assert "REFERENCE" not in md_text and type(src).__name__ not in md_text


def test_feedback_refuses_an_unsafe_student_id(tmp_path, bugset, reports):
    rep = StudentReport(Student("../evil"), reports[0].results)
    with pytest.raises(ValueError, match="letters, digits"):
        feedback.write_feedback(tmp_path / "fb", bugset, rep)
    assert not (tmp_path / "evil").exists()


# --- Markdown / HTML helpers ---------------------------------------------------------------
def test_markdown_helpers_keep_text_literal():
    assert md("a_b *c* [x](javascript:y) <i> & |") == r"a\_b \*c\* \[x\](javascript:y) &lt;i&gt; &amp; \|"
    assert md("# not a heading") == r"\# not a heading" and md("1. not a list") == r"1\. not a list"
    assert md("two\nlines") == "two lines"
    assert md_code("a`b") == "``a`b``" and md_code("`x") == "`` `x ``"
    assert md_message("found `a<b` in `f`, not <b>") == "found `a<b` in `f`, not &lt;b&gt;"


# --- summary: hand-built reports with known answers ----------------------------------------
def _ex_result(ex_id, points, possible, status, checks=(), sups=(), reason="", duration=0.0, file="f.py"):
    if status == "missing":
        return ExerciseResult(ex_id, ex_id, possible, 0.0, "missing", None, reason)
    v = Verdict(ex_id, file, status, list(checks), list(sups), reason, duration)
    return ExerciseResult(ex_id, ex_id, possible, points, status, v.to_dict(), reason, file, duration)


FIT = Check("fit_on_training_rows", "static", False, "`scaler.fit` learns from every row", 12)
RUNS = Check("runs_on_hidden_data", "runtime", True, "runs on hidden data", root_cause=False)
WARN = Check("sigmoid_no_overflow", "runtime", False, "overflow | warning", None)
TRY = Suppression("try_except", "a try/except hides it", 30)
SETERR = Suppression("np_seterr", "np.seterr hides it", 3)
TIMEOUT = "f.py: your code did not finish within 20 seconds on the hidden data; look for a loop that never ends"
SYNTAX = "f.py:3: syntax error: invalid syntax; fix this before the exercise can be graded"
CRASH = "f.py: your code crashed the Python process (signal 11), for example through runaway recursion"


@pytest.fixture()
def hand_reports():
    A, B = LEAK, SIG
    return [
        StudentReport(Student("u1", "Una"), [
            _ex_result(A, 10, 10, "pass", [RUNS], duration=1.0), _ex_result(B, 10, 10, "pass", [RUNS], duration=4.0)]),
        StudentReport(Student("u2", "[bold]Vic[/bold]"), [
            _ex_result(A, 0, 10, "fail", [FIT, RUNS], [TRY], duration=2.0), _ex_result(B, 10, 10, "pass", [RUNS], duration=6.0)],
            notes=["refused zip entry ../x.py"], flags=["sigmoid/overflow-basic: carries the variant handed out to u1"]),
        StudentReport(Student("u3"), [
            _ex_result(A, 0, 10, "fail", [FIT, RUNS], [TRY], duration=3.0),
            _ex_result(B, 10, 10, "pass", [RUNS], duration=5.0)]),
        StudentReport(Student("u4"), [
            _ex_result(A, 0, 10, "error", reason=TIMEOUT, duration=10.0),
            _ex_result(B, 0, 10, "fail", [WARN, RUNS], [SETERR, TRY], duration=7.0)]),
        StudentReport(Student("u5"), [
            _ex_result(A, 0, 10, "error", reason=SYNTAX, duration=0.0),
            _ex_result(B, 0, 10, "missing", reason="no file")]),
        StudentReport(Student("u6"), [
            _ex_result(A, 5, 10, "fail", [FIT, RUNS], duration=2.5),
            _ex_result(B, 0, 10, "error", reason=CRASH, duration=0.5)]),
    ]


@pytest.fixture()
def even_set():
    return BugSet("tiny", "Tiny set", (SetEntry(exercise(LEAK), 10.0), SetEntry(exercise(SIG), 10.0)), "x")


def test_summary_numbers_on_known_reports(even_set, hand_reports):
    s = summary.build_summary(even_set, hand_reports)
    # totals: u1 20, u2 10, u3 10, u4 0, u5 0, u6 5
    assert (s.students, s.submitted, s.possible) == (6, 6, 20)
    assert (s.mean, s.median, s.minimum, s.maximum) == (7.5, 7.5, 0, 20)
    assert [b.count for b in s.histogram] == [2, 0, 1, 0, 0, 2, 0, 0, 0, 1]
    assert (s.histogram[0].low, s.histogram[0].high, s.histogram[-1].high) == (0, 2, 20)
    assert s.histogram[5].bar == "█" * summary.BAR_WIDTH and s.histogram[2].bar == "█" * (summary.BAR_WIDTH // 2)
    a, b = s.exercises
    assert (a.passed, a.failed, a.errors, a.missing, a.pass_rate) == (1, 3, 2, 0, pytest.approx(1 / 6, abs=1e-4))
    assert (b.passed, b.failed, b.errors, b.missing, b.pass_rate) == (3, 1, 1, 1, 0.5)
    assert (a.median_seconds, a.max_seconds) == (2.25, 10.0)  # 0, 1, 2, 2.5, 3, 10
    assert (b.median_seconds, b.max_seconds) == (5.0, 7.0)  # 0.5, 4, 5, 6, 7
    assert [e.exercise for e in s.slowest] == [SIG, LEAK]
    assert [(x.name, x.students, x.exercises) for x in s.suppressions] == [
        ("try_except", 3, [LEAK, SIG]), ("np_seterr", 1, [SIG])]
    assert [(c.exercise, c.check, c.students, c.root_cause) for c in s.failing_checks] == [
        (LEAK, "fit_on_training_rows", 3, True), (SIG, "sigmoid_no_overflow", 1, True)]
    assert [(g.kind, g.count, g.students, g.exercises) for g in s.errors] == [
        ("timeout", 1, ["u4"], [LEAK]), ("crash", 1, ["u6"], [SIG]), ("syntax", 1, ["u5"], [LEAK])]
    assert [(n.student, n.notes, n.flags) for n in s.notes] == [
        ("u2", ["refused zip entry ../x.py"], ["sigmoid/overflow-basic: carries the variant handed out to u1"])]


def test_summary_files_are_deterministic_and_carry_the_numbers(tmp_path, even_set, hand_reports):
    s = summary.build_summary(even_set, hand_reports)
    md_path, html_path, json_path = summary.write_summary(tmp_path / "a", even_set, s)
    shuffled = list(hand_reports)
    random.Random(3).shuffle(shuffled)
    summary.write_summary(tmp_path / "b", even_set, summary.build_summary(even_set, shuffled))
    for name in ("summary.md", "summary.html", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert "generated" not in data and data["mean"] == 7.5 and data["errors"][0]["kind"] == "timeout"
    text, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    assert "mean 7.5, median 7.5, min 0, max 20" in text and "mean 7.5, median 7.5, min 0, max 20" in page
    assert f"| {suppression_title('try_except')} | 3 |" in text and "try_except" not in text
    assert r"overflow \| warning" in text  # a pipe in a message cannot split the table cell
    assert "| timed out | 1 | u4 |" in text and "| syntax errors | 1 | u5 |" in text
    flag = "`u2` \\[bold\\]Vic\\[/bold\\]: sigmoid/overflow-basic: carries the variant handed out to u1"
    assert flag in text and text.index(flag) < text.index("## Exercises")  # flags come first
    assert "[bold]Vic[/bold]" in _visible(page)  # rich markup is just text in HTML
    stamped = summary.build_summary(even_set, hand_reports, generated="2026-12-02T09:00")
    summary.write_summary(tmp_path / "c", even_set, stamped)
    assert json.loads((tmp_path / "c" / "summary.json").read_text())["generated"] == "2026-12-02T09:00"
    assert "Generated: 2026-12-02T09:00" in (tmp_path / "c" / "summary.md").read_text()


def test_summary_html_escapes_names_and_notes(tmp_path, even_set, hand_reports):
    hand_reports[1].notes.append("<script>alert(3)</script>")
    hand_reports[1].student = Student("u2", "<img src=x onerror=alert(4)>")
    s = summary.build_summary(even_set, hand_reports)
    _, html_path, _ = summary.write_summary(tmp_path, even_set, s)
    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in _visible(page) and "&lt;img src=x onerror=alert(4)&gt;" in page


def test_summary_of_nobody(tmp_path, even_set):
    s = summary.build_summary(even_set, [])
    assert (s.students, s.mean, s.median) == (0, None, None)
    assert [b.count for b in s.histogram] == [0] * 10
    summary.write_summary(tmp_path, even_set, s)
    assert "0 students, 0 submitted" in (tmp_path / "summary.md").read_text()


def test_render_summary_prints_student_text_literally(even_set, hand_reports):
    console = Console(record=True, width=200, color_system=None)
    summary.render_summary(console, summary.build_summary(even_set, hand_reports))
    out = console.export_text()
    assert "[bold]Vic[/bold] (u2)" in out
    assert suppression_title("try_except") in out and "timed out" in out and "flag: sigmoid/overflow-basic" in out


def test_error_kinds_follow_the_grading_reasons():
    from bughunt.grading import _OUTCOME_REASONS

    values = {"t": 20, "mb": 2048, "kb": 64, "detail": "signal 9"}
    for kind in ("timeout", "memory", "flood", "crash", "exited"):
        reason = f"f.py: your code {_OUTCOME_REASONS[kind].format(**values)}"
        assert summary.error_kind(reason)[0] == kind, reason
    assert summary.error_kind(SYNTAX)[0] == "syntax"
    assert summary.error_kind("f.py: the grader itself failed (KeyError); please report this exercise")[0] == "grader"
    assert summary.error_kind("something new")[0] == "other"
