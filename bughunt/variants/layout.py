"""A variant as edits to the shipped text, not as a rebuilt tree.

Every transform decides on the shipped file's own libcst tree (parsed once per exercise) and
records what it changes: a name or a number replaced, sibling statements (or the names of
one import) put in another order. `Draft.render` then writes the variant by splicing the
shipped text. That gives the same text libcst would print for the transformed tree (libcst
prints every node exactly as parsed), at a fraction of the cost of rebuilding the tree
once per pass and per student.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

from .syntax import find


@dataclass(frozen=True)
class Chunk:
    """Where a statement sits: [start, lead_end) are its leading blank/comment lines,
    [lead_end, end) its own lines (indentation and trailing newline included)."""

    start: int
    lead_end: int
    end: int


def _offsets(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


class Layout:
    """The positions of a parsed module's nodes in its text, and the labels (`_code` texts)
    of its statements; nothing here depends on a key."""

    def __init__(self, module: cst.Module):
        self.module = module
        self.text = module.code
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # positions keyed by this very tree's nodes
        self._syntactic = wrapper.resolve(PositionProvider)
        self._inclusive = wrapper.resolve(WhitespaceInclusivePositionProvider)
        self._lines = _offsets(self.text)
        self._labels: dict[int, tuple[cst.CSTNode, str, list]] = {}
        self.derived: dict[str, object] = {}  # what the passes work out once per tree (reorder's blocks)

    def _at(self, pos) -> int:
        return self._lines[pos.line - 1] + pos.column

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        rng = self._syntactic[node]
        return self._at(rng.start), self._at(rng.end)

    def chunk(self, stmt: cst.CSTNode) -> Chunk:
        rng, own = self._inclusive[stmt], self._syntactic[stmt]
        return Chunk(self._at(rng.start), self._lines[own.start.line - 1], self._at(rng.end))

    def label(self, stmt: cst.CSTNode) -> tuple[str, list]:
        """The statement's text without its leading lines, printed at no indentation and
        stripped (what reorder's `_code` gives), and where each name and integer in it sits:
        (text, [(start, end, node)])."""
        cached = self._labels.get(id(stmt))
        if cached is not None and cached[0] is stmt:
            return cached[1], cached[2]
        bare = stmt.with_changes(leading_lines=()) if hasattr(stmt, "leading_lines") else stmt
        alone = cst.Module(body=[bare])  # the children are this tree's nodes, so positions map back to them
        code = alone.code
        positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
        lines = _offsets(code)
        cut = len(code) - len(code.lstrip())
        holes = []
        for node in find(stmt, cst.Name, cst.Integer):  # the same nodes as in `bare` (leading lines hold none)
            rng = positions[node]
            start = lines[rng.start.line - 1] + rng.start.column - cut
            holes.append((start, start + len(node.value), node))
        text = code.strip()
        self._labels[id(stmt)] = (stmt, text, holes)
        return text, holes


@dataclass
class _Op:
    start: int
    end: int
    text: str | None = None  # a replacement; None for a permutation
    slots: list = field(default_factory=list)  # permutation: Chunk per position, in source order
    items: list = field(default_factory=list)  # permutation: the Chunk that goes to each slot
    slot_lead: list = field(default_factory=list)  # permutation: per slot, keep the slot's leading lines
    inner: list = field(default_factory=list)  # ops inside this permutation, in source order


class Draft:
    """One text being made for one key: the shipped tree (through its layout), the names the
    renames give, the numbers replaced, and the reorderings so far."""

    def __init__(self, layout: Layout, names: dict[int, tuple[cst.Name, str]]):
        self.layout = layout
        self.module = layout.module
        self.names = names  # id(name node) -> (node, new name)
        self.literals: dict[int, tuple[cst.CSTNode, str]] = {}
        self._moves: list[_Op] = []

    def name_of(self, node: cst.Name) -> str:
        hit = self.names.get(id(node))
        return node.value if hit is None else hit[1]

    def replace(self, node: cst.CSTNode, text: str) -> None:
        """Print `text` for `node` (an integer literal)."""
        self.literals[id(node)] = (node, text)

    def code(self, stmt: cst.CSTNode) -> str:
        """`_code` of the statement as the variant has it so far (names and numbers replaced)."""
        text, holes = self.layout.label(stmt)
        out, at = [], 0
        for start, end, node in holes:
            new = self.names.get(id(node)) or self.literals.get(id(node))
            if new is not None:
                out += [text[at:start], new[1]]
                at = end
        return "".join(out) + text[at:] if out else text

    def permute(self, slots: list[cst.CSTNode], items: list[cst.CSTNode], slot_lead: list[bool]) -> None:
        """Put items[k] where slots[k] was (the same statements in another order); where
        slot_lead[k], it takes the slot's leading lines, otherwise it keeps its own."""
        chunks = {id(s): self.layout.chunk(s) for s in slots}
        placed = [chunks[id(s)] for s in slots]
        for a, b in zip(placed, placed[1:]):
            if a.end != b.start:  # pragma: no cover - statements of one block always tile
                raise ValueError("the statements to reorder are not adjacent")
        self._moves.append(_Op(placed[0].start, placed[-1].end, slots=placed,
                               items=[chunks[id(i)] for i in items], slot_lead=list(slot_lead)))

    def permute_spans(self, nodes: list[cst.CSTNode], order: list[cst.CSTNode]) -> None:
        """Put the text of order[k] where nodes[k] was (what lies between them stays)."""
        spans = {id(n): self.layout.span(n) for n in nodes}
        slots = [Chunk(s, s, e) for s, e in (spans[id(n)] for n in nodes)]
        items = [Chunk(s, s, e) for s, e in (spans[id(n)] for n in order)]
        self._moves.append(_Op(slots[0].start, slots[-1].end, slots=slots, items=items, slot_lead=[False] * len(slots)))

    def render(self) -> str:
        ops = [_Op(*self.layout.span(node), text=new) for node, new in (*self.names.values(), *self.literals.values())]
        ops += self._moves
        ops.sort(key=lambda op: (op.start, -op.end))
        top: list[_Op] = []
        stack: list[_Op] = []
        for op in ops:
            while stack and op.start >= stack[-1].end:
                stack.pop()
            if stack:
                if op.end > stack[-1].end:  # pragma: no cover - edits nest by construction
                    raise ValueError("overlapping edits")
                stack[-1].inner.append(op)
            else:
                top.append(op)
            if op.text is None:
                stack.append(op)
        return self._render(self.layout.text, 0, len(self.layout.text), top)

    def _render(self, text: str, lo: int, hi: int, ops: list[_Op]) -> str:
        out, at = [], lo
        for op in ops:
            out.append(text[at:op.start])
            if op.text is not None:
                out.append(op.text)
            else:
                starts = [o.start for o in op.inner]
                for k, (slot, item, lead) in enumerate(zip(op.slots, op.items, op.slot_lead)):
                    if k:
                        out.append(text[op.slots[k - 1].end:slot.start])  # what separates the slots stays
                    out.append(text[slot.start:slot.lead_end] if lead else text[item.start:item.lead_end])
                    inside = op.inner[bisect.bisect_left(starts, item.lead_end):bisect.bisect_left(starts, item.end)]
                    out.append(self._render(text, item.lead_end, item.end, inside))
            at = op.end
        out.append(text[at:hi])
        return "".join(out)
