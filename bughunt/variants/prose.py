"""An exercise's README and hints, made true to the file a student was handed.

The texts are written for the library: they quote `exercises/<category>/<slug>/<file>` paths,
the shipped file's local names, and what the shipped program prints. In a bundle the file
sits at `<category>/<slug>/<file>`, and a variant has renamed locals, moved lines and other
data. So, in Markdown:

- paths lose their `exercises/` prefix;
- in code (inline spans, Python blocks, the code lines a warning or traceback quotes) a name
  the variant renamed away is replaced by its new name; a name still in the file stays;
- in program output (a fenced block with no language), the `file:line` of warnings and
  tracebacks are looked up in the variant; when the variant's data differ from the shipped
  file's (new seeds or sizes), every printed number is replaced by `…`, except the labels
  of iterations, epochs, folds and dims, and a note says why. Numbers are never guessed.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

DROPPED = "…"
NOTE = (
    "Your copy of the program works on its own data, so the numbers it prints are its own: "
    f"they are shown as {DROPPED} below. Run it to see them."
)

_PATH = re.compile(r"(?<![\w/.-])exercises/(?=[A-Za-z0-9_-]+/[A-Za-z0-9_.-]+)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)\s*$")
_WARNING = re.compile(r"^(?P<path>\S+\.py):(?P<line>\d+): (?P<rest>\w*Warning: .*)$")
_FRAME = re.compile(r'^(?P<indent>\s*)File "(?P<path>[^"]+)", line (?P<line>\d+)(?P<rest>, in .*)$')
_CARETS = re.compile(r"^\s*[~^]+\s*$")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_ARRAY = re.compile(r"\[[\s\d.,eE+\-naif\[\]]*\]")  # a printed numpy array (nan and inf included)
_LABEL = re.compile(r"(?:iteration|epoch|fold|dim)s?\s*$", re.I)  # what the number after it counts


@dataclass
class Handout:
    """What the prose must match: the student's file (None: the shipped file itself), the
    renames it carries (old -> new), and whether its data differ from the shipped file's."""

    text: str | None = None
    renames: dict = field(default_factory=dict)
    new_data: bool = False

    def __post_init__(self):
        self._words = set(_WORD.findall(self.text)) if self.text is not None else set()
        self._lines = self.text.splitlines() if self.text is not None else []

    def name(self, old: str) -> str:
        """What the student's file calls `old`: its new name only if the old one is gone."""
        new = self.renames.get(old)
        return new if new is not None and old not in self._words else old

    def find_line(self, code: str, function: str | None) -> tuple[int, str, list] | None:
        """The student's line that `code` (a line of the shipped file) became: the one line
        (inside `function`, when given and several match) whose tokens are those of `code`,
        each name either kept or renamed (and, with new data, any number changed). Returns
        (line number, the line stripped, the column changes as `_rename_code` gives them)."""
        want = _tokens(code.strip())
        if not want or self.text is None:
            return None
        shape = _shape(code.strip(), self.new_data)
        hits = []
        for lineno, line in enumerate(self._lines, start=1):
            if _shape(line.strip(), self.new_data) != shape:
                continue
            shifts = self._align(want, _tokens(line.strip()))
            if shifts is not None:
                hits.append((lineno, line.strip(), shifts))
        if len(hits) > 1 and function:
            hits = [h for h in hits if self._function_at(h[0]) == function]
        return hits[0] if len(hits) == 1 else None

    def _align(self, want: list, have: list) -> list | None:
        if len(want) != len(have):
            return None
        shifts = []
        for (kind, old, at), (_kind, new, _at) in zip(want, have):
            if old == new:
                continue
            renamed = kind == tokenize.NAME and self.renames.get(old) == new
            if not (renamed or (self.new_data and kind == tokenize.NUMBER and _kind == tokenize.NUMBER)):
                return None
            shifts.append((at, len(old), len(new)))
        return shifts

    def _function_at(self, lineno: int) -> str | None:
        line = self._lines[lineno - 1]
        indent = len(line) - len(line.lstrip())
        for above in reversed(self._lines[: lineno - 1]):
            stripped = above.lstrip()
            depth = len(above) - len(stripped)
            if stripped and not stripped.startswith("#") and depth < indent:
                found = re.match(r"(?:async\s+)?def\s+(\w+)", stripped)
                if found:
                    return found.group(1)
                indent = depth
        return "<module>"


def rewrite_markdown(text: str, handout: Handout) -> str:
    """`text` (an exercise's README or hints) made true to `handout`."""
    text = _PATH.sub("", text)
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    prose: list[str] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            prose.append(lines[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence.group(2)), None)
        if end is None:  # an unclosed fence: prose to the end, as Markdown renders it
            prose += lines[i:]
            break
        body = lines[i + 1:end]
        language = fence.group(3).lower()
        if language in ("python", "py", "python3"):
            body = [_rename_code(line, handout)[0] for line in body]
        elif not language:
            body, dropped = _output(body, handout)
            if dropped:
                prose.append(NOTE + "\n\n")
        out.append(_spans("".join(prose), handout))
        prose = []
        out += [lines[i], *body, lines[end]]
        i = end + 1
    out.append(_spans("".join(prose), handout))
    return "".join(out)


def _spans(prose: str, handout: Handout) -> str:
    return _SPAN.sub(lambda m: m.group(1) + _rename_code(m.group(2), handout)[0] + m.group(1), prose)


def _rename_code(code: str, handout: Handout) -> tuple[str, list[tuple[int, int, int]]]:
    """`code` with its names as the student's file has them; also (position, old length, new
    length) of each change, to move column markers. Attribute names are never renamed, nor is anything in
    a string or comment."""
    edits: list[tuple[int, int, str]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = None
    if tokens is not None:
        starts = [0]
        for line in code.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        previous = None
        for tok in tokens:
            if tok.type == tokenize.NAME and not (previous is not None and previous.string == "."):
                new = handout.name(tok.string)
                if new != tok.string:
                    at = starts[tok.start[0] - 1] + tok.start[1]
                    edits.append((at, at + len(tok.string), new))
            if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT):
                previous = tok
    else:  # not Python (prose in backticks, a fragment): names alone, never after a dot or in quotes
        for m in _WORD.finditer(code):
            before = code[: m.start()]
            if before.endswith(".") or before.count('"') % 2 or before.count("'") % 2:
                continue
            new = handout.name(m.group())
            if new != m.group():
                edits.append((m.start(), m.end(), new))
    out, at, shifts = [], 0, []
    for start, end, new in edits:
        out += [code[at:start], new]
        shifts.append((start, end - start, len(new)))
        at = end
    return "".join(out) + code[at:], shifts


def _tokens(code: str) -> list[tuple[int, str, int]]:
    """(type, text, column) of the code tokens of one line; a line cut from a longer
    statement (an open bracket) gives the tokens up to where it stops."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING) and tok.start[0] == 1:
                out.append((tok.type, tok.string, tok.start[1]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def _shape(code: str, numbers: bool) -> str:
    """`code` with every name (and, if `numbers`, every number) blanked: lines that differ
    only there may be the same line renamed."""
    code = _WORD.sub("_", code)
    return _NUMBER.sub("0", code) if numbers else code


def _moved(column: int, shifts: list[tuple[int, int, int]]) -> int:
    """Where a column of the original line is after the renames (at, old length, new length)."""
    delta = 0
    for at, old, new in shifts:
        if at + old <= column:
            delta += new - old
        elif at < column:  # inside a renamed name
            return at + delta + min(column - at, new)
        else:
            break
    return column + delta


def _move_markers(markers: str, shifts: list[tuple[int, int]]) -> str:
    """A traceback's ~~~^^^ line under a code line whose names changed length."""
    out = [" "] * _moved(len(markers), shifts)
    for column, mark in enumerate(markers):
        if mark != " ":
            start, end = _moved(column, shifts), _moved(column + 1, shifts)
            out[start:end] = [mark] * (end - start)
    return "".join(out).rstrip()


def _output(body: list[str], handout: Handout) -> tuple[list[str], bool]:
    """A program's output, as the student's program prints it."""
    out: list[str] = []
    dropped = False
    i = 0
    while i < len(body):
        line = body[i]
        i += 1
        if line.startswith("$ "):
            out.append(line)
            continue
        warning, frame = _WARNING.match(line.rstrip("\n")), _FRAME.match(line.rstrip("\n"))
        if (warning or frame) and i < len(body) and handout.text is not None:
            shown = body[i].rstrip("\n")
            prefix = shown[: len(shown) - len(shown.lstrip())]
            found = handout.find_line(shown, frame.group("rest")[len(", in "):] if frame else None)
            if found is not None:
                where, code, shifts = found
                number, code = str(where), prefix + code
                shifts = [(len(prefix) + at, old, new) for at, old, new in shifts]
            else:  # not found for sure: the names as the file most likely has them, no line number
                number = DROPPED
                code, shifts = _rename_code(shown, handout)
            if warning:
                out.append(f"{warning.group('path')}:{number}: {warning.group('rest')}\n")
            else:
                out.append(f'{frame.group("indent")}File "{frame.group("path")}", line {number}{frame.group("rest")}\n')
            out.append(code + "\n")
            i += 1
            if i < len(body) and _CARETS.match(body[i]):
                out.append(_move_markers(body[i].rstrip("\n"), shifts) + "\n")
                i += 1
            continue
        if handout.new_data and not (warning or frame):
            new = _drop_numbers(line)
            dropped |= new != line
            line = new
        out.append(line)
    return out, dropped


def _drop_numbers(line: str) -> str:
    line = _ARRAY.sub(lambda m: f"[{DROPPED}]" if re.search(r"\d|nan|inf", m.group()) else m.group(), line)
    return _NUMBER.sub(lambda m: m.group() if _LABEL.search(line[: m.start()]) else DROPPED, line)


__all__ = ["DROPPED", "NOTE", "Handout", "rewrite_markdown"]
