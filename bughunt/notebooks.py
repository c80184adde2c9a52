"""Notebook submissions: an exercise written as an `.ipynb`, and a notebook turned back into
the Python file the graders read.

`to_script(path)` joins the code cells into one script, line for line: IPython magics
(`%matplotlib inline`, `%%time`, `!pip install ...`, `x?`) are commented out rather than
dropped, so every script line maps to one notebook line. `locate(line_map, n)` names
script line `n` as "cell N, line M" (cells counted from 1 in notebook order, markdown
cells included, as a student sees them when scrolling).
"""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

NB_SUFFIX = ".ipynb"
_MAGIC = re.compile(r"^\s*(%|!)")
_HELP = re.compile(r"^\s*[\w.]+\?{1,2}\s*$|^\s*\?{1,2}[\w.]+\s*$")


class NotebookError(Exception):
    pass


def is_notebook(path: Path | str) -> bool:
    return str(path).lower().endswith(NB_SUFFIX)


def _cells(path: Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotebookError(f"{path}: cannot read the notebook ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise NotebookError(f"{path}: not a valid notebook (not JSON: {exc})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{path}: not a valid notebook (no list of cells)")
    return cells


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def to_script(path: Path | str) -> tuple[str, list[tuple[int, int]]]:
    """(script text, line_map): line_map[i] is (cell number, line in cell) of script line i+1."""
    out: list[str] = []
    line_map: list[tuple[int, int]] = []
    for number, cell in enumerate(_cells(Path(path)), start=1):
        if cell.get("cell_type") != "code":
            continue
        lines = _source(cell).splitlines()
        cell_magic = bool(lines) and lines[0].lstrip().startswith("%%")
        for i, line in enumerate(lines, start=1):
            if cell_magic or _MAGIC.match(line) or _HELP.match(line):
                line = "# (magic) " + line
            out.append(line)
            line_map.append((number, i))
        out.append("")  # cells end with a blank line, mapped to the cell's end
        line_map.append((number, len(lines) + 1))
    return "\n".join(out) + "\n", line_map


def locate(line_map: list[tuple[int, int]], line: int | None) -> str:
    """"cell N, line M" for script line `line` (1-based)."""
    if not line or line < 1 or line > len(line_map):
        return f"line {line}" if line else "the notebook"
    cell, in_cell = line_map[line - 1]
    return f"cell {cell}, line {in_cell}"


def _blocks(text: str) -> list[str]:
    """A script cut into cells: at `# %%` markers if it has them, else before every
    top-level statement that follows a blank line (so imports, each function and the main
    block get a cell of their own)."""
    lines = text.splitlines()
    if any(line.startswith("# %%") for line in lines):
        blocks, cur = [], []
        for line in lines:
            if line.startswith("# %%"):
                if cur:
                    blocks.append(cur)
                cur = []
                continue
            cur.append(line)
        blocks.append(cur)
    else:
        blocks = [lines[a:b] for a, b in zip([0, *_cuts(text, lines)], [*_cuts(text, lines), len(lines)])]
    out = []
    for b in blocks:
        while b and not b[0].strip():
            b = b[1:]
        while b and not b[-1].strip():
            b = b[:-1]
        if b:
            out.append("\n".join(b))
    return out


def _cuts(text: str, lines: list[str]) -> list[int]:
    """0-based line indexes where a new cell starts: each top-level statement that follows a
    blank line (with the comments and decorators just above it)."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    cuts = []
    for node in tree.body[1:]:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        if start > 0 and not lines[start - 1].strip():
            cuts.append(start)
    return sorted(set(cuts))


def from_script(text: str, title: str | None = None, intro: str | None = None) -> str:
    """A notebook (JSON text, nbformat 4) holding `text` as code cells, after a markdown cell."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    if title or intro:
        nb.cells.append(nbformat.v4.new_markdown_cell("\n\n".join(x for x in (f"# {title}" if title else "", intro or "") if x)))
    for block in _blocks(text):
        nb.cells.append(nbformat.v4.new_code_cell(block))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):  # stable ids: the same exercise gives the same file
        cell["id"] = f"cell-{i + 1}"
    return nbformat.writes(nb) + "\n"


class Converted:
    """A notebook written out as a script in a private temporary folder; a context manager."""

    def __init__(self, notebook: Path | str, name: str | None = None):
        self.notebook = Path(notebook)
        self.text, self.line_map = to_script(self.notebook)
        self._tmp = tempfile.TemporaryDirectory(prefix="bughunt-nb-")
        self.path = Path(self._tmp.name) / (name or (self.notebook.stem + ".py"))
        self.path.write_text(self.text, encoding="utf-8")

    def __enter__(self) -> "Converted":
        return self

    def __exit__(self, *exc) -> None:
        self._tmp.cleanup()

    def locate(self, line: int | None) -> str:
        return locate(self.line_map, line)


def remap_verdict(verdict, conv: Converted, shown: str):
    """Point a verdict graded on the converted script at the notebook: every `file:line`
    (in messages, reasons and each check's or suppression's location) becomes
    `file, cell N, line M`. `line` fields keep the script's numbering."""
    from .verdict import Verdict

    pattern = re.compile(re.escape(shown) + r":(\d+)")
    at_line = re.compile(r"\b(at|on) line (\d+)\b")

    def fix(text: str) -> str:
        text = pattern.sub(lambda m: f"{shown}, {conv.locate(int(m.group(1)))}", text or "")
        return at_line.sub(lambda m: f"{m.group(1)} {conv.locate(int(m.group(2)))}", text)

    class NotebookVerdict(Verdict):
        def where(self, line):
            return f"{self.file}, {locate(line_map, line)}" if line else self.file

    line_map = list(conv.line_map)
    for c in verdict.checks:
        c.message = fix(c.message)
    for s in verdict.suppressions:
        s.message = fix(s.message)
    verdict.reason = fix(verdict.reason)
    verdict.file = shown
    verdict.__class__ = NotebookVerdict
    return verdict


__all__ = ["NotebookError", "Converted", "from_script", "is_notebook", "locate", "remap_verdict", "to_script"]
