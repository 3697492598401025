"""Render a demo interview as the kind of file a researcher receives.

The demo interviews are written in a simple labelled format: one paragraph per
speaker turn, ``Speaker Name: utterance``, turns separated by a blank line.
:func:`render_transcript` writes one of them out as plain text, Markdown, a Word
document, a Microsoft Teams style WebVTT file or an SRT subtitle file.

Everything is deterministic: the same input gives the same bytes. Cue identifiers
are derived from a hash of the text, cue times from word counts (about 150 words a
minute), and the Word document carries fixed dates in its properties and in its
zip entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
import zipfile
from pathlib import Path

from ..errors import InvalidInput

FORMATS = ("txt", "md", "docx", "vtt", "srt")
WORDS_PER_MINUTE = 150
MS_PER_WORD = 60_000 // WORDS_PER_MINUTE  # 400 ms
MIN_CUE_MS = 1_000
FIRST_CUE_MS = 1_200  # recordings rarely start on the first word
TURN_GAP_MS = 700  # pause between speakers
CUE_MIN_WORDS = 15
CUE_MAX_WORDS = 25
DOCX_AUTHOR = "qualframe demo"
_FALLBACK_DATE = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.timezone.utc)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

_TURN = re.compile(r"^(?P<speaker>[^:\n]{1,80}?):[ \t]+(?P<text>\S.*)$", re.DOTALL)
_SENTENCE_END = re.compile(r"[.!?…][\"'’”)\]]*$")
_CLAUSE_END = re.compile(r"[,;:–—][\"'’”)\]]*$")


def parse_turns(text: str) -> list[tuple[str, str]]:
    """``[(speaker, utterance)]`` from the labelled format; line breaks inside a turn become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    turns: list[tuple[str, str]] = []
    for number, paragraph in enumerate(re.split(r"\n[ \t]*\n", text.strip()), start=1):
        paragraph = " ".join(line.strip() for line in paragraph.split("\n") if line.strip())
        if not paragraph:
            continue
        match = _TURN.match(paragraph)
        if match is None:
            raise InvalidInput(f"turn {number} has no 'Speaker Name: ' label: {paragraph[:60]!r}")
        turns.append((match.group("speaker").strip(), " ".join(match.group("text").split())))
    if not turns:
        raise InvalidInput("the interview text has no turns")
    return turns


def render_transcript(
    text: str,
    fmt: str,
    dest: Path,
    *,
    date: str | None = None,
    duration_minutes: int | None = None,
) -> Path:
    """Write the labelled interview ``text`` to ``dest`` + ``.fmt``; return the path written.

    ``dest`` is a path without suffix; its name is used in titles (``Interview C01``).
    ``date`` (ISO ``YYYY-MM-DD``) and ``duration_minutes`` go into the title of the
    Markdown and Word versions and the Word document's properties.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidInput(f"cannot render as '{fmt}' (formats: {', '.join(FORMATS)})")
    turns = parse_turns(text)
    dest = Path(dest)
    path = dest.with_name(f"{dest.name}.{fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    when = _parse_date(date)
    title = _title(dest.name, when, date, duration_minutes)
    if fmt == "txt":
        data = _txt(text)
    elif fmt == "md":
        data = _md(turns, title)
    elif fmt == "docx":
        data = _docx(turns, title, when)
    elif fmt == "vtt":
        data = _vtt(turns, _seed(text))
    else:
        data = _srt(turns)
    path.write_bytes(data)
    return path


# --- titles and dates ------------------------------------------------------------


def _parse_date(date: str | None) -> dt.date | None:
    if not date:
        return None
    try:
        return dt.date.fromisoformat(str(date).strip())
    except ValueError:
        return None


def _title(name: str, when: dt.date | None, raw_date: str | None, duration_minutes: int | None) -> str:
    title = f"Interview {name}"
    if when is not None:
        title += f", {when.day} {_MONTHS[when.month - 1]} {when.year}"
    elif raw_date and str(raw_date).strip():
        title += f", {str(raw_date).strip()}"
    if duration_minutes:
        title += f" ({int(duration_minutes)} minutes)"
    return title


# --- text formats -----------------------------------------------------------------


def _txt(text: str) -> bytes:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").rstrip("\n") + "\n"
    return text.encode("utf-8")


def _md(turns: list[tuple[str, str]], title: str) -> bytes:
    lines = [f"# {title}", ""]
    for speaker, utterance in turns:
        lines += [f"**{speaker}**: {utterance}", ""]
    return "\n".join(lines).encode("utf-8")


# --- Word --------------------------------------------------------------------------


def _docx(turns: list[tuple[str, str]], title: str, when: dt.date | None) -> bytes:
    from docx import Document  # imported here: only the docx format needs it

    document = Document()
    document.add_paragraph(title, style="Title")
    for speaker, utterance in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(speaker).bold = True
        paragraph.add_run(": ")
        paragraph.add_run(utterance)
    stamp = (
        dt.datetime(when.year, when.month, when.day, 17, 0, tzinfo=dt.timezone.utc)
        if when is not None
        else _FALLBACK_DATE
    )
    props = document.core_properties
    props.author = DOCX_AUTHOR
    props.last_modified_by = DOCX_AUTHOR
    props.title = title
    props.subject = "qualframe demo study (fictional)"
    props.comments = "Fictional interview written for the qualframe demo."
    props.keywords = ""
    props.category = ""
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same zip with fixed entry dates and attributes, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


# --- cues (VTT and SRT) --------------------------------------------------------------


def split_cues(utterance: str) -> list[str]:
    """Split one turn into cue texts of roughly 15-25 words, at sentence ends where possible.

    Joining the cues with single spaces gives back the utterance (white space collapsed).
    """
    words = utterance.split()
    if not words:
        return []
    sentences: list[list[str]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if _SENTENCE_END.search(word):
            sentences.append([])
    pieces: list[list[str]] = []
    for sentence in (s for s in sentences if s):
        pieces += _split_long(sentence)
    cues: list[list[str]] = []
    current: list[str] = []
    for piece in pieces:
        if current and (len(current) >= CUE_MIN_WORDS or len(current) + len(piece) > CUE_MAX_WORDS):
            cues.append(current)
            current = []
        current = current + piece
    if current:
        cues.append(current)
    return [" ".join(cue) for cue in cues]


def _split_long(words: list[str]) -> list[list[str]]:
    """A sentence of more than 25 words in parts of 12-22 words, after a comma where there is one."""
    if len(words) <= CUE_MAX_WORDS:
        return [words]
    pieces: list[list[str]] = []
    current: list[str] = []
    for index, word in enumerate(words):
        current.append(word)
        remaining = len(words) - index - 1
        at_clause = _CLAUSE_END.search(word) is not None
        if remaining >= 5 and ((at_clause and len(current) >= 12) or len(current) >= 22):
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return pieces


def _timed_cues(turns: list[tuple[str, str]]) -> list[tuple[int, int, int, str, str]]:
    """``(turn index, start ms, end ms, speaker, text)`` for every cue, at about 150 words a minute."""
    cues = []
    clock = FIRST_CUE_MS
    for index, (speaker, utterance) in enumerate(turns):
        if index:
            clock += TURN_GAP_MS
        for text in split_cues(utterance):
            words = len(text.split())
            pauses = sum(1 for w in text.split() if _CLAUSE_END.search(w) or _SENTENCE_END.search(w))
            length = max(MIN_CUE_MS, words * MS_PER_WORD + pauses * 120)
            cues.append((index, clock, clock + length, speaker, text))
            clock += length + 40
    return cues


def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1_000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _seed(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def _cue_guid(seed: str, turn_index: int) -> str:
    digest = hashlib.sha256(f"{seed}:{turn_index}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt(turns: list[tuple[str, str]], seed: str) -> bytes:
    """WebVTT as Microsoft Teams writes it: ``guid/N-M`` cue ids and ``<v Name>`` voice spans."""
    lines = ["WEBVTT", ""]
    part: dict[int, int] = {}
    for index, start, end, speaker, text in _timed_cues(turns):
        number = part.get(index, 0)
        part[index] = number + 1
        lines += [
            f"{_cue_guid(seed, index)}/{index + 1}-{number}",
            f"{_clock(start, '.')} --> {_clock(end, '.')}",
            f"<v {_escape_vtt(speaker)}>{_escape_vtt(text)}</v>",
            "",
        ]
    return "\n".join(lines).encode("utf-8")


def _srt(turns: list[tuple[str, str]]) -> bytes:
    lines = []
    for number, (_, start, end, speaker, text) in enumerate(_timed_cues(turns), start=1):
        lines += [str(number), f"{_clock(start, ',')} --> {_clock(end, ',')}", f"{speaker}: {text}", ""]
    return "\n".join(lines).encode("utf-8")
