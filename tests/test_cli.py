"""The command line end to end, as a researcher types it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from conftest import INTERVIEW, cli, write_text

run = cli


@pytest.fixture
def cli_project(tmp_path, db_url):
    folder = tmp_path / "study"
    run("init", folder, *(["--db", db_url] if db_url else []))
    return folder


def test_full_path_from_transcripts_to_matrix(cli_project, tmp_path):
    p = ["-p", cli_project]
    write_text(tmp_path / "P01.txt", INTERVIEW)
    write_text(tmp_path / "P02.md", "**Interviewer**: Evidence?\n\n**Tom Okafor**: We never see impact data.\n\n**Interviewer**: Ok.\n")
    result = run("import", tmp_path / "P01.txt", tmp_path / "P02.md", "--case-from-filename", *p)
    assert "2 imported, 0 refused" in result.stdout
    sources = json.loads(run("sources", "--json", *p).stdout)
    assert [s["name"] for s in sources] == ["P01", "P02"]
    assert sources[0]["text"] == INTERVIEW and sources[0]["case"] == "P01"
    assert {"speaker", "start", "end"} <= set(sources[1]["turns"][1])
    assert sources[1]["turns"][1]["speaker"] == "Tom Okafor"

    write_text(tmp_path / "cases.csv", "case,organisation_type\nP01,Local authority\nP02,NHS ICB\n")
    run("cases", "import", tmp_path / "cases.csv", *p)
    cases = json.loads(run("cases", "--json", *p).stdout)
    assert cases[1]["attributes"] == {"organisation_type": "NHS ICB"}

    write_text(tmp_path / "guide.txt", "Funding\nEvidence\n")
    run("codebook", "from-guide", tmp_path / "guide.txt", *p)
    run("codebook", "add", "Funding/Short-term", "--definition", "Money for a year or less.", *p)
    run("codebook", "add", "Evidence/Impact", *p)
    codes = json.loads(run("codes", "--json", *p).stdout)
    assert [c["path"] for c in codes] == ["Funding", "Funding/Short-term", "Evidence", "Evidence/Impact"]
    assert codes[0]["origin"] == "deductive"

    run("code", "--source", "P01", "--quote", "so we only ever plan a year ahead", "--code", "Funding/Short-term", "--coder", "ana", *p)
    run("code", "--source", "P02", "--quote", "We never see impact data.", "--code", "Evidence/Impact", "--coder", "ana", "--memo", "strong", *p)
    codings = json.loads(run("codings", "--json", *p).stdout)
    assert [(c["source"], c["code"], c["speaker"]) for c in codings] == [
        ("P01", "Funding/Short-term", "Priya Raman"), ("P02", "Evidence/Impact", "Tom Okafor")]
    assert codings[1]["memo"] == "strong"

    run("chart", "summarise", "--case", "P01", "--code", "Funding/Short-term", "--text", "Plans one year at a time.", "--author", "ana", *p)
    run("memo", "Interviews done.", "--author", "ana", *p)
    memos = json.loads(run("memos", "--json", *p).stdout)
    assert [(m["on"], m["text"]) for m in memos] == [("coding", "strong"), ("project", "Interviews done.")]
    assert memos[0]["target"].startswith("P02 ")
    out = tmp_path / "matrix.xlsx"
    result = run("chart", "--out", out, *p)
    assert "2 theme(s): Funding, Evidence" in result.stdout
    sheet = load_workbook(out)["Funding"]
    assert sheet["C2"].value.startswith("Plans one year at a time.")
    matrices = json.loads(run("chart", "--theme", "Evidence", "--json", *p).stdout)
    assert matrices[0]["rows"][1]["cells"]["Evidence/Impact"]["quotes"][0]["speaker"] == "Tom Okafor"
    table = json.loads(run("crosstab", "--theme", "Evidence", "--by", "organisation_type", "--json", *p).stdout)
    assert table["counts"]["Evidence/Impact"] == {"Local authority": 0, "NHS ICB": 1}

    run("code", "--source", "P01", "--quote", "we only ever plan a year ahead", "--code", "Funding/Short-term", "--coder", "bea", *p)
    agreement = json.loads(run("agreement", "--coders", "ana,bea", "--json", *p).stdout)
    assert [(r["code"], r["coded_by_a"], r["coded_by_b"]) for r in agreement] == [("Funding/Short-term", 33, 30)]
    assert run("agreement", "--coders", "ana", *p, ok=False).exit_code == 1

    run("codings", "export", tmp_path / "codings.csv", *p)
    run("sources", "delete", "P02", "--yes", *p)
    assert [s["name"] for s in json.loads(run("sources", "--json", *p).stdout)] == ["P01"]
    assert all(c["source"] == "P01" for c in json.loads(run("codings", "--json", *p).stdout))
    run("codebook", "export", tmp_path / "codebook.yaml", *p)
    assert "Short-term" in (tmp_path / "codebook.yaml").read_text()


def test_errors_are_one_line_and_exit_nonzero(cli_project, tmp_path):
    p = ["-p", cli_project]
    write_text(tmp_path / "good.txt", "Interviewer: Hi.\n\nSam: Hello.\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run("import", tmp_path / "good.txt", tmp_path / "empty.txt", *p, ok=False)
    assert result.exit_code == 1
    assert "empty.txt: file is empty" in result.stderr
    assert "1 imported, 1 refused" in result.stdout
    result = run("code", "--source", "nope", "--quote", "x", "--code", "A", *p, ok=False)
    assert result.exit_code == 1 and "no source named 'nope'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    result = run("chart", *p, ok=False)
    assert result.exit_code == 1 and "--out" in result.stderr


def test_case_import_types_are_given_as_on_the_web(cli_project, tmp_path):
    """--type takes COLUMN=TYPE, repeated or several in one, read by the parser the web form uses."""
    p = ["-p", cli_project]
    write_text(tmp_path / "cases.csv", "case,ward number,visits,attended\nP01,007,2,1\nP02,012,3,0\n")
    for bad, reason in (
        ("visits=number", "--type: 'visits=number': there is no type 'number'"),
        ("visits", "--type: 'visits' is not COLUMN=TYPE"),
        ("vists=float", "--type: cases.csv has no column 'vists'"),
    ):
        result = run("cases", "import", tmp_path / "cases.csv", "--type", bad, *p, ok=False)
        assert result.exit_code == 1 and reason in result.stderr, result.stderr
        assert json.loads(run("cases", "--json", *p).stdout) == []
    run("cases", "import", tmp_path / "cases.csv", "--type", "ward number=text",
        "--type", "visits=float, attended=Boolean", *p)
    rows = {c["name"]: c["attributes"] for c in json.loads(run("cases", "--json", *p).stdout)}
    assert rows["P01"] == {"ward number": "007", "visits": 2.0, "attended": True}
    assert isinstance(rows["P02"]["visits"], float) and rows["P02"]["attended"] is False


def test_project_found_from_current_folder(cli_project, monkeypatch):
    monkeypatch.chdir(cli_project)
    assert json.loads(run("sources", "--json").stdout) == []


def test_no_project_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("sources", ok=False)
    assert result.exit_code == 1 and "no qualframe project" in result.stderr


def test_real_console_process(tmp_path):
    """The installed command, as a separate process (no test runner in between)."""
    folder = tmp_path / "proc"
    command = [sys.executable, "-m", "qualframe"]
    subprocess.run([*command, "init", str(folder)], check=True, capture_output=True)
    write_text(tmp_path / "P01.txt", INTERVIEW)
    done = subprocess.run([*command, "import", str(tmp_path / "P01.txt"), "-p", str(folder)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([*command, "sources", "--json", "-p", str(folder)], capture_output=True, text=True, check=True)
    assert json.loads(listed.stdout)[0]["name"] == "P01"


def test_history_and_list_of_deleted_factors(cli_project):
    p = ["-p", cli_project]
    run("codebook", "add", "Funding", *p)
    run("factor", "add", "Short-term funding", "--polarity", "barrier", "--code", "Funding", "--author", "ana", *p)
    assert "deleted" not in run("factor", "history", "F1", *p).stdout
    assert json.loads(run("factor", "list", "--deleted", "--json", *p).stdout) == []
    run("factor", "delete", "F1", "--yes", "--author", "cara", *p)

    shown = run("factor", "history", "F1", *p).stdout
    assert "F1 “Short-term funding” was deleted on" in shown and "by cara" in shown
    history = json.loads(run("factor", "history", "F1", "--json", *p).stdout)
    assert [(h["action"], h["author"]) for h in history] == [("created", "ana"), ("deleted", "cara")]
    assert history[-1]["detail"]["label"] == "Short-term funding" and history[-1]["detail"]["codes"] == ["Funding"]

    [deleted] = json.loads(run("factor", "list", "--deleted", "--json", *p).stdout)
    assert (deleted["id"], deleted["label"], deleted["deleted_by"]) == ("F1", "Short-term funding", "cara")
    assert "Deleted factors" in run("factor", "list", "--deleted", *p).stdout
    assert json.loads(run("factor", "list", "--json", *p).stdout) == []

    # the number is reused; the live factor wins, and the history says a deleted one went by it too
    run("factor", "add", "Staff leave", "--polarity", "barrier", "--code", "Funding", "--author", "ana", *p)
    shown = run("factor", "history", "F1", *p).stdout
    assert "live F1 “Staff leave”" in shown and "1 deleted factor also went by 'F1'" in shown
    by_guid = json.loads(run("factor", "history", deleted["guid"], "--json", *p).stdout)
    assert by_guid == history

    result = run("factor", "history", "F9", *p, ok=False)
    assert result.exit_code == 1
    assert "no factor 'F9' (factors: F1 Staff leave); deleted factors: F1 “Short-term funding”" in result.stderr
