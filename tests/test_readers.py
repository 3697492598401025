"""Format readers: every format, every refusal, and the offset invariants.

Fixtures are written into tmp_path by the tests; people and places are invented.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from qualframe.errors import ImportRefused
from qualframe.importing import readers
from qualframe.importing.readers import DEFAULT_MAX_BYTES, Transcript, read_transcript

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(path: Path, **kwargs) -> Transcript:
    """Read and check the invariants every transcript must keep."""
    transcript, original = read_transcript(path, **kwargs)
    assert original == path.read_bytes()
    previous_end = 0
    for turn in transcript.turns:
        assert previous_end <= turn.start < turn.end <= len(transcript.text), turn
        utterance = transcript.text[turn.start : turn.end]
        assert utterance == utterance.strip(), turn
        previous_end = turn.end
    assert "\r" not in transcript.text and not transcript.text.startswith("\ufeff")
    return transcript


def said(transcript: Transcript) -> list[tuple[str, str]]:
    return [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns]


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_transcript(path, **kwargs)
    assert caught.value.filename == path.name
    return caught.value.reason


INTERVIEW = (
    "Interview 7, Hollinsbridge Council\n"
    "\n"
    "Interviewer: How did the closure affect you?\n"
    "\n"
    "Priya Raman: It was hard “at first”.\n"
    "\n"
    "We adapted.\n"
    "\n"
    "Interviewer: And later?\n"
    "\n"
    "Priya Raman: Better.\n"
)
INTERVIEW_TURNS = [
    ("Interviewer", "How did the closure affect you?"),
    ("Priya Raman", "It was hard “at first”.\n\nWe adapted."),
    ("Interviewer", "And later?"),
    ("Priya Raman", "Better."),
]


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "encode, encoding",
    [
        (lambda s: s.encode("utf-8"), "utf-8"),
        (lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"), "utf-8-sig"),
        (lambda s: b"\xff\xfe" + s.encode("utf-16-le"), "utf-16"),
        (lambda s: b"\xfe\xff" + s.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_txt_encodings(tmp_path, encode, encoding):
    transcript = read(write(tmp_path, "interview.txt", encode(INTERVIEW)))
    assert transcript.text == INTERVIEW
    assert transcript.encoding == encoding
    assert transcript.format == "txt"
    assert said(transcript) == INTERVIEW_TURNS


def test_txt_double_bom_is_stripped(tmp_path):
    transcript = read(write(tmp_path, "twice.txt", b"\xef\xbb\xbf\xef\xbb\xbf" + INTERVIEW.encode()))
    assert transcript.text == INTERVIEW


def test_txt_cp1252_with_curly_quotes(tmp_path):
    data = b"Tom Okafor: I didn\x92t know \x93why\x94.\r\nPriya Raman: Caf\xe9?\r\nTom Okafor: Yes.\r\nPriya Raman: OK.\r\n"
    transcript = read(write(tmp_path, "saved-by-word.txt", data))
    assert transcript.encoding == "cp1252"
    assert transcript.text.startswith("Tom Okafor: I didn’t know “why”.\nPriya Raman: Café?\n")
    assert said(transcript)[0] == ("Tom Okafor", "I didn’t know “why”.")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_txt_line_endings_are_normalised(tmp_path, newline):
    transcript = read(write(tmp_path, "crlf.txt", INTERVIEW.replace("\n", newline)))
    assert transcript.text == INTERVIEW
    assert said(transcript) == INTERVIEW_TURNS


def test_md_keeps_markdown_and_bold_labels(tmp_path):
    text = (
        "# Hearing, 3 May\n\n"
        "**Lady Hallett**: Good morning.\n\n"
        "**Mr Tom Okafor:** \\[00:01:05\\] Good morning, my Lady.\n\n"
        "*(10.00 am)*\n"
    )
    transcript = read(write(tmp_path, "hearing.MD", text))
    assert transcript.text == text
    assert transcript.format == "md"
    assert said(transcript) == [
        ("Lady Hallett", "Good morning."),
        ("Mr Tom Okafor", "Good morning, my Lady."),  # the stage direction is in no turn
    ]
    assert transcript.turns[1].time_start == 65


def test_suffix_is_case_insensitive(tmp_path):
    assert read(write(tmp_path, "INTERVIEW.TXT", INTERVIEW)).format == "txt"


# --------------------------------------------------------------------------- refusals


def test_refuse_empty(tmp_path):
    assert refusal(write(tmp_path, "empty.txt", b"")) == "file is empty"


@pytest.mark.parametrize("data", [b"  \n\t\r\n  ", b"\xef\xbb\xbf\n", b"\xff\xfe \x00\n\x00"])
def test_refuse_whitespace_only(tmp_path, data):
    assert refusal(write(tmp_path, "blank.txt", data)) == "file has no text"


def test_refuse_binary_with_nul(tmp_path):
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert refusal(write(tmp_path, "picture.txt", data)) == "not a text file (binary content)"


def test_refuse_binary_control_characters(tmp_path):
    data = bytes([1, 2, 3, 4, 27, 65, 66, 67] * 50)
    assert refusal(write(tmp_path, "blob.md", data)) == "not a text file (binary content)"


def test_a_few_control_characters_are_fine(tmp_path):
    data = ("I: Hello.\x0c\n" + "word " * 200 + "\x1a").encode()
    assert read(write(tmp_path, "ok.txt", data)).turns[0].speaker == "I"


def test_refuse_undecodable(tmp_path):
    data = b"I: Caf\xe9 \x81 not cp1252\n"
    assert refusal(write(tmp_path, "odd.txt", data)) == "cannot decode text: not UTF-8, UTF-16 or Windows-1252"


def test_refuse_utf16_bom_with_broken_content(tmp_path):
    reason = refusal(write(tmp_path, "broken.txt", b"\xff\xfe\x00\xd8a\x00"))
    assert reason.startswith("cannot decode text") and "UTF-16" in reason


def test_refuse_oversized_with_small_limit(tmp_path):
    path = write(tmp_path, "long.txt", "I: " + "word " * 40)
    assert refusal(path, max_bytes=100) == "file is 203 bytes, over the 100 bytes limit"
    assert read(path, max_bytes=203).turns


def test_refuse_oversized_before_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(int(61.2 * 1024 * 1024))  # sparse: nothing is written

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(readers, "open", no_reading, raising=False)
    assert refusal(path) == "file is 61.2 MB, over the 50 MB limit"
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize("name, shown", [("report.pdf", "'.pdf'"), ("notes.rtf", "'.rtf'")])
def test_refuse_unsupported_suffix(tmp_path, name, shown):
    reason = refusal(write(tmp_path, name, b"I: hello"))
    assert reason == f"unsupported file type {shown} (supported: .txt, .md, .docx, .vtt, .srt)"


def test_refuse_old_doc_suffix_with_hint(tmp_path):
    reason = refusal(write(tmp_path, "old.DOC", OLE_MAGIC + b"\x00" * 64))
    assert reason.startswith("unsupported file type '.doc'") and "save it as .docx" in reason


def test_refuse_missing_file(tmp_path):
    assert refusal(tmp_path / "gone.txt") == "file not found"


# --------------------------------------------------------------------------- docx


def add_run(paragraph, text: str, bold: bool = False):
    run = paragraph.add_run(text)
    run.bold = bold
    return run


def make_run(text: str, tag: str = "w:t"):
    run = OxmlElement("w:r")
    element = OxmlElement(tag)
    element.text = text
    element.set(qn("xml:space"), "preserve")
    run.append(element)
    return run


def tracked(kind: str, change_id: int, *runs):
    element = OxmlElement(kind)
    element.set(qn("w:id"), str(change_id))
    element.set(qn("w:author"), "Tom Okafor")
    element.set(qn("w:date"), "2024-05-01T10:00:00Z")
    for run in runs:
        element.append(run)
    return element


def save(document, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def test_docx_bold_labels(tmp_path):
    document = docx.Document()
    document.add_paragraph("Interview 3, Hollinsbridge Council")
    paragraph = document.add_paragraph()
    add_run(paragraph, "Interviewer", bold=True)
    add_run(paragraph, " Where did you grow up?")
    paragraph = document.add_paragraph()
    add_run(paragraph, "Tom Okafor:", bold=True)
    add_run(paragraph, " Near the river.")
    document.add_paragraph("We moved later.")
    paragraph = document.add_paragraph()
    add_run(paragraph, "Summary of themes", bold=True)  # a bold heading, not a label
    transcript = read(save(document, tmp_path, "bold.docx"))
    assert transcript.format == "docx"
    assert transcript.text == (
        "Interview 3, Hollinsbridge Council\nInterviewer Where did you grow up?\n"
        "Tom Okafor: Near the river.\nWe moved later.\nSummary of themes"
    )
    assert said(transcript) == [
        ("Interviewer", "Where did you grow up?"),
        ("Tom Okafor", "Near the river.\nWe moved later.\nSummary of themes"),
    ]


def test_docx_colon_labels(tmp_path):
    document = docx.Document()
    for line in INTERVIEW.split("\n"):
        document.add_paragraph(line)
    transcript = read(save(document, tmp_path, "Colon.DOCX"))
    assert transcript.text == INTERVIEW
    assert said(transcript) == INTERVIEW_TURNS


def test_docx_tracked_changes_read_as_accepted(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph()
    add_run(paragraph, "Priya Raman: We met at the ")
    paragraph._p.append(tracked("w:del", 1, make_run("old ", "w:delText")))
    paragraph._p.append(tracked("w:del", 4, make_run("older ")))  # w:t in a deletion
    paragraph._p.append(tracked("w:ins", 2, make_run("new ")))
    add_run(paragraph, "library.")
    paragraph = document.add_paragraph()
    add_run(paragraph, "Tom Okafor: Yes")
    paragraph._p.append(tracked("w:ins", 3, make_run(", on Mill Lane")))
    add_run(paragraph, ".")
    document.add_paragraph("Priya Raman: Thanks.")
    document.add_paragraph("Tom Okafor: Bye.")
    path = save(document, tmp_path, "tracked.docx")

    transcript = read(path)
    assert transcript.text.split("\n")[:2] == [
        "Priya Raman: We met at the new library.",
        "Tom Okafor: Yes, on Mill Lane.",
    ]
    assert "old" not in transcript.text
    assert said(transcript)[1] == ("Tom Okafor", "Yes, on Mill Lane.")
    # python-docx's own paragraph.text drops the insertion: why we walk the XML
    assert docx.Document(str(path)).paragraphs[1].text == "Tom Okafor: Yes."


def test_docx_deleted_paragraph_mark_joins_paragraphs(tmp_path):
    document = docx.Document()
    first = document.add_paragraph("I: One half")
    run_properties = OxmlElement("w:rPr")
    run_properties.append(tracked("w:del", 5))
    first._p.get_or_add_pPr().append(run_properties)
    document.add_paragraph(" and the other.")
    assert read(save(document, tmp_path, "joined.docx")).text == "I: One half and the other."


def test_docx_hyperlink_tab_and_break(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph()
    add_run(paragraph, "I: See ")
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), "rId99")
    link.append(make_run("the minutes"))
    paragraph._p.append(link)
    run = add_run(paragraph, "")
    run._r.append(OxmlElement("w:tab"))
    run._r.append(make_run("col").find(qn("w:t")))
    run._r.append(OxmlElement("w:br"))
    run._r.append(make_run("next line").find(qn("w:t")))
    transcript = read(save(document, tmp_path, "link.docx"))
    assert transcript.text == "I: See the minutes\tcol\nnext line"
    assert said(transcript) == [("I", "See the minutes\tcol\nnext line")]


def test_docx_table_rows_in_document_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("Focus group, Hollinsbridge")
    table = document.add_table(rows=2, cols=2)
    add_run(table.cell(0, 0).paragraphs[0], "Interviewer", bold=True)
    table.cell(0, 1).text = "What changed?"
    add_run(table.cell(1, 0).paragraphs[0], "Priya Raman", bold=True)
    table.cell(1, 1).text = "The bus route."
    table.cell(1, 1).add_paragraph("And the library.")
    inner = table.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Inner a"
    inner.cell(0, 1).text = "Inner b"
    document.add_paragraph("End of transcript")
    transcript = read(save(document, tmp_path, "table.docx"))
    assert transcript.text == (
        "Focus group, Hollinsbridge\nInterviewer\tWhat changed?\n"
        "Priya Raman\tThe bus route.\nAnd the library.\nInner a\tInner b\n\nEnd of transcript"
    )
    assert said(transcript) == [
        ("Interviewer", "What changed?"),
        ("Priya Raman", "The bus route.\nAnd the library.\nInner a\tInner b\n\nEnd of transcript"),
    ]


def test_refuse_docx_without_text(tmp_path):
    document = docx.Document()
    document.add_paragraph("   ")
    assert refusal(save(document, tmp_path, "blank.docx")) == "file has no text"


def test_refuse_password_protected_docx(tmp_path):
    data = OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
    reason = refusal(write(tmp_path, "secret.docx", data))
    assert reason == (
        "Word file is password-protected (encrypted); save an unprotected copy and import that"
    )


def test_refuse_old_doc_renamed_docx(tmp_path):
    data = OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 64
    assert refusal(write(tmp_path, "old.docx", data)) == "this is an old .doc Word file; save it as .docx"


def test_refuse_zip_that_is_not_docx(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "I: hello")
    reason = refusal(write(tmp_path, "archive.docx", buffer.getvalue()))
    assert reason.startswith("not a valid .docx file") and "ZIP" in reason


def test_refuse_text_renamed_docx(tmp_path):
    reason = refusal(write(tmp_path, "renamed.docx", "I: hello\n"))
    assert reason == "not a valid .docx file (it is not a Word document)"


# --------------------------------------------------------------------------- vtt

TEAMS_VTT = """WEBVTT

2b4c6f1e-3a1d-4c9b-9d9e-0e5b7a1c2d3f/12-0
00:00:01.000 --> 00:00:04.500
<v Priya Raman>Thanks for joining us today.</v>

2b4c6f1e-3a1d-4c9b-9d9e-0e5b7a1c2d3f/12-1
00:00:04.500 --> 00:00:07.000
<v Priya Raman>Can you tell me about
Hollinsbridge?</v>

2b4c6f1e-3a1d-4c9b-9d9e-0e5b7a1c2d3f/13-0
00:00:07.200 --> 00:01:10.250
<v Tom Okafor>Sure &amp; happy to. <c.yellow>It&#39;s</c> <i>home</i> <00:00:08.000>now.</v>

2b4c6f1e-3a1d-4c9b-9d9e-0e5b7a1c2d3f/14-0
00:01:11.000 --> 00:01:12.000
<v Priya Raman>Great.</v>
"""


def test_vtt_teams_voice_tags_and_cue_ids(tmp_path):
    transcript = read(write(tmp_path, "teams.vtt", TEAMS_VTT))
    assert transcript.format == "vtt"
    assert transcript.text == (
        "Priya Raman: Thanks for joining us today. Can you tell me about Hollinsbridge?\n\n"
        "Tom Okafor: Sure & happy to. It's home now.\n\n"
        "Priya Raman: Great."
    )
    assert said(transcript) == [
        ("Priya Raman", "Thanks for joining us today. Can you tell me about Hollinsbridge?"),
        ("Tom Okafor", "Sure & happy to. It's home now."),
        ("Priya Raman", "Great."),
    ]
    times = [(t.time_start, t.time_end) for t in transcript.turns]
    assert times == [(1.0, 7.0), (7.2, 70.25), (71.0, 72.0)]


def test_vtt_teams_cue_without_voice_is_its_own_unlabelled_turn(tmp_path):
    data = TEAMS_VTT + (
        "\n00:01:12.000 --> 00:01:13.000\n(door\ncloses)\n"
        "\n00:01:13.000 --> 00:01:14.000\n<v Priya Raman>Sorry.</v>\nWhere was I?\n"
        "\n00:01:14.000 --> 00:01:15.000\n(phone rings)\n"
    )
    transcript = read(write(tmp_path, "teams.vtt", data))
    assert transcript.text.endswith(
        "Priya Raman: Great.\n\n(door closes)\n\nPriya Raman: Sorry. Where was I?\n\n(phone rings)"
    )
    assert said(transcript)[-3:] == [
        ("", "(door closes)"), ("Priya Raman", "Sorry. Where was I?"), ("", "(phone rings)"),
    ]
    assert transcript.turns[-3].time_start == 72.0


ZOOM_VTT = """WEBVTT

1
00:00:00.500 --> 00:00:03.000
Priya Raman: Welcome, everyone.

2
00:00:03.000 --> 00:00:05.000
Priya Raman: Shall we start?

3
00:00:05.100 --> 00:00:08.000
Tom Okafor: Thanks. I&#39;m ready.

4
00:00:08.000 --> 00:00:09.000
and listening.

5
00:00:09.500 --> 00:00:11.000
Ade Bello: Hi from Hollinsbridge.
"""


def test_vtt_zoom_speaker_in_cue_text(tmp_path):
    transcript = read(write(tmp_path, "zoom.vtt", ZOOM_VTT))
    # Ade Bello speaks once but most cues carry a label, so it counts
    assert said(transcript) == [
        ("Priya Raman", "Welcome, everyone. Shall we start?"),
        ("Tom Okafor", "Thanks. I'm ready. and listening."),
        ("Ade Bello", "Hi from Hollinsbridge."),
    ]
    assert transcript.text.split("\n\n")[1] == "Tom Okafor: Thanks. I'm ready. and listening."
    assert [(t.time_start, t.time_end) for t in transcript.turns] == [
        (0.5, 5.0), (5.1, 9.0), (9.5, 11.0),
    ]


def test_vtt_without_any_speakers_keeps_each_cue(tmp_path):
    data = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n\n00:00:02.000 --> 00:00:03.000\nGeneral Kenobi.\n"
    transcript = read(write(tmp_path, "plain.vtt", data))
    assert transcript.text == "Hello there.\n\nGeneral Kenobi."
    assert said(transcript) == [("", "Hello there."), ("", "General Kenobi.")]


def test_vtt_with_bom_and_crlf(tmp_path):
    data = b"\xef\xbb\xbf" + TEAMS_VTT.replace("\n", "\r\n").encode("utf-8")
    transcript = read(write(tmp_path, "bom.vtt", data))
    assert transcript.encoding == "utf-8-sig"
    assert len(transcript.turns) == 3


def test_refuse_vtt_with_cues_but_no_text(tmp_path):
    data = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Tom Okafor></v>\n"
    assert refusal(write(tmp_path, "silent.vtt", data)) == "WebVTT file has cues but no text in them"


def test_vtt_utf16(tmp_path):
    data = b"\xff\xfe" + ZOOM_VTT.encode("utf-16-le")
    transcript = read(write(tmp_path, "wide.vtt", data))
    assert transcript.encoding == "utf-16"
    assert [t.speaker for t in transcript.turns] == ["Priya Raman", "Tom Okafor", "Ade Bello"]


def test_refuse_vtt_without_header(tmp_path):
    reason = refusal(write(tmp_path, "noheader.vtt", "00:00:01.000 --> 00:00:02.000\nHello.\n"))
    assert reason.startswith("not a WebVTT file: the first line should be 'WEBVTT'")


def test_refuse_srt_named_vtt_with_hint(tmp_path):
    reason = refusal(write(tmp_path, "wrong.vtt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n"))
    assert reason.startswith("not a WebVTT file") and "rename it to .srt" in reason


def test_refuse_vtt_without_cues(tmp_path):
    reason = refusal(write(tmp_path, "nocues.vtt", "WEBVTT\n\nNOTE exported by Hollinsbridge Council\n"))
    assert reason == "WebVTT file has no cues"


# --------------------------------------------------------------------------- srt

SRT = """1
00:00:01,000 --> 00:00:03,500
Priya Raman: Hello, <i>Tom</i>.

2
00:00:03,500 --> 00:00:06,000
Priya Raman: How was
the meeting?

3
00:00:06,200 --> 00:00:09,000
Tom Okafor: Long.

It went on.

4
00:00:09,000 --> 00:00:10,000
{\\an8}Still going.

5
00:01:00,000 --> 00:01:02,000
<v Ade Bello>Sorry I'm late.</v>
"""


def test_srt_speakers_merge_and_times(tmp_path):
    transcript = read(write(tmp_path, "meeting.srt", SRT))
    assert transcript.format == "srt"
    assert transcript.text == (
        "Priya Raman: Hello, Tom. How was the meeting?\n\n"
        "Tom Okafor: Long. It went on. Still going.\n\n"
        "Ade Bello: Sorry I'm late."
    )
    assert said(transcript) == [
        ("Priya Raman", "Hello, Tom. How was the meeting?"),
        ("Tom Okafor", "Long. It went on. Still going."),
        ("Ade Bello", "Sorry I'm late."),
    ]
    assert [(t.time_start, t.time_end) for t in transcript.turns] == [
        (1.0, 6.0), (6.2, 10.0), (60.0, 62.0),
    ]


def test_srt_crlf_without_blank_lines_between_cues(tmp_path):
    data = "1\r\n00:00:01,000 --> 00:00:02,000\r\nI: One.\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nP: Two.\r\n"
    transcript = read(write(tmp_path, "tight.srt", data))
    assert said(transcript) == [("I", "One."), ("P", "Two.")]


def test_refuse_malformed_srt_time_line(tmp_path):
    data = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:00:0x,000 --> 00:00:04,000\nBye.\n"
    reason = refusal(write(tmp_path, "bad.srt", data))
    assert reason.startswith("malformed SRT file: line 6 should be a time line")
    assert "00:00:0x,000" in reason


def test_refuse_srt_that_is_not_srt(tmp_path):
    reason = refusal(write(tmp_path, "notes.srt", "Interviewer: hello\n"))
    assert reason.startswith("not an SRT file") and "line 1 is 'Interviewer: hello'" in reason


def test_refuse_srt_without_cues(tmp_path):
    assert refusal(write(tmp_path, "one.srt", "1\n\n")) .startswith("not an SRT file")


# --------------------------------------------------------------------------- speed


def test_reading_200_long_text_files_is_fast(tmp_path):
    sentence = "we talked about the closure of the library and what came after it "
    body = []
    for number in range(200):
        speaker = "Interviewer" if number % 2 == 0 else "Priya Raman"
        body.append(f"{speaker}: {sentence * 3}\n\n{sentence * 3}\n")
    text = "\n".join(body)
    assert len(text.split()) > 8000
    paths = [write(tmp_path, f"t{number}.txt", text) for number in range(200)]
    start = time.perf_counter()
    for path in paths:
        transcript, _ = read_transcript(path)
    elapsed = time.perf_counter() - start
    assert len(transcript.turns) == 200
    assert elapsed < 1.5, f"200 files took {elapsed:.2f} s"
