"""Import, cases, codebook, coding, memos and the framework matrix through the library API,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv

import pytest
import yaml
from openpyxl import load_workbook

import qualframe as qf
from conftest import INTERVIEW, write_text

CODEBOOK_YAML = """
codes:
  - name: Funding
    definition: How money shapes services.
    origin: deductive
    colour: "#4E79A7"
    children:
      - name: Short-term
        definition: Funding that lasts a year or less.
        inclusion: Mentions of annual or one-off money.
        exclusion: Capital funding.
        example: "only ever a year ahead"
      - name: Competing priorities
        origin: inductive
  - name: Evidence
    children:
      - name: Impact
"""


@pytest.fixture
def study(project, tmp_path):
    """A small study: two interviews, cases with attributes, a codebook."""
    write_text(tmp_path / "P01.txt", INTERVIEW)
    write_text(
        tmp_path / "P02.txt",
        "Interviewer: Tell me about evidence.\n\nTom Okafor: We never see impact data. Funding is a problem too.\n\n"
        "Interviewer: Why?\n\nTom Okafor: Nobody collects it.\n",
    )
    report = qf.import_files(project, [tmp_path / "P01.txt", tmp_path / "P02.txt"], case_from_filename=True)
    assert report.ok, report.failed
    write_text(tmp_path / "cases.csv", "case,organisation_type,years,joint\nP01,Local authority,12,yes\nP02,NHS ICB,3,no\n")
    qf.import_cases(project, tmp_path / "cases.csv")
    write_text(tmp_path / "codebook.yaml", CODEBOOK_YAML)
    qf.import_codebook(project, tmp_path / "codebook.yaml")
    return project


def test_import_keeps_text_turns_and_provenance(study, tmp_path):
    source = qf.get_source(study, "P01")
    assert source["text"] == INTERVIEW
    assert source["case"] == "P01"
    speakers = [t["speaker"] for t in source["turns"]]
    assert speakers == ["Interviewer", "Priya Raman", "Interviewer", "Priya Raman", "Interviewer"]
    second = source["turns"][1]
    assert source["text"][second["start"] : second["end"]].startswith("I commission public health")
    assert qf.original_bytes(study, "P01") == (tmp_path / "P01.txt").read_bytes()
    import hashlib

    assert source["sha256"] == hashlib.sha256((tmp_path / "P01.txt").read_bytes()).hexdigest()


def test_import_reports_bad_files_and_keeps_good_ones(project, tmp_path):
    good = write_text(tmp_path / "good.txt", "Interviewer: Hi.\n\nSam: Hello.\n")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    fake_docx = write_text(tmp_path / "notes.docx", "not a word file")
    report = qf.import_files(project, [empty, good, binary, fake_docx, tmp_path / "missing.txt"])
    assert report.imported == ["good"]
    failed = dict(report.failed)
    assert set(failed) == {"empty.txt", "image.txt", "notes.docx", "missing.txt"}
    assert "empty" in failed["empty.txt"]
    assert "binary" in failed["image.txt"]
    assert "docx" in failed["notes.docx"].lower() or "word" in failed["notes.docx"].lower()
    assert [s["name"] for s in qf.list_sources(project)] == ["good"]


def test_import_refuses_duplicates_without_writing(study, tmp_path):
    before = qf.list_sources(study)
    report = qf.import_files(study, [tmp_path / "P01.txt"])
    assert report.failed and "already in the project" in report.failed[0][1]
    copy = tmp_path / "again" / "P01-copy.txt"
    copy.parent.mkdir()
    copy.write_bytes((tmp_path / "P01.txt").read_bytes())
    report = qf.import_files(study, [copy])
    assert "already imported as source 'P01'" in report.failed[0][1]
    assert qf.list_sources(study) == before


def test_oversized_file_refused(project, tmp_path):
    big = write_text(tmp_path / "big.txt", "Interviewer: " + "word " * 3000)
    report = qf.import_files(project, [big], max_bytes=1000)
    assert "over the" in report.failed[0][1] and "limit" in report.failed[0][1]


def test_cases_types_inferred_and_overridable(study, tmp_path):
    attributes = {a["name"]: a["type"] for a in qf.list_attributes(study)}
    assert attributes == {"organisation_type": "text", "years": "integer", "joint": "boolean"}
    cases = {c["name"]: c for c in qf.list_cases(study)}
    assert cases["P01"]["attributes"] == {"organisation_type": "Local authority", "years": 12, "joint": True}
    assert cases["P02"]["sources"] == ["P02"]
    write_text(tmp_path / "more.csv", "case,band\nP03,7\n")
    qf.import_cases(study, tmp_path / "more.csv", {"band": "text"})
    assert {a["name"]: a["type"] for a in qf.list_attributes(study)}["band"] == "text"


def test_cases_from_xlsx(project, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Participant", "Region", "Interviewed"])
    sheet.append(["P01", "North", "2025-02-11"])
    sheet.append(["P02", "South", "2025-03-01"])
    workbook.save(tmp_path / "cases.xlsx")
    result = qf.import_cases(project, tmp_path / "cases.xlsx")
    assert result == {"created": 2, "updated": 0, "attributes": 2}
    assert {a["name"]: a["type"] for a in qf.list_attributes(project)} == {"Region": "text", "Interviewed": "date"}


def test_bad_case_table_changes_nothing(study, tmp_path):
    before = qf.list_cases(study)
    write_text(tmp_path / "bad.csv", "case,years\nP09,4\nP10,many\n")
    with pytest.raises(qf.InvalidInput, match=r"bad.csv, row 3, column 'years': 'many' is not a whole number"):
        qf.import_cases(study, tmp_path / "bad.csv")
    write_text(tmp_path / "dupe.csv", "case,x\nP09,1\nP09,2\n")
    with pytest.raises(qf.InvalidInput, match="row 3: case 'P09' also appears in row 2"):
        qf.import_cases(study, tmp_path / "dupe.csv")
    assert qf.list_cases(study) == before


def test_codebook_tree_and_round_trip(study, tmp_path):
    codes = qf.list_codes(study)
    assert [c["path"] for c in codes] == [
        "Funding", "Funding/Short-term", "Funding/Competing priorities", "Evidence", "Evidence/Impact",
    ]
    short = codes[1]
    assert short["inclusion"] == "Mentions of annual or one-off money."
    assert short["origin"] == "inductive" and codes[0]["origin"] == "deductive"
    qf.export_codebook(study, tmp_path / "out.yaml")
    qf.export_codebook(study, tmp_path / "out.csv")
    data = yaml.safe_load((tmp_path / "out.yaml").read_text())
    assert data["codes"][0]["children"][0]["example"] == "only ever a year ahead"
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8-sig")))
    assert rows[1]["path"] == "Funding/Short-term" and rows[1]["exclusion"] == "Capital funding."


def test_codebook_csv_import_updates_existing_codes(study, tmp_path):
    write_text(
        tmp_path / "update.csv",
        "path,definition,origin,colour\nFunding/Short-term,Revised definition.,deductive,#E15759\nFunding/Ring-fenced,Money only for one purpose.,inductive,\n",
    )
    assert qf.import_codebook(study, tmp_path / "update.csv") == {"created": 1, "updated": 1}
    codes = {c["path"]: c for c in qf.list_codes(study)}
    assert codes["Funding/Short-term"]["definition"] == "Revised definition."
    assert codes["Funding/Short-term"]["colour"] == "#E15759"
    assert codes["Funding/Ring-fenced"]["colour"].startswith("#")


@pytest.mark.parametrize(
    "content, message",
    [
        ("path,origin\nFunding/X,sideways\n", "origin 'sideways' must be deductive or inductive"),
        ("path,colour\nFunding/X,blue\n", "colour 'blue' must be a hex colour"),
        ("path\nNowhere/X\n", "parent code 'Nowhere'"),
        ("name\nX\n", "missing column"),
        ("path\nA//B\n", "not valid"),
    ],
)
def test_bad_codebook_changes_nothing(study, tmp_path, content, message):
    before = qf.list_codes(study)
    write_text(tmp_path / "bad.csv", "path\nNewTheme\n" + content.split("\n", 1)[1] if content.startswith("path\n") else content)
    with pytest.raises(qf.QualframeError, match=message):
        qf.import_codebook(study, tmp_path / "bad.csv")
    assert qf.list_codes(study) == before


def test_codes_from_topic_guide(project, tmp_path):
    write_text(
        tmp_path / "guide.md",
        "# Topic guide\n\n## The commissioning process\n- How are services commissioned?\n- Who decides?\n\n"
        "## Funding / budgets\n1. How is money allocated?\n",
    )
    assert qf.codes_from_guide(project, tmp_path / "guide.md") == ["The commissioning process", "Funding - budgets"]
    codes = {c["path"]: c for c in qf.list_codes(project)}
    assert codes["The commissioning process"]["origin"] == "deductive"
    assert "Who decides?" in codes["The commissioning process"]["definition"]
    write_text(tmp_path / "plain.txt", "Roles\nCollaboration\n\n")
    assert qf.codes_from_guide(project, tmp_path / "plain.txt") == ["Roles", "Collaboration"]


def test_code_by_quote_and_errors(study):
    coding = qf.code_text(study, "P02", "Evidence/Impact", quote="We never see impact data.", coder="ana")
    text = qf.get_source(study, "P02")["text"]
    assert text[coding["start"] : coding["end"]] == "We never see impact data."
    with pytest.raises(qf.InvalidInput, match="occurs 2 times") as ambiguous:
        qf.code_text(study, "P01", "Funding/Short-term", quote="Funding is always short-term", coder="ana")
    assert "--start" in str(ambiguous.value)
    with pytest.raises(qf.NotFound, match="quote not found"):
        qf.code_text(study, "P01", "Funding/Short-term", quote="no such words", coder="ana")
    with pytest.raises(qf.NotFound, match="no code 'Funding/Long-term'"):
        qf.code_text(study, "P02", "Funding/Long-term", quote="We never see impact data.", coder="ana")
    with pytest.raises(qf.InvalidInput, match="not inside source"):
        qf.code_text(study, "P02", "Evidence/Impact", start=5, end=10_000, coder="ana")
    assert len(qf.list_codings(study)) == 1


def test_quote_matching_tolerates_line_breaks_and_curly_quotes(study):
    coding = qf.code_text(
        study, "P01", "Evidence/Impact",
        quote="the good people leave. We also struggle", coder="ana",
    )
    assert coding["start"] > 0
    text = qf.get_source(study, "P01")["text"]
    assert text[coding["start"] : coding["end"]] == "the good people leave.\nWe also struggle"


def test_codings_csv_round_trip_and_speaker(study, tmp_path):
    text = qf.get_source(study, "P01")["text"]
    start = text.index("It means providers")
    write_text(
        tmp_path / "codings.csv",
        f"source,start,end,code,coder,memo\nP01,{start},{start + 32},Funding/Short-term,bea,Staff turnover\n"
        f"P02,{text.index('Funding') - 100 if False else 0},10,Evidence/Impact,,\n",
    )
    assert qf.import_codings(study, tmp_path / "codings.csv", default_coder="ana") == {"added": 2, "skipped": 0}
    assert qf.import_codings(study, tmp_path / "codings.csv", default_coder="ana") == {"added": 0, "skipped": 2}
    assert [r["memo"] for r in qf.list_codings(study) if r["memo"]] == ["Staff turnover"], "memo not doubled"
    rows = qf.list_codings(study)
    first = next(r for r in rows if r["source"] == "P01")
    assert first["speaker"] == "Priya Raman" and first["coder"] == "bea" and first["memo"] == "Staff turnover"
    assert next(r for r in rows if r["source"] == "P02")["coder"] == "ana"
    qf.export_codings(study, tmp_path / "out.csv")
    exported = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8-sig")))
    assert {"source", "start", "end", "code", "coder", "memo"} <= set(exported[0])
    assert exported[0]["text"] == text[start : start + 32] or exported[1]["text"] == text[start : start + 32]


def test_bad_codings_file_changes_nothing(study, tmp_path):
    write_text(tmp_path / "bad.csv", "source,start,end,code\nP01,0,10,Funding/Short-term\nP01,5,3,Funding/Short-term\n")
    with pytest.raises(qf.InvalidInput, match="bad.csv, row 3: span 5-3"):
        qf.import_codings(study, tmp_path / "bad.csv", default_coder="ana")
    write_text(tmp_path / "bad2.csv", "source,start,end,code\nP77,0,10,Funding/Short-term\n")
    with pytest.raises(qf.NotFound, match="row 2: no source named 'P77'"):
        qf.import_codings(study, tmp_path / "bad2.csv", default_coder="ana")
    write_text(tmp_path / "bad3.csv", "source,start,end,code\nP01,0,10,Funding/Short-term\nP01,0,10,Funding/Shorter\n")
    with pytest.raises(qf.NotFound, match="row 3: no code 'Funding/Shorter'"):
        qf.import_codings(study, tmp_path / "bad3.csv", default_coder="ana")
    write_text(tmp_path / "bad4.csv", "source,start,end,code\nP01,zero,10,Funding/Short-term\n")
    with pytest.raises(qf.InvalidInput, match="row 2: start and end must be whole numbers"):
        qf.import_codings(study, tmp_path / "bad4.csv", default_coder="ana")
    assert qf.list_codings(study) == []


def test_memos_on_everything(study):
    qf.add_memo(study, "Recruitment went slowly.", author="ana")
    qf.add_memo(study, "Strong views on funding.", author="ana", source="P01")
    qf.add_memo(study, "Participant was new in post.", author="ana", case="P02")
    qf.add_memo(study, "Consider splitting.", author="bea", code="Funding/Short-term")
    memos = qf.list_memos(study)
    assert [(m["on"], m["target"]) for m in memos] == [
        ("project", ""), ("source", "P01"), ("case", "P02"), ("code", "Funding/Short-term"),
    ]
    with pytest.raises(qf.NotFound):
        qf.add_memo(study, "x", author="ana", case="P99")
    qf.code_text(study, "P01", "Evidence/Impact", quote="It means providers cannot keep staff.", coder="ana", memo="turnover")
    qf.delete_source(study, "P01")
    assert [(m["on"], m["target"]) for m in qf.list_memos(study)] == [
        ("project", ""), ("case", "P02"), ("code", "Funding/Short-term"),
    ]
    assert qf.list_codings(study) == []


def test_code_edit_move_merge_delete(study):
    qf.code_text(study, "P02", "Funding/Competing priorities", quote="Funding is a problem too.", coder="ana")
    assert qf.update_code(study, "Funding/Competing priorities", rename="Priorities") == "Funding/Priorities"
    assert qf.update_code(study, "Funding/Priorities", move_to="Evidence") == "Evidence/Priorities"
    with pytest.raises(qf.InvalidInput, match="under itself"):
        qf.update_code(study, "Evidence", move_to="Evidence/Impact")
    with pytest.raises(qf.InvalidInput, match="coding"):
        qf.delete_code(study, "Evidence/Priorities")
    assert qf.merge_codes(study, "Evidence/Priorities", "Funding/Short-term") == 1
    assert [r["code"] for r in qf.list_codings(study)] == ["Funding/Short-term"]
    qf.add_memo(study, "About impact.", author="ana", code="Evidence/Impact")
    qf.delete_code(study, "Evidence")
    assert qf.list_memos(study) == []
    assert "Evidence/Impact" not in {c["path"] for c in qf.list_codes(study)}


def _coded_study(study):
    qf.code_text(study, "P01", "Funding/Short-term", quote="so we only ever plan a year ahead", coder="ana")
    qf.code_text(study, "P01", "Funding/Short-term", quote="so we only ever plan a year ahead", coder="bea")
    qf.code_text(study, "P01", "Evidence/Impact", quote="We also struggle to show impact", coder="ana")
    qf.code_text(study, "P02", "Evidence/Impact", quote="We never see impact data.", coder="ana")
    qf.summarise(study, "P01", "Funding/Short-term", "Annual budgets stop long-term planning.", author="ana")
    return study


def test_matrix_contents(study):
    _coded_study(study)
    matrices = qf.build_matrices(study)
    assert [m.theme for m in matrices] == ["Funding", "Evidence"]
    funding = matrices[0]
    assert funding.columns == ["Funding/Short-term", "Funding/Competing priorities"]
    assert funding.attributes == ["organisation_type", "years", "joint"]
    p01, p02 = funding.rows
    assert (p01.case, p02.case) == ("P01", "P02")
    assert p01.attributes["organisation_type"] == "Local authority"
    cell = p01.cells["Funding/Short-term"]
    assert cell.summary == "Annual budgets stop long-term planning."
    assert len(cell.quotes) == 1, "the same span coded by two coders is one quote"
    quote = cell.quotes[0]
    assert quote.text == "so we only ever plan a year ahead"
    assert quote.speaker == "Priya Raman" and quote.coders == ["ana", "bea"]
    assert quote.reference.startswith("P01, Priya Raman, ")
    empty = p02.cells["Funding/Short-term"]
    assert empty.summary is None and empty.quotes == []
    assert empty.as_text() == "[no summary yet]"
    evidence = qf.build_matrices(study, "Evidence")[0]
    assert evidence.rows[1].cells["Evidence/Impact"].quotes[0].speaker == "Tom Okafor"
    with pytest.raises(qf.InvalidInput, match="not a theme"):
        qf.build_matrices(study, "Evidence/Impact")


def test_matrix_exports(study, tmp_path):
    _coded_study(study)
    matrices = qf.build_matrices(study)
    [xlsx] = qf.export_matrices(matrices, tmp_path / "matrix.xlsx")
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["Funding", "Evidence"]
    sheet = workbook["Funding"]
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header == ["Case", "organisation_type", "years", "joint", "Short-term", "Competing priorities"]
    assert sheet["A2"].value == "P01" and sheet["C2"].value == 12 and sheet["D2"].value == "yes"
    cell = sheet["E2"]
    assert cell.value.startswith("Annual budgets stop long-term planning.")
    assert "“so we only ever plan a year ahead” (P01, Priya Raman," in cell.value
    assert cell.alignment.wrap_text
    assert sheet["E3"].value == "[no summary yet]"
    written = qf.export_matrices(matrices, tmp_path / "matrix.csv")
    assert [p.name for p in written] == ["matrix-funding.csv", "matrix-evidence.csv"]
    rows = list(csv.reader(written[0].open(encoding="utf-8-sig")))
    assert rows[0][0] == "Case" and rows[1][4].startswith("Annual budgets")
    [page] = qf.export_matrices(matrices, tmp_path / "matrix.html")
    html = page.read_text()
    assert "<h2>Theme: Funding</h2>" in html and "Tom Okafor" in html
    with pytest.raises(qf.InvalidInput, match="unsupported type"):
        qf.export_matrices(matrices, tmp_path / "matrix.pdf")


def test_html_export_escapes_text(project, tmp_path):
    write_text(tmp_path / "x.txt", "Interviewer: Hi.\n\nAli: <script>alert(1)</script> & more\n")
    qf.import_files(project, [tmp_path / "x.txt"], case="C<1>")
    qf.add_code(project, "T<b>", )
    qf.add_code(project, "T<b>/Kid")
    qf.code_text(project, "x", "T<b>/Kid", quote="<script>alert(1)</script>", coder="ana")
    page = qf.matrices_html(qf.build_matrices(project))
    assert "<script>" not in page and "&lt;script&gt;" in page and "C&lt;1&gt;" in page


def test_matrix_without_case_row_and_grandchildren(project, tmp_path):
    write_text(tmp_path / "loose.txt", "Interviewer: Hi.\n\nAli: Budgets are cut every year.\n")
    qf.import_files(project, [tmp_path / "loose.txt"])
    qf.add_code(project, "Funding/Cuts/Annual", create_parents=True)
    qf.code_text(project, "loose", "Funding/Cuts/Annual", quote="Budgets are cut", coder="ana")
    funding = qf.build_matrices(project, "Funding")[0]
    assert funding.rows[-1].case == "(no case)"
    assert funding.rows[-1].cells["Funding/Cuts"].quotes[0].text == "Budgets are cut"


def test_summaries_import_and_clear(study, tmp_path):
    write_text(tmp_path / "s.csv", "case,code,summary\nP02,Evidence/Impact,No data reaches them.\nP01,Funding/Short-term,Plans a year ahead.\n")
    assert qf.import_summaries(study, tmp_path / "s.csv", author="ana") == 2
    assert {(s["case"], s["code"]) for s in qf.list_summaries(study)} == {("P02", "Evidence/Impact"), ("P01", "Funding/Short-term")}
    qf.summarise(study, "P02", "Evidence/Impact", "", author="ana")
    assert len(qf.list_summaries(study)) == 1
    write_text(tmp_path / "bad.csv", "case,code,summary\nP01,Funding/Short-term,changed\nP99,Evidence/Impact,x\n")
    with pytest.raises(qf.NotFound, match="row 3: no case named 'P99'"):
        qf.import_summaries(study, tmp_path / "bad.csv", author="ana")
    assert qf.list_summaries(study)[0]["summary"] == "Plans a year ahead."


def test_crosstab_counts_cases_not_quotes(study):
    _coded_study(study)
    qf.code_text(study, "P01", "Evidence/Impact", quote="It means providers cannot keep staff.", coder="ana")
    table = qf.crosstab(study, "Evidence", "organisation_type")
    assert table.values == ["Local authority", "NHS ICB"]
    assert table.cases_per_value == {"Local authority": 1, "NHS ICB": 1}
    assert table.counts["Evidence/Impact"] == {"Local authority": 1, "NHS ICB": 1}
    with pytest.raises(qf.NotFound, match="no case attribute 'region'"):
        qf.crosstab(study, "Evidence", "region")
