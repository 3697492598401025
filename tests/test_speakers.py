"""Speaker-turn detection on plain text: labels, false positives, offsets, times."""

from __future__ import annotations

import re
import time

import pytest

from qualframe.importing.speakers import (
    Label,
    accept_labels,
    detect_turns,
    find_bold_label,
    find_label,
    parse_time,
)


def said(text: str) -> list[tuple[str, str]]:
    """(speaker, utterance) for every turn, after checking the offset invariants."""
    turns = detect_turns(text)
    check_turns(text, turns)
    return [(turn.speaker, text[turn.start : turn.end]) for turn in turns]


def check_turns(text, turns) -> None:
    previous_end = 0
    for turn in turns:
        assert previous_end <= turn.start < turn.end <= len(text), turn
        utterance = text[turn.start : turn.end]
        assert utterance == utterance.strip(), turn
        previous_end = turn.end


def test_plain_labels_that_repeat_are_turns():
    text = "Priya Raman: How long have you lived here?\nTom Okafor: Ten years.\nPriya Raman: And before that?\nTom Okafor: Leeds.\n"
    assert said(text) == [
        ("Priya Raman", "How long have you lived here?"),
        ("Tom Okafor", "Ten years."),
        ("Priya Raman", "And before that?"),
        ("Tom Okafor", "Leeds."),
    ]


def test_plain_label_used_once_is_not_a_speaker():
    text = (
        "Note: recorded at Hollinsbridge Council offices.\n"
        "Priya Raman: Shall we start?\n"
        "Tom Okafor: Yes.\n"
        "Priya Raman: Good.\n"
        "Tom Okafor: Fine.\n"
        "Summary: we talked.\n"
    )
    turns = said(text)
    assert [speaker for speaker, _ in turns] == ["Priya Raman", "Tom Okafor", "Priya Raman", "Tom Okafor"]
    # the once-used "Summary:" line continues the previous turn; the note precedes all turns
    assert turns[-1] == ("Tom Okafor", "Fine.\nSummary: we talked.")


def test_stoplisted_word_is_not_a_speaker_even_when_repeated():
    text = "Note: first.\nNote: second.\nI: Hello.\nAnd:\n\"A quote.\"\nAnd:\n\"Another.\"\n"
    assert said(text) == [("I", text[text.index("Hello") :].rstrip())]


def test_sentence_ending_in_a_colon_is_not_a_speaker_even_when_repeated():
    text = "I: Go on.\nAnother one states:\n\"Quote.\"\nAnother one states:\n\"More.\"\n"
    assert len(said(text)) == 1


def test_numbered_letters_other_than_p_and_r_need_repetition():
    assert said("I79:\n\"A reference.\"\n") == []
    assert said("I1: Hello.\nI1: Again.\n") == [("I1", "Hello."), ("I1", "Again.")]
    assert said("R12: Hello.\n") == [("R12", "Hello.")]


def test_times_and_urls_are_not_labels():
    text = (
        "I: When did you meet?\n"
        "10:30 we met at the library.\n"
        "10:45 we left.\n"
        "https://hollinsbridge.example.org/minutes\n"
        "https://hollinsbridge.example.org/agenda\n"
        "Zoommtg://hollinsbridge.example/join\n"
        "Zoommtg://hollinsbridge.example/join\n"
    )
    turns = said(text)
    assert len(turns) == 1
    assert turns[0][1].endswith("Zoommtg://hollinsbridge.example/join")


def test_long_or_lowercase_labels_are_not_speakers():
    text = (
        "This is a long sentence that goes on: yes\n"
        "This is a long sentence that goes on: no\n"
        "however: this\n"
        "however: that\n"
    )
    assert said(text) == []


@pytest.mark.parametrize(
    "label, speaker",
    [
        ("I:", "I"),
        ("P:", "P"),
        ("R:", "R"),
        ("Q:", "Q"),
        ("A:", "A"),
        ("P3:", "P3"),
        ("Interviewer:", "Interviewer"),
        ("Participant 3:", "Participant 3"),
        ("Respondent:", "Respondent"),
        ("Interviewer :", "Interviewer"),
    ],
)
def test_interview_shorthands_count_without_repetition(label, speaker):
    text = f"Background first.\n{label} We lived in Hollinsbridge.\n"
    assert said(text) == [(speaker, "We lived in Hollinsbridge.")]


@pytest.mark.parametrize(
    "line, speaker",
    [
        ("**Lady Hallett**: Thank you.", "Lady Hallett"),
        ("**Mireille B. Reece, Psy.D:** Thank you.", "Mireille B. Reece, Psy.D"),
        ("**Tom  O'Okafor-Smith 2nd** : Thank you.", "Tom O'Okafor-Smith 2nd"),
        ("[Priya Raman]: Thank you.", "Priya Raman"),
        ("[P3] Thank you.", "P3"),
    ],
)
def test_marked_up_labels_count_without_repetition(line, speaker):
    assert said("Heading\n" + line) == [(speaker, "Thank you.")]


def test_bracket_label_without_colon_needs_repetition():
    assert said("[Hollinsbridge] is where I grew up.\nI: And then?\n") == [("I", "And then?")]
    text = "[Priya] Hello.\n[Tom] Hi.\n[Priya] Ready?\n[Tom] Yes.\n"
    assert [s for s, _ in said(text)] == ["Priya", "Tom", "Priya", "Tom"]
    # "[As read]" introduces a quotation, however often it is repeated
    assert said('I: Go on.\n[As read] "One."\n[As read] "Two."\n') == [("I", 'Go on.\n[As read] "One."\n[As read] "Two."')]


def test_bracketed_annotations_are_not_speakers():
    text = "I: Tell me.\n[Laughter] It was funny.\n[laughs] Really.\n[Laughter] Again.\n[inaudible]: yes\n[inaudible]: no\n"
    assert said(text) == [("I", text[3:].rstrip())]


def test_continuation_paragraphs_belong_to_the_turn_and_trailing_blanks_do_not():
    text = (
        "Interview 4, Hollinsbridge\n"
        "\n"
        "Interviewer: First question.\n"
        "\n"
        "Participant: First paragraph.\n"
        "\n"
        "Second paragraph.\n"
        "\n"
        "\n"
        "Interviewer: Thanks.   \n"
        "\n"
    )
    assert said(text) == [
        ("Interviewer", "First question."),
        ("Participant", "First paragraph.\n\nSecond paragraph."),
        ("Interviewer", "Thanks."),
    ]


def test_label_alone_on_its_line_starts_turn_on_next_line():
    text = "**Priya Raman:**\n\n  We began in 2019.\n**Tom Okafor:** Yes.\n"
    assert said(text) == [("Priya Raman", "We began in 2019."), ("Tom Okafor", "Yes.")]


def test_label_with_nothing_said_makes_no_empty_turn():
    text = "I:\nP: Hello.\n"
    assert said(text) == [("P", "Hello.")]


@pytest.mark.parametrize(
    "line, seconds",
    [
        ("I: [00:12:34] We met.", 754.0),
        ("I: [12:34] We met.", 754.0),
        ("I: (00:12:34) We met.", 754.0),
        ("**Adam Stacoviak:** \\[12:34\\] We met.", 754.0),
        ("[01:02:03] I: We met.", 3723.0),
        ("(00:00:05.5) I: We met.", 5.5),
    ],
)
def test_inline_time_sets_time_start_and_stays_in_text(line, seconds):
    text = line + "\n"
    turns = detect_turns(text)
    assert len(turns) == 1
    assert turns[0].time_start == seconds
    assert text[turns[0].start : turns[0].end] == "We met."
    assert text == line + "\n"  # the time is still in the text


def test_time_later_in_the_utterance_is_not_a_turn_time():
    turns = detect_turns("I: We met [00:12:34] there.\n")
    assert turns[0].time_start is None


def test_turn_offsets_are_code_points_with_non_ascii_text():
    text = "Zoë Ångström: Café – “naïve” 😀 talk.\nÅsa Ñúñez: Olé.\nZoë Ångström: Sí.\nÅsa Ñúñez: Oui.\n"
    turns = said(text)
    assert turns[0] == ("Zoë Ångström", "Café – “naïve” 😀 talk.")
    assert turns[1] == ("Åsa Ñúñez", "Olé.")


def test_find_label_returns_plain_labels_as_weak():
    label = find_label("Tom Okafor: hello")
    assert label == Label("Tom Okafor", 12, False, None)
    assert find_label("Interviewer: hello").strong
    assert find_label("no label here") is None
    assert find_label("") is None


def test_accept_labels_trust_plain():
    labels = [find_label("Tom Okafor: hi"), None, find_label("Ade Bello: yo")]
    assert accept_labels(labels) == [None, None, None]
    assert accept_labels(labels, trust_plain=True) == labels


def test_bold_label_from_word_formatting():
    # bold "Interviewer" then plain text, with or without a colon
    assert find_bold_label("Interviewer So tell me", 11).speaker == "Interviewer"
    label = find_bold_label("Priya Raman: So tell me", 11)
    assert label.speaker == "Priya Raman" and "Priya Raman: So tell me"[label.end :] == "So tell me"
    label = find_bold_label("Priya Raman: So tell me", 12)
    assert "Priya Raman: So tell me"[label.end :] == "So tell me"
    # a wholly bold line is a heading unless it ends with the colon
    assert find_bold_label("Interview with Tom", 18) is None
    assert find_bold_label("Interview 3: Hollinsbridge", 26) is None
    assert find_bold_label("Interviewer: So", 15) is None
    label = find_bold_label("Interviewer: So tell", 15)  # bold spills past the colon
    assert label.speaker == "Interviewer" and "Interviewer: So tell"[label.end :] == "So tell"
    assert find_bold_label("Tom Okafor:", 11).speaker == "Tom Okafor"


def test_bold_prefixes_make_labels_without_repetition():
    text = "Interviewer So where did you grow up?\nHollinsbridge.\nTom Okafor Near the river."
    turns = detect_turns(text, {0: 11, 53: 10})
    check_turns(text, turns)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Interviewer", "So where did you grow up?\nHollinsbridge."),
        ("Tom Okafor", "Near the river."),
    ]


def test_parse_time():
    assert parse_time("12:34") == 754
    assert parse_time("1:02:03") == 3723
    assert parse_time("00:00:01,250") == 1.25


def test_no_regex_blowup_on_pathological_lines():
    lines = [
        "*" * 50_000,
        "**" + "a" * 50_000,
        "[" * 50_000,
        "A" * 100_000 + ":",
        ("word " * 20_000) + ":",
        "[" + "1:" * 30_000,
    ]
    start = time.perf_counter()
    for line in lines:
        detect_turns(line + "\n" + line)
    assert time.perf_counter() - start < 0.5


# --------------------------------------------------------------------------- structure
# Headings, rules, directives and stage directions end a turn and are in no turn.

# Independent of the module's patterns: what a reader would call structure.
_STRUCTURE_LINE = re.compile(
    r"#{1,6} .*|([=\-^~*#_+])\1{2,}|[*_] ?[*_] ?[*_]|\.\. .*|\*\(.*\)\*|\*[A-Z ]+\((?:sworn|affirmed)\)\.\*"
    r"|\(.*\)|\\?\[(?:Break|Short break|End of recording|Music)\\?\]|\*\*(?:Break|Outro):\*\*.*"
)


def check_no_structure(text, turns, headings=()) -> None:
    """No turn holds a structural line (or one of the given heading lines)."""
    for turn in turns:
        for line in text[turn.start : turn.end].split("\n"):
            line = line.strip()
            assert not _STRUCTURE_LINE.fullmatch(line), (turn, line)
            assert line not in headings, (turn, line)


def test_atx_headings_end_the_turn_and_what_follows_them_is_in_no_turn():
    text = (
        "# Hollinsbridge hearing, 3 May\n\n"
        "Notes before anyone speaks.\n\n"
        "**Priya Raman**: Good morning.\n\n"
        "## Afternoon session\n\n"
        "Read into the record by the clerk.\n\n"
        "**Tom Okafor**: Good afternoon.\n\n"
        "#hashtags are not headings, and neither is this line.\n"
    )
    turns = detect_turns(text)
    check_turns(text, turns)
    check_no_structure(text, turns)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Priya Raman", "Good morning."),
        ("Tom Okafor", "Good afternoon.\n\n#hashtags are not headings, and neither is this line."),
    ]


@pytest.mark.parametrize("mark", list("=-^~*#"))
def test_underlined_headings_end_the_turn(mark):
    text = (
        "**Priya Raman**: Thank you, that is all.\n\n"
        "Mr Tom Okafor\n"
        f"{mark * 13}\n\n"
        "*MR TOM OKAFOR (affirmed).*\n\n"
        "Questions from Counsel to the Inquiry\n"
        f"{mark * 37}\n\n"
        "**Priya Raman**: Please give your full name.\n"
    )
    turns = detect_turns(text)
    check_turns(text, turns)
    check_no_structure(text, turns, headings=("Mr Tom Okafor", "Questions from Counsel to the Inquiry"))
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Priya Raman", "Thank you, that is all."),
        ("Priya Raman", "Please give your full name."),
    ]


def test_overlined_title_and_title_at_the_start():
    text = (
        "I: Before.\n\n"
        "===================\nHollinsbridge day 2\n===================\n"
        "Not said.\n\nI: Shall we start?\n"
    )
    assert said(text) == [("I", "Before."), ("I", "Shall we start?")]
    text = "Day 2\n=====\nI: Shall we start?\n\nDay 3\n-----\n\nI: Again.\n"
    assert said(text) == [("I", "Shall we start?"), ("I", "Again.")]


@pytest.mark.parametrize("rule", ["---", "***", "___", "* * *", "- - -", "----------"])
def test_horizontal_rules_end_the_turn(rule):
    text = (
        "**Priya Raman**: We moved in 2019.\n\n"
        f"{rule}\n\n"
        "Transcriber's note: the second recording follows.\n\n"
        "**Tom Okafor**: And then?\n"
    )
    assert said(text) == [("Priya Raman", "We moved in 2019."), ("Tom Okafor", "And then?")]


def test_a_dash_rule_right_under_a_long_speech_line_keeps_the_speech():
    # Not a title: the "underline" is shorter than the line (reStructuredText's rule),
    # so the speech stays in the turn and only the rule ends it.
    text = (
        "Priya Raman: Where did you go?\n"
        "Tom Okafor: To Leeds.\n\n"
        "That was the year the clinic closed.\n"
        "-----\n"
        "Priya Raman: Thank you.\n"
        "Tom Okafor: Fine.\n"
    )
    assert said(text)[1] == ("Tom Okafor", "To Leeds.\n\nThat was the year the clinic closed.")


def test_a_speech_paragraph_of_several_lines_is_not_a_title():
    text = "I: Tell me.\nP: First line\nsecond line of the answer\n-------------------------\n"
    assert said(text) == [("I", "Tell me."), ("P", "First line\nsecond line of the answer")]


def test_rst_class_directives_are_in_no_turn_and_the_speaker_goes_on():
    text = (
        ".. raw:: html\n\n"
        '   <a id="hearing-link" href="https://example.org/day-2">Hearing page</a>\n\n'
        "Hearing Day 2\n"
        "=============\n\n"
        "**Priya Raman**: Can you state your full name?\n\n"
        ".. rst-class:: indented\n\n"
        "**Tom Okafor**: Thomas Okafor.\n\n"
        ".. rst-class:: indented\n\n"
        "I worked at Hollinsbridge.\n\n"
        "**Priya Raman**: Thank you.\n\n"
        ".. rst-class:: indented\n"
    )
    turns = detect_turns(text)
    check_turns(text, turns)
    check_no_structure(text, turns, headings=("Hearing Day 2",))
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Priya Raman", "Can you state your full name?"),
        ("Tom Okafor", "Thomas Okafor."),
        # the directive styles the next paragraph; it does not end the answer
        ("Tom Okafor", "I worked at Hollinsbridge."),
        ("Priya Raman", "Thank you."),
    ]


def test_directive_block_ends_at_the_first_unindented_line():
    text = (
        "**Priya Raman**: Before the break.\n\n"
        ".. raw:: html\n\n"
        "   <details>\n"
        "        <summary>Video</summary>\n"
        "   </details>\n\n"
        "After the block.\n\n"
        "**Tom Okafor**: Yes.\n"
    )
    turns = detect_turns(text)
    check_no_structure(text, turns)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Priya Raman", "Before the break."),
        ("Priya Raman", "After the block."),
        ("Tom Okafor", "Yes."),
    ]


def test_rst_comments_count_only_in_a_text_with_rst_markup():
    rst = "**Priya Raman**: Yes.\n\n.. a comment from the converter\n\n.. rst-class:: indented\n\n**Tom Okafor**: No.\n"
    assert said(rst) == [("Priya Raman", "Yes."), ("Tom Okafor", "No.")]
    # in a plain transcript ".. " may be a trailing-off, and "..." certainly is
    plain = "I: And then?\nP: Well\n.. and then we left.\n... and that was it.\n"
    assert said(plain) == [("I", "And then?"), ("P", "Well\n.. and then we left.\n... and that was it.")]


@pytest.mark.parametrize(
    "direction",
    [
        "*(10.00 am)*",
        "*(The witness withdrew)*",
        "*MS PRIYA RAMAN (affirmed).*",
        "*(Pause)*",
        "_(Short break)_",
        "(Short break)",
        "(The witness withdrew)",
        "(11.15 am)",
        "[Break]",
        "[Short break]",
        "\\[Break\\]",
        "[End of recording]",
        "[Recording resumes]",
        "[Music]",
    ],
)
def test_whole_line_stage_directions_end_the_turn(direction):
    text = (
        "**Priya Raman**: We will take a break there.\n\n"
        f"{direction}\n\n"
        "Unattributed text after the direction.\n\n"
        "**Tom Okafor**: Shall we go on?\n"
    )
    turns = detect_turns(text)
    check_turns(text, turns)
    check_no_structure(text, turns)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Priya Raman", "We will take a break there."),
        ("Tom Okafor", "Shall we go on?"),
    ]
    assert direction in text  # the text itself is untouched


@pytest.mark.parametrize(
    "note",
    ["[inaudible]", "[laughs]", "[crosstalk]", "\\[laughs\\]", "[Welsh spoken]", "(laughs)", "(long pause)", "(00:12:34)"],
)
def test_sound_notes_and_time_stamps_on_their_own_line_stay_in_the_turn(note):
    text = f"I: What happened?\nP: We left early.\n{note}\nIt was raining.\nI: Thanks.\n"
    assert said(text)[1] == ("P", f"We left early.\n{note}\nIt was raining.")


def test_inline_notes_stay_in_the_turn():
    text = "I: Did you like it?\nP: Yes [laughs] I think so (pause) mostly.\n[inaudible] and then *(quietly)* we left.\n"
    assert said(text)[1] == ("P", "Yes [laughs] I think so (pause) mostly.\n[inaudible] and then *(quietly)* we left.")


@pytest.mark.parametrize(
    "line", ["**Break:** \\[26:45\\]", "**Outro:** \\[42:21\\]", "**Break**: [26:45] to [26:50]", "**Intro:**"]
)
def test_bold_pseudo_labels_end_the_turn(line):
    text = (
        "**Ade Bello:** \\[26:30\\] Let's take a quick break.\n\n"
        f"{line}\n\n"
        "Sponsor message read by nobody in particular.\n\n"
        "**Priya Raman, PsyD:** \\[27:10\\] We're back.\n"
    )
    turns = detect_turns(text)
    check_turns(text, turns)
    check_no_structure(text, turns)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Ade Bello", "Let's take a quick break."),
        ("Priya Raman, PsyD", "We're back."),
    ]


def test_bold_emphasis_that_is_not_label_shaped_continues_the_turn():
    text = "**Priya Raman:** Listen.\n\n**and this matters**: we never gave up.\n"
    assert said(text) == [("Priya Raman", "Listen.\n\n**and this matters**: we never gave up.")]


def test_word_bold_pseudo_label_ends_the_turn():
    text = "Interviewer So where did you grow up?\nBreak: 10 minutes\nUnattributed.\nTom Okafor Near the river."
    bold = {0: 11, text.index("Break"): 6, text.index("Tom"): 10}
    turns = detect_turns(text, bold)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Interviewer", "So where did you grow up?"),
        ("Tom Okafor", "Near the river."),
    ]


def test_sentence_ending_in_a_colon_and_continuation_paragraphs_still_continue():
    text = (
        "**Priya Raman**: What did the letter say?\n\n"
        "**Tom Okafor**: It said the following:\n\n"
        "That the clinic would close in March.\n\n"
        "And a second paragraph, in italics *for emphasis* here.\n\n"
        "**Priya Raman**: I see.\n"
    )
    assert said(text)[1] == (
        "Tom Okafor",
        "It said the following:\n\nThat the clinic would close in March.\n\n"
        "And a second paragraph, in italics *for emphasis* here.",
    )


def test_no_turn_ever_holds_a_heading_or_stage_direction_in_a_hearing_day():
    text = (
        ".. raw:: html\n\n   <p>Official page</p>\n\n"
        "11 May 2024\n===========\n\n"
        "*(10.00 am)*\n\n"
        "**Lady Okafor**: Good morning.\n\n"
        "**Ms Raman**: May we call Ade Bello.\n\n"
        "Mr Ade Bello\n------------\n\n"
        "*MR ADE BELLO (sworn).*\n\n"
        "Questions From Counsel to the Inquiry\n^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n\n"
        "**Ms Raman**: Please give your full name.\n\n"
        ".. rst-class:: indented\n\n"
        "**Mr Ade Bello**: Ade Bello.\n\n"
        ".. rst-class:: indented\n\n"
        "I was a ward manager.\n\n"
        "*(11.30 am)*\n\n"
        "*(A short break)*\n\n"
        "*(11.45 am)*\n\n"
        "**Ms Raman**: Shall we go on?\n\n"
        "*(The hearing adjourned until 10.00 am the following day)*\n"
    )
    turns = detect_turns(text)
    check_turns(text, turns)
    check_no_structure(text, turns, headings=("11 May 2024", "Mr Ade Bello", "Questions From Counsel to the Inquiry"))
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Lady Okafor", "Good morning."),
        ("Ms Raman", "May we call Ade Bello."),
        ("Ms Raman", "Please give your full name."),
        ("Mr Ade Bello", "Ade Bello."),
        ("Mr Ade Bello", "I was a ward manager."),
        ("Ms Raman", "Shall we go on?"),
    ]


def test_no_regex_blowup_on_pathological_structure_lines():
    lines = [
        "(" * 50_000,
        "(a" * 30_000 + ")",
        "\\[" * 30_000,
        "* " * 30_000 + "x",
        "-\t" * 30_000 + "x",
        "*" + "a " * 30_000 + "b",
        ".. " + "a:" * 30_000,
        "#" * 50_000,
        "=" * 50_000,
    ]
    start = time.perf_counter()
    for line in lines:
        detect_turns("I: Go on.\n" + line + "\n" + line + "\n" + "-" * 60_000)
    assert time.perf_counter() - start < 0.5
