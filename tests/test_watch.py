"""`bughunt watch` driven through a pseudo-terminal: a save re-grades, a pass moves on,
h shows a hint, q quits."""
from __future__ import annotations

import os
import re
import select
import signal
import sys
import time

import pytest

from bughunt.grader import load_grader
from bughunt.workspace import init

from .conftest import ROOT, exercise

pty = pytest.importorskip("pty")

FIRST = exercise("sigmoid/overflow-basic")
SECOND = exercise("sigmoid/softmax-max")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB012]|\r")


class Screen:
    def __init__(self, fd: int):
        self.fd = fd
        self.seen = b""
        self.pos = 0  # where the next expect starts looking (the end of the last match)

    def text(self) -> str:
        return ANSI.sub(b"", self.seen).decode("utf-8", "replace")

    def expect(self, pattern: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        start = self.pos
        while True:
            tail = self.text()[start:]
            m = re.search(pattern, tail)
            if m:
                self.pos = start + m.end()
                return tail[: m.end()]
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not shown within {timeout}s; screen so far:\n{self.text()[-3000:]}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"watch ended before {pattern!r}; screen:\n{self.text()[-3000:]}")
                self.seen += chunk


def test_watch_regrades_on_save_moves_on_shows_hints_and_quits(tmp_path):
    ws = tmp_path / "ws"
    files = init(ws, [FIRST, SECOND])
    env = dict(os.environ, COLUMNS="100", LINES="40", TERM="xterm")
    env.pop("BUGHUNT_ROOT", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: bughunt watch inside the workspace
        try:
            os.chdir(ws)
            os.execve(sys.executable, [sys.executable, "-m", "bughunt.cli", "watch"], env)
        finally:
            os._exit(127)
    screen = Screen(fd)
    try:
        screen.expect(r"FAIL\s+sigmoid/overflow-basic")
        assert "0 / 2 done" in screen.text()
        screen.expect(r"\[h\] hint")
        os.write(fd, b"h")
        screen.expect(r"Hint 1/\d+")
        os.write(fd, b"l")
        screen.expect(r"2\s+sigmoid/softmax-max.*todo")
        os.write(fd, b"r")
        screen.expect(r"Reset sigmoid/overflow-basic")
        os.write(fd, b"n")
        screen.expect(r"Nothing changed")

        mine = files[FIRST.id]
        mine.write_text(load_grader(FIRST.grader_path).reference_example().apply(mine.read_text()))
        shown = screen.expect(r"FAIL\s+sigmoid/softmax-max")
        assert re.search(r"PASS\s+sigmoid/overflow-basic", shown) or "overflow-basic passes" in shown
        assert "1 / 2 done" in screen.text()
        assert "[" + "#" * 15 + "-" * 15 + "]" in screen.text()
        screen.expect(r"\[q\] quit")
        os.write(fd, b"q")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:
                select.select([fd], [], [], 0.2)
                os.read(fd, 65536)
            except OSError:
                pass
        else:
            raise AssertionError("watch did not quit on q")
        assert os.waitstatus_to_exitcode(status) == 0
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
