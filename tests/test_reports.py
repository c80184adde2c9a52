"""Feedback and summary pages as people read them: one Markdown source and its HTML, check
titles instead of names, no command lines, hints only where something is left to fix, notes
on refused files for the student, flags (both sides of a copy) and unmatched submissions at
the top of the instructor's summary only, and student text that stays text.

The sample reports here are also what tests/test_report_pages.py renders in Chromium."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from bughunt.batch import charts, feedback, render, summary
from bughunt.batch.check_titles import CHECKS, SUPPRESSIONS, check_title, suppression_title
from bughunt.batch.model import ExerciseResult, Student, StudentReport
from bughunt.batch.shared import copier_flag, donor_flag
from bughunt.grader import load_grader
from bughunt.sets import BugSet, SetEntry
from bughunt.verdict import Check, Suppression, Verdict

from .conftest import EXERCISES, exercise

LEAK = "leakage/scaler-before-split"
SIG = "sigmoid/overflow-basic"
SHAPE = "shape_mismatch/transposed-output-weights"
RUNS = Check("runs_on_hidden_data", "runtime", True, "runs on hidden data", root_cause=False)
TIMEOUT = "your code did not finish within 20 seconds on the hidden data; look for a loop that never ends"
REFUSED_NOTES = [
    "not accepted: ../../escaped.py climbs out of its folder with '..'",
    "not accepted: link.py is a symbolic link; only regular files are extracted",
    "not accepted: extra.zip is an archive (.zip) inside the submission; archives are not opened, submit the .py files themselves",
]


# --- sample reports (shared with the browser tests) -----------------------------------------
def sample_set() -> BugSet:
    return BugSet(
        "week3", "Week 3: leaks & overflows",
        (SetEntry(exercise(LEAK), 10.0), SetEntry(exercise(SIG), 5.5), SetEntry(exercise(SHAPE), 4.0)),
        f"{LEAK} + {SIG} + {SHAPE}", due=dt.datetime(2026, 12, 1, 23, 59),
    )


def _path(ex_id: str) -> str:
    ex = exercise(ex_id)
    return f"{ex.category}/{ex.slug}/{ex.file}"


def result(bugset: BugSet, ex_id: str, status: str, file: str | None = None, message: str = "") -> ExerciseResult:
    """One exercise with a realistic verdict: a failing static and runtime check, a suppression."""
    ex, pts, file = exercise(ex_id), bugset.points_for(ex_id), file or _path(ex_id)
    if status == "missing":
        return ExerciseResult(ex_id, ex.title, pts, 0.0, "missing", None, f"no file for {ex_id} in the submission (expected {_path(ex_id)})")
    if status == "error":
        v = Verdict(ex_id, file, "error", reason=f"{file}: {TIMEOUT}", duration=20.0)
        return ExerciseResult(ex_id, ex.title, pts, 0.0, "error", v.to_dict(), v.reason, file, 20.0)
    g = load_grader(ex.grader_path)
    static = [c.name for c in g.static_checks()] or ["fit_on_training_rows"]
    if status == "pass":
        checks = [Check(static[0], "static", True, "proven right"), RUNS]
        v = Verdict(ex_id, file, "pass", checks, duration=1.5)
        return ExerciseResult(ex_id, ex.title, pts, pts, "pass", v.to_dict(), "", file, 1.5)
    checks = [
        Check(static[0], "static", False, message or f"Exercise {ex_id} should repair the cause; found `np.exp(-z)` in `sigmoid`", 12),
        RUNS,
        Check("training_works", "runtime", False, f"Exercise {ex_id} should still train on hidden data", root_cause=False),
    ]
    v = Verdict(ex_id, file, "fail", checks, [Suppression("warnings_filter", "`warnings.filterwarnings` hides warnings", 3)], duration=2.0)
    return ExerciseResult(ex_id, ex.title, pts, 0.0, "fail", v.to_dict(), "", file, 2.0)


def pass_report(bugset: BugSet) -> StudentReport:
    return StudentReport(Student("s001", "Ada Lovelace"), [result(bugset, e.exercise.id, "pass") for e in bugset.entries])


def fail_report(bugset: BugSet) -> StudentReport:
    return StudentReport(Student("s002", "Alan Turing"), [result(bugset, LEAK, "fail"), result(bugset, SIG, "error"), result(bugset, SHAPE, "missing")])


def refused_report(bugset: BugSet) -> StudentReport:
    return StudentReport(
        Student("s004", "Edsger Dijkstra"), [result(bugset, LEAK, "error"), result(bugset, SIG, "fail"), result(bugset, SHAPE, "pass")],
        notes=list(REFUSED_NOTES), flags=[copier_flag(SIG, "s005", "s004")],
    )


def class_reports(bugset: BugSet, n: int = 30, seed: int = 7) -> list[StudentReport]:
    """A class with every status, and copies: s(3k) hands in s(3k+1)'s variant of SIG."""
    rng = random.Random(seed)
    reports = []
    for i in range(1, n + 1):
        sid = f"s{i:03d}"
        statuses = [rng.choice(("pass", "pass", "fail", "error", "missing")) for _ in bugset.entries]
        results = [result(bugset, e.exercise.id, st) for e, st in zip(bugset.entries, statuses)]
        notes = list(REFUSED_NOTES[:2]) if i % 10 == 4 else []
        reports.append(StudentReport(Student(sid, f"Student {i}"), results, notes))
    by_id = {r.student.id: r for r in reports}
    for i in range(3, n, 3):
        copier, donor = f"s{i:03d}", f"s{i + 1:03d}"
        by_id[copier].flags.append(copier_flag(SIG, donor, copier))
        by_id[donor].flags.append(donor_flag(SIG, donor, copier))
    return reports


UNMATCHED = [("smith_j_late.zip", "no roster student matches the name 'J Smith'"), ("0042", "Canvas user 42 is not on the roster")]
REFUSED = [("/tmp/bughunt-absolute-s004.py", "is an absolute path (starts with / or \\\\server)"), ("s004/link.py", "is a symbolic link")]


def sample_summary(bugset: BugSet, n: int = 30) -> summary.Summary:
    return summary.build_summary(bugset, class_reports(bugset, n), unmatched=UNMATCHED, refused=REFUSED)


def visible(page: str) -> str:
    """The page without the line-break hints render.py puts around ids."""
    return re.sub(r"<wbr>|<span class=\"nb\">|</span>", "", page)


# --- check titles ------------------------------------------------------------------------------
def test_every_check_and_suppression_a_grader_reports_has_a_title():
    names, suppressions = set(), set()
    for ex in EXERCISES:
        g = load_grader(ex.grader_path)
        names |= {c.name for c in g.static_checks()}
        suppressions |= set(g.suppression_names)
        for example in g.FAIL:
            names |= set(example.fails)
    assert len(names) > 40 and "runs_on_hidden_data" in names  # the scan found the graders' checks
    assert sorted(n for n in names if n not in CHECKS and n not in SUPPRESSIONS) == []
    assert sorted(n for n in suppressions if n not in SUPPRESSIONS) == []
    for title in CHECKS.values():
        assert "_" not in title and title[:1].isupper(), title
    for title in SUPPRESSIONS.values():  # a construct may be named by its code: np.seterr
        assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", title) and title not in CHECKS, title


def test_an_unknown_name_still_reads_as_words():
    assert check_title("brand_new_check") == "Brand new check"
    assert suppression_title("np_seterr") == "np.seterr" and check_title("fit_on_training_rows") != "fit_on_training_rows"


# --- feedback ----------------------------------------------------------------------------------
def test_feedback_opens_with_an_overview_table():
    bugset = sample_set()
    md_text, page = feedback.render_feedback(bugset, fail_report(bugset))
    table = md_text.index("| # | Exercise | Result |")
    assert table < md_text.index("## 1.")
    assert f"| 1 | `{LEAK}` | **FAIL** 0\u00a0/\u00a010 |" in md_text
    assert f"| 3 | `{SHAPE}` | **MISSING** 0\u00a0/\u00a04 |" in md_text
    assert page.index("<table>") < page.index("<h2>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_a_full_pass_never_mentions_hints():
    bugset = sample_set()
    md_text, page = feedback.render_feedback(bugset, pass_report(bugset))
    assert "hint" not in md_text.lower() and "hint" not in page.lower()
    assert md_text.count("Every check passes") == 3
    md_text, page = feedback.render_feedback(bugset, fail_report(bugset))
    assert f"`{exercise(LEAK).category}/{exercise(LEAK).slug}/HINTS.md`" in md_text  # failed: hints offered
    assert md_text.count("HINTS.md") == 2  # the FAIL and the ERROR, not the MISSING


def test_no_command_line_in_any_page():
    bugset = sample_set()
    for report in (pass_report(bugset), fail_report(bugset), refused_report(bugset)):
        md_text, page = feedback.render_feedback(bugset, report)
        for text in (md_text, page):
            assert "bughunt " not in text and "--file" not in text
    page = summary.render_html(bugset, sample_summary(bugset))
    assert "bughunt " not in page


def test_checks_read_as_titles_never_as_names():
    bugset = sample_set()
    md_text, page = feedback.render_feedback(bugset, fail_report(bugset))
    assert "✗ Training and prediction still work" in md_text and "✓ Runs on the hidden data" in md_text
    assert "**A warnings filter** hides the symptom: `warnings.filterwarnings` hides warnings" in md_text
    for name in ("runs_on_hidden_data", "training_works", "warnings_filter", "fit_on_training_rows"):
        assert name not in md_text and name not in page


def test_refused_files_are_in_the_students_feedback_and_flags_are_not():
    bugset = sample_set()
    report = refused_report(bugset)
    md_text, page = feedback.render_feedback(bugset, report)
    notes = md_text.index("## About your hand-in")
    assert md_text.index("| # | Exercise") < notes < md_text.index("## 1.")
    for note in REFUSED_NOTES:
        assert f"- {note}" in md_text and f"<li>{note}</li>" in visible(page)
    assert "handed out to" not in md_text and "handed out to" not in page


HOSTILE_ID = "_x_+evil@-"
HOSTILE_NAME = '<img src=x onerror=alert(1)> **PASS** [link](https://evil.example/) ![i](https://evil.example/i.png)'
HOSTILE_FILE = "leakage/<script>alert(2)</script>*a*|b|`t`.py"
HOSTILE_MESSAGE = (
    "# heading\n```chart histogram\n<iframe src=https://evil.example/></iframe> **FAIL** _em_ "
    "<https://evil.example/> [x](javascript:alert(3)) | cell |"
)


def _hostile(bugset: BugSet) -> StudentReport:
    return StudentReport(
        Student(HOSTILE_ID, HOSTILE_NAME),
        [result(bugset, LEAK, "fail", file=HOSTILE_FILE, message=HOSTILE_MESSAGE), result(bugset, SIG, "pass"), result(bugset, SHAPE, "missing")],
        notes=[f"not accepted: {HOSTILE_FILE} is a symbolic link", HOSTILE_MESSAGE],
    )


def _assert_inert(page: str) -> None:
    body = page[page.index("<body>"):]
    for tag in ("<script", "<img", "<iframe", "<a ", "<em>", "<figure", "<h1>#"):
        assert tag not in body, tag
    assert not re.search(r"<[a-z]+[^>]*\s(src|href|on\w+)=", body)  # no attribute that loads or runs
    assert "https://evil.example" in visible(body)  # shown as text, so the check above is not vacuous


def test_student_text_cannot_inject_markdown_or_html_into_feedback():
    bugset = sample_set()
    md_text, page = feedback.render_feedback(bugset, _hostile(bugset))
    _assert_inert(page)
    assert page.count("<h1>") == 1 and page.count("<h2>") == 4  # notes and three exercises: its own only
    # Badges: the overview's three and the sections' three; "**PASS**" in a name is text.
    assert len(re.findall(r'<strong class="status \w+">', page)) == 6
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in visible(page) and "**PASS**" in visible(page)
    assert page.count("<tr>") == 1 + 3  # a pipe in a file name cannot split a row into cells


def test_student_text_cannot_inject_markdown_or_html_into_the_summary():
    bugset = sample_set()
    reports = class_reports(bugset, 6) + [_hostile(bugset)]
    reports[-1].flags.append(HOSTILE_MESSAGE)
    s = summary.build_summary(bugset, reports, unmatched=[(HOSTILE_FILE, HOSTILE_MESSAGE)], refused=[(HOSTILE_FILE, HOSTILE_MESSAGE)])
    page = summary.render_html(bugset, s)
    _assert_inert(page.replace('<figure class="chart">', "", 1))  # the one real chart
    assert page.count("<figure") == 1 and page.count("<svg") == 1


# --- summary -----------------------------------------------------------------------------------
def test_summary_puts_unmatched_and_both_sides_of_a_copy_first():
    bugset = sample_set()
    md_text = summary.render_markdown(bugset, sample_summary(bugset))
    attention = md_text[md_text.index("## Needs your attention") : md_text.index("## Exercises")]
    assert md_text.index("## Needs your attention") < md_text.index("## Exercises")
    assert "- `smith_j_late.zip`: no roster student matches the name 'J Smith'" in attention
    assert "- `0042`: Canvas user 42 is not on the roster" in attention
    assert "- `s003` Student 3: sigmoid/overflow-basic: the file carries the variant handed out to s004, not the one handed to s003" in attention
    assert "- `s004` Student 4: sigmoid/overflow-basic: s004's own variant was handed in by s003 too" in attention
    assert "not accepted" not in attention  # zip notes have their own section, further down
    assert md_text.index("## Notes on hand-ins") > md_text.index("## Students")


def test_summary_without_anything_to_report_says_so():
    bugset = sample_set()
    s = summary.build_summary(bugset, [pass_report(bugset)])
    assert "Nothing: every submission matched a student and no file was flagged." in summary.render_markdown(bugset, s)


def test_summary_has_a_per_student_table_and_every_refused_entry():
    bugset = sample_set()
    s = sample_summary(bugset)
    md_text = summary.render_markdown(bugset, s)
    assert "| student | name | total | 1 | 2 | 3 | flags |" in md_text
    rows = [line for line in md_text.splitlines() if re.match(r"\| `s\d{3}` \|", line)]
    assert len(rows) == 30 and len(s.rows) == 30
    for row, report in zip(rows, sorted(class_reports(bugset), key=lambda r: r.student.id)):
        statuses = [feedback.LABELS[r.status] for r in report.results]
        assert row.startswith(f"| `{report.student.id}` | Student {int(report.student.id[1:])} | {summary.num(report.total)} | ")
        assert re.findall(r"\*\*(\w+)\*\*", row) == statuses
    assert "| `/tmp/bughunt-absolute-s004.py` | is an absolute path" in md_text


def test_histogram_is_one_svg_bar_per_bucket():
    bugset = sample_set()
    s = sample_summary(bugset)
    svg = charts.histogram_svg(s.histogram)
    counts = [int(c) for c in re.findall(r'<rect class="bar" data-count="(\d+)"', svg)]
    assert counts == [b.count for b in s.histogram] and sum(counts) == 30
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg)]
    top = max(counts)
    assert [round(h / max(heights) * top) for h in heights] == counts  # bar heights follow the counts
    page = summary.render_html(bugset, s)
    assert page.count('<rect class="bar"') == len(s.histogram) and "```" not in page
    md_text = summary.render_markdown(bugset, s)
    assert "```chart histogram\n" + charts.histogram_text(s.histogram) + "\n```" in md_text


def test_summary_first_table_is_the_exercise_overview():
    bugset = sample_set()
    page = summary.render_html(bugset, sample_summary(bugset))
    first = page[page.index("<table>") : page.index("</table>")]
    assert "pass rate" in first and f"<code>{LEAK.split('/')[0]}/<wbr>" in first


def test_html_is_the_markdown_rendered():
    bugset = sample_set()
    md_text, page = feedback.render_feedback(bugset, fail_report(bugset))
    assert render.markdown_html(md_text) in page
    s = sample_summary(bugset)
    svg = charts.histogram_svg(s.histogram, summary._histogram_caption(s))
    assert render.markdown_html(summary.render_markdown(bugset, s), {"histogram": svg}) in summary.render_html(bugset, s)


def test_ids_are_kept_whole_and_break_only_after_a_slash():
    html = render.markdown_html("see `shape_mismatch/transposed-output-weights/network.py` and held-out rows\n")
    assert '<code>shape_mismatch/<wbr><span class="nb">transposed-output-weights</span>/<wbr>network.py</code>' in html
    assert '<span class="nb">held-out</span>' in html
    assert "<wbr>" not in render.markdown_html("**PASS** 12\u00a0/\u00a012\n")  # points stay together


def test_only_data_urls_and_the_svg_namespace_appear():
    bugset = sample_set()
    pages = [feedback.render_feedback(bugset, r)[1] for r in (pass_report(bugset), fail_report(bugset))]
    pages.append(summary.render_html(bugset, sample_summary(bugset)))
    for page in pages:
        urls = set(re.findall(r"[a-z]+://[^\s\"'<>]+", page))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls
        assert "default-src 'none'" in page  # the Content-Security-Policy forbids any fetch


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_classes_render(n):
    bugset = sample_set()
    s = summary.build_summary(bugset, class_reports(bugset, n))
    page = summary.render_html(bugset, s)
    assert page.count('<rect class="bar"') == len(s.histogram)
