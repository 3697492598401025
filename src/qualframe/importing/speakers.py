"""Speaker-turn detection in plain transcript text.

Transcripts mark who speaks with a label at the start of a line: ``Name:``,
``**Name**:`` (Markdown bold), ``[Name]:`` or an interview shorthand such as ``I:``
or ``Participant 3:``. The hard part is not finding labels but refusing the lines
that only look like one ("Note: ...", "10:30 we met", "https://..."), so a plain
``Name:`` label must recur before it is believed; marked-up labels and the usual
interview shorthands are believed at once.

All offsets are 0-based code points, end exclusive; the label itself (and an
inline time stamp next to it) is never part of the turn.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Module import (not ``from readers import Turn``): readers imports this module too.
from qualframe.importing import readers

# Longest names we accept: plain labels are short; bold ones (which are explicit
# markup) may carry titles, as in "Mireille B. Reece, Psy.D".
PLAIN_MAX_CHARS = 40
PLAIN_MAX_WORDS = 5
MARKED_MAX_CHARS = 60
MARKED_MAX_WORDS = 8

# An inline time such as [00:12:34], [12:34], (00:12:34) or Markdown-escaped \[12:34\].
_TIME_VALUE = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_TIME_RE = re.compile(
    rf"(?:\\?\[(?P<a>{_TIME_VALUE})\\?\]|\((?P<b>{_TIME_VALUE})\))[ \t]*"
)
# **Name**:  **Name** :  **Name:**
_BOLD_RE = re.compile(r"\*\*(?P<name>[^*:\n]{1,60}?)[ \t]*(?::\*\*|\*\*[ \t]*:)[ \t]*")
# [Name]  [Name]:
_BRACKET_RE = re.compile(r"\[(?P<name>[^\[\]:\n]{1,60})\](?P<colon>[ \t]*:)?[ \t]*")
# Name:  Name :   (the name cannot contain a colon, so the first colon ends it)
_PLAIN_RE = re.compile(r"(?P<name>[^:\n]{1,60}):")
_SPACES_RE = re.compile(r"[ \t]*")
_COLON_RE = re.compile(r"[ \t]*:")
# Single letters, and numbered participants/respondents (P3, R12). "I79" or "A4"
# are as likely to be references, so they count only when repeated.
_SHORTHAND_LETTER_RE = re.compile(r"[IPRQA]|[PR]\d{1,3}")
_SHORTHAND_WORD_RE = re.compile(
    r"(?:interviewer|interviewee|participant|respondent|moderator|facilitator|researcher)"
    r"(?:[ \t]*\d{1,3})?",
    re.IGNORECASE,
)
_WHITESPACE_RE = re.compile(r"\s+")

# Characters a speaker name may contain besides letters and digits.
_NAME_PUNCTUATION = frozenset(" .,-'’()&")

# Words that end with a colon at the start of a line but are not people.
_NOT_SPEAKERS = frozenset(
    """
    note notes nb n.b. ps p.s. date time location place venue duration length subject
    re fwd fw from to cc bcc title source see example e.g. i.e. tel phone email e-mail
    url link http https www ftp mailto file page tags summary transcript recording
    keywords agenda warning caution important update edit edited question answer
    intro outro break interlude
    and but or so then also again plus thus hence yes no ok okay well now here there
    it this that these those they he she we you his her their our my its which where
    when what who why how whereas however therefore finally firstly secondly lastly
    next further moreover otherwise result results conclusion conclusions background
    aim aims method methods recommendation recommendations quote extract excerpt
    paragraph para section chapter appendix figure table
    """.split()
)
# Lower-case words that belong in names ("Ana de Souza", "Head of Service").
_NAME_PARTICLES = frozenset(
    "de da das do dos di del della la le du van von der den ter bin binti al el y of and the for".split()
)
# Bracketed stage directions that often start a line in a transcript.
_ANNOTATIONS = frozenset(
    """
    inaudible laughs laughter laughing crosstalk cross-talk pause pauses silence unclear
    overlapping overtalk coughs cough sighs sigh music applause noise break end redacted
    interruption interrupted indistinct unintelligible unknown crying sobbing cries
    """.split()
)
_ANNOTATION_PHRASES = frozenset(
    {"cross talk", "long pause", "short pause", "background noise", "overlapping speech",
     "phone rings", "audio cuts out", "end of recording", "end of interview",
     "end of transcript", "recording ends", "recording starts", "break in recording"}
)


@dataclass(frozen=True)
class Label:
    """A speaker label found at the start of a line.

    ``end`` is where the utterance starts in the line (after the label, an inline
    time and spaces). ``strong`` labels (markup or interview shorthand) count
    without being repeated elsewhere in the document.
    """

    speaker: str
    end: int
    strong: bool
    time: float | None = None


def collapse_whitespace(name: str) -> str:
    """Names are compared and stored with single spaces."""
    return _WHITESPACE_RE.sub(" ", name).strip()


def parse_time(value: str) -> float:
    """Seconds in a "h:mm:ss", "mm:ss" or "mm:ss.fff" time."""
    fraction = 0.0
    for mark in ".,":
        if mark in value:
            value, digits = value.split(mark, 1)
            fraction = int(digits) / 10 ** len(digits)
            break
    seconds = 0
    for part in value.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + fraction


def _time_at(line: str, pos: int) -> tuple[float | None, int]:
    """An inline time at ``pos``: (seconds, position after it) or (None, pos)."""
    match = _TIME_RE.match(line, pos)
    if match is None:
        return None, pos
    return parse_time(match.group("a") or match.group("b")), match.end()


def is_shorthand(name: str) -> bool:
    """Interview shorthands (I, P3, Interviewer, Participant 3...) need no repetition."""
    return bool(_SHORTHAND_LETTER_RE.fullmatch(name) or _SHORTHAND_WORD_RE.fullmatch(name))


def _looks_like_name(name: str, max_chars: int, max_words: int) -> bool:
    """Short, starts with a capital letter, only name characters, not a known non-name."""
    if not name or len(name) > max_chars or len(name.split(" ")) > max_words:
        return False
    if not name[0].isupper():
        return False
    for char in name:
        if not (char.isalnum() or char in _NAME_PUNCTUATION):
            return False
    return name.lower() not in _NOT_SPEAKERS


def _capitalised_words(name: str) -> bool:
    """Every word capitalised (or a number, or a particle such as "de" or "of").

    Unmarked labels need this: it is what tells "Another one states:" and
    "[As read]", which introduce quotations, from "Tom Okafor:" and "[Lead 3]".
    """
    for word in name.split(" "):
        first = word.lstrip("(\'’")[:1]
        if first and not (first.isupper() or first.isdigit() or word in _NAME_PARTICLES):
            return False
    return True


def _plain_name(name: str) -> bool:
    """The stricter test for labels without markup."""
    return _looks_like_name(name, PLAIN_MAX_CHARS, PLAIN_MAX_WORDS) and _capitalised_words(name)


def _utterance_start(line: str, pos: int, time: float | None) -> tuple[int, float | None]:
    """Skip spaces and an inline time after a label; a time after the label wins."""
    pos = _SPACES_RE.match(line, pos).end()
    after_time, pos = _time_at(line, pos)
    if after_time is not None:
        time = after_time
    return pos, time


def find_label(line: str) -> Label | None:
    """The speaker label at the start of ``line``, if it looks like one.

    Plain ``Name:`` labels are returned with ``strong=False``: the caller decides
    (with :func:`accept_labels`) whether they recur often enough to be believed.
    """
    pos = _SPACES_RE.match(line).end()
    if pos >= len(line):
        return None
    time, pos = _time_at(line, pos)
    first = line[pos : pos + 1]

    if first == "*":
        match = _BOLD_RE.match(line, pos)
        if match is None:
            return None
        name = collapse_whitespace(match.group("name"))
        if not (_looks_like_name(name, MARKED_MAX_CHARS, MARKED_MAX_WORDS) or is_shorthand(name)):
            return None
        end, time = _utterance_start(line, match.end(), time)
        return Label(name, end, True, time)

    if first == "[":
        match = _BRACKET_RE.match(line, pos)
        if match is None:
            return None
        name = collapse_whitespace(match.group("name"))
        if name.lower() in _ANNOTATIONS or name.lower() in _ANNOTATION_PHRASES:
            return None
        shorthand = is_shorthand(name)
        if not (shorthand or _plain_name(name)):
            return None
        end, time = _utterance_start(line, match.end(), time)
        return Label(name, end, shorthand or match.group("colon") is not None, time)

    match = _PLAIN_RE.match(line, pos)
    if match is None:
        return None
    after = line[match.end() : match.end() + 1]
    if after == "/" or after.isdigit():  # https://..., 10:30
        return None
    name = collapse_whitespace(match.group("name"))
    shorthand = is_shorthand(name)
    if not (shorthand or _plain_name(name)):
        return None
    end, time = _utterance_start(line, match.end(), time)
    return Label(name, end, shorthand, time)


def find_bold_label(line: str, bold_chars: int) -> Label | None:
    """A label made of the first ``bold_chars`` characters of a line (Word bold run).

    The bold text up to its first colon is the name; a colon right after the bold
    text is part of the label. A line that is bold throughout is a heading, not a
    label, unless it ends with the colon (the utterance then follows on the next line).
    """
    bold = line[:bold_chars]
    if ":" in bold:
        colon = bold.index(":")
        if bold[colon + 1 :].strip() and not line[bold_chars:].strip():
            return None  # a bold heading such as "Interview 3: Hollinsbridge"
        name_part = bold[:colon]
        end = colon + 1
        has_colon = True
    else:
        name_part = bold
        end = bold_chars
        colon = _COLON_RE.match(line, end)
        has_colon = colon is not None
        if colon is not None:
            end = colon.end()
    name = collapse_whitespace(name_part)
    if not (_looks_like_name(name, MARKED_MAX_CHARS, MARKED_MAX_WORDS) or is_shorthand(name)):
        return None
    if not has_colon and not line[end:].strip():
        return None
    end, time = _utterance_start(line, end, None)
    return Label(name, end, True, time)


def accept_labels(labels: Sequence[Label | None], trust_plain: bool = False) -> list[Label | None]:
    """Keep the labels that are believable as speakers; None for the others.

    Strong labels always count. A plain label counts when the same name labels at
    least two lines, or when ``trust_plain`` (the caller knows most units carry a
    label, as in a Zoom export where every cue starts "Name:").
    """
    counts = Counter(label.speaker for label in labels if label is not None)
    accepted: list[Label | None] = []
    for label in labels:
        if label is not None and (label.strong or trust_plain or counts[label.speaker] >= 2):
            accepted.append(label)
        else:
            accepted.append(None)
    return accepted


def _split_lines(text: str) -> list[tuple[int, str]]:
    """Lines with their start offsets; only "\\n" ends a line (text is normalised)."""
    lines = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    return lines


def detect_turns(text: str, bold_prefixes: Mapping[int, int] | None = None) -> list[readers.Turn]:
    """Split ``text`` into speaker turns.

    A turn starts at a line with a believable label and runs over the following
    unlabelled lines (continuation paragraphs) up to the next label; trailing
    blank lines are not part of it. Text before the first label is in no turn.
    ``bold_prefixes`` maps a line's start offset to the number of leading bold
    characters on it (from Word formatting); a bold label needs no repetition.
    """
    bold_prefixes = bold_prefixes or {}
    lines = _split_lines(text)
    candidates: list[Label | None] = []
    for offset, line in lines:
        label = None
        if offset in bold_prefixes:
            label = find_bold_label(line, bold_prefixes[offset])
        if label is None:
            label = find_label(line)
        candidates.append(label)
    labels = accept_labels(candidates)

    turns: list[readers.Turn] = []
    speaker: str | None = None
    start: int | None = None
    end = 0
    time: float | None = None
    for (offset, line), label in zip(lines, labels):
        if label is not None:
            if speaker is not None and start is not None:
                turns.append(readers.Turn(speaker, start, end, time))
            speaker, start, time = label.speaker, None, label.time
            rest = line[label.end :]
            if rest.strip():
                start = offset + label.end + (len(rest) - len(rest.lstrip()))
                end = offset + len(line.rstrip())
        elif speaker is not None and line.strip():
            if start is None:
                start = offset + (len(line) - len(line.lstrip()))
            end = offset + len(line.rstrip())
    if speaker is not None and start is not None:
        turns.append(readers.Turn(speaker, start, end, time))
    return turns
