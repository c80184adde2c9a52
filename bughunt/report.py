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


def exercise_table(rows: list[tuple[str, str, str, str]]) -> Table:
    table = Table("exercise", "title", "difficulty", "status")
    colours = {"pass": "green", "fail": "red", "error": "yellow"}
    for ex_id, title, difficulty, status in rows:
        table.add_row(ex_id, title, difficulty, f"[{colours.get(status, 'dim')}]{status}[/]")
    return table
