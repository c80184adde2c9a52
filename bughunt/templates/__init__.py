"""The Jinja environment behind feedback and summaries, and the filters that keep untrusted text inert.

File names, student names, notes and messages that quote student code are untrusted.
Reports are written as Markdown, which has no autoescape, so every interpolated value goes
through `md` (plain text), `md_code` (a code span) or `md_message` (a verdict message whose
`backtick` spans are kept as code). Their HTML is that Markdown rendered
(bughunt.batch.render) inside page.html.j2, the one HTML template, which is autoescaped.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
# Backslash escapes are CommonMark's way to make punctuation literal; <, > and & become
# entities instead, because not every Markdown renderer honours a backslash before them.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BLOCK_START = re.compile(r"^(?:[#+=-]|\d{1,9}[.)])")


def one_line(text) -> str:
    """Messages are one line: a newline inside one would break the list it sits in."""
    return " ".join(str(text).split())


def _escape(text: str) -> str:
    text = "".join(_MD_ENTITIES.get(ch, ch) for ch in text)
    return _MD_PUNCT.sub(r"\\\1", text)


def _inline(text: str) -> str:
    """Text that starts like a block (heading, quote, list item) would become one after "- "."""
    if m := _BLOCK_START.match(text):
        i = m.end() - 1
        return text[:i] + "\\" + text[i:]
    return text


def md(text) -> str:
    """Plain text, rendered literally by any Markdown renderer."""
    return _inline(_escape(one_line(text)))


def md_code(text) -> str:
    """A code span that holds any text, backticks included (CommonMark: the fence is one
    backtick longer than the longest run inside)."""
    text = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _message(text, table: bool) -> str:
    text = one_line(text)
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_escape(text[pos : m.start()]))
        # In a GFM table a pipe ends the cell even inside a code span unless escaped.
        out.append(m.group(0).replace("|", "\\|") if table else m.group(0))
        pos = m.end()
    out.append(_escape(text[pos:]))
    return _inline("".join(out))


def md_message(text) -> str:
    """A verdict message: `code` spans stay code (renderers never interpret HTML inside them),
    everything between them is escaped."""
    return _message(text, table=False)


def md_cell(text) -> str:
    """md_message for a table cell."""
    return _message(text, table=True)


def md_code_cell(text) -> str:
    return md_code(text).replace("|", "\\|")


def num(value) -> str:
    """Points and seconds as plain numbers: at most two decimals, no trailing zeros."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(fraction) -> str:
    return f"{round(float(fraction) * 100):d}%"


def when(value) -> str:
    """A due date or date-time as written in the set file, without a 'T'."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bughunt", "templates"),
        # Template names end in .html.j2: "html" alone would match only names ending in .html.
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        md=md, md_code=md_code, md_message=md_message, md_cell=md_cell, md_code_cell=md_code_cell, num=num, percent=percent, when=when
    )
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


__all__ = ["environment", "render", "md", "md_code", "md_message", "md_cell", "md_code_cell", "num", "percent", "when", "one_line"]
