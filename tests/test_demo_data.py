"""The demo study's data is consistent, and the transcript renderer is faithful and deterministic.

Run: cd /work/main && PYTHONPATH=src .venv/bin/pytest tests/test_demo_data.py
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
import webvtt
import yaml

from qualframe.demo.render import FORMATS, parse_turns, render_transcript, split_cues
from qualframe.errors import InvalidInput

DATA = Path(__file__).resolve().parents[1] / "src" / "qualframe" / "demo" / "data"
CASES = [f"C{n:02d}" for n in range(1, 10)]
THEMES_CHARTED_IN_FULL = ("Funding constraints", "Demonstrating impact")
_PHONE = re.compile(r"\b0\d{3,4}[ ]?\d{3}[ ]?\d{3,4}\b")
_EMAIL = re.compile(r"\S+@\S+")
_NUMBER_WORDS = {
    3: "three", 5: "five", 6: "six", 8: "eight", 9: "nine", 11: "eleven",
    14: "fourteen", 17: "seventeen", 20: "twenty",
}


# --- loading (plain parsing in the test, independent of the renderer) -----------


def _yaml(name: str):
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def _turns(text: str) -> list[tuple[str, int, int]]:
    """``(speaker, start, end)`` of each labelled paragraph's utterance, as offsets into ``text``."""
    turns = []
    for match in re.finditer(r"(?m)^([^:\n]+): (.+)$", text):
        turns.append((match.group(1), match.start(2), match.end(2)))
    return turns


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    return _yaml("interviews.yaml")["interviews"]


@pytest.fixture(scope="module")
def texts(manifest) -> dict[str, str]:
    return {e["case"]: (DATA / "interviews" / e["file"]).read_text(encoding="utf-8") for e in manifest}


@pytest.fixture(scope="module")
def codebook() -> list[dict]:
    return _yaml("codebook.yaml")["codes"]


@pytest.fixture(scope="module")
def child_paths(codebook) -> list[str]:
    return [f"{theme['name']}/{child['name']}" for theme in codebook for child in theme["children"]]


@pytest.fixture(scope="module")
def codings() -> list[dict]:
    return _yaml("codings.yaml")["codings"]


@pytest.fixture(scope="module")
def summaries() -> list[dict]:
    return _yaml("summaries.yaml")["summaries"]


@pytest.fixture(scope="module")
def case_rows() -> list[dict]:
    with (DATA / "cases.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _participant(text: str) -> str:
    speakers = {speaker for speaker, _, _ in _turns(text)} - {"Interviewer"}
    assert len(speakers) == 1, speakers
    return speakers.pop()


# --- manifest, interviews, cases -----------------------------------------------------


def test_manifest_lists_nine_interviews_in_the_agreed_mix_of_formats(manifest):
    assert [e["case"] for e in manifest] == CASES
    assert [e["file"] for e in manifest] == [f"{c}.txt" for c in CASES]
    assert Counter(e["render_as"] for e in manifest) == {"docx": 3, "vtt": 2, "srt": 1, "txt": 2, "md": 1}
    for entry in manifest:
        assert (DATA / "interviews" / entry["file"]).is_file()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry["date"]))
        assert 20 <= int(entry["duration_minutes"]) <= 90


def test_interviews_are_well_formed_labelled_text(texts):
    for case, text in texts.items():
        assert "\r" not in text and text.endswith("\n"), case
        paragraphs = text.strip().split("\n\n")
        turns = _turns(text)
        assert len(turns) == len(paragraphs), f"{case}: every paragraph needs a 'Speaker: ' label"
        speakers = [speaker for speaker, _, _ in turns]
        assert speakers[0] == "Interviewer", case
        assert all(a != b for a, b in zip(speakers, speakers[1:])), f"{case}: consecutive turns of one speaker"
        words = len(text.split())
        assert 900 <= words <= 1400, f"{case}: {words} words"
        first_name = _participant(text).split()[0]
        assert first_name in text[turns[0][1] : turns[0][2]], f"{case}: interviewer should greet {first_name}"


def test_invented_contact_details_use_the_drama_range_and_example_org(texts):
    phones = [p for text in texts.values() for p in _PHONE.findall(text)]
    emails = [e for text in texts.values() for e in _EMAIL.findall(text)]
    assert phones and all(p.replace(" ", "").startswith("01632960") for p in phones)
    assert emails and all(e.rstrip(".,").endswith("@example.org") for e in emails)


def test_cases_csv_matches_the_interviews(case_rows, texts):
    assert list(case_rows[0]) == [
        "case", "organisation_type", "role", "years_in_commissioning", "area_type", "pair_service_commissioned",
    ]
    assert [row["case"] for row in case_rows] == CASES
    assert Counter(row["organisation_type"] for row in case_rows) == {"Local authority": 5, "NHS ICB": 4}
    for row in case_rows:
        text = texts[row["case"]]
        opening = " ".join(text[s:e] for speaker, s, e in _turns(text)[:4] if speaker != "Interviewer")
        assert row["area_type"] in ("Urban", "Rural", "Mixed")
        assert row["pair_service_commissioned"] in ("yes", "no")
        years = int(row["years_in_commissioning"])
        assert _NUMBER_WORDS[years] in opening.lower(), f"{row['case']}: years not said in the opening"
        if row["organisation_type"] == "NHS ICB":
            assert "ICB" in opening or "Integrated Care Board" in opening, row["case"]
            assert row["role"].startswith("ICB ")
        else:
            assert "Council" in opening, row["case"]
            assert not row["role"].startswith("ICB ")
    assert {r["case"] for r in case_rows if r["pair_service_commissioned"] == "yes"} == {"C02", "C05"}


# --- topic guide and codebook ------------------------------------------------------------


def test_topic_guide_headings_are_the_themes(codebook):
    guide = (DATA / "topic_guide.md").read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^## (.+?)\s*$", guide)
    assert headings == [theme["name"] for theme in codebook]
    sections = re.split(r"(?m)^## .+$", guide)[1:]
    for heading, section in zip(headings, sections):
        questions = re.findall(r"(?m)^- .+\?$", section)
        assert 2 <= len(questions) <= 4, heading


def test_codebook_is_complete_and_tidy(codebook):
    fields = ("definition", "inclusion", "exclusion", "example", "colour", "origin")
    colours, names, origins = [], [], Counter()
    assert 5 <= len(codebook) <= 7
    for theme in codebook:
        assert theme["origin"] == "deductive"
        assert 3 <= len(theme["children"]) <= 5, theme["name"]
        for code in [theme, *theme["children"]]:
            assert "/" not in code["name"]
            assert set(code) - {"name", "children"} == set(fields), code["name"]
            assert all(str(code[f]).strip() for f in fields), code["name"]
            assert re.fullmatch(r"#[0-9A-F]{6}", code["colour"]), code["name"]
            colours.append(code["colour"])
            names.append(code["name"])
        origins.update(child["origin"] for child in theme["children"])
        assert all("children" not in child for child in theme["children"])
    assert len(set(colours)) == len(colours), "colours must be distinct"
    assert len(set(names)) == len(names)
    assert 3 <= origins["inductive"] <= 8 and origins["deductive"] > origins["inductive"]
    assert "Reliance on champions" in names
    assert set(THEMES_CHARTED_IN_FULL) <= {theme["name"] for theme in codebook}


# --- codings ---------------------------------------------------------------------------------


def test_every_coding_points_at_a_real_case_and_child_code(codings, texts, child_paths):
    for item in codings:
        assert set(item) <= {"case", "code", "quote", "coder", "memo"}, item
        assert item["case"] in texts, item
        assert item["code"] in child_paths, item["code"]
        assert item["coder"] in ("researcher_a", "researcher_b"), item


def test_every_quote_occurs_once_inside_one_participant_turn(codings, texts):
    problems = []
    for item in codings:
        text, quote = texts[item["case"]], item["quote"]
        count = text.count(quote)
        if count != 1:
            problems.append(f"{item['case']}: occurs {count} times: {quote[:60]!r}")
            continue
        start = text.index(quote)
        inside = [s for s, a, b in _turns(text) if a <= start and start + len(quote) <= b]
        if not inside or inside[0] == "Interviewer":
            problems.append(f"{item['case']}: not inside one participant turn: {quote[:60]!r}")
    assert not problems, "\n".join(problems)


def test_quotes_are_short_and_free_of_identifiers(codings, texts):
    names = {part for text in texts.values() for part in _participant(text).split()}
    names |= {"Jo", "Fiona", "Kettering", "Dan", "Ferriby", "Nadia", "Coles", "Shona", "Mackintosh"}
    for item in codings:
        quote = item["quote"]
        assert 4 <= len(quote.split()) <= 60, quote
        assert len(re.findall(r"[.!?](?:\s|$)", quote)) <= 3, quote
        assert not _PHONE.search(quote) and "@" not in quote, quote
        assert not names & set(re.findall(r"[A-Za-z]+", quote)), quote


def test_coding_counts(codings, child_paths):
    by_coder = Counter(item["coder"] for item in codings)
    assert 110 <= by_coder["researcher_a"] <= 170
    assert 20 <= by_coder["researcher_b"] <= 35
    per_case = Counter(item["case"] for item in codings if item["coder"] == "researcher_a")
    assert sorted(per_case) == CASES and all(12 <= n <= 18 for n in per_case.values()), per_case
    used = Counter(item["code"] for item in codings)
    assert not [path for path in child_paths if used[path] < 2], "every child code is used at least twice"
    keys = [(i["case"], i["code"], i["quote"], i["coder"]) for i in codings]
    assert len(set(keys)) == len(keys), "duplicate coding"
    # the second coder overlaps the first: mostly agreement, some disagreement
    a_spans = {(i["case"], i["quote"]): i["code"] for i in codings if i["coder"] == "researcher_a"}
    second = [i for i in codings if i["coder"] == "researcher_b"]
    same = sum(1 for i in second if a_spans.get((i["case"], i["quote"])) == i["code"])
    assert 5 <= same < len(second)


# --- summaries -------------------------------------------------------------------------------


def test_summaries_refer_to_coded_cells(summaries, codings, child_paths):
    coded = {(i["case"], i["code"]) for i in codings}
    cells = [(s["case"], s["code"]) for s in summaries]
    assert len(set(cells)) == len(cells), "one summary per cell"
    for item in summaries:
        assert item["case"] in CASES and item["code"] in child_paths, item
        assert (item["case"], item["code"]) in coded, f"summary of an uncoded cell: {item}"
        assert 3 <= len(item["text"].split()) <= 60, item


def test_two_themes_are_charted_in_full_and_some_coded_cells_are_left_empty(summaries, codings):
    coded = {(i["case"], i["code"]) for i in codings}
    summarised = {(s["case"], s["code"]) for s in summaries}
    full = {cell for cell in coded if cell[1].split("/")[0] in THEMES_CHARTED_IN_FULL}
    assert full <= summarised, sorted(full - summarised)
    extra = summarised - full
    assert len(extra) >= 2
    partly_charted = {code for _, code in extra}
    left_empty = {cell for cell in coded - summarised if cell[1] in partly_charted}
    assert left_empty, "a partly charted code should keep some coded cells without summary"


# --- renderer ---------------------------------------------------------------------------------


def _render_all(text: str, folder: Path, name: str = "C01") -> dict[str, Path]:
    return {
        fmt: render_transcript(text, fmt, folder / name, date="2024-10-15", duration_minutes=52) for fmt in FORMATS
    }


def _utterances(text: str) -> list[tuple[str, str]]:
    return [(speaker, text[a:b]) for speaker, a, b in _turns(text)]


def _merge(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for speaker, words in pieces:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, f"{merged[-1][1]} {words}")
        else:
            merged.append((speaker, words))
    return merged


def _clock(value: str) -> int:
    h, m, s, ms = map(int, re.split(r"[:.,]", value))
    return ((h * 60 + m) * 60 + s) * 1000 + ms


def _check_timing(timings: list[tuple[str, str]]) -> None:
    previous_end = 0
    for start, end in timings:
        assert previous_end <= _clock(start) < _clock(end)
        previous_end = _clock(end)


def test_render_adds_the_suffix_and_rejects_unknown_formats(tmp_path, texts):
    path = render_transcript(texts["C03"], "txt", tmp_path / "sub" / "C03")
    assert path == tmp_path / "sub" / "C03.txt"
    assert path.read_bytes() == texts["C03"].encode("utf-8")
    with pytest.raises(InvalidInput):
        render_transcript(texts["C03"], "pdf", tmp_path / "C03")
    with pytest.raises(InvalidInput):
        render_transcript("no label here\n\nnor here\n", "txt", tmp_path / "bad")


def test_markdown_has_a_title_and_bold_labels(tmp_path, texts):
    text = texts["C05"]
    lines = _render_all(text, tmp_path, "C05")["md"].read_text(encoding="utf-8").split("\n")
    assert lines[0] == "# Interview C05, 15 October 2024 (52 minutes)"
    labelled = [line for line in lines[1:] if line]
    assert labelled == [f"**{speaker}**: {words}" for speaker, words in _utterances(text)]


def test_docx_has_bold_speaker_runs_and_fixed_properties(tmp_path, texts):
    for case in ("C01", "C04"):
        text = texts[case]
        document = docx.Document(str(_render_all(text, tmp_path, case)["docx"]))
        paragraphs = document.paragraphs
        assert paragraphs[0].text.startswith(f"Interview {case}")
        turns = _utterances(text)
        assert len(paragraphs) == len(turns) + 1
        for paragraph, (speaker, words) in zip(paragraphs[1:], turns):
            runs = paragraph.runs
            assert runs[0].text == speaker and runs[0].bold
            assert all(not run.bold for run in runs[1:])
            assert paragraph.text == f"{speaker}: {words}"
        props = document.core_properties
        assert props.author == "qualframe demo"
        assert props.created.year == 2024 and props.modified == props.created


def _vtt_cues(path: Path) -> list[tuple[str, str, str, str, str]]:
    """``(identifier, start, end, speaker, text)`` of every cue, parsed by hand."""
    body = path.read_text(encoding="utf-8")
    assert body.startswith("WEBVTT\n\n")
    cues = []
    for block in body.split("\n\n")[1:]:
        if not block.strip():
            continue
        ident, timing, payload = block.strip("\n").split("\n")
        start, end = timing.split(" --> ")
        match = re.fullmatch(r"<v ([^>]+)>(.*)</v>", payload)
        assert match, payload
        cues.append((ident, start, end, html.unescape(match.group(1)), html.unescape(match.group(2))))
    return cues


def test_vtt_is_teams_style_and_gives_back_every_word(tmp_path, texts):
    for case, text in texts.items():
        path = _render_all(text, tmp_path, case)["vtt"]
        cues = _vtt_cues(path)
        for ident, *_ in cues:
            assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/\d+-\d+", ident)
        assert len({ident for ident, *_ in cues}) == len(cues)
        _check_timing([(start, end) for _, start, end, _, _ in cues])
        assert all(len(words.split()) <= 30 for *_, words in cues)
        assert _merge([(speaker, words) for *_, speaker, words in cues]) == _utterances(text), case
        # a long answer is split into several cues of one speaker
        assert len(cues) > len(_utterances(text))
        # and a standard parser reads the file the same way (it leaves entities such as &amp; encoded)
        parsed = webvtt.read(str(path))
        assert [(c.voice, html.unescape(c.text)) for c in parsed] == [(s, w) for *_, s, w in cues]


def test_srt_is_numbered_and_gives_back_every_word(tmp_path, texts):
    for case, text in texts.items():
        body = _render_all(text, tmp_path, case)["srt"].read_text(encoding="utf-8")
        blocks = [b for b in body.split("\n\n") if b.strip()]
        pieces, timings = [], []
        for number, block in enumerate(blocks, start=1):
            index, timing, payload = block.strip("\n").split("\n")
            assert index == str(number)
            assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", timing)
            timings.append(tuple(timing.split(" --> ")))
            speaker, words = payload.split(": ", 1)
            pieces.append((speaker, words))
        _check_timing(timings)
        assert _merge(pieces) == _utterances(text), case


def test_timing_follows_word_counts(tmp_path, texts):
    cues = _vtt_cues(_render_all(texts["C06"], tmp_path, "C06")["vtt"])
    words = sum(len(w.split()) for *_, w in cues)
    minutes = _clock(cues[-1][2]) / 60_000
    assert 120 <= words / minutes <= 160


def test_split_cues_keeps_words_and_prefers_sentences():
    sentence = "This sentence has exactly ten words in it, you see."
    cues = split_cues(" ".join([sentence] * 4))
    assert [len(c.split()) for c in cues] == [20, 20]
    long = "word, " * 60
    parts = split_cues(long)
    assert " ".join(parts) == " ".join(long.split())
    assert all(10 <= len(p.split()) <= 25 for p in parts)
    assert split_cues("Yes.") == ["Yes."]


def test_rendering_is_deterministic(tmp_path, texts):
    text = texts["C08"]
    first = {fmt: p.read_bytes() for fmt, p in _render_all(text, tmp_path / "one").items()}
    second = {fmt: p.read_bytes() for fmt, p in _render_all(text, tmp_path / "two").items()}
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first["docx"])) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    other = render_transcript(texts["C07"], "vtt", tmp_path / "C07").read_bytes()
    assert other.split(b"\n")[2] != first["vtt"].split(b"\n")[2], "cue ids differ between interviews"


def test_parse_turns_matches_the_simple_parser(texts):
    for text in texts.values():
        assert parse_turns(text) == _utterances(text)
