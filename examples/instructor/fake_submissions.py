"""Make a fake class hand-in from an `bughunt assign` output, to try `bughunt grade` before
real students do: an LMS-style zip with one folder per student.

    python fake_submissions.py ASSIGN_OUT submissions.zip   (written by `bughunt example instructor DIR`)

Students cycle through six kinds, by their position in the roster:
  fixed      every exercise repaired (the fixed variant the instructor bundle holds)
  suppressed the broken file with its warnings silenced: the symptom hidden, the bug kept
  partial    the first exercise repaired, the rest handed in untouched
  hostile    an infinite loop, an exit at import, and zip entries that try to escape
             (../, an absolute path, a symlink, a nested archive, a zip bomb)
  absent     no submission at all
  copied     another student's repaired files (their variant, not this student's)
It prints which student got which kind, so the gradebook can be checked by eye.
"""
from __future__ import annotations

import io
import json
import stat
import sys
import zipfile
from pathlib import Path

KINDS = ("fixed", "suppressed", "partial", "hostile", "absent", "copied")
SILENCE = 'import warnings\nwarnings.filterwarnings("ignore")\nimport numpy as _np\n_np.seterr(all="ignore")\n'


def _after_docstring(text: str, insert: str) -> str:
    """Insert code after the module docstring, so the file still starts with it."""
    if text.startswith('"""'):
        end = text.index('"""', 3) + 3
        return text[:end] + "\n" + insert + text[end:]
    return insert + text


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int = stat.S_IFREG | 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 12, 0, 0))
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def main(assign_out: Path, target: Path) -> dict[str, str]:
    instructor = assign_out / "instructor"
    assignment = json.loads((instructor / "assignment.json").read_text())
    students = sorted(s for s in assignment["students"] if s != "all")
    kinds = {sid: KINDS[i % len(KINDS)] for i, sid in enumerate(students)}
    with zipfile.ZipFile(target, "w") as zf:
        for i, sid in enumerate(students):
            kind = kinds[sid]
            bundle = assign_out / "students" / sid
            rels = [entry["file"] for entry in assignment["students"][sid].values()]
            for n, rel in enumerate(rels):
                broken = (bundle / rel).read_text()
                fixed = (instructor / "solutions" / sid / rel).read_text()
                if kind == "absent":
                    continue
                if kind == "fixed" or (kind == "partial" and n == 0):
                    text = fixed
                elif kind == "suppressed":
                    text = _after_docstring(broken, SILENCE)
                elif kind == "hostile":
                    text = _after_docstring(broken, "while True:\n    pass\n" if n == 0 else "import sys\nsys.exit(0)\n")
                elif kind == "copied":
                    donor = students[(i + 1) % len(students)]
                    text = (instructor / "solutions" / donor / rel).read_text()
                else:
                    text = broken
                _add(zf, f"{sid}/{rel}", text.encode())
            if kind == "hostile":
                _add(zf, f"{sid}/../../escaped.py", b"print('outside')\n")
                _add(zf, f"/tmp/bughunt-absolute-{sid}.py", b"print('absolute')\n")
                _add(zf, f"{sid}/link.py", b"/etc/passwd", mode=stat.S_IFLNK | 0o777)
                inner = io.BytesIO()
                with zipfile.ZipFile(inner, "w") as nested:
                    nested.writestr("more.py", "print('nested')\n")
                _add(zf, f"{sid}/extra.zip", inner.getvalue())
                _add(zf, f"{sid}/bomb.txt", b"\0" * (64 << 20))
    return kinds


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    chosen = main(Path(sys.argv[1]), Path(sys.argv[2]))
    for sid, kind in chosen.items():
        print(f"{sid}\t{kind}")
