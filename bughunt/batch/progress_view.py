"""Live progress for a batch: a rich bar with pass/fail/error counts on a terminal, and one
plain log line per graded exercise otherwise (CI logs, `| tee`, cron mail)."""
from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class BatchProgress:
    def __init__(self, total: int, console: Console, already: int = 0):
        self.total = total
        self.console = console
        self.done = already
        self.counts: Counter = Counter()
        self.live = console.is_terminal
        self._bar = None

    def _fields(self) -> str:
        c = self.counts
        return f"[green]{c['pass']} pass[/] [red]{c['fail']} fail[/] [yellow]{c['error']} error[/]"

    def __enter__(self) -> "BatchProgress":
        if self.live:
            self._bar = Progress(
                TextColumn("grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("grading", total=self.total, completed=self.done, counts=self._fields())
        return self

    def advance(self, status: str, label: str, seconds: float) -> None:
        self.done += 1
        self.counts[status] += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, counts=self._fields())
        else:
            self.console.print(f"[{self.done}/{self.total}] {label}: {status} ({seconds:.2f} s)", markup=False)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
