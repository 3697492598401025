"""The reader redraws only the blocks a change touched: they must match the whole page's.

After each coding, the server lays out just the passage around the change (``coding.
transcript(around=...)``) and the browser swaps those blocks in. If that passage were
cut or laid out differently from the whole page, the reader would show stripes, lanes
or segments that a reload does not; these tests compare the two for many spans.
"""

from __future__ import annotations

import random

import pytest

from qualframe import coding
from qualframe.coding import passage_extent
from qualframe.importing import import_file
from qualframe.web.views.reader import block_spans, layout
from webkit import fill_study

# A title, a note between turns, a label on its own line and a closing note: every kind
# of text between turns that the reader shows as a block of its own.
LOOSE_TRANSCRIPT = """Focus group FG2 (invented for the tests)
Recorded in the community room.

Facilitator: Welcome, everyone. Shall we start with introductions?

Tomasz Wielgosz: I run the youth club on Brackenfield Road.

[Two participants arrive late.]

Facilitator:
What gets in the way of running sessions?

Imani Okafor: Room hire, mostly. And transport for the older ones.
We lose people every winter.

Tomasz Wielgosz: Same for us. The minibus costs more than the room.

Imani Okafor: And nobody funds it for more than a year.

End of recording.
"""


def _whole_page(data: dict) -> list:
    return layout(data["text"], block_spans(data["text"], data["turns"]), data["codings"])


def _redrawn(project, name: str, span: tuple[int, int]) -> list:
    """What the reader's coding views send back for a change at ``span``."""
    data = coding.transcript(project, name, around=span)
    spans = [s for s in block_spans(data["text"], data["turns"], data["extent"]) if s[1] > span[0] and s[0] < span[1]]
    return layout(data["text"], spans, data["codings"])


def _spans_to_try(text: str, turns: list[dict], count: int, seed: int) -> list[tuple[int, int]]:
    edges = sorted({0, len(text), *(t["start"] for t in turns), *(t["end"] for t in turns),
                    *(i + 1 for i, ch in enumerate(text) if ch == "\n")})
    points = sorted({min(max(e + d, 0), len(text)) for e in edges for d in (-1, 0, 1)})
    rng = random.Random(seed)
    spans = {(a, b) for a in points for b in points if a < b and b - a < 400 and rng.random() < 0.15}
    spans |= {tuple(sorted(rng.sample(range(len(text) + 1), 2))) for _ in range(count)}  # type: ignore[misc]
    return sorted(spans)


@pytest.fixture
def coded_study(study, tmp_path):
    path = tmp_path / "FG2.txt"
    path.write_text(LOOSE_TRANSCRIPT, encoding="utf-8")
    import_file(study, path)
    rng = random.Random(7)
    for name in ("P01", "FG2"):
        length = len(coding.transcript(study, name)["text"])
        for _ in range(40):
            start = rng.randrange(0, length - 1)
            end = min(length, start + rng.randrange(1, 300))
            code = rng.choice(["Funding/Short-term funding", "Funding/Impact", "Workforce/Staff turnover"])
            coding.code_text(study, name, code, start=start, end=end, coder=rng.choice(["ana", "ben"]),
                             memo="checked" if rng.random() < 0.2 else None)
    return study


@pytest.mark.parametrize("name", ["P01", "FG2"])
def test_redrawn_blocks_match_the_whole_page(coded_study, name):
    whole = _whole_page(coding.transcript(coded_study, name))
    text = coding.transcript(coded_study, name)["text"]
    turns = coding.transcript(coded_study, name)["turns"]
    spans = _spans_to_try(text, turns, count=150, seed=len(name))
    assert len(spans) > 100
    for span in spans:
        expected = [b for b in whole if b.end > span[0] and b.start < span[1]]
        assert _redrawn(coded_study, name, span) == expected, f"span {span}"


def test_the_passage_is_smaller_than_the_transcript(coded_study):
    data = coding.transcript(coded_study, "FG2")
    middle = next(t for t in data["turns"] if t["speaker"] == "Tomasz Wielgosz")
    part = coding.transcript(coded_study, "FG2", around=(middle["start"] + 2, middle["start"] + 5))
    assert part["extent"] == (middle["start"], middle["end"])
    assert len(part["codings"]) < len(data["codings"])
    assert all(c["end"] > middle["start"] and c["start"] < middle["end"] for c in part["codings"])
    assert part["coding_count"] == data["coding_count"]


def test_passage_extent_widens_to_whole_turns_and_whole_gaps():
    turns = [(10, 20), (25, 40), (40, 50)]
    assert passage_extent(turns, 60, (12, 15)) == (10, 20)  # inside one turn
    assert passage_extent(turns, 60, (21, 23)) == (20, 25)  # in the gap between two turns
    assert passage_extent(turns, 60, (2, 3)) == (0, 10)  # before the first turn
    assert passage_extent(turns, 60, (55, 60)) == (50, 60)  # after the last
    assert passage_extent(turns, 60, (15, 45)) == (10, 50)  # across turns
    assert passage_extent(turns, 60, (19, 20)) == (10, 20)  # the last character of a turn
    assert passage_extent([], 60, (5, 9)) == (0, 60)  # no turns at all
