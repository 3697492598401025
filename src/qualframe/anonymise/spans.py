"""Replacing spans of a text and carrying positions across the replacement.

Anonymisation swaps identifiers for labels of another length, so every position that
points into a text (codings, speaker turns) must be moved. A replacement is recorded as
``(old_start, old_end, new_start, new_end)``; the same records, swapped, undo it.
"""

from __future__ import annotations

import bisect
from typing import Sequence

Replacement = tuple[int, int, int, int]


def replace_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> tuple[str, list[Replacement]]:
    """``text`` with each (start, end) replaced by its label; spans must not overlap."""
    parts: list[str] = []
    records: list[Replacement] = []
    at = shift = 0
    for start, end, label in sorted(spans):
        if start < at:
            raise ValueError(f"overlapping spans at {start}")
        parts.append(text[at:start])
        new_start = start + shift
        parts.append(label)
        records.append((start, end, new_start, new_start + len(label)))
        shift += len(label) - (end - start)
        at = end
    parts.append(text[at:])
    return "".join(parts), records


def invert(records: Sequence[Replacement]) -> list[Replacement]:
    return [(c, d, a, b) for a, b, c, d in records]


class PositionMap:
    """Moves positions of the old text to the new one, given the replacement records."""

    def __init__(self, records: Sequence[Replacement]) -> None:
        self.records = sorted(records)
        self.starts = [r[0] for r in self.records]

    def _locate(self, position: int) -> tuple[int, Replacement | None]:
        """(shift to apply, the replacement the position falls strictly inside, if any)."""
        i = bisect.bisect_right(self.starts, position) - 1
        shift = 0
        if i >= 0:
            a, b, c, d = self.records[i]
            if a < position < b:
                return 0, self.records[i]
            shift = d - b if position >= b else c - a
        return shift, None

    def start(self, position: int) -> int:
        shift, inside = self._locate(position)
        return inside[2] if inside else position + shift

    def end(self, position: int) -> int:
        shift, inside = self._locate(position)
        return inside[3] if inside else position + shift

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A span moved so that it still covers what it covered (a label whole, never cut)."""
        new_start, new_end = self.start(start), self.end(end)
        return new_start, max(new_end, new_start + 1) if end > start else new_end
