"""Coding requests as the reader's script sends them: all of a change or none of it."""

from __future__ import annotations

import pytest

from qualframe import codebook, coding, sources
from qualframe.errors import InvalidInput
from webkit import csrf_of, http_client


def _post_coding(client, guid: str, **fields: str):
    csrf = csrf_of(client.get(f"/sources/{guid}").text)
    return client.post(f"/sources/{guid}/codings", data=fields, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})


def _guid(project) -> str:
    return next(s["guid"] for s in sources.list_sources(project) if s["name"] == "P01")


def test_a_refused_coding_with_a_new_code_leaves_no_new_code(server):
    client = http_client(server)
    before = server.project.revision()
    answer = _post_coding(client, _guid(server.project), start="5", end="999999", code="Trust/Brand new", create="1")
    assert answer.status_code == 400 and "not inside source" in answer.text
    assert "Trust/Brand new" not in [c["path"] for c in codebook.list_codes(server.project)]
    assert server.project.revision() == before


def test_an_applied_code_answers_with_its_blocks_and_the_new_revision(server):
    client = http_client(server)
    text = coding.transcript(server.project, "P01")["text"]
    start = text.index("It means providers")
    answer = _post_coding(client, _guid(server.project), start=str(start), end=str(start + 20),
                          code="Workforce/Staff turnover")
    assert answer.status_code == 200
    assert f'id="b' in answer.text and "Staff turnover" in answer.text
    assert int(answer.headers["X-Qualframe-Revision"]) == server.project.revision()
    assert [c["code"] for c in coding.list_codings(server.project)] == ["Workforce/Staff turnover"]


def test_one_transaction_keeps_all_or_nothing(study):
    with pytest.raises(InvalidInput):
        with study.one_transaction():
            codebook.add_code(study, "Trust")
            coding.code_text(study, "P01", "Trust", start=0, end=10**6, coder="ana")
    assert "Trust" not in [c["path"] for c in codebook.list_codes(study)]
    before = study.revision()
    with study.one_transaction() as unit:
        codebook.add_code(study, "Trust")
        coding.code_text(study, "P01", "Trust", start=0, end=9, coder="ana")
    assert study.revision() == before + 1 == unit.info["revision"]  # one change of the counter for both
    assert [c["code"] for c in coding.list_codings(study)] == ["Trust"]


def test_transcript_gives_each_coding_its_memos_in_order(study):
    made = coding.code_text(study, "P01", "Funding", start=0, end=9, coder="ana", memo="First thought.")
    coding.memo_on_coding(study, made["guid"], "Second thought.", author="ben")
    coding.code_text(study, "P01", "Workforce", start=5, end=20, coder="ana")
    codings = {c["code"]: c for c in coding.transcript(study, "P01", around=(0, 9))["codings"]}
    assert codings["Funding"]["memos"] == ["First thought.", "Second thought."]
    assert codings["Workforce"]["memos"] == []
    assert len(coding.transcript(study, "P01")["codings"]) == 2  # one entry per coding, however many memos


def test_coding_a_span_returns_its_words_past_accents_and_emoji(study, tmp_path):
    from qualframe.importing import import_file

    text = ("Interviewer: Café first? 👍🏽 Then the rest.\n\nZoë Ngata: Naïve plans — “always” late.\n\n"
            "Interviewer: Why?\n\nZoë Ngata: Money 💷 runs out.\n")
    (tmp_path / "Z01.txt").write_text(text, encoding="utf-8")
    import_file(study, tmp_path / "Z01.txt")
    stored = coding.transcript(study, "Z01")["text"]
    start = stored.index("“always”")
    made = coding.code_text(study, "Z01", "Funding", start=start, end=start + len("“always” late"), coder="ana")
    assert made["text"] == "“always” late" == stored[made["start"]:made["end"]]
    start = stored.index("💷")
    assert coding.code_text(study, "Z01", "Funding", start=start, end=start + 1, coder="ana")["text"] == "💷"
    with pytest.raises(InvalidInput, match=f"its text has {len(stored)} characters"):
        coding.code_text(study, "Z01", "Funding", start=0, end=len(stored) + 1, coder="ana")
    with pytest.raises(InvalidInput, match="not inside source"):
        coding.code_text(study, "Z01", "Funding", start=7, end=3, coder="ana")


def test_a_transaction_reads_a_source_once_and_still_sees_its_changes(study):
    from sqlalchemy import event

    from qualframe.errors import NotFound

    guid = _guid(study)
    texts_read = []
    listener = lambda _conn, _cursor, statement, *_: texts_read.append(statement) if "plain_text" in statement else None  # noqa: E731
    event.listen(study.engine, "before_cursor_execute", listener)
    try:
        with study.one_transaction():
            name = sources.name_of(study, guid)
            coding.code_text(study, name, "Funding", start=0, end=9, coder="ana")
            coding.transcript(study, name, around=(0, 9))
    finally:
        event.remove(study.engine, "before_cursor_execute", listener)
    assert len(texts_read) == 1
    with pytest.raises(NotFound, match="no source named 'P01'"):
        with study.one_transaction() as unit:
            found = sources.source_by_name(unit, "P01")
            found.name = "P01 renamed"
            assert sources.source_by_name(unit, "P01 renamed") is found
            sources.source_by_name(unit, "P01")
    with pytest.raises(NotFound, match="no source named 'P01'"):
        with study.one_transaction() as unit:
            unit.delete(sources.source_by_name(unit, "P01"))
            sources.source_by_name(unit, "P01")
    assert [c["source"] for c in coding.list_codings(study)] == ["P01"]  # both rolled back


def test_a_code_path_finds_the_code_at_its_own_level(study):
    codebook.add_code(study, "Trust/Funding", create_parents=True)
    codebook.add_code(study, "Trust/Funding/Funding", create_parents=True)
    for path in ("Funding", "Trust/Funding", "Trust/Funding/Funding"):
        assert coding.code_text(study, "P01", path, start=0, end=9, coder="ana")["code"] == path
    assert sorted(c["code"] for c in coding.list_codings(study)) == ["Funding", "Trust/Funding", "Trust/Funding/Funding"]
    with pytest.raises(Exception, match="no code 'Funding/Trust'"):
        coding.code_text(study, "P01", "Funding/Trust", start=0, end=9, coder="ana")
