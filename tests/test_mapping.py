"""Factors, diagnosis, candidates, APEASE, selections and the mapping table, end to end
through the library and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

import pytest
from docx import Document
from openpyxl import load_workbook

import qualframe as qf
from conftest import INTERVIEW, cli, write_text
from qualframe import mapping
from qualframe import vocabularies as vocab

run = cli


@pytest.fixture
def coded(project, tmp_path):
    write_text(tmp_path / "P01.txt", INTERVIEW)
    qf.import_files(project, [tmp_path / "P01.txt"], case_from_filename=True)
    qf.add_code(project, "Funding/Short-term", create_parents=True)
    qf.add_code(project, "Evidence/Impact", create_parents=True)
    c1 = qf.code_text(project, "P01", "Funding/Short-term", quote="so we only ever plan a year ahead", coder="ana")
    c2 = qf.code_text(project, "P01", "Evidence/Impact", quote="We also struggle to show impact", coder="ana")
    project.quote_refs = (f"P01:{c1['start']}-{c1['end']}", f"P01:{c2['start']}-{c2['end']}")
    return project


def test_recommend_follows_the_published_links():
    result = vocab.recommend(tdf=["knowledge"], comb=["reflective_motivation"])
    components = set(vocab.tdf_to_comb()["knowledge"]) | {"reflective_motivation"}
    assert set(result["comb"]) == components
    linked = {f for c in components for f in vocab.comb_to_functions()[c]}
    assert {f["id"] for f in result["functions"]} == linked
    counts = [len(f["addresses"]) for f in result["functions"]]
    assert counts == sorted(counts, reverse=True), "ranked by components addressed"
    for f in result["functions"]:
        assert f["addresses"] == [c for c in vocab.labels("comb") if c in components and f["id"] in vocab.comb_to_functions()[c]]
    assert set(result["policies"]) == {p for f in linked for p in vocab.functions_to_policies()[f]}
    with pytest.raises(qf.InvalidInput, match="unknown TDF domain 'knowlege'"):
        vocab.recommend(tdf=["knowlege"])


def test_tables_json_shape():
    result = run("bcw", "tables", "--json")
    tables = json.loads(result.stdout)
    assert set(tables) == {"comb_to_functions", "functions_to_policies", "tdf_to_comb", "bcts", "bct_groups", "functions_to_bcts", "apease"}
    assert len(tables["bcts"]) == 93 and len(tables["bct_groups"]) == 16 and len(tables["apease"]) == 6
    assert set(tables["comb_to_functions"]) == set(vocab.labels("comb"))
    recommended = json.loads(run("bcw", "recommend", "--comb", "psychological_capability", "--json").stdout)
    assert {f["id"] for f in recommended["functions"]} == set(tables["comb_to_functions"]["psychological_capability"])
    assert run("bcw", "recommend", "--comb", "nonsense", ok=False).exit_code == 1


def test_factor_needs_evidence_and_known_ids(coded):
    before = qf.list_factors(coded)
    with pytest.raises(qf.InvalidInput, match="needs evidence"):
        qf.add_factor(coded, "Short-term funding", polarity="barrier", author="ana")
    with pytest.raises(qf.InvalidInput, match="unknown COM-B component 'motivation'"):
        qf.add_factor(coded, "X", polarity="barrier", codes=["Funding/Short-term"], comb=["motivation"], author="ana")
    with pytest.raises(qf.InvalidInput, match="polarity 'obstacle' must be one of: barrier, enabler"):
        qf.add_factor(coded, "X", polarity="obstacle", codes=["Funding/Short-term"], author="ana")
    with pytest.raises(qf.InvalidInput, match="level 'national'"):
        qf.add_factor(coded, "X", polarity="barrier", level="national", codes=["Funding/Short-term"], author="ana")
    with pytest.raises(qf.NotFound, match="no coding at P01:0-3"):
        qf.add_factor(coded, "X", polarity="barrier", quotes=["P01:0-3"], author="ana")
    with pytest.raises(qf.NotFound, match="no code 'Funding/Long-term'"):
        qf.add_factor(coded, "X", polarity="barrier", codes=["Funding/Long-term"], author="ana")
    assert qf.list_factors(coded) == before == []


def test_factor_evidence_diagnosis_and_candidates(coded):
    f = qf.add_factor(
        coded, "Short-term funding", polarity="barrier", level="general",
        description="Budgets are set a year at a time.", codes=["Funding/Short-term"],
        quotes=[coded.quote_refs[1]], tdf=["environmental_context_resources"], comb=["reflective_motivation"], author="ana",
    )
    assert f["id"] == "F1"
    assert f["comb"] == [c for c in vocab.labels("comb") if c in set(vocab.tdf_to_comb()["environmental_context_resources"]) | {"reflective_motivation"}]
    assert [q["text"] for q in f["quotes"]] == ["We also struggle to show impact", "so we only ever plan a year ahead"], "chosen quotes first"
    assert f["quotes"][0]["case"] == "P01" and f["quotes"][0]["speaker"] == "Priya Raman"
    assert f["candidates"]["functions"] == vocab.recommend(comb=["reflective_motivation"], tdf=["environmental_context_resources"])["functions"]
    assert f["selected"] == {"functions": [], "policies": [], "techniques": []}, "nothing selected automatically"
    [entry] = qf.candidate_map(coded)
    assert entry["factor"] == "F1" and entry["functions"] == f["candidates"]["functions"]


def test_selection_apease_justification_and_history(coded):
    qf.add_factor(coded, "Low awareness", polarity="barrier", codes=["Evidence/Impact"], comb=["psychological_capability"], author="ana")
    candidates = {f["id"] for f in qf.get_factor(coded, "F1")["candidates"]["functions"]}
    inside = sorted(candidates)[0]
    outside = next(f for f in vocab.labels("function") if f not in candidates)
    qf.select_items(coded, "F1", functions=[inside], author="ana")
    with pytest.raises(qf.InvalidInput, match=f"{outside} is not among the candidate intervention functions for F1"):
        qf.select_items(coded, "F1", functions=[outside], author="ana")
    f = qf.select_items(coded, "Low awareness", functions=[outside], justification="Local rules already require it.", author="bea")
    chosen = {item["id"]: item for item in f["selected"]["functions"]}
    assert chosen[inside]["candidate"] and chosen[inside]["justification"] is None
    assert not chosen[outside]["candidate"] and chosen[outside]["justification"] == "Local rules already require it."
    policy = f["candidates"]["policies"][0]
    technique = f["candidates"]["techniques"][0] if f["candidates"]["techniques"] else "1.1"
    qf.select_items(coded, "F1", policies=[policy], techniques=[technique], justification="as planned", author="ana")
    qf.set_apease(coded, "F1", inside, "affordability", "unsure", note="Depends on the ICB budget.", author="ana")
    qf.set_apease(coded, "F1", inside, "affordability", "yes", note="Pilot money found.", author="ana")
    with pytest.raises(qf.InvalidInput, match="judgement 'maybe'"):
        qf.set_apease(coded, "F1", inside, "equity", "maybe", author="ana")
    with pytest.raises(qf.InvalidInput, match="unknown APEASE criterion"):
        qf.set_apease(coded, "F1", inside, "cost", "yes", author="ana")
    f = qf.get_factor(coded, "F1")
    assert f["apease"][inside]["affordability"] == {"judgement": "yes", "note": "Pilot money found."}
    history = qf.factor_history(coded, "F1")
    assert [h["action"] for h in history] == ["created", "selected", "selected", "selected", "apease", "apease"]
    assert history[2]["author"] == "bea" and history[2]["detail"]["justification"] == "Local rules already require it."
    elsewhere = next(c for c in vocab.labels("comb") if inside not in vocab.comb_to_functions()[c])
    with pytest.raises(qf.InvalidInput, match=f"no longer candidates and have no justification: function {inside}"):
        qf.edit_factor(coded, "F1", comb=[elsewhere], author="ana")
    with pytest.raises(qf.InvalidInput, match="has selected functions"):
        qf.edit_factor(coded, "F1", amenable=False, author="ana")
    with pytest.raises(qf.InvalidInput, match="without evidence"):
        qf.edit_factor(coded, "F1", remove_codes=["Evidence/Impact"], author="ana")
    assert qf.get_factor(coded, "F1")["codes"] == ["Evidence/Impact"], "refused edits change nothing"


def test_not_amenable_factor_is_not_mapped(coded):
    qf.add_factor(coded, "The pandemic", polarity="barrier", level="context", amenable=False, codes=["Funding/Short-term"], author="ana")
    assert qf.candidate_map(coded) == []
    with pytest.raises(qf.InvalidInput, match="not marked amenable to change"):
        qf.select_items(coded, "F1", functions=["education"], justification="x", author="ana")
    assert qf.mapping_rows(coded)[0][5] == "Not amenable to change"


def test_levels_are_project_defined(coded):
    qf.set_factor_levels(coded, ["general", "pair_specific", "context"])
    qf.add_factor(coded, "Little awareness of infant mental health", polarity="barrier", level="pair_specific",
                  codes=["Evidence/Impact"], author="ana")
    with pytest.raises(qf.InvalidInput, match="used by factors"):
        qf.set_factor_levels(coded, ["general"])


def test_mapping_table_in_every_format(coded, tmp_path):
    qf.add_factor(coded, "Short-term funding", polarity="barrier", codes=["Funding/Short-term"],
                  comb=["reflective_motivation"], tdf=["beliefs_about_consequences"], author="ana")
    candidates = qf.get_factor(coded, "F1")["candidates"]
    function = candidates["functions"][0]["id"]
    outside = next(f for f in vocab.labels("function") if f not in {c["id"] for c in candidates["functions"]})
    qf.select_items(coded, "F1", functions=[function], author="ana")
    qf.select_items(coded, "F1", functions=[outside], justification="Commissioners asked for it.", author="ana")
    technique = next(t for t in vocab.labels("technique") if t not in candidates["techniques"])
    qf.select_items(coded, "F1", techniques=[technique], justification="Fits the commissioning cycle.", author="ana")
    [xlsx] = qf.export_mapping_table(coded, tmp_path / "map.xlsx")
    sheet = load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["Factor", "Barrier or enabler", "Level", "COM-B", "TDF domains", "Intervention functions", "Policy categories", "Behaviour change techniques"]
    row = [c.value for c in sheet[2]]
    assert row[0] == "F1 Short-term funding" and row[1] == "Barrier"
    assert vocab.labels("function")[outside] + " †" in row[5]
    assert f"{technique} {vocab.labels('technique')[technique]} †" in row[7]
    assert "“so we only ever plan a year ahead” (P01)" in row[8]
    assert "Commissioners asked for it." in row[9]
    [docx] = qf.export_mapping_table(coded, tmp_path / "map.docx")
    table = Document(str(docx)).tables[0]
    assert table.rows[0].cells[0].text == "Factor" and table.rows[1].cells[0].text == "F1 Short-term funding"
    [csv_path] = qf.export_mapping_table(coded, tmp_path / "map.csv")
    rows = list(csv.reader(csv_path.open(encoding="utf-8-sig")))
    assert rows[1][0] == "F1 Short-term funding"
    [html] = qf.export_mapping_table(coded, tmp_path / "map.html")
    assert "F1 Short-term funding" in html.read_text()


def test_cli_end_to_end(coded, tmp_path):
    p = ["-p", coded.root]
    run("factor", "add", "Short-term funding", "--polarity", "barrier", "--code", "Funding/Short-term",
        "--quote", coded.quote_refs[0], "--tdf", "environmental_context_resources", "--author", "ana", *p)
    result = run("factor", "add", "No evidence", "--polarity", "barrier", *p, ok=False)
    assert result.exit_code == 1 and "needs evidence" in result.stderr
    mapped = json.loads(run("bcw", "map", "F1", "--json", *p).stdout)
    function = mapped[0]["functions"][0]["id"]
    run("bcw", "select", "F1", "--function", function, "--author", "ana", *p)
    run("bcw", "apease", "F1", "--function", function, "--criterion", "equity", "--judgement", "unsure", "--note", "Rural areas?", *p)
    shown = json.loads(run("factor", "show", "F1", "--json", *p).stdout)
    assert shown["selected"]["functions"][0]["id"] == function
    assert shown["apease"][function]["equity"]["note"] == "Rural areas?"
    listed = json.loads(run("factor", "list", "--json", *p).stdout)
    assert [f["label"] for f in listed] == ["Short-term funding"]
    run("factor", "edit", "F1", "--level", "context", "--author", "bea", *p)
    history = json.loads(run("factor", "history", "F1", "--json", *p).stdout)
    assert history[-1]["detail"] == {"level": {"from": "general", "to": "context"}} and history[-1]["author"] == "bea"
    run("bcw", "table", "--out", tmp_path / "mapping.docx", *p)
    assert (tmp_path / "mapping.docx").is_file()
    run("factor", "delete", "F1", "--yes", *p)
    assert json.loads(run("factor", "list", "--json", *p).stdout) == []


def test_history_of_a_deleted_factor_keeps_what_it_said(coded):
    made = qf.add_factor(coded, "Short-term funding", polarity="barrier", codes=["Funding/Short-term"],
                         quotes=[coded.quote_refs[1]], tdf=["environmental_context_resources"], author="ana")
    qf.edit_factor(coded, "F1", description="Budgets are set a year at a time.", author="bea")
    with pytest.raises(qf.NotFound) as no_deletions:
        qf.factor_history(coded, "F9")
    assert "deleted" not in str(no_deletions.value), "nothing deleted yet: no mention of deleted factors"
    qf.delete_factor(coded, "F1", author="cara")

    history = qf.factor_history(coded, "F1")
    assert [(h["action"], h["author"]) for h in history] == [("created", "ana"), ("edited", "bea"), ("deleted", "cara")]
    said = history[-1]["detail"]
    assert said["number"] == 1 and said["label"] == "Short-term funding"
    assert said["description"] == "Budgets are set a year at a time."
    assert (said["codes"], said["quotes"], said["tdf"]) == (
        ["Funding/Short-term"], [coded.quote_refs[1]], ["environmental_context_resources"])
    assert qf.factor_history(coded, "short-term FUNDING") == history, "by label, in any case, as for live factors"

    trail = mapping.factor_trail(coded, "F1")
    assert (trail["id"], trail["guid"], trail["label"]) == ("F1", made["guid"], "Short-term funding")
    assert trail["deleted"]["by"] == "cara" and trail["deleted"]["at"] == history[-1]["at"]
    assert trail["deleted"]["snapshot"] == said and trail["history"] == history
    assert mapping.factor_trail(coded, made["guid"].upper())["guid"] == made["guid"], "by GUID too"

    [deleted] = mapping.deleted_factors(coded)
    assert {k: deleted[k] for k in ("id", "number", "label", "guid", "deleted_by", "deleted_at")} == {
        "id": "F1", "number": 1, "label": "Short-term funding", "guid": made["guid"], "deleted_by": "cara",
        "deleted_at": history[-1]["at"]}
    with pytest.raises(qf.NotFound, match=r"no factor 'F9' \(the project has no factors yet\); deleted factors: F1 “Short-term funding”"):
        qf.factor_history(coded, "F9")
    with pytest.raises(qf.NotFound, match="no factor with GUID 00000000-0000-4000-8000-000000000000; deleted factors: F1"):
        qf.factor_history(coded, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(qf.NotFound, match="no factor 'F1'"):
        qf.get_factor(coded, "F1")  # only the history reaches a deleted factor


def test_reused_number_names_the_live_factor_and_deleted_ones_are_reached_by_guid(coded):
    qf.add_factor(coded, "Short-term funding", polarity="barrier", codes=["Funding/Short-term"], author="ana")
    staff = qf.add_factor(coded, "Staff leave", polarity="barrier", codes=["Funding/Short-term"], author="ana")
    qf.delete_factor(coded, "F2", author="ana")
    data = qf.add_factor(coded, "No impact data", polarity="barrier", codes=["Evidence/Impact"], author="bea")
    assert data["id"] == "F2", "add_factor numbers past the highest live factor, so a deleted number is reused"

    live = mapping.factor_trail(coded, "F2")
    assert (live["guid"], live["deleted"]) == (data["guid"], None), "the live factor wins"
    assert [h["action"] for h in live["history"]] == ["created"]
    assert [d["guid"] for d in live["deleted_namesakes"]] == [staff["guid"]]
    assert qf.factor_history(coded, "Staff leave")[-1]["action"] == "deleted", "no live factor has that label"

    qf.delete_factor(coded, "F2", author="bea")
    with pytest.raises(qf.InvalidInput, match="'F2' names 2 deleted factors: F2 “Staff leave” deleted .* "
                                              f"\\(GUID {staff['guid']}\\); F2 “No impact data”.*give the GUID"):
        qf.factor_history(coded, "F2")
    assert qf.factor_history(coded, staff["guid"])[-1]["detail"]["label"] == "Staff leave"
    assert qf.factor_history(coded, data["guid"])[-1]["detail"]["label"] == "No impact data"
    assert [(d["id"], d["label"], d["deleted_by"]) for d in mapping.deleted_factors(coded)] == [
        ("F2", "Staff leave", "ana"), ("F2", "No impact data", "bea")]

    again = qf.add_factor(coded, "Staff leave", polarity="enabler", codes=["Evidence/Impact"], author="ana")
    assert again["id"] == "F2"
    trail = mapping.factor_trail(coded, "Staff leave")
    assert (trail["guid"], trail["deleted"]) == (again["guid"], None), "a reused label names the live factor too"
    assert [d["guid"] for d in trail["deleted_namesakes"]] == [staff["guid"]]
