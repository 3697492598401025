"""`qualframe demo` builds the whole fictional study, through every stage."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import qualframe as qf
from qualframe.cli import app

THEMES = [
    "Commissioning process", "Working together", "Funding constraints",
    "Demonstrating impact", "Awareness of infant mental health", "The pandemic and other context",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "study"
    result = CliRunner().invoke(app, ["demo", "--out", str(folder)])
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "9 sources, 9 cases" in result.stdout
    return folder


@pytest.fixture(scope="module")
def demo_project(demo):
    return demo / "project"


def test_demo_transcripts_in_every_format_come_back_with_two_speakers(demo_project):
    with qf.open_project(demo_project) as project:
        sources = qf.list_sources(project)
    assert sorted({s["format"] for s in sources}) == ["docx", "md", "srt", "txt", "vtt"]
    for source in sources:
        assert len(source["speakers"]) == 2 and "Interviewer" in source["speakers"], source["name"]
        assert any(s.startswith("[Commissioner ") for s in source["speakers"]), "participants are pseudonymised"
        assert source["case"] == source["name"]
    vtt = next(s for s in sources if s["format"] == "vtt")
    assert all(turn["time_start"] is not None for turn in vtt["turns"])


def test_demo_matrix_has_every_theme_summaries_and_empty_cells(demo):
    workbook = load_workbook(demo / "outputs" / "framework-matrix.xlsx")
    assert [name for name in workbook.sheetnames] == [t[:31] for t in THEMES]
    sheet = workbook["Funding constraints"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Case", "organisation_type"]
    cells = [c.value for row in sheet.iter_rows(min_row=2) for c in row[len(header) - 4 :]]
    assert any(v and not v.startswith("[no summary yet]") and "“" in v for v in cells)
    who = load_workbook(demo / "outputs" / "framework-matrix.xlsx")["Working together"]
    texts = [c.value for row in who.iter_rows(min_row=2) for c in row]
    assert any(isinstance(v, str) and v.startswith("[no summary yet]\n\n“") for v in texts), "coded cell left unsummarised"
    assert (demo / "outputs" / "framework-matrix.html").read_text().count("<h2>Theme:") == 6


def test_demo_outputs_and_rebuild(demo):
    for name in ("codings.csv", "crosstab-organisation-type.csv", "agreement-researcher_a-researcher_b.csv",
                 "bcw-mapping.docx", "bcw-mapping.xlsx"):
        assert (demo / "outputs" / name).is_file(), name
    assert (demo / "DEMO.md").is_file() and (demo / "keys" / "demo-study.key").is_file()
    result = CliRunner().invoke(app, ["codes", "--json", "-p", str(demo / "project")])
    codes = json.loads(result.stdout)
    assert [c["path"] for c in codes if c["depth"] == 0] == THEMES
    assert all(c["codings"] >= 2 for c in codes if c["depth"] == 1)


def test_demo_refuses_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "not empty" in result.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_demo_can_be_rebuilt_in_place(tmp_path):
    qf.build_demo(tmp_path / "d")
    report = qf.build_demo(tmp_path / "d")
    assert report.counts["codings"] >= 150


def test_demo_factors_mirror_the_reference_study(demo, demo_project):
    with qf.open_project(demo_project) as project:
        factors = qf.list_factors(project)
    assert {f["level"] for f in factors} == {"general", "service_specific", "context"}
    assert {f["polarity"] for f in factors} == {"barrier", "enabler"}
    for f in factors:
        assert f["quotes"], f"{f['id']} has evidence"
        if f["amenable"]:
            assert f["selected"]["functions"], f"{f['id']} has selected functions"
            assert all(item["candidate"] or item["justification"] for item in f["selected"]["functions"])
    assert [f["amenable"] for f in factors if f["level"] == "context"] == [False]
    table = load_workbook(demo / "outputs" / "bcw-mapping.xlsx").active
    assert table.max_row == len(factors) + 1


INVENTED_IDENTIFIERS = ["Marchbank", "Raghavan", "Pennock", "Kareem", "Tierney", "Hebblethwaite", "Thornley",
                        "Featherby", "Whitcombe", "Kettering", "Wrenhallow", "Kestlebury", "Hollinsbridge",
                        "Stannerton", "01632 960418", "example.org"]


def test_demo_project_holds_no_identifier(demo_project):
    raw = b"".join(p.read_bytes() for p in demo_project.rglob("*") if p.is_file())
    for identifier in INVENTED_IDENTIFIERS:
        assert identifier.encode() not in raw, identifier
    materials = (demo_project.parent / "materials" / "transcripts" / "C03.txt").read_text()
    assert "Pennock" in materials, "the materials outside the project keep the originals"
