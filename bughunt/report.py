"""Render verdicts for a terminal (rich) or as JSON."""
from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .verdict import Verdict

_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold yellow"}
_MARK = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}


def print_verdict(console: Console, v: Verdict) -> None:
    console.print(
        f"[{_STYLE[v.status]}]{_MARK[v.status]:5}[/] [bold]{escape(v.exercise)}[/]  "
        f"[dim]{escape(v.file)}  score {v.score}/{v.max_score}  {v.duration:.1f}s[/]"
    )
    if v.status == "error":
        console.print(f"      {escape(v.reason)}")
        return
    if v.status == "fail":
        if not v.root_cause_fixed:
            hidden = " (the symptom is hidden, the bug is still there)" if v.suppressions else ""
            console.print(f"      [red]root cause not fixed[/]{hidden}")
        for line in v.lines():
            console.print(f"      - {escape(line)}")


def print_summary(console: Console, verdicts: list[Verdict]) -> None:
    counts = {s: sum(v.status == s for v in verdicts) for s in ("pass", "fail", "error")}
    console.print(
        f"\n{len(verdicts)} exercises: [green]{counts['pass']} passed[/], "
        f"[red]{counts['fail']} failed[/], [yellow]{counts['error']} errors[/]"
    )


def verdicts_json(verdicts: list[Verdict]) -> str:
    return json.dumps([v.to_dict() for v in verdicts], indent=2)


_SHORT = {"not checked": "todo", "edited since check": "edited"}


def exercise_table(rows: list[tuple[str, str, str, str]], width: int | None = None) -> Table:
    """One row per exercise, fitted to `width` columns. Ids are never cut: the title folds
    and then goes, then the difficulty; only a terminal narrower than an id folds it."""
    colours = {"pass": "green", "fail": "red", "error": "yellow"}
    width = width or 80
    id_w = max((len(r[0]) for r in rows), default=8)
    num_w = len(str(len(rows)))
    status_w = 6
    base = num_w + id_w + status_w + 2 * 3  # three gaps of two spaces
    show_diff = width >= base + 12
    show_title = width >= base + (12 if show_diff else 0) + 16
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False, padding=(0, 2, 0, 0))
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("exercise", no_wrap=width >= base, overflow="fold", min_width=min(id_w, max(8, width - num_w - status_w - 6)))
    if show_title:
        table.add_column("title", overflow="fold", ratio=1)
    if show_diff:
        table.add_column("difficulty", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for i, (ex_id, title, difficulty, status) in enumerate(rows, start=1):
        cells = [str(i), escape(ex_id)]
        if show_title:
            cells.append(escape(title))
        if show_diff:
            cells.append(difficulty)
        cells.append(f"[{colours.get(status, 'dim')}]{escape(_SHORT.get(status, status))}[/]")
        table.add_row(*cells)
    return table
