"""Format readers: turn the bytes of a transcript file into plain text and speaker turns.

Every reader produces the same thing: a plain text that keeps every word of the
transcript, and speaker turns as offsets into it, so coding works the same
whatever the source format. Anything we cannot read faithfully is refused with a
reason the researcher can act on, rather than imported half-right.

Layout of the plain text by format:

* .txt / .md: the decoded text itself, line endings normalised to "\\n".
* .docx: one line per paragraph; a table row is one line with its cells separated
  by a tab. Tracked changes read as if accepted.
* .vtt / .srt: one paragraph per speaker turn, "Speaker Name: utterance",
  paragraphs separated by a blank line; the turn covers only the utterance.
  Consecutive cues of one speaker are merged (joined with a space).

Cues without a speaker: in a file that names speakers only with voice tags
(``<v Name>``, as Microsoft Teams does) a cue without a voice tag becomes its own
turn with speaker "". In files that name speakers in the cue text ("Name: ..." as
in Zoom exports and SRT, where a label often marks only a change of speaker), a
cue without a label continues the previous speaker's turn, as an unlabelled line
does in a text transcript; cues before the first label, and all cues of a file
without speakers, become turns with speaker "". Turns with speaker "" are never
merged with each other, so each keeps its own times; their paragraph has no label.
"""

from __future__ import annotations

import html
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import docx
import webvtt
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree
from webvtt.errors import MalformedCaptionError, MalformedFileError

from qualframe.errors import ImportRefused

# Module import (not ``from speakers import ...``): speakers imports this module too.
from qualframe.importing import speakers


@dataclass
class Turn:
    """One speaker turn: ``text[start:end]`` is what ``speaker`` said.

    Offsets are 0-based Unicode code points into ``Transcript.text``, end exclusive.
    Times are seconds from the start of the recording, where the format gives them.
    """

    speaker: str
    start: int
    end: int
    time_start: float | None = None
    time_end: float | None = None


@dataclass
class Transcript:
    text: str
    turns: list[Turn] = field(default_factory=list)
    format: str = "txt"  # txt, md, docx, vtt, srt
    encoding: str | None = None  # for text formats: the encoding detected


DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".vtt", ".srt")

_SUPPORTED_LIST = ", ".join(SUPPORTED_SUFFIXES)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_UNDECODABLE = "cannot decode text: not UTF-8, UTF-16 or Windows-1252"
_BINARY = "not a text file (binary content)"
# Share of control characters above which a "text" file is taken to be binary data.
# Real text has almost none; random bytes have about 12%.
_MAX_CONTROL_SHARE = 0.05
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_MB = 1024 * 1024


# --------------------------------------------------------------------------- entry


def read_transcript(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Transcript, bytes]:
    """Read one transcript file; return the transcript and the file's original bytes.

    Raises ImportRefused (naming the file and the reason) for empty, binary,
    undecodable, password-protected, unsupported or oversized files.
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportRefused(name, _unsupported_reason(suffix))

    # Size first, from the file system, so a huge file is never read into memory.
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImportRefused(name, "file not found") from None
    except OSError as error:
        raise ImportRefused(name, f"cannot read the file ({error.strerror or error})") from None
    if os.path.isdir(path):
        raise ImportRefused(name, "is a folder, not a file")
    if info.st_size > max_bytes:
        raise ImportRefused(name, _size_reason(info.st_size, max_bytes))
    try:
        with open(path, "rb") as handle:
            data = handle.read(min(info.st_size, max_bytes) + 1)
    except OSError as error:
        raise ImportRefused(name, f"cannot read the file ({error.strerror or error})") from None
    if len(data) > max_bytes:  # grew since stat
        raise ImportRefused(name, _size_reason(len(data), max_bytes))
    if not data:
        raise ImportRefused(name, "file is empty")

    if suffix in (".txt", ".md"):
        transcript = read_plain_text(name, data, suffix[1:])
    elif suffix == ".docx":
        transcript = read_docx(name, data)
    elif suffix == ".vtt":
        transcript = read_vtt(name, data)
    else:
        transcript = read_srt(name, data)
    return transcript, data


def _unsupported_reason(suffix: str) -> str:
    """Name the supported types; give the way out for old Word files."""
    if not suffix:
        return f"file name has no type extension (supported: {_SUPPORTED_LIST})"
    reason = f"unsupported file type '{suffix}' (supported: {_SUPPORTED_LIST})"
    if suffix == ".doc":
        reason += "; open it in Word and save it as .docx"
    return reason


def _format_size(size: int, precise: bool = False) -> str:
    """Sizes as people read them: "61.2 MB", "50 MB", "120 KB", "300 bytes"."""
    if precise or size < 1024:
        return f"{size:,} bytes"
    if size < _MB:
        value, unit = size / 1024, "KB"
    else:
        value, unit = size / _MB, "MB"
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _size_reason(size: int, limit: int) -> str:
    """The size and the limit, precise enough that they visibly differ."""
    shown, limit_shown = _format_size(size), _format_size(limit)
    if shown == limit_shown:
        shown, limit_shown = _format_size(size, True), _format_size(limit, True)
    return f"file is {shown}, over the {limit_shown} limit"


# --------------------------------------------------------------------------- text


def decode_text(filename: str, data: bytes) -> tuple[str, str]:
    """Decode transcript bytes; return (text with "\\n" line ends and no BOM, encoding).

    Order: a byte-order mark decides (UTF-8, UTF-16 LE/BE); else UTF-8; else
    Windows-1252, which is what Word's "Save as plain text" writes on Windows.
    """
    if data.startswith(b"\xff\xfe\x00\x00") or data.startswith(b"\x00\x00\xfe\xff"):
        raise ImportRefused(filename, "text is in UTF-32, which is not supported; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        text = _decode_marked(filename, data[3:], "utf-8", "UTF-8")
        encoding = "utf-8-sig"
    elif data.startswith(b"\xff\xfe"):
        text = _decode_marked(filename, data[2:], "utf-16-le", "UTF-16")
        encoding = "utf-16"
    elif data.startswith(b"\xfe\xff"):
        text = _decode_marked(filename, data[2:], "utf-16-be", "UTF-16")
        encoding = "utf-16"
    else:
        if b"\x00" in data:
            raise ImportRefused(filename, _BINARY)
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            # Check for binary before cp1252, which decodes almost any byte.
            if len(data.translate(None, _NOT_CONTROL_BYTES)) > _MAX_CONTROL_SHARE * len(data):
                raise ImportRefused(filename, _BINARY) from None
            try:
                text = data.decode("cp1252")  # fails on 0x81 0x8D 0x8F 0x90 0x9D
            except UnicodeDecodeError:
                raise ImportRefused(filename, _UNDECODABLE) from None
            encoding = "cp1252"

    if text.startswith("\ufeff"):
        text = text[1:]
    if len(_CONTROL_RE.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise ImportRefused(filename, _BINARY)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportRefused(filename, "file has no text")
    return text, encoding


def _decode_marked(filename: str, data: bytes, codec: str, label: str) -> str:
    """Decode data whose byte-order mark promised ``label``; refuse if it lies."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise ImportRefused(
            filename,
            f"cannot decode text: the file is marked as {label} but is not valid {label}",
        ) from None


def read_plain_text(filename: str, data: bytes, fmt: str = "txt") -> Transcript:
    """A .txt or .md transcript: the decoded text as is, turns from speaker labels."""
    text, encoding = decode_text(filename, data)
    return Transcript(text, speakers.detect_turns(text), fmt, encoding)


# --------------------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _TBL, _TR, _TC, _R = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}r"
# Deleted text (tracked deletions, moved-away text) and things that are not the
# transcript's running text: drawings and text boxes, embedded objects, and
# AlternateContent, which holds the same content twice.
_DOCX_SKIP = frozenset(
    {f"{_W}del", f"{_W}moveFrom", f"{_W}pPr", f"{_W}rPr", f"{_W}drawing", f"{_W}pict",
     f"{_W}object", f"{_W}delText", f"{_W}instrText", f"{_MC}AlternateContent"}
)
_FALSE_VALUES = frozenset({"0", "false", "off", "none"})
_DOCX_ERRORS = (
    KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError, etree.LxmlError,
    EOFError, NotImplementedError, RuntimeError, zlib.error,  # RuntimeError: encrypted ZIP
)


def read_docx(filename: str, data: bytes) -> Transcript:
    """A Word .docx transcript: paragraphs (and table rows) as lines.

    The XML is walked directly because python-docx's ``paragraph.text`` leaves out
    tracked insertions (it reads only direct runs and hyperlinks).
    """
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise ImportRefused(
                filename,
                "Word file is password-protected (encrypted); "
                "save an unprotected copy and import that",
            )
        raise ImportRefused(filename, "this is an old .doc Word file; save it as .docx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRefused(filename, "not a valid .docx file (it is not a Word document)")
    try:
        document = docx.Document(io.BytesIO(data))
    except _DOCX_ERRORS:
        raise ImportRefused(
            filename, "not a valid .docx file (it is a ZIP archive but not a Word document)"
        ) from None

    lines = _docx_block_lines(document.element.body)
    parts: list[str] = []
    bold_prefixes: dict[int, int] = {}
    offset = 0
    for text, bold_chars in lines:
        text = text.replace("\r", "\n")  # same length, so bold_chars stays right
        if bold_chars:
            bold_prefixes[offset] = bold_chars
        parts.append(text)
        offset += len(text) + 1
    text = "\n".join(parts)
    if not text.strip():
        raise ImportRefused(filename, "file has no text")
    return Transcript(text, speakers.detect_turns(text, bold_prefixes), "docx", None)


def _docx_block_lines(container: etree._Element) -> list[tuple[str, int]]:
    """Lines of a body, table cell or content control: (text, leading bold chars)."""
    lines: list[tuple[str, int]] = []
    join_next = False  # the previous paragraph's mark was deleted: accept = merge
    for child in container:
        if child.tag == _P:
            text, bold_chars = _docx_paragraph(child)
            if join_next and lines:
                previous_text, previous_bold = lines[-1]
                lines[-1] = (previous_text + text, previous_bold)
            else:
                lines.append((text, bold_chars))
            join_next = _paragraph_mark_deleted(child)
        elif child.tag == _TBL:
            lines.extend(_docx_table_lines(child))
            join_next = False
        elif child.tag not in _DOCX_SKIP and len(child):
            # sdt / sdtContent / customXml wrap ordinary paragraphs and tables
            lines.extend(_docx_block_lines(child))
    return lines


def _docx_table_lines(table: etree._Element) -> list[tuple[str, int]]:
    """One line per table row, cells separated by a tab; bold lead of the first cell."""
    lines = []
    for row in table.iter(_TR):
        if _nearest(row, _TBL) is not table or _row_deleted(row):
            continue  # rows of nested tables are read inside their cell
        cells = []
        bold_chars = 0
        for cell in row.iter(_TC):
            if _nearest(cell, _TR) is not row:
                continue  # a cell of a nested table
            cell_lines = _docx_block_lines(cell)
            if not cells and cell_lines:
                bold_chars = cell_lines[0][1]
            cells.append("\n".join(text for text, _ in cell_lines))
        lines.append(("\t".join(cells), bold_chars))
    return lines


def _nearest(element: etree._Element, tag: str) -> etree._Element | None:
    """The nearest enclosing element with ``tag``."""
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _row_deleted(row: etree._Element) -> bool:
    """A table row removed with tracked changes on."""
    properties = row.find(f"{_W}trPr")
    return properties is not None and properties.find(f"{_W}del") is not None


def _paragraph_mark_deleted(paragraph: etree._Element) -> bool:
    """A deleted paragraph mark joins this paragraph to the next once accepted."""
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return False
    run_properties = properties.find(f"{_W}rPr")
    return run_properties is not None and run_properties.find(f"{_W}del") is not None


@dataclass
class _ParagraphText:
    """Text of a paragraph being collected, and how many leading characters are bold.

    The bold lead ends at the first run with text that is not bold; leading blank
    runs are allowed. It lets a bold speaker name count as a label.
    """

    pieces: list[str] = field(default_factory=list)
    length: int = 0
    lead_state: str = "start"  # start -> bold -> done
    bold_chars: int = 0

    def add_run(self, text: str, bold: bool) -> None:
        if self.lead_state == "start":
            if bold and text.strip():
                self.lead_state = "bold"
            elif text.strip():
                self.lead_state = "done"
        elif self.lead_state == "bold" and not bold:
            self.lead_state = "done"
        self.pieces.append(text)
        self.length += len(text)
        if self.lead_state == "bold":
            self.bold_chars = self.length


def _docx_paragraph(paragraph: etree._Element) -> tuple[str, int]:
    """Text of a paragraph as if all tracked changes were accepted, and its bold lead."""
    collected = _ParagraphText()
    _collect_runs(paragraph, collected)
    return "".join(collected.pieces), collected.bold_chars


def _collect_runs(element: etree._Element, collected: _ParagraphText) -> None:
    """Walk a paragraph in document order, skipping deleted text."""
    for child in element:
        tag = child.tag
        if tag in _DOCX_SKIP:
            continue
        if tag == _R:
            run_text = _run_text(child)
            if run_text:
                collected.add_run(run_text, _run_is_bold(child))
        elif len(child):
            # w:ins, w:moveTo, w:hyperlink, w:smartTag, w:sdt, w:fldSimple, ...
            _collect_runs(child, collected)


def _run_text(run: etree._Element) -> str:
    """Text of one run: w:t, tabs and breaks; deleted and field-code text left out."""
    pieces = []
    for child in run:
        tag = child.tag
        if tag == f"{_W}t":
            pieces.append(child.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            pieces.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            pieces.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            pieces.append("-")
    return "".join(pieces)


def _run_is_bold(run: etree._Element) -> bool:
    """Direct bold formatting, or the built-in "Strong" character style."""
    properties = run.find(f"{_W}rPr")
    if properties is None:
        return False
    bold = properties.find(f"{_W}b")
    if bold is not None:
        return bold.get(f"{_W}val", "true").lower() not in _FALSE_VALUES
    style = properties.find(f"{_W}rStyle")
    return style is not None and style.get(f"{_W}val", "") in ("Strong", "strong")


# --------------------------------------------------------------------------- cues


@dataclass
class _Cue:
    """A subtitle cue: times in seconds and its text lines (markup still in)."""

    start: float
    end: float
    lines: list[str]


_VOICE_RE = re.compile(r"v(?:\.[\w-]+)*[ \t]+(?P<name>.*\S)", re.DOTALL)
_ASS_TAG_RE = re.compile(r"\{\\[^{}\n]*\}")  # {\an8} positioning codes in SRT


def _cue_pieces(lines: list[str]) -> list[tuple[str | None, str]]:
    """Cue text split by voice: [(voice name or None, text)], tags removed, entities decoded."""
    pieces: list[tuple[str | None, str]] = []
    voice: str | None = None
    for line in lines:
        buffer: list[str] = []
        pos = 0
        while True:
            start = line.find("<", pos)
            end = line.find(">", start + 1) if start >= 0 else -1
            if start < 0 or end < 0:
                buffer.append(line[pos:])
                break
            buffer.append(line[pos:start])
            tag = line[start + 1 : end].strip()
            pos = end + 1
            match = _VOICE_RE.fullmatch(tag)
            if match is not None or tag.lower() == "/v":
                _add_piece(pieces, voice, buffer)
                buffer = []
                voice = None
                if match is not None:
                    voice = speakers.collapse_whitespace(html.unescape(match.group("name")))
            # any other tag (<c>, <i>, <b>, <00:00:08.000>, <font ...>) is dropped
        _add_piece(pieces, voice, buffer)
    return pieces


def _add_piece(pieces: list[tuple[str | None, str]], voice: str | None, buffer: list[str]) -> None:
    """Entities are decoded after the tags are gone, so "&lt;" cannot open a tag."""
    text = html.unescape("".join(buffer)).strip()
    if text:
        pieces.append((voice, text))


@dataclass
class _Piece:
    """Text from one cue, spoken by one voice (None: no voice tag)."""

    cue: int
    start: float
    end: float
    voice: str | None
    text: str


@dataclass
class _Segment:
    """Consecutive cue text of one speaker: becomes one turn."""

    speaker: str
    cue: int
    start: float
    end: float
    texts: list[str]


def _cues_transcript(cues: list[_Cue], fmt: str, encoding: str) -> Transcript:
    """Speaker turns from cues, laid out as "Speaker: utterance" paragraphs."""
    pieces = []
    for number, cue in enumerate(cues):
        for voice, text in _cue_pieces(cue.lines):
            pieces.append(_Piece(number, cue.start, cue.end, voice, text))
    uses_voice = any(piece.voice is not None for piece in pieces)

    unvoiced = [piece for piece in pieces if piece.voice is None]
    candidates = [speakers.find_label(piece.text) for piece in unvoiced]
    # A plain "Name:" needs no repetition when most cues start with one (Zoom).
    cues_with_text = {piece.cue for piece in unvoiced}
    cues_labelled = {piece.cue for piece, label in zip(unvoiced, candidates) if label is not None}
    most_labelled = len(cues_labelled) * 2 > len(cues_with_text)
    accepted = speakers.accept_labels(candidates, trust_plain=most_labelled)
    labels = {id(piece): label for piece, label in zip(unvoiced, accepted)}

    # Only voice tags name speakers: a cue without one has no known speaker.
    # Otherwise speakers are labelled on change, so an unlabelled cue continues.
    continues = not uses_voice or any(label is not None for label in accepted)

    segments: list[_Segment] = []
    previous = ""
    previous_cue = -1
    for piece in pieces:
        label = labels.get(id(piece))
        text = piece.text
        if piece.voice is not None:
            speaker = piece.voice
        elif label is not None:
            speaker = label.speaker
            text = text[label.end :].strip()
        elif continues or piece.cue == previous_cue:
            speaker = previous
        else:
            speaker = ""
        previous, previous_cue = speaker, piece.cue
        if not text:
            continue
        last = segments[-1] if segments else None
        # "" is no speaker: unlabelled cues stay apart, each with its own times
        if last is not None and last.speaker == speaker and (speaker or last.cue == piece.cue):
            last.end = max(last.end, piece.end)
            last.texts.append(text)
        else:
            segments.append(_Segment(speaker, piece.cue, piece.start, piece.end, [text]))

    paragraphs: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for segment in segments:
        utterance = " ".join(segment.texts)
        prefix = f"{segment.speaker}: " if segment.speaker else ""
        paragraphs.append(prefix + utterance)
        turn_start = offset + len(prefix)
        turns.append(
            Turn(segment.speaker, turn_start, turn_start + len(utterance), segment.start, segment.end)
        )
        offset += len(prefix) + len(utterance) + 2  # "\n\n" between paragraphs
    return Transcript("\n\n".join(paragraphs), turns, fmt, encoding)


def _seconds(milliseconds: int) -> float:
    return milliseconds / 1000


def read_vtt(filename: str, data: bytes) -> Transcript:
    """A WebVTT transcript (Teams with voice tags, Zoom with "Name:" in the cue text)."""
    text, encoding = decode_text(filename, data)
    text = text.lstrip("\n")
    first_line = text.split("\n", 1)[0]
    if not (first_line.startswith("WEBVTT") and first_line[6:7] in ("", " ", "\t")):
        reason = (
            "not a WebVTT file: the first line should be 'WEBVTT' "
            f"but is '{_shorten(first_line)}'"
        )
        second_line = text.split("\n", 2)[1] if "\n" in text else ""
        if _SRT_TIMING_RE.match(second_line):
            reason += " (it looks like an SRT subtitle file; rename it to .srt)"
        raise ImportRefused(filename, reason)
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise ImportRefused(filename, f"not a WebVTT file: {error}") from None
    if not captions:
        raise ImportRefused(filename, "WebVTT file has no cues")
    cues = [
        _Cue(
            _seconds(caption.start_time.in_milliseconds()),
            _seconds(caption.end_time.in_milliseconds()),
            list(caption.lines),
        )
        for caption in captions
    ]
    transcript = _cues_transcript(cues, "vtt", encoding)
    if not transcript.text.strip():
        raise ImportRefused(filename, "WebVTT file has cues but no text in them")
    return transcript


def _shorten(line: str, limit: int = 40) -> str:
    """Quote at most ``limit`` characters of a line in a reason."""
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


_SRT_TIME = r"(\d{1,3}):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
_SRT_TIMING_RE = re.compile(rf"[ \t]*{_SRT_TIME}[ \t]*-->[ \t]*{_SRT_TIME}(?:[ \t]|$)")
_SRT_EXAMPLE = "'00:00:01,000 --> 00:00:04,000'"


def _srt_seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, fraction = groups
    value = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return float(value)


def _parse_srt_cues(filename: str, text: str) -> list[_Cue]:
    """Cues of an SRT file; refuses, naming the line, when it is not SRT.

    Lenient where players are: the cue number may be missing, and a blank line
    inside a cue's text does not end the cue. Strict where a guess would lose
    text: a time line that cannot be read is an error.
    """
    lines = text.split("\n")
    cues: list[_Cue] = []
    at_block_start = True  # after a blank line or a cue number, or at the top
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            at_block_start = True
            continue
        next_line = lines[number] if number < len(lines) else ""
        if stripped.isdigit() and (
            _SRT_TIMING_RE.match(next_line) or (at_block_start and "-->" in next_line)
        ):
            at_block_start = True
            continue  # the cue number; the time line follows
        match = _SRT_TIMING_RE.match(line)
        if match is not None:
            groups = match.groups()
            cues.append(_Cue(_srt_seconds(groups[:4]), _srt_seconds(groups[4:]), []))
            at_block_start = False
            continue
        if at_block_start and "-->" in stripped:
            raise ImportRefused(
                filename,
                f"malformed SRT file: line {number} should be a time line like "
                f"{_SRT_EXAMPLE} but is '{_shorten(line)}'",
            )
        if not cues:
            raise ImportRefused(
                filename,
                "not an SRT file: it should start with a cue number and a time line like "
                f"{_SRT_EXAMPLE}, but line {number} is '{_shorten(line)}'",
            )
        cues[-1].lines.append(_ASS_TAG_RE.sub("", line))
        at_block_start = False
    return cues


def read_srt(filename: str, data: bytes) -> Transcript:
    """An SRT subtitle transcript; speakers from "Name:" at the start of cue text or <v Name>."""
    text, encoding = decode_text(filename, data)
    cues = _parse_srt_cues(filename, text)
    if not cues:
        raise ImportRefused(filename, "SRT file has no cues")
    transcript = _cues_transcript(cues, "srt", encoding)
    if not transcript.text.strip():
        raise ImportRefused(filename, "SRT file has cues but no text in them")
    return transcript
