"""Markdown report -> self-contained HTML page: one source for feedback.md and feedback.html
(and the summary), so the two can never say different things.

The Markdown comes from the templates, where every value a student controls is already
escaped for Markdown (bughunt.templates.md and friends). markdown-it-py then renders it with
raw HTML off, and with links, images and autolinks off too: a report links nowhere and loads
nothing, so even text that slipped past the escaping could not reach the network. The page
shell carries its CSS inline and a Content-Security-Policy that forbids any fetch.

Three things only the HTML adds, all keyed to our own Markdown, never to student text:
- `**PASS**` (and FAIL, ERROR, MISSING) becomes a coloured badge;
- a fenced block with the info string `chart <name>` becomes the SVG the caller built for
  <name> (the Markdown keeps the fence's text chart for terminal readers);
- tables sit in a horizontally scrolling box, and ids and paths are kept whole: a line may
  break after a "/" but never inside "overflow-basic" at its hyphen.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from ..templates import render

STATUS_CLASSES = {"PASS": "pass", "FAIL": "fail", "ERROR": "error", "MISSING": "missing"}
CHART_INFO = "chart"
# A word (a run of non-space characters) with a hyphen or slash: an id, a path, "held-out".
# Each part between slashes that has a hyphen is kept on one line, and a break is allowed
# after each slash; a part longer than _MAX_UNBROKEN is left breakable, or it would push a
# phone's page sideways. A lone "/" or "-" (as in "12 / 12") is left alone.
_WORD = re.compile(r"\S+")
_MAX_UNBROKEN = 40


def _keep_whole(text: str) -> str:
    """Escaped HTML for `text`; id-like words in nowrap spans, with a break allowed after '/'."""
    out, pos = [], 0
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not ("-" in word or "/" in word) or not word.strip("/-"):
            continue
        out.append(escapeHtml(text[pos : m.start()]))
        out.append("/<wbr>".join(
            f'<span class="nb">{escapeHtml(p)}</span>' if "-" in p and len(p) <= _MAX_UNBROKEN else escapeHtml(p)
            for p in word.split("/")
        ))
        pos = m.end()
    out.append(escapeHtml(text[pos:]))
    return "".join(out)


def _text(self, tokens, idx, options, env) -> str:
    return _keep_whole(tokens[idx].content)


def _code_inline(self, tokens, idx, options, env) -> str:
    return f"<code>{_keep_whole(tokens[idx].content)}</code>"


def _strong_open(self, tokens, idx, options, env) -> str:
    nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
    after = tokens[idx + 2] if idx + 2 < len(tokens) else None
    if nxt is not None and nxt.type == "text" and after is not None and after.type == "strong_close":
        css = STATUS_CLASSES.get(nxt.content)
        if css:
            return f'<strong class="status {css}">'
    return "<strong>"


def _fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    info = token.info.split()
    charts = (env or {}).get("charts", {})
    if len(info) == 2 and info[0] == CHART_INFO and info[1] in charts:
        return f'<figure class="chart">{charts[info[1]]}</figure>\n'
    return f"<pre><code>{escapeHtml(token.content)}</code></pre>\n"


def _table_open(self, tokens, idx, options, env) -> str:
    return '<div class="table">' + self.renderToken(tokens, idx, options, env)


def _table_close(self, tokens, idx, options, env) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable(["link", "image", "autolink", "reference", "html_inline", "html_block"])
    for name, rule in (
        ("text", _text), ("code_inline", _code_inline), ("strong_open", _strong_open),
        ("fence", _fence), ("table_open", _table_open), ("table_close", _table_close),
    ):
        md.add_render_rule(name, rule)
    return md


def markdown_html(markdown: str, charts: dict[str, str] | None = None) -> str:
    """The body HTML for `markdown`. `charts` maps a chart name to trusted SVG markup."""
    return parser().render(markdown, {"charts": dict(charts or {})})


def page(markdown: str, title: str, charts: dict[str, str] | None = None) -> str:
    """A whole HTML page (inline CSS, nothing fetched) whose content is `markdown`."""
    return render("page.html.j2", title=title, body=Markup(markdown_html(markdown, charts)))


__all__ = ["CHART_INFO", "STATUS_CLASSES", "markdown_html", "page", "parser"]
