"""Anonymisation in a project: detect, group, decide, apply (with remapping and the key
file), and restore — on SQLite and PostgreSQL. Every person and place here is invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qualframe as qf
from qualframe import anonymise
from conftest import cli, write_text

PASSPHRASE = "correct horse battery staple"

P01 = """Interviewer: Thank you for joining me, Margaret. Could you describe your role?

Margaret Thornton: I commission public health services for Wrenhallow County Council. Funding is always short-term, so we only ever plan a year ahead.

Interviewer: Who else is involved?

Margaret Thornton: Mostly Tom Okafor at the ICB. You can reach me on 01632 960418 or margaret.thornton@example.org if you need more.
"""

P02 = """Interviewer: How is the service going?

Tom Okafor: Ms Thornton and I meet monthly. Funding is always short-term, which worries us both.

Interviewer: Thanks.

Tom Okafor: The Hollinsbridge Family Hub has helped.
"""

IDENTIFIERS = ["Margaret", "Thornton", "Tom Okafor", "Okafor", "Wrenhallow", "01632 960418",
               "margaret.thornton@example.org", "Hollinsbridge"]


@pytest.fixture
def study(project, tmp_path):
    write_text(tmp_path / "P01.txt", P01)
    write_text(tmp_path / "P02.txt", P02)
    assert qf.import_files(project, [tmp_path / "P01.txt", tmp_path / "P02.txt"], case_from_filename=True).ok
    qf.add_code(project, "Funding/Short-term", create_parents=True)
    qf.code_text(project, "P01", "Funding/Short-term", quote="so we only ever plan a year ahead", coder="ana")
    qf.code_text(project, "P02", "Funding/Short-term", quote="Ms Thornton and I meet monthly.", coder="ana")
    qf.add_memo(project, "Margaret was very candid about Wrenhallow.", author="ana", source="P01")
    qf.set_attribute(project, "P01", "organisation", "Wrenhallow County Council")
    return project


def _detected(study):
    anonymise.detect_in_project(study)
    return {e["text"]: e for e in anonymise.list_entities(study)}


def test_detection_groups_mentions_into_entities(study):
    entities = _detected(study)
    margaret = entities["Margaret Thornton"]
    assert margaret["type"] == "PERSON" and margaret["label"] == "[Participant 1]"
    assert {"Margaret", "Ms Thornton"} <= set(margaret["forms"]) or {"Margaret", "Thornton"} <= set(margaret["forms"])
    assert set(margaret["sources"]) == {"P01", "P02"}
    council = next(e for e in entities.values() if "Wrenhallow" in e["text"])
    assert council["label"] == "[Local Authority A]"
    assert any(e["type"] == "PHONE" and e["label"] == "[Phone]" for e in entities.values())
    assert any(e["type"] == "EMAIL" and e["label"] == "[Email]" for e in entities.values())
    again = anonymise.detect_in_project(study)
    assert again["new_mentions"] == 0, "detecting twice adds nothing"


def test_apply_refuses_pending_decisions_and_keys_inside_the_project(study, tmp_path):
    _detected(study)
    with pytest.raises(qf.QualframeError, match="await a decision"):
        anonymise.apply_anonymisation(study, tmp_path / "study.key", PASSPHRASE)
    anonymise.accept_all(study)
    with pytest.raises(qf.QualframeError, match="outside|inside"):
        anonymise.apply_anonymisation(study, study.root / "study.key", PASSPHRASE)
    assert qf.get_source(study, "P01")["text"] == P01


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_apply_and_restore_round_trip(study, tmp_path, backend):
    before_codings = qf.list_codings(study)
    _detected(study)
    anonymise.accept_all(study)
    key = tmp_path / "keys" / "study.key"
    key.parent.mkdir()
    result = anonymise.apply_anonymisation(study, key, PASSPHRASE)
    assert result["sources"] == 2 and key.is_file()

    sources = {s["name"]: s for s in qf.list_sources(study)}
    text = sources["P01"]["text"]
    assert "[Participant 1]" in text and "[Local Authority A]" in text and "[Phone]" in text and "[Email]" in text
    assert "[Participant 1] and I meet monthly" in sources["P02"]["text"], "one label for one person in every source"
    for identifier in IDENTIFIERS:
        assert identifier.lower() not in json.dumps(qf.list_sources(study)).lower(), identifier
    speakers = {t["speaker"] for s in sources.values() for t in s["turns"]}
    assert "Margaret Thornton" not in speakers and "[Participant 1]" in speakers and "Interviewer" in speakers
    codings = {c["source"]: c for c in qf.list_codings(study)}
    assert codings["P01"]["text"] == "so we only ever plan a year ahead", "codings move with the text"
    assert "Thornton" not in codings["P02"]["text"] and codings["P02"]["text"].endswith("and I meet monthly.")
    memo = qf.list_memos(study)[0]["text"]
    assert "Margaret" not in memo and "Wrenhallow" not in memo
    assert "Wrenhallow" not in json.dumps(qf.list_cases(study))
    for turn in sources["P02"]["turns"]:
        assert sources["P02"]["text"][turn["start"]:turn["end"]].strip(), "turns still cover speech"
    if backend == "sqlite":
        raw = _all_bytes(study.root)
        for identifier in IDENTIFIERS:
            assert identifier.encode() not in raw, identifier
            assert identifier.encode("utf-16-le") not in raw, identifier
        assert b"Margaret" not in key.read_bytes(), "the key file is encrypted"

    with pytest.raises(anonymise.KeyFileError):
        anonymise.restore_anonymisation(study, key, "wrong passphrase")
    assert qf.get_source(study, "P01")["text"] == text, "a failed restore changes nothing"

    anonymise.restore_anonymisation(study, key, PASSPHRASE)
    assert qf.get_source(study, "P01")["text"] == P01
    assert qf.get_source(study, "P02")["text"] == P02
    assert qf.original_bytes(study, "P01") == P01.encode()
    after = qf.list_codings(study)
    assert [(c["source"], c["start"], c["end"], c["text"]) for c in after] == [
        (c["source"], c["start"], c["end"], c["text"]) for c in before_codings]
    assert {t["speaker"] for t in qf.get_source(study, "P01")["turns"]} == {"Interviewer", "Margaret Thornton"}
    assert "Margaret" in qf.list_memos(study)[0]["text"]


def test_key_from_another_project_is_refused(study, tmp_path):
    other = qf.init_project(tmp_path / "other")
    write_text(tmp_path / "X.txt", "Interviewer: Hi.\n\nRuth Adeyemi: Call 01632 960111.\n\nInterviewer: Ok.\n\nRuth Adeyemi: Bye.\n")
    qf.import_files(other, [tmp_path / "X.txt"])
    anonymise.detect_in_project(other)
    anonymise.accept_all(other)
    anonymise.apply_anonymisation(other, tmp_path / "other.key", PASSPHRASE)
    _detected(study)
    anonymise.accept_all(study)
    anonymise.apply_anonymisation(study, tmp_path / "study.key", PASSPHRASE)
    anonymised = qf.get_source(study, "P01")["text"]
    with pytest.raises(anonymise.KeyFileError, match="another project"):
        anonymise.restore_anonymisation(study, tmp_path / "other.key", PASSPHRASE)
    assert qf.get_source(study, "P01")["text"] == anonymised
    other.close()


def test_decisions_file_round_trip(study, tmp_path):
    entities = _detected(study)
    with pytest.raises(qf.InvalidInput, match="outside the project folder"):
        anonymise.export_decisions(study, study.root / "decisions.csv")
    path = tmp_path / "decisions.csv"
    anonymise.export_decisions(study, path)
    rows = path.read_text(encoding="utf-8-sig").splitlines()
    margaret = entities["Margaret Thornton"]["id"]
    edited = [r.replace(",pending,", ",accept,") for r in rows]
    edited = [r.replace("[Participant 1]", "[Commissioner 1]") if r.startswith(margaret + ",") else r for r in edited]
    path.write_text("\n".join(edited) + "\n", encoding="utf-8")
    anonymise.import_decisions(study, path)
    after = {e["text"]: e for e in anonymise.list_entities(study)}
    assert after["Margaret Thornton"]["label"] == "[Commissioner 1]"
    assert all(e["decision"] == "accepted" for e in after.values())
    path.write_text("id,decision\nE9999,accept\n", encoding="utf-8")
    with pytest.raises(qf.NotFound, match="row 2: no entity 'E9999'"):
        anonymise.import_decisions(study, path)


def test_rejected_mention_stays(study, tmp_path):
    entities = _detected(study)
    anonymise.accept_all(study)
    phone = next(e for e in entities.values() if e["type"] == "PHONE")
    anonymise.decide(study, phone["id"], decision="reject")
    anonymise.apply_anonymisation(study, tmp_path / "k.key", PASSPHRASE)
    assert "01632 960418" in qf.get_source(study, "P01")["text"]


def test_cli_without_a_project_and_in_one(study, tmp_path, monkeypatch):
    result = cli("anonymise", "detect", tmp_path / "P01.txt", "--json")
    found = json.loads(result.stdout)
    assert {"file", "start", "end", "text", "type", "recogniser", "score"} <= set(found[0])
    assert P01[found[0]["start"]:found[0]["end"]] == found[0]["text"]
    p = ["-p", study.root]
    cli("anonymise", "detect", *p)
    status = json.loads(cli("anonymise", "status", "--json", *p).stdout)
    assert status["pending_entities"] > 0 and not status["anonymised"]
    monkeypatch.setenv("QUALFRAME_KEY_PASSPHRASE", PASSPHRASE)
    refused = cli("anonymise", "apply", "--key", tmp_path / "k.key", *p, ok=False)
    assert refused.exit_code == 1 and "await a decision" in refused.stderr
    cli("anonymise", "review", "--accept-all", *p)
    cli("anonymise", "apply", "--key", tmp_path / "k.key", *p)
    assert json.loads(cli("anonymise", "status", "--json", *p).stdout)["anonymised"]
    monkeypatch.setenv("QUALFRAME_KEY_PASSPHRASE", "nope")
    wrong = cli("anonymise", "restore", "--key", tmp_path / "k.key", *p, ok=False)
    assert wrong.exit_code == 1 and "passphrase" in wrong.stderr
    monkeypatch.setenv("QUALFRAME_KEY_PASSPHRASE", PASSPHRASE)
    cli("anonymise", "restore", "--key", tmp_path / "k.key", *p)
    assert qf.get_source(study, "P01")["text"] == P01


def test_a_transcript_added_later_is_anonymised_in_a_second_round(study, tmp_path):
    _detected(study)
    anonymise.accept_all(study)
    anonymise.apply_anonymisation(study, tmp_path / "round1.key", PASSPHRASE)
    write_text(tmp_path / "P03.txt", "Interviewer: Hello.\n\nRuth Adeyemi: I work with Tom Okafor.\n\n"
                                     "Interviewer: Thanks.\n\nRuth Adeyemi: Call me on 07700 900123.\n")
    qf.import_files(study, [tmp_path / "P03.txt"])
    state = anonymise.status(study)
    assert state["sources_not_anonymised"] == 1 and not state["anonymised"]
    earlier = anonymise.labels_from_key(study, tmp_path / "round1.key", PASSPHRASE)
    found = anonymise.detect_in_project(study, earlier_labels=earlier)
    assert found["sources"] == 1, "only the new source is scanned"
    tom = next(e for e in anonymise.list_entities(study) if e["text"] == "Tom Okafor")
    assert tom["label"] == earlier["PERSON:tom okafor"], "the same person keeps the label of the first round"
    labels_before = {s["name"]: s["text"] for s in qf.list_sources(study)}
    anonymise.accept_all(study)
    anonymise.apply_anonymisation(study, tmp_path / "round2.key", PASSPHRASE)
    p03 = qf.get_source(study, "P03")["text"]
    assert "Ruth" not in p03 and "Okafor" not in p03 and "[Phone]" in p03
    assert "[Participant 1]" not in p03, "labels of the first round are never given to someone else"
    assert qf.get_source(study, "P01")["text"] == labels_before["P01"]
    assert anonymise.status(study)["anonymised"]
    anonymise.restore_anonymisation(study, tmp_path / "round2.key", PASSPHRASE)
    assert "Ruth Adeyemi" in qf.get_source(study, "P03")["text"]
    assert "Margaret" not in qf.get_source(study, "P01")["text"], "the first round stays in place"


def test_terminal_review_with_the_keyboard(study):
    _detected(study)
    ordered = anonymise.list_entities(study)
    keys = "r" + "t" + "ORGANISATION\n" + "a" + "s" * (len(ordered) - 3) + "q"
    result = cli("anonymise", "review", "--interactive", "-p", study.root, input=keys)
    after = anonymise.list_entities(study)
    assert after[0]["decision"] == "rejected"
    assert after[1]["type"] == "ORGANISATION" and after[1]["decision"] == "accepted"
    assert all(e["decision"] == "pending" for e in after[2:])
    assert "Stopped after" in result.stdout


def _decide_all_but_margaret(study) -> dict:
    """Detect, accept every entity but Margaret Thornton (left pending), and return hers with every mention."""
    anonymise.detect_in_project(study)
    [margaret] = [e for e in anonymise.list_entities(study, examples=None) if e["text"] == "Margaret Thornton"]
    for e in anonymise.list_entities(study):
        if e["id"] != margaret["id"]:
            anonymise.decide(study, e["id"], decision="accept")
    return margaret


def _counts(study) -> tuple[int, dict, list[str]]:
    """Pending entities as status, the CLI and the review listing each report them."""
    state = anonymise.status(study)
    from_cli = json.loads(cli("anonymise", "status", "--json", "-p", study.root).stdout)
    assert from_cli["pending_entities"] == state["pending_entities"] == state["entities"]["pending"]
    pending = [e["id"] for e in anonymise.list_entities(study, decision="pending")]
    assert len(pending) == state["pending_entities"]
    return state["pending_entities"], state["entities"], pending


def test_an_entity_decided_mention_by_mention_is_applied(study, tmp_path):
    margaret = _decide_all_but_margaret(study)
    in_p01 = [m["id"] for m in margaret["examples"] if m["source"] == "P01"]
    [in_p02] = [m["id"] for m in margaret["examples"] if m["source"] == "P02"]
    assert len(in_p01) == 3 and margaret["decision"] == "pending"
    for mention in in_p01:
        anonymise.decide(study, mention, decision="accept")

    # one mention still follows the pending entity: apply refuses, and every count says 1
    assert _counts(study) == (1, {"pending": 1, "accepted": 5, "rejected": 0, "by_mention": 0}, [margaret["id"]])
    with pytest.raises(qf.QualframeError, match=r"^1 entity still awaits a decision, for the whole entity or for every one of its mentions: review it \('qualframe anonymise review'"):
        anonymise.apply_anonymisation(study, tmp_path / "k.key", PASSPHRASE)
    assert not (tmp_path / "k.key").exists()

    # the last mention decided: nothing is pending, though the entity itself never was decided
    anonymise.decide(study, in_p02, decision="reject")
    assert _counts(study) == (0, {"pending": 0, "accepted": 5, "rejected": 0, "by_mention": 1}, [])
    [listed] = [e for e in anonymise.list_entities(study) if e["id"] == margaret["id"]]
    assert (listed["decision"], listed["state"]) == ("pending", "by_mention")
    assert listed["mention_decisions"] == {"accepted": 3, "rejected": 1, "inherit": 0}
    assert "by mention" in cli("anonymise", "review", "--list", "-p", study.root).stdout
    assert anonymise.accept_all(study) == 0, "accept-all leaves an entity decided mention by mention alone"
    assert [e["decision"] for e in anonymise.list_entities(study) if e["id"] == margaret["id"]] == ["pending"]

    anonymise.apply_anonymisation(study, tmp_path / "k.key", PASSPHRASE)
    p01, p02 = qf.get_source(study, "P01")["text"], qf.get_source(study, "P02")["text"]
    assert "Margaret" not in p01 and p01.count("[Participant 1]") >= 3, "accepted mentions are replaced"
    assert "Ms Thornton and I meet monthly" in p02, "the rejected mention is kept as written"
    assert "Margaret" not in qf.list_memos(study)[0]["text"], "with a mention accepted, her name is scrubbed elsewhere too"
    earlier = anonymise.labels_from_key(study, tmp_path / "k.key", PASSPHRASE)
    assert earlier["PERSON:margaret thornton"] == "[Participant 1]", "a later round gives her the same label"


def test_an_entity_whose_mentions_are_all_rejected_is_kept(study, tmp_path):
    margaret = _decide_all_but_margaret(study)
    for m in margaret["examples"]:
        anonymise.decide(study, m["id"], decision="reject")
    assert _counts(study) == (0, {"pending": 0, "accepted": 5, "rejected": 0, "by_mention": 1}, [])
    anonymise.apply_anonymisation(study, tmp_path / "k.key", PASSPHRASE)
    assert "Margaret Thornton: I commission" in qf.get_source(study, "P01")["text"]
    assert "Ms Thornton" in qf.get_source(study, "P02")["text"]
    assert qf.list_memos(study)[0]["text"].startswith("Margaret was very candid"), "nothing of hers is scrubbed"
    assert "PERSON:margaret thornton" not in anonymise.labels_from_key(study, tmp_path / "k.key", PASSPHRASE)
