"""The detection stage of anonymisation: find candidate identifiers in a transcript.

``detect(text)`` normalises the text (Unicode NFC, zero-width characters removed,
non-breaking and other Unicode spaces as spaces, a name broken across a line end joined),
runs every registered recogniser (see ``recognisers.py``) or the ones named, resolves
overlaps and returns :class:`Candidate` objects whose positions point into the
*original* text: 0-based code points, end exclusive, the same convention as codings.

Overlaps: spans of the same type that overlap or are separated only by spaces merge
(keeping the higher score and the recogniser that gave it); then, across types, the
longer span wins, then the higher score. The result is sorted by start and has no
overlaps.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from qualframe.errors import InvalidInput

from .recognisers import REGISTRY, TYPES, Context, Prior

__all__ = ["Candidate", "RegisterEntry", "detect", "normalise", "recogniser_names", "TYPES"]


@dataclass(frozen=True)
class Candidate:
    start: int  # 0-based code points into the ORIGINAL text, end exclusive
    end: int
    text: str  # original_text[start:end]
    type: str  # PERSON, PLACE, ORGANISATION, EMAIL, URL, PHONE, POSTCODE, NHS_NUMBER, NI_NUMBER, DATE, ADDRESS
    recogniser: str  # the recogniser's name
    score: float  # 0..1


@dataclass
class RegisterEntry:
    """One known identifier of the project ("Margaret Thornton", "Hollinsbridge Council")."""

    text: str
    type: str
    variants: list[str] = field(default_factory=list)


def recogniser_names() -> list[str]:
    """The registered recognisers, in the order ``detect`` runs them."""
    return [r.name for r in sorted(REGISTRY.values(), key=lambda r: r.phase)]


# ---------------------------------------------------------------------------
# Normalisation with an offset map back to the original text
# ---------------------------------------------------------------------------

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"
_ZERO_WIDTH_RE = re.compile("[" + ZERO_WIDTH + "]")
_SPACE_TABLE = {
    **{cp: " " for cp in (0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))},
    0x2028: "\n",
    0x2029: "\n",
}
# A line that opens with a speaker label ("Priya Raman: ...") is not joined to the one before.
_LABEL = re.compile(r"[^\W\d_][\w'’.-]*(?:[ ]+[\w'’.()-]+){0,3}[ ]?:(?:[ \t]|$)", re.MULTILINE)


class OffsetMap:
    """Maps positions in the normalised text to positions in the original.

    Stored as segments: runs where the two texts differ by a constant shift, and lines
    that normalisation changed, with each normalised character's original start and end.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []  # normalised start of each segment
        self._segs: list[tuple] = []  # ("shift", delta) or ("explicit", starts, ends)

    def add_shift(self, norm_start: int, orig_start: int, length: int) -> None:
        if length <= 0:
            return
        delta = orig_start - norm_start
        if self._segs and self._segs[-1][0] == "shift" and self._segs[-1][1] == delta:
            return  # continues the previous run
        self._starts.append(norm_start)
        self._segs.append(("shift", delta))

    def add_explicit(self, norm_start: int, starts: list[int], ends: list[int]) -> None:
        if not starts:
            return
        self._starts.append(norm_start)
        self._segs.append(("explicit", starts, ends))

    def _seg(self, pos: int) -> tuple[int, tuple]:
        i = bisect.bisect_right(self._starts, pos) - 1
        return self._starts[i], self._segs[i]

    def start(self, pos: int) -> int:
        """Original position of the normalised character at ``pos``."""
        if not self._segs:
            return pos
        seg_start, seg = self._seg(pos)
        return pos + seg[1] if seg[0] == "shift" else seg[1][pos - seg_start]

    def end(self, pos: int) -> int:
        """Original (exclusive) end of a normalised span ending at ``pos`` (> 0)."""
        if not self._segs:
            return pos
        seg_start, seg = self._seg(pos - 1)
        return pos + seg[1] if seg[0] == "shift" else seg[2][pos - 1 - seg_start]


def _normalise_line(line: str, base: int) -> tuple[str, list[int], list[int]]:
    """NFC per base character and its combining marks, zero-width characters dropped."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(line)
    i = 0
    combining = unicodedata.combining
    while i < n:
        c = line[i]
        if c in ZERO_WIDTH:
            i += 1
            continue
        j = i + 1
        while j < n and (combining(line[j]) or line[j] in ZERO_WIDTH):
            j += 1
        cluster = line[i:j]
        if j - i > 1:
            cluster = unicodedata.normalize("NFC", _ZERO_WIDTH_RE.sub("", cluster))
        else:
            cluster = unicodedata.normalize("NFC", cluster)
        for ch in cluster:
            out.append(ch)
            starts.append(base + i)
            ends.append(base + j)
        i = j
    return "".join(out), starts, ends


def _join_broken_lines(text: str) -> str:
    """A single line end between two letters becomes spaces ("Margaret\\nThornton"), unless
    the next line opens with a speaker label. Same length as the input."""
    if "\n" not in text:
        return text
    chars = None
    pos = text.find("\n")
    n = len(text)
    while pos != -1:
        left = pos - 1
        if left >= 0 and text[left] == "\r":
            left -= 1
        while left >= 0 and text[left] in " \t":
            left -= 1
        right = pos + 1
        while right < n and text[right] in " \t":
            right += 1
        if (
            left >= 0
            and right < n
            and text[left].isalpha()
            and text[right].isalpha()
            and not _LABEL.match(text, right)
        ):
            if chars is None:
                chars = list(text)
            for k in range(left + 1, right):
                chars[k] = " "
        pos = text.find("\n", pos + 1)
    return text if chars is None else "".join(chars)


def normalise(text: str) -> tuple[str, OffsetMap]:
    """The text as the recognisers see it, and the map back to the original."""
    omap = OffsetMap()
    if text.isascii():
        norm = text
    else:
        parts: list[str] = []
        norm_pos = 0
        orig_pos = 0
        for line in text.splitlines(keepends=True):
            if not _ZERO_WIDTH_RE.search(line) and unicodedata.is_normalized("NFC", line):
                parts.append(line)
                omap.add_shift(norm_pos, orig_pos, len(line))
                norm_pos += len(line)
            else:
                out, starts, ends = _normalise_line(line, orig_pos)
                parts.append(out)
                omap.add_explicit(norm_pos, starts, ends)
                norm_pos += len(out)
            orig_pos += len(line)
        norm = "".join(parts)
        norm = norm.translate(_SPACE_TABLE)
    return _join_broken_lines(norm), omap


# ---------------------------------------------------------------------------
# Overlap resolution
# ---------------------------------------------------------------------------


def _adjacent(text: str, end: int, start: int) -> bool:
    """Spans separated only by a few spaces (not a line end, not punctuation)."""
    return 0 <= start - end <= 3 and text[end:start].strip(" ") == ""


def resolve(found: list[Prior], text: str) -> list[Prior]:
    """Merge same-type spans that overlap or touch; then, across types, keep the longer
    span, then the higher score. Sorted by start, no overlaps."""
    by_type: dict[str, list[Prior]] = {}
    for p in found:
        by_type.setdefault(p.type, []).append(p)
    merged: list[Prior] = []
    for typ, items in by_type.items():
        items.sort(key=lambda p: (p.start, -p.end))
        cur = items[0]
        for p in items[1:]:
            if p.start < cur.end or _adjacent(text, cur.end, p.start):
                best = cur if (cur.score, cur.end - cur.start) >= (p.score, p.end - p.start) else p
                cur = Prior(cur.start, max(cur.end, p.end), typ, best.score, best.recogniser)
            else:
                merged.append(cur)
                cur = p
        merged.append(cur)
    merged.sort(key=lambda p: (-(p.end - p.start), -p.score, p.start))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Prior] = []
    for p in merged:
        i = bisect.bisect_left(starts, p.start)
        if i > 0 and ends[i - 1] > p.start:
            continue
        if i < len(starts) and starts[i] < p.end:
            continue
        starts.insert(i, p.start)
        ends.insert(i, p.end)
        kept.insert(i, p)
    return kept


# ---------------------------------------------------------------------------
# detect
# ---------------------------------------------------------------------------


def _check_register(register: Sequence[RegisterEntry]) -> list[RegisterEntry]:
    checked = []
    for n, entry in enumerate(register, 1):
        if not all(hasattr(entry, a) for a in ("text", "type", "variants")):
            raise InvalidInput(f"register entry {n}: expected a RegisterEntry, got {type(entry).__name__}")
        if not isinstance(entry.text, str) or not entry.text.strip():
            raise InvalidInput(f"register entry {n}: the text is empty")
        if entry.type not in TYPES:
            raise InvalidInput(
                f"register entry {n} ({entry.text!r}): unknown type {entry.type!r}; use one of {', '.join(TYPES)}"
            )
        variants = [v for v in (entry.variants or []) if isinstance(v, str) and v.strip()]
        if len(variants) != len(entry.variants or []):
            raise InvalidInput(f"register entry {n} ({entry.text!r}): a variant is empty or not text")
        checked.append(RegisterEntry(normalise(entry.text)[0], entry.type, [normalise(v)[0] for v in variants]))
    return checked


def detect(
    text: str,
    *,
    register: Sequence[RegisterEntry] = (),
    speakers: Sequence[str] = (),
    recognisers: Sequence[str] | None = None,
) -> list[Candidate]:
    """Candidate identifiers in ``text``, sorted by start, without overlaps.

    ``register``: the project's own known identifiers (found case-insensitively, score 1.0,
    and the seeds of name variants); ``speakers``: speaker labels of the transcript (names
    among them are found, roles such as "Interviewer" are not); ``recognisers``: names
    from :func:`recogniser_names` to run instead of all of them.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"detect: the text must be a string, not {type(text).__name__}")
    if isinstance(speakers, str):
        raise InvalidInput("detect: speakers must be a list of labels, not one string")
    if recognisers is None:
        selected = [REGISTRY[name] for name in recogniser_names()]
    else:
        if isinstance(recognisers, str):
            raise InvalidInput("detect: recognisers must be a list of names, not one string")
        unknown = [name for name in recognisers if name not in REGISTRY]
        if unknown:
            raise InvalidInput(
                f"detect: unknown recogniser {', '.join(map(repr, unknown))}; known: {', '.join(recogniser_names())}"
            )
        wanted = set(recognisers)
        selected = [REGISTRY[name] for name in recogniser_names() if name in wanted]
    entries = _check_register(register)
    speaker_list = [s for s in speakers if isinstance(s, str)]
    if not text:
        return []

    norm, omap = normalise(text)
    ctx = Context(norm, entries, [normalise(s)[0] for s in speaker_list])
    found: list[Prior] = []
    for phase in (1, 2, 3):
        phase_recs = [r for r in selected if r.phase == phase]
        if not phase_recs:
            continue
        ctx.prior = list(found)
        ctx.__dict__.pop("covered", None)
        for rec in phase_recs:
            for span in rec.find(ctx):
                if 0 <= span.start < span.end <= len(norm):
                    found.append(Prior(span.start, span.end, span.type, float(span.score), rec.name))
    if not found:
        return []
    out = []
    for p in resolve(found, norm):
        start, end = omap.start(p.start), omap.end(p.end)
        out.append(Candidate(start, end, text[start:end], p.type, p.recogniser, round(p.score, 3)))
    return out

