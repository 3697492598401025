"""The transcript reader: speaker turns, coding stripes, and coding by selecting text.

The page is laid out here from the library's ``coding.transcript``: the text is cut
into blocks (a speaker's turn, or a paragraph outside the turns) and each block into
segments at every coding boundary, so that a selection in the browser maps back to
exact character offsets (each segment carries its own offset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from starlette.responses import HTMLResponse, Response

from ... import codebook, coding, sources
from ...errors import InvalidInput
from ..routing import TEMPLATES, Visit, page


@dataclass
class Segment:
    start: int
    text: str
    codings: list[str]


@dataclass
class Stripe:
    coding: dict[str, Any]
    lane: int
    top: float
    height: float
    starts_here: bool


@dataclass
class Block:
    start: int
    end: int
    speaker: str | None
    time: float | None
    segments: list[Segment] = field(default_factory=list)
    stripes: list[Stripe] = field(default_factory=list)

    @property
    def lanes(self) -> list[list[Stripe]]:
        """The stripes of each lane of the margin, side by side."""
        lanes: list[list[Stripe]] = [[] for _ in range(max((s.lane for s in self.stripes), default=-1) + 1)]
        for stripe in self.stripes:
            lanes[stripe.lane].append(stripe)
        return lanes


def _paragraphs(text: str, start: int, end: int, next_speaker: str | None) -> list[tuple[int, int]]:
    """Text outside the turns (titles, notes), minus the label that opens the next turn."""
    region = text[start:end]
    if next_speaker:
        at = region.rfind(next_speaker)
        if at != -1 and not region[at + len(next_speaker):].strip(" \t\n:*)]"):
            end = start + at
    spans = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        line = match.group()
        if line.strip(" \t:*"):
            left = len(line) - len(line.lstrip())
            spans.append((start + match.start() + left, start + match.start() + len(line.rstrip())))
    return spans


def block_spans(
    text: str, turns: list[dict[str, Any]], within: tuple[int, int] | None = None
) -> list[tuple[int, int, str | None, float | None]]:
    """(start, end, speaker, time) of each block, of the whole text or of an extent from
    ``coding.transcript(around=...)`` (whose turns end with the one after the extent)."""
    position, stop = within or (0, len(text))
    spans: list[tuple[int, int, str | None, float | None]] = []
    for turn in turns:
        if turn["start"] > position:
            next_speaker = turn["speaker"] if turn["start"] <= stop else None
            spans += [(s, e, None, None) for s, e in _paragraphs(text, position, min(turn["start"], stop), next_speaker)]
        if turn["start"] >= stop:
            position = stop
            break
        if turn["end"] > turn["start"]:
            spans.append((turn["start"], turn["end"], turn["speaker"], turn["time"]))
        position = max(position, turn["end"])
    if position < stop:
        spans += [(s, e, None, None) for s, e in _paragraphs(text, position, stop, None)]
    return spans


def layout(text: str, spans: list[tuple[int, int, str | None, float | None]], codings: list[dict[str, Any]]) -> list[Block]:
    """Blocks with their segments and stripes; codings sorted by start."""
    blocks = []
    waiting = sorted(codings, key=lambda c: (c["start"], c["end"]))
    next_index = 0
    active: list[dict[str, Any]] = []
    for start, end, speaker, time in spans:
        while next_index < len(waiting) and waiting[next_index]["start"] < end:
            active.append(waiting[next_index])
            next_index += 1
        active = [c for c in active if c["end"] > start]
        here = [c for c in active if c["start"] < end]
        block = Block(start, end, speaker, time)
        cuts = sorted({start, end, *(c["start"] for c in here if start < c["start"] < end),
                       *(c["end"] for c in here if start < c["end"] < end)})
        for a, b in zip(cuts, cuts[1:]):
            block.segments.append(Segment(a, text[a:b], [c["guid"] for c in here if c["start"] <= a and c["end"] >= b]))
        lane_ends: list[int] = []
        length = max(end - start, 1)
        for c in here:
            top, bottom = max(c["start"], start), min(c["end"], end)
            lane = next((i for i, last in enumerate(lane_ends) if last <= top), len(lane_ends))
            if lane == len(lane_ends):
                lane_ends.append(bottom)
            else:
                lane_ends[lane] = bottom
            block.stripes.append(Stripe(c, lane, 100 * (top - start) / length, 100 * (bottom - top) / length,
                                        c["start"] >= start))
        blocks.append(block)
    return blocks


def _codebook_for_picker(visit: Visit) -> list[dict[str, Any]]:
    return [
        {"path": c["path"], "name": c["name"], "colour": c["colour"], "depth": c["depth"], "definition": c["definition"]}
        for c in codebook.list_codes(visit.project)
    ]


@page("/sources/{guid}")
def read(visit: Visit, guid: str) -> Response:
    with visit.project.one_transaction():  # reads the long text once, all from one moment
        name = sources.name_of(visit.project, guid)
        data = coding.transcript(visit.project, name)
        codes = _codebook_for_picker(visit)
    blocks = layout(data["text"], block_spans(data["text"], data["turns"]), data["codings"])
    return visit.render(
        "reader/page.html", source=data, blocks=blocks, codes=codes, coding_count=data["coding_count"],
    )


def _change_and_redraw(visit: Visit, guid: str, change: Callable[[str], dict[str, int]], message: str) -> Response:
    """Make a change to a source's codings, then answer with only the blocks it touched,
    for the page to swap in (keeps coding fast). ``change(source name)`` returns the span
    it changed; the change and the reading back are one transaction."""
    with visit.project.one_transaction() as unit:
        name = sources.name_of(visit.project, guid)
        span = change(name)
        data = coding.transcript(visit.project, name, around=(span["start"], span["end"]))
    spans = [s for s in block_spans(data["text"], data["turns"], data["extent"])
             if s[1] > span["start"] and s[0] < span["end"]]
    html = TEMPLATES.get_template("reader/_blocks.html").render(
        blocks=layout(data["text"], spans, data["codings"]), source=data, who=visit.who, message=message
    )
    response = HTMLResponse(html)
    revision = unit.info.get("revision")
    response.headers["X-Qualframe-Revision"] = str(revision if revision is not None else visit.project.revision())
    return response


def _span(visit: Visit) -> tuple[int, int]:
    try:
        return int(visit.field("start")), int(visit.field("end"))
    except ValueError:
        raise InvalidInput("the selection's start and end must be whole numbers") from None


@page("/sources/{guid}/codings", methods=("POST",), role="coder")
def apply_code(visit: Visit, guid: str) -> Response:
    start, end = _span(visit)
    code = visit.field("code").strip()
    memo = visit.field("memo", "").strip() or None

    def apply(name: str) -> dict[str, int]:
        if visit.field("create", "") == "1" and code:
            codebook.add_code(visit.project, code, create_parents=True)
        coding.code_text(visit.project, name, code, start=start, end=end, coder=visit.who.user, memo=memo)
        return {"start": start, "end": end}

    return _change_and_redraw(visit, guid, apply, f"Coded as {code}.")


@page("/sources/{guid}/codings/{coding_guid}/delete", methods=("POST",), role="coder")
def remove(visit: Visit, guid: str, coding_guid: str) -> Response:
    return _change_and_redraw(visit, guid, lambda _name: coding.remove_coding(visit.project, coding_guid),
                              "Coding removed.")


@page("/sources/{guid}/codings/{coding_guid}/recode", methods=("POST",), role="coder")
def recode(visit: Visit, guid: str, coding_guid: str) -> Response:
    code = visit.field("code").strip()
    return _change_and_redraw(visit, guid, lambda _name: coding.recode(visit.project, coding_guid, code),
                              f"Recoded as {code}.")


@page("/sources/{guid}/codings/{coding_guid}/memo", methods=("POST",), role="coder")
def memo(visit: Visit, guid: str, coding_guid: str) -> Response:
    text = visit.field("memo")
    return _change_and_redraw(
        visit, guid, lambda _name: coding.memo_on_coding(visit.project, coding_guid, text, author=visit.who.user),
        "Memo added.",
    )
