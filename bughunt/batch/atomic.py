"""Write files so that a reader, or a run killed half-way, never sees a partial file.

Modes follow the umask, as `cp` or an editor would: with the usual 022 an output is 0644 and a
folder 0755, so a course's staff can share the results on a server. `private_files()` narrows
the umask to 077 for the length of a command (`bughunt grade --private`): everything it
creates is then 0600 / 0700. Temporary files start owner-only (mkstemp) and get their final
mode just before they are renamed into place, so no half-written file is ever readable by others.

The rename alone makes a write atomic for readers and against a killed process. `durable`
(the default) also fsyncs before the rename, so the file survives a power cut: for what a
rerun cannot make again (a bundle, a grading secret). Batch grading's outputs pass
durable=False: a rerun rewrites every report, and a stored result damaged by a power cut
fails to parse and is regraded. Their fsyncs were a tenth of a small class's grading time.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

#: what a private run (and the grading secret, always) gives files and folders
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700
_UMASK_LINE = re.compile(r"^Umask:\s*([0-7]+)\s*$", re.M)


def current_umask() -> int:
    """The process umask. Linux reports it in /proc; elsewhere it is read by setting and
    restoring it (which a concurrent file creation in another thread could observe)."""
    try:
        m = _UMASK_LINE.search(Path("/proc/self/status").read_text())
    except OSError:
        m = None
    if m:
        return int(m.group(1), 8)
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def file_mode(executable: bool = False) -> int:
    """The mode a new file gets under the current umask (0644, or 0755 when executable, with 022)."""
    return (0o777 if executable else 0o666) & ~current_umask()


@contextmanager
def private_files(enabled: bool = True):
    """While active, every file and folder this process (and the processes it starts) creates
    is readable by its owner only. Does nothing when `enabled` is False."""
    if not enabled:
        yield
        return
    old = os.umask(0o077)
    os.umask(old | 0o077)
    try:
        yield
    finally:
        os.umask(old)


def write_bytes(path: Path, data: bytes, mode: int | None = None, durable: bool = True) -> None:
    """Write `data` to `path` atomically. `mode`: an exact mode (e.g. PRIVATE_FILE for a secret);
    by default the umask's, like any newly created file. `durable`: fsync before the rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), file_mode() if mode is None else mode)
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text(path: Path, text: str, mode: int | None = None, durable: bool = True) -> None:
    write_bytes(path, text.encode("utf-8"), mode, durable)


def write_json(path: Path, data, mode: int | None = None, durable: bool = True) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n", mode, durable)
