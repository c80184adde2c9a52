"""Positions (libcst's PositionProvider), computed with a lighter code generator.

libcst finds positions by generating the file's code again and noting where each node
starts and ends. Its generator splits every token with a regular expression to count
newlines, and records each syntactic position through a generator-based context manager;
those two were about 40% of the time. `positions(module)` runs the same code generation
with a state that differs only there: tokens without a line break just move the column,
and positions are recorded by a small class. The result is the PositionProvider's mapping;
tests/test_readonly_visit.py compares it for every node of every example file.
"""
from __future__ import annotations

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata import PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _Recorder:
    """PositionProvidingCodegenState.record_syntactic_position, as a plain context manager."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state, node, start_node, end_node):
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = CodePosition(self.state.line, self.state.column)

    def __exit__(self, *exc) -> bool:
        state = self.state
        computed = state.provider._computed
        start = computed[self.start_node].start if self.start_node is not None else self.start
        end = computed[self.end_node].end if self.end_node is not None else CodePosition(state.line, state.column)
        computed[self.node] = CodeRange(start, end)
        return False


class _State(PositionProvidingCodegenState):
    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            PositionProvidingCodegenState._update_position(self, value)
        else:
            self.column += len(value)

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _Recorder(self, node, start_node, end_node)


def positions(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    """Each node's CodeRange, as `MetadataWrapper(module).resolve(PositionProvider)` gives."""
    provider = PositionProvider()
    state = _State(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    module._codegen(state)
    return provider._computed
