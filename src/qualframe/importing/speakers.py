"""Speaker-turn detection in plain transcript text.

Transcripts mark who speaks with a label at the start of a line: ``Name:``,
``**Name**:`` (Markdown bold), ``[Name]:`` or an interview shorthand such as ``I:``
or ``Participant 3:``. The hard part is not finding labels but refusing the lines
that only look like one ("Note: ...", "10:30 we met", "https://..."), so a plain
``Name:`` label must recur before it is believed; marked-up labels and the usual
interview shorthands are believed at once.

All offsets are 0-based code points, end exclusive; the label itself (and an
inline time stamp next to it) is never part of the turn.

Document structure is not speech. Converted hearing and podcast transcripts
(Markdown, reStructuredText) put headings, directives and the transcriber's stage
directions between the turns; these "structural" lines end the current turn and
belong to no turn, and the unlabelled lines after one belong to no turn either,
until the next label (as text before the first label does). The text itself is
never changed, only the turn spans. Structural lines are:

- Markdown ATX headings (``# Title``, ``## Section``);
- underlines and horizontal rules: a line of one repeated character out of
  ``= - ^ ~ * # _ +`` (three or more), or a spaced rule such as ``* * *``;
- setext / reStructuredText section titles: a single-line paragraph (a blank or
  structural line above it) directly followed by an underline at least as long
  as the title, as reStructuredText requires. A shorter line of dashes under
  speech is taken as a rule, so the speech line above it stays in its turn;
- reStructuredText explicit markup and its indented block: directives
  (``.. rst-class:: indented``, ``.. raw:: html``), hyperlink targets
  (``.. _name:``) and substitutions (``.. |name| ...``). Comments (``.. text``,
  a lone ``..``) count only in a text that has such markup, as ``.. and then``
  in a plain transcript may be a trailing-off. Explicit markup styles or annotates
  what follows rather than ending anyone's speech (converted hearing transcripts
  put ``.. rst-class:: indented`` before every paragraph of a witness's answer),
  so unlabelled lines after it go on with the same speaker, in a new turn that
  starts after the markup (with no time);
- whole-line stage directions: a line in italics only (``*(10.00 am)*``,
  ``*MS PRIYA RAMAN (affirmed).*``, ``_(Pause)_``); a line in parentheses
  only (``(Short break)``, ``(The witness withdrew)``); a line in square brackets
  only when the note is procedural (``[Break]``, ``[End of recording]``,
  ``[Music]``, ``[Interview resumes]``);
- a bold pseudo-label that is not a speaker, such as ``**Break:** \\[26:45\\]``
  or ``**Outro:**`` (label-shaped: capitalised and short, but refused as a name).

The line between the speaker's words and the transcriber's: italics and
parentheses are the transcriber's typesetting for procedure, so such a line ends
the turn, except a parenthesised sound note (``(laughs)``, ``(inaudible)``,
``(long pause)``), which is about the speaker's delivery and stays in the turn.
Square brackets are the usual way to mark something within what was said, so a
whole-line ``[inaudible]``, ``[laughs]``, ``[crosstalk]`` or any other
non-procedural bracketed note (``[Welsh spoken]``) stays inside the turn, and so
do notes within a line (``Yes [laughs] I think so``). A time stamp alone on a
line (``(00:12:34)``) is not a note. A believed speaker label always wins: a
labelled line is never structural.
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

# ----------------------------------------------------------------- structural lines
# (see the module docstring). All are matched against one line, anchored.

# "# Title" up to "###### Title"; "#hashtag" is not a heading.
_ATX_HEADING_RE = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
# An underline or a rule: "=====", "-----", "^^^^^", "~~~", "***", "###", "___",
# "+++", or a spaced rule "* * *", "- - -", "_ _ _". fullmatch.
_ADORNMENT_RE = re.compile(r"[ \t]{0,3}(?:([=\-^~*#_+])\1{2,}|([-*_])(?:[ \t]*\2){2,})[ \t]*")
_ADORNMENT_STARTS = frozenset(" \t=-^~*#_+")
# reStructuredText explicit markup: ".. name::" (directive), ".. _target:",
# ".. |substitution| ...", or a comment ".. anything" / "..". The group "markup"
# is set for the first three, which cannot be a typed trailing-off.
_EXPLICIT_RE = re.compile(
    r"(?P<indent>[ \t]*)\.\.(?:[ \t]+(?P<markup>\w+(?:[-.+:]\w+)*::|_|\|)|[ \t]|$)"
)
# A whole line in italics: "*(10.00 am)*", "_(Pause)_" (not bold, no inner marker). fullmatch.
_ITALIC_LINE_RE = re.compile(
    r"[ \t]*(?:\*(?=[^\s*])[^*\n]*(?<=[^\s*])\*|_(?=[^\s_])[^_\n]*(?<=[^\s_])_)[ \t]*"
)
# A whole line in parentheses (one level of nesting inside) or square brackets,
# the latter possibly Markdown-escaped as \[Break\]. fullmatch.
_NOTE_LINE_RE = re.compile(
    r"[ \t]*(?:\((?P<paren>[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)"
    r"|\\?\[(?P<square>[^\[\]\n]*?)\\?\])[ \t]*"
)
_TIME_ONLY_RE = re.compile(rf"[ \t]*{_TIME_VALUE}[ \t]*")
_NOTE_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# First characters worth checking for a structural line (after leading spaces).
_STRUCTURE_STARTS = frozenset("#=-^~*_+.([\\")

# Bracketed notes about the proceedings rather than the speaker: a break anywhere
# in the note, a note that starts with a segment word ("Music", "End of recording"),
# or a recording/interview that starts, stops or resumes.
_BREAK_WORDS = frozenset(
    """
    break breaks adjourned adjournment adjourns recess lunch interlude intermission
    withdrew withdraws sworn affirmed
    """.split()
)
_SEGMENT_FIRST_WORDS = frozenset(
    "intro outro music jingle advert advertisement sponsor commercial end start beginning".split()
)
_SESSION_WORDS = frozenset("recording interview tape session transcript proceedings hearing meeting".split())
_SESSION_CHANGE_WORDS = frozenset(
    """
    ends ended starts started begins began resumes resumed stops stopped paused pauses
    restarts restarted concluded continues
    """.split()
)
# Sound notes: what the speaker did while speaking, which stays inside the turn.
_SOUND_WORDS = (_ANNOTATIONS - {"break", "end", "music"}) | frozenset(
    "talk speech rings cuts laugh chuckles chuckle giggles sniffs tearful emotional".split()
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


def _label_shaped(name: str) -> bool:
    """Short and capitalised, as a label is: what a refused bold label must be to count
    as a pseudo-label ("Break", "Outro") rather than bold emphasis in speech."""
    return (
        bool(name)
        and len(name) <= MARKED_MAX_CHARS
        and len(name.split(" ")) <= MARKED_MAX_WORDS
        and (name[0].isupper() or name[0].isdigit())
    )


def _is_pseudo_label(line: str, bold_chars: int | None = None) -> bool:
    """A bold label that was refused as a speaker: ``**Break:** \\[26:45\\]``.

    Call it only for a line without a believed label. ``bold_chars`` is the length
    of a leading bold run from Word formatting, if the line has one.
    """
    if bold_chars:
        bold = line[:bold_chars]
        colon = bold.find(":")
        if colon >= 0 and _label_shaped(collapse_whitespace(bold[:colon])):
            return True
    pos = _SPACES_RE.match(line).end()
    _, pos = _time_at(line, pos)
    if not line.startswith("**", pos):
        return False
    match = _BOLD_RE.match(line, pos)
    return match is not None and _label_shaped(collapse_whitespace(match.group("name")))


def note_is_procedural(note: str) -> bool:
    """A bracketed note about the proceedings: a break, music, the recording stopping."""
    words = _NOTE_WORD_RE.findall(note.lower())
    if not words:
        return False
    if words[0] in _SEGMENT_FIRST_WORDS or any(word in _BREAK_WORDS for word in words):
        return True
    return words[0] in _SESSION_WORDS and any(word in _SESSION_CHANGE_WORDS for word in words)


def note_is_sound(note: str) -> bool:
    """A note on how the speaker spoke ("laughs", "inaudible", "long pause")."""
    return any(word in _SOUND_WORDS for word in _NOTE_WORD_RE.findall(note.lower()))


def _is_stage_direction(line: str) -> bool:
    """A whole-line note that is the transcriber's, not the speaker's (see module doc)."""
    if _ITALIC_LINE_RE.fullmatch(line):
        return True
    match = _NOTE_LINE_RE.fullmatch(line)
    if match is None:
        return False
    paren = match.group("paren")
    if paren is not None:
        if _TIME_ONLY_RE.fullmatch(paren):
            return False  # a time stamp on its own line
        return note_is_procedural(paren) or not note_is_sound(paren)
    return note_is_procedural(match.group("square").rstrip("\\"))


def _is_underline(line: str) -> bool:
    return line[:1] in _ADORNMENT_STARTS and _ADORNMENT_RE.fullmatch(line) is not None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


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
    unlabelled lines (continuation paragraphs) up to the next label or the next
    structural line (heading, underline, rule, directive, stage direction; see the
    module docstring); trailing blank lines are not part of it. Text before the
    first label, structural lines and the unlabelled lines after a structural line
    are in no turn, except after reStructuredText explicit markup, where the same
    speaker goes on in a new turn.
    ``bold_prefixes`` maps a line's start offset to the number of leading bold
    characters on it (from Word formatting); a bold label needs no repetition.
    """
    bold_prefixes = bold_prefixes or {}
    lines = _split_lines(text)
    candidates: list[Label | None] = []
    rst_markup = False  # explicit reStructuredText markup somewhere: ".. x" lines are comments
    for offset, line in lines:
        label = None
        if offset in bold_prefixes:
            label = find_bold_label(line, bold_prefixes[offset])
        if label is None:
            label = find_label(line)
        candidates.append(label)
        if not rst_markup and ".." in line[:64]:
            match = _EXPLICIT_RE.match(line)
            rst_markup = match is not None and match.group("markup") is not None
    labels = accept_labels(candidates)

    turns: list[readers.Turn] = []
    speaker: str | None = None
    start: int | None = None
    end = 0
    time: float | None = None
    block_indent: int | None = None  # indentation of the directive whose block we are in
    paragraph_start = True  # the previous line was blank or structural (or there was none)
    count = len(lines)
    for index, ((offset, line), label) in enumerate(zip(lines, labels)):
        if label is not None:
            if speaker is not None and start is not None:
                turns.append(readers.Turn(speaker, start, end, time))
            speaker, start, time = label.speaker, None, label.time
            block_indent = None
            paragraph_start = False
            rest = line[label.end :]
            if rest.strip():
                start = offset + label.end + (len(rest) - len(rest.lstrip()))
                end = offset + len(line.rstrip())
            continue
        first = line[:1]
        if first in (" ", "\t"):
            stripped = line.lstrip(" \t")
            if not stripped.strip():
                paragraph_start = True
                continue
            first = stripped[:1]
        elif not first:
            paragraph_start = True
            continue
        structural = markup = False
        if block_indent is not None:
            if _indent(line) > block_indent:
                structural = markup = True
            else:
                block_indent = None
        if not structural and first in _STRUCTURE_STARTS:
            if first == ".":
                match = _EXPLICIT_RE.match(line)
                if match is not None and (rst_markup or match.group("markup") is not None):
                    structural = markup = True
                    block_indent = len(match.group("indent"))
            elif _is_underline(line) or (first == "#" and _ATX_HEADING_RE.match(line)):
                structural = True
            elif first in "*_([\\":
                structural = _is_stage_direction(line)
        if not structural and (first in "*[(\\" or offset in bold_prefixes):
            structural = _is_pseudo_label(line, bold_prefixes.get(offset))
        if (
            not structural
            and paragraph_start
            and index + 1 < count
            and _is_underline(lines[index + 1][1])
            and len(lines[index + 1][1].strip()) >= len(line.strip())
        ):
            structural = True  # a section title: its underline follows
        paragraph_start = structural
        if structural:
            if speaker is not None and start is not None:
                turns.append(readers.Turn(speaker, start, end, time))
            start = time = None
            if not markup:
                speaker = None  # explicit markup only styles what follows: the speaker goes on
        elif speaker is not None:
            if start is None:
                start = offset + (len(line) - len(line.lstrip()))
            end = offset + len(line.rstrip())
    if speaker is not None and start is not None:
        turns.append(readers.Turn(speaker, start, end, time))
    return turns
