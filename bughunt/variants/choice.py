"""Deterministic choices drawn from a variant key.

Every decision is keyed by a *label* that describes what is being decided (a name, the text
of two statements), never by a position or a shared random stream. That is what lets the
shipped file and its reference fix, transformed with the same key, make the same choice
wherever they have the same code.
"""
from __future__ import annotations

import hashlib
from typing import Sequence, TypeVar

T = TypeVar("T")


class Chooser:
    def __init__(self, key: str):
        self.key = key

    def number(self, *label: object) -> int:
        text = "\0".join([self.key, *map(str, label)])
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

    def index(self, n: int, *label: object) -> int:
        return self.number(*label) % n

    def pick(self, options: Sequence[T], *label: object) -> T:
        return options[self.index(len(options), *label)]

    def coin(self, *label: object) -> bool:
        return self.number(*label) % 2 == 1

    def order(self, items: Sequence[T], labels: Sequence[str], *label: object) -> list[T]:
        """`items` sorted by a hash of each item's own label: two lists that share items
        put the shared ones in the same relative order."""
        ranked = sorted(zip(items, labels), key=lambda pair: (self.number(*label, pair[1]), pair[1]))
        return [item for item, _ in ranked]
