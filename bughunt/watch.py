"""`bughunt watch`: re-grade the current exercise on every save, move on when it passes.

Like Rustlings' watch mode: the screen shows the current exercise, its verdict and
"n / m done" with a progress bar; keys h (hint), l (list), r (reset), n (next), c (check
again) and q (quit). Grading goes through one warm fork server started up front (numpy,
scikit-learn and every exercise's probe already imported), and the static analysis stays
imported in this process, so a re-check costs little more than running the student's code.
"""
from __future__ import annotations

import os
import select
import sys
import threading
import time
from pathlib import Path

KEYS = "[h] hint  [l] list  [r] reset  [n] next  [c] check again  [q] quit"


class _Keys:
    """Single key presses from stdin, without waiting for Enter when stdin is a terminal."""

    def __init__(self, stream):
        self.stream = stream
        try:
            self.fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            self.fd = None
        self.saved = None
        self.closed = False

    def __enter__(self):
        if self.fd is not None and os.isatty(self.fd):
            try:
                import termios
                import tty

                self.saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd)
            except (ImportError, OSError):
                self.saved = None
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    def get(self, timeout: float = 0.0) -> str | None:
        if self.fd is None or self.closed:
            if timeout:
                time.sleep(timeout)
            return None
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except (OSError, ValueError):
            return None
        if not ready:
            return None
        data = os.read(self.fd, 1)
        if not data:
            self.closed = True  # stdin at end: keep watching files, stop reading keys
            return None
        return data.decode("utf-8", "replace")


def _bar(done: int, total: int, width: int = 30) -> str:
    filled = int(round(width * done / total)) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class Watcher:
    def __init__(self, ctx, start=None, console=None, stdin=None, runner=None):
        from rich.console import Console

        from .workspace import next_unfinished

        self.ctx = ctx
        self.console = console or Console(highlight=False)
        self.keys = _Keys(stdin if stdin is not None else sys.stdin)
        self.current = start or next_unfinished(ctx) or ctx.exercises[0]
        self.runner = runner
        self.box = None
        self.last = None

    # --- screen -------------------------------------------------------------------
    def header(self) -> None:
        from .resolve import relative
        from .workspace import done_count

        done, total = done_count(self.ctx)
        ex = self.current
        if self.console.is_terminal:
            self.console.clear()
        from rich.markup import escape

        self.console.print(f"[bold]bughunt watch[/]  {escape(_bar(done, total))}  {done} / {total} done")
        self.console.print(f"[bold]{ex.id}[/]: {ex.title} ({ex.difficulty})")
        self.console.print(f"[dim]edit {relative(self.ctx.file(ex))} and save; read {relative(self.ctx.file(ex).parent / 'README.md')}[/]")

    def footer(self) -> None:
        from rich.markup import escape

        self.console.print(f"[dim]{escape(KEYS)}[/]")

    def say(self, text: str) -> None:
        self.console.print(text)

    # --- actions ------------------------------------------------------------------
    def check(self) -> bool:
        from .report import print_verdict
        from .workspace import grade_file, record

        ex = self.current
        file = self.ctx.file(ex)
        self.header()
        self.say("[dim]checking...[/]")
        run = self.box.run if self.box is not None else self.runner
        v = grade_file(ex, file, runner=run)
        record(self.ctx, ex, file, v.status)
        self.last = v
        self.header()
        print_verdict(self.console, v)
        self.footer()
        return v.status == "pass"

    def advance(self) -> bool:
        """After a pass: the next unfinished exercise, or False when all are done."""
        from .workspace import done_count, next_unfinished

        nxt = next_unfinished(self.ctx, after=self.current)
        if nxt is None:
            done, total = done_count(self.ctx)
            self.say(f"[bold green]All {total} exercises pass ({done} / {total} done).[/] "
                     "`bughunt solution ID` shows each reference fix.")
            return False
        self.say(f"[green]{self.current.id} passes.[/] Next: [bold]{nxt.id}[/]")
        self.current = nxt
        return True

    def hint(self) -> None:
        from .workspace import take_hint

        ex = self.current
        i = take_hint(self.ctx, ex)
        if i is None:
            last = f" The last one: {ex.hints[-1]}" if ex.hints else ""
            self.say(f"No hints left for {ex.id} (all {len(ex.hints)} shown).{last}")
        else:
            last = " (this is the last hint)" if i == len(ex.hints) - 1 else ""
            self.say(f"Hint {i + 1}/{len(ex.hints)}{last}: {ex.hints[i]}")

    def show_list(self) -> None:
        from .report import exercise_table
        from .workspace import status

        rows = [(e.id, e.title, e.difficulty, ("> " if e is self.current else "") + status(self.ctx, e))
                for e in self.ctx.exercises]
        self.console.print(exercise_table(rows, width=self.console.width))
        self.footer()

    def reset(self) -> bool:
        from .resolve import relative
        from .workspace import WorkspaceError, reset

        self.say(f"Reset {self.current.id} to the shipped file (yours is backed up)? \\[y/N]")
        key = None
        while key is None and not self.keys.closed:
            key = self.keys.get(0.5)
        if key not in ("y", "Y"):
            self.say("Nothing changed.")
            return False
        try:
            backup = reset(self.ctx, self.current)
        except (WorkspaceError, OSError) as exc:
            self.say(f"[red]{exc}[/]")
            return False
        self.say(f"Restored. Your version is in {relative(backup)}." if backup else "Restored.")
        return True

    def skip(self) -> None:
        from .workspace import next_unfinished

        order = self.ctx.exercises
        nxt = next_unfinished(self.ctx, after=self.current) or order[(order.index(self.current) + 1) % len(order)]
        self.current = nxt

    # --- loop -----------------------------------------------------------------------
    def start_sandbox(self) -> None:
        if self.runner is not None:
            return
        try:
            from .sandbox.warm import WarmSandbox

            self.box = WarmSandbox()
        except Exception as exc:  # e.g. no fork server on this platform: grade cold
            self.say(f"[yellow]warm grading unavailable ({exc}); each check starts a fresh process[/]")
            self.box = None

    def close(self) -> None:
        if self.box is not None:
            self.box.close()
            self.box = None

    def run(self) -> int:
        import watchfiles

        self.say("[dim]starting the grader...[/]")
        self.start_sandbox()
        try:
            with self.keys:
                regrade = True
                while True:
                    if regrade:
                        regrade = False
                        if self.check():
                            if not self.advance():
                                return 0
                            time.sleep(0.3)
                            regrade = True
                            continue
                    action = self._wait(watchfiles)
                    if action == "quit":
                        return 0
                    if action in ("changed", "check"):
                        regrade = True
        finally:
            self.close()

    def _wait(self, watchfiles) -> str:
        """Block until the file is saved or a key asks for something."""
        file = self.ctx.file(self.current)
        stop = threading.Event()
        name = file.name

        def only_mine(_change, path: str) -> bool:
            return Path(path).name == name

        box: dict = {}

        def watcher():
            try:
                for changes in watchfiles.watch(file.parent, watch_filter=only_mine, stop_event=stop,
                                                debounce=100, step=50, rust_timeout=200, yield_on_timeout=False,
                                                raise_interrupt=False):
                    if changes:
                        box["changed"] = True
                        return
            except Exception as exc:  # pragma: no cover - a broken watcher must not hang the loop
                box["error"] = exc

        t = threading.Thread(target=watcher, daemon=True)
        t.start()
        try:
            while True:
                if "changed" in box:
                    return "changed"
                if "error" in box:
                    self.say(f"[red]file watching stopped ({box['error']}); press c to check[/]")
                    box.pop("error")
                key = self.keys.get(0.1)
                if key is None:
                    continue
                key = key.lower()
                if key == "q":
                    return "quit"
                if key == "h":
                    self.hint()
                elif key == "l":
                    self.show_list()
                elif key == "r":
                    if self.reset():
                        return "check"
                elif key == "n":
                    self.skip()
                    return "check"
                elif key == "c":
                    return "check"
        finally:
            stop.set()
            t.join(timeout=2)


def run(ctx, start=None) -> int:
    if not ctx.exercises:
        print("no exercises here", file=sys.stderr)
        return 2
    return Watcher(ctx, start).run()
