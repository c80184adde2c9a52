"""The report pages in headless Chromium, at a phone's width and a laptop's: nothing scrolls
sideways, the overview table comes first, the summary's flags are above the fold, the
histogram has one bar per bucket, ids stay on one line, and nothing is fetched.

Each page is served from a made-up http origin through Playwright's routing, so every
request the page makes passes through one handler: anything but the page itself fails the
test. A screenshot of each page and viewport is written to the test's tmp_path.
"""
from __future__ import annotations

import shutil

import pytest

from bughunt.batch import feedback, summary

from .test_reports import class_reports, fail_report, pass_report, refused_report, sample_set, sample_summary

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
ORIGIN = "http://report.invalid/"
VIEWPORTS = [(390, 800), (1280, 800)]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    bugset = sample_set()
    return {
        "feedback-pass": feedback.render_feedback(bugset, pass_report(bugset))[1],
        "feedback-fail": feedback.render_feedback(bugset, fail_report(bugset))[1],
        "feedback-refused": feedback.render_feedback(bugset, refused_report(bugset))[1],
        "summary-flags": summary.render_html(bugset, sample_summary(bugset)),
    }


def _open(browser, html: str, width: int, height: int, shot):
    """The page at ORIGIN in a fresh context; returns (page, requests other than the page)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    stray: list[str] = []

    def handle(route):
        if route.request.url == ORIGIN:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        else:
            stray.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    page = context.new_page()
    page.goto(ORIGIN, wait_until="load")
    page.screenshot(path=str(shot), full_page=True)
    return context, page, stray


LAYOUT = """() => {
  const doc = document.documentElement;
  const first = document.querySelector("table");
  const heads = [...first.querySelectorAll("th")].map(th => th.textContent.trim());
  const h2 = [...document.querySelectorAll("h2")];
  const attention = h2.find(h => h.textContent.trim() === "Needs your attention");
  const split = [...document.querySelectorAll(".nb")].filter(e => e.getClientRects().length > 1).map(e => e.textContent);
  const cellCode = [...document.querySelectorAll("td code")].filter(e => e.getClientRects().length > 1 && !e.querySelector("wbr")).map(e => e.textContent);
  const badges = [...document.querySelectorAll("strong.status")].map(e => getComputedStyle(e).backgroundColor);
  const bars = [...document.querySelectorAll("svg.histogram rect.bar")].map(r => Number(r.dataset.count));
  return {
    scrollWidth: doc.scrollWidth,
    firstTableFits: first.getBoundingClientRect().width <= first.parentElement.clientWidth,
    firstTableHeads: heads,
    firstTableTop: first.getBoundingClientRect().top + window.scrollY,
    firstH2Top: h2.length ? h2[0].getBoundingClientRect().top + window.scrollY : null,
    attentionTop: attention ? attention.getBoundingClientRect().top + window.scrollY : null,
    split, cellCode, badges, bars,
  };
}"""


@pytest.mark.parametrize("width,height", VIEWPORTS)
@pytest.mark.parametrize("name", ["feedback-pass", "feedback-fail", "feedback-refused", "summary-flags"])
def test_page_layout(browser, pages, tmp_path, name, width, height):
    context, page, stray = _open(browser, pages[name], width, height, tmp_path / f"{name}-{width}.png")
    try:
        facts = page.evaluate(LAYOUT)
    finally:
        context.close()
    assert (tmp_path / f"{name}-{width}.png").stat().st_size > 0
    assert stray == []  # nothing but the page itself was requested
    assert facts["scrollWidth"] <= width  # no sideways scrolling, even on a phone
    assert facts["split"] == [] and facts["cellCode"] == []  # ids are never broken at a hyphen
    assert facts["badges"] and "rgba(0, 0, 0, 0)" not in facts["badges"]  # status badges are coloured
    if name.startswith("feedback"):
        assert facts["firstTableHeads"] == ["#", "Exercise", "Result"]
        assert facts["firstTableFits"]  # a student sees every column without scrolling the table
        assert facts["firstTableTop"] < facts["firstH2Top"] and facts["firstTableTop"] < height
    else:
        assert "pass rate" in facts["firstTableHeads"]  # the per-exercise overview
        assert facts["attentionTop"] is not None and facts["attentionTop"] < height
        assert facts["attentionTop"] < facts["firstTableTop"]


def test_summary_histogram_has_one_bar_per_bucket(browser, tmp_path):
    bugset = sample_set()
    s = summary.build_summary(bugset, class_reports(bugset, 30))
    context, page, stray = _open(browser, summary.render_html(bugset, s), 1280, 800, tmp_path / "summary.png")
    try:
        facts = page.evaluate(LAYOUT)
        box = page.locator("svg.histogram").bounding_box()
        heights = page.eval_on_selector_all("svg.histogram rect.bar", "rs => rs.map(r => r.getBoundingClientRect().height)")
    finally:
        context.close()
    assert stray == []
    assert facts["bars"] == [b.count for b in s.histogram] and len(facts["bars"]) == 10
    assert box["width"] > 300 and box["height"] > 100  # drawn at a readable size
    tallest = max(range(10), key=lambda i: facts["bars"][i])
    assert heights[tallest] == max(heights) and all(h == 0 for h, c in zip(heights, facts["bars"]) if c == 0)
