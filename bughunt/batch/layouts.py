"""Which student each file of a class export belongs to, and under which name.

Three layouts, recognised per top-level entry (so a hand-made zip may mix them):
- a folder per student (`s001/leakage/scaler-before-split/pipeline.py`), possibly wrapped in one top folder;
- Moodle "download all submissions": a folder `Full Name_<id>_assignsubmission_<plugin>_/` per student and
  plugin, or (Moodle < 3.1, "download as folders" off) flat files `Full Name_<id>_assignsubmission_file_<name>`.
  Moodle's mod/assign/locallib.php builds the prefix as clean_filename(fullname with "_" turned into " "
  + "_" + participant id), then "_" + "assignsubmission" + "_" + plugin + "_".
- Canvas "download submissions": flat files `<name>[_late]_<userid>_<attachmentid>_<original name>`, where
  Canvas' content_zipper.rb builds `<name>` from the sortable name ("Last, First") with every non-word
  character removed and everything lower-cased (so "late" may appear as "LATE" in older exports), and text
  or URL entries end in `_text.html` / `_link.html` without an attachment id. A re-uploaded file keeps the
  `-1`, `-2` suffix Canvas gave it before the extension.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .safezip import Refusal, printable, split_path

MOODLE_DIR = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[A-Za-z0-9]+)_$")
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[A-Za-z0-9]+)_(?P<rest>.+)$")
_DUPLICATE = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[^.]+)?$")
_WORD = re.compile(r"^\w*$")
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_.@+-]+")
_MAX_WRAPPERS = 3


@dataclass(frozen=True)
class CanvasName:
    name: str  # lower-case "lastfirst", "" when the export is anonymous
    late: bool
    user_id: str
    attachment_id: str  # "" for text / URL entries
    original: str


def parse_canvas(filename: str) -> CanvasName | None:
    """Split a Canvas export file name; None when it does not follow Canvas' naming.

    Canvas drops the underscores around digit runs in names ("a_12_b" -> "a12b"), so the first
    all-digit token is the user id."""
    tokens = filename.split("_")
    for i, tok in enumerate(tokens):
        if not (tok.isascii() and tok.isdigit()) or i + 1 >= len(tokens):
            continue
        before, after = tokens[:i], tokens[i + 1:]
        late = bool(before) and before[-1].lower() == "late"
        if late:
            before = before[:-1]
        name = "_".join(before)
        if not _WORD.match(name):
            return None
        attachment = ""
        if len(after) >= 2 and after[0].isascii() and after[0].isdigit():
            attachment, after = after[0], after[1:]
        original = "_".join(after)
        return CanvasName(name, late, tok, attachment, original) if original else None
    return None


def strip_duplicate_suffix(name: str) -> str:
    """'pipeline-1.py' -> 'pipeline.py' (Canvas numbers re-uploads of the same name)."""
    m = _DUPLICATE.match(name)
    return f"{m.group('stem')}{m.group('ext') or ''}" if m else name


def safe_key(text: str) -> str:
    """A folder-safe student key: [A-Za-z0-9_.@+-], starting with a letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = _UNSAFE_KEY.sub("_", ascii_text)
    key = re.sub(r"^[^A-Za-z0-9]+", "", key)[:100].rstrip("._-+@")
    return key or "student"


@dataclass
class Item:
    rel: str  # path relative to the input (zip root or submissions folder)
    home: str  # the folder the student owns in the input ("" or the wrapper for flat exports)


@dataclass
class Group:
    """One student's submission as found in the input."""

    ident: tuple  # what makes two entries the same student's
    kind: str  # "folder" | "moodle" | "canvas"
    label: str  # how the input names this student (folder name, Moodle or Canvas prefix)
    key: str  # default student key when no roster entry claims it
    name: str = ""  # person's name as the LMS wrote it
    lms_id: str = ""  # Moodle participant id / Canvas user id
    late: bool = False
    home: str = ""  # the student's folder in the input, relative to it ("" or the wrapper when flat)
    files: dict[str, Item] = field(default_factory=dict)  # logical path in the student's tree -> Item
    refused: list[tuple[str, str]] = field(default_factory=list)  # (logical path, reason)
    notes: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> list[str]:
        """Identifiers a roster may know this student by. Moodle's number is a per-assignment
        participant id, not a user id, so a Moodle submission is matched by name alone."""
        if self.kind == "folder":
            return [self.label]
        return [self.lms_id] if self.kind == "canvas" else []


@dataclass
class Layout:
    groups: list[Group]
    wrapper: str  # leading folders every path shared and that were not students ("" if none)
    strays: list[Refusal]


def _parts(path: str) -> list[str] | None:
    """Components for attributing a path to a student, even for refused names ('s1/../x' is s1's)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or parts[0] == ".." or path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return None
    return parts


def _is_flat_lms(name: str) -> bool:
    return bool(MOODLE_FILE.match(name) or parse_canvas(name))


def _wrapper(paths: list[list[str]], exercise_dirs: set[str]) -> int:
    """How many leading folders shared by every path are wrappers rather than a student's folder."""
    depth = 0
    for _ in range(_MAX_WRAPPERS):
        rest = [p[depth:] for p in paths]
        if not rest or any(len(p) < 2 for p in rest):
            break
        if len({p[0] for p in rest}) != 1 or MOODLE_DIR.match(rest[0][0]):
            break
        # A single student's own bundle ("s001/leakage/...") must stay a student folder.
        if {p[1].casefold() for p in rest} & exercise_dirs:
            break
        # Students' folders sit one level down (a loose README beside them becomes a stray), or the
        # wrapped export is a flat Canvas/Moodle one.
        if not (any(len(p) >= 3 for p in rest) or all(_is_flat_lms(p[1]) for p in rest)):
            break
        depth += 1
    return depth


def detect(files: list[str], refused: list[Refusal], exercise_dirs: set[str]) -> Layout:
    """Group `files` (posix paths relative to the input) by student; `refused` entries become notes
    of the student they belong to. `exercise_dirs`: category and slug names, lower-cased."""
    exercise_dirs = {d.casefold() for d in exercise_dirs}
    file_parts = [(f, _parts(f)) for f in sorted(files)]
    usable = [p for _, p in file_parts if p]
    depth = _wrapper(usable, exercise_dirs)
    wrapper_parts = usable[0][:depth] if depth else []
    wrapper = "/".join(wrapper_parts)

    def inner(parts: list[str] | None) -> list[str] | None:
        if parts is None or parts[:depth] != wrapper_parts or len(parts) <= depth:
            return None
        return parts[depth:]

    refused_parts = [(r, inner(_parts(r.entry))) for r in refused]
    # Canvas exports are flat: any folder among the extracted files means they are not one. Refused
    # names only count when nothing was accepted, so one odd entry cannot turn a Canvas export into strays.
    basis = [inner(p) for _, p in file_parts] if file_parts else [p for _, p in refused_parts]
    has_dirs = any(p is not None and len(p) > 1 for p in basis)

    groups: dict[tuple, Group] = {}
    strays: list[Refusal] = []

    def place(parts: list[str]) -> tuple[Group, str, str] | None:
        """(group, logical path, home) for a path below the wrapper, or None for a stray."""
        top = parts[0]
        if len(parts) >= 2 and not has_dirs:
            # Only refused names reach here in a flat export: give them to the Canvas student they name.
            spot = place([top])
            return (spot[0], "/".join([spot[1], *parts[1:]]), spot[2]) if spot else None
        if len(parts) >= 2:
            home = "/".join(wrapper_parts + [top])
            m = MOODLE_DIR.match(top)
            if m:
                ident = ("moodle", m["name"], m["id"])
                label = f"{m['name']}_{m['id']}"
                group = groups.get(ident) or Group(ident, "moodle", label, safe_key(label), m["name"], m["id"],
                                                   home=home)
                if m["plugin"] == "file":  # the uploaded files, rather than e.g. online text
                    group.home = home
            else:
                ident = ("folder", top)
                group = groups.get(ident) or Group(ident, "folder", top, safe_key(top), home=home)
            groups[ident] = group
            return group, "/".join(parts[1:]), home
        m = MOODLE_FILE.match(top)
        if m:
            ident = ("moodle", m["name"], m["id"])
            label = f"{m['name']}_{m['id']}"
            group = groups.get(ident) or Group(ident, "moodle", label, safe_key(label), m["name"], m["id"],
                                               home=wrapper)
            groups[ident] = group
            return group, m["rest"], wrapper
        canvas = None if has_dirs else parse_canvas(top)
        if canvas:
            ident = ("canvas", canvas.name, canvas.user_id)
            label = f"{canvas.name}_{canvas.user_id}" if canvas.name else canvas.user_id
            group = groups.get(ident) or Group(ident, "canvas", label, safe_key(label), canvas.name,
                                               canvas.user_id, home=wrapper)
            group.late = group.late or canvas.late
            groups[ident] = group
            return group, canvas.original, wrapper
        return None

    for rel, parts in file_parts:
        parts = inner(parts)
        spot = place(parts) if parts else None
        if spot is None:
            strays.append(Refusal(printable(rel), "is not inside a student's folder and does not follow "
                                                  "Canvas or Moodle naming; ignored"))
            continue
        group, logical, home = spot
        clean, why = split_path(logical)
        if clean is None:
            group.refused.append((printable(logical), why))
            strays.append(Refusal(printable(rel), why))
            continue
        logical = "/".join(clean)
        if logical in group.files:
            group.notes.append(f"{printable(rel)} was ignored: {printable(group.files[logical].rel)} "
                               f"already gives {printable(logical)}")
            continue
        group.files[logical] = Item(rel, home)

    for refusal, parts in refused_parts:
        spot = place(parts) if parts else None
        if spot is not None:
            group, logical, _ = spot
            group.refused.append((printable(logical), refusal.reason))

    for group in groups.values():
        if group.kind == "canvas":
            _strip_canvas_suffixes(group)
    ordered = sorted(groups.values(), key=lambda g: (g.label, g.ident))
    return Layout(ordered, wrapper, strays)


def _strip_canvas_suffixes(group: Group) -> None:
    """Give re-uploaded files back their name ('pipeline-1.py' -> 'pipeline.py') unless that would
    merge two different uploads; then both keep their Canvas names and the student is told."""
    wanted: dict[str, list[str]] = {}
    for logical in group.files:
        wanted.setdefault(strip_duplicate_suffix(logical), []).append(logical)
    names: dict[str, str] = {}  # Canvas name -> name in the student's tree
    for target, sources in sorted(wanted.items()):
        if len(sources) == 1:
            names[sources[0]] = target
            continue
        names.update((s, s) for s in sources)
        group.notes.append(f"several uploads share the name {printable(target)} "
                           f"({', '.join(printable(s) for s in sorted(sources))}); each kept its own name")
    if len(set(names.values())) != len(names):  # 'a-1-1.py' -> 'a-1.py' next to a kept 'a-1.py'
        names = {s: s for s in group.files}
    group.files = dict(sorted((names[s], item) for s, item in group.files.items()))
