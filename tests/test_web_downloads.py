"""Downloads: every export the CLI writes, served as a file, from the page's own links."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile

import pytest
import yaml

from qualframe import anonymise, chart, coding, mapping
from webkit import check_accessibility, http_client, running, screenshot

pytestmark = pytest.mark.browser

QUOTE = "Funding is always short-term, so we only ever plan a year ahead."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"xlsx": XLSX, "docx": DOCX, "csv": "text/csv", "html": "text/html", "yaml": "application/yaml",
                 "zip": "application/zip"}


@pytest.fixture
def full(study):
    """The study coded, summarised, with a factor and an anonymisation review under way."""
    coding.code_text(study, "P01", "Funding/Short-term funding", quote=QUOTE, coder="ana")
    coding.code_text(study, "P01", "Workforce/Staff turnover", quote="the good people leave", coder="ana")
    chart.summarise(study, "P01", "Funding/Short-term funding", "Plans only a year ahead.", author="ana")
    mapping.add_factor(study, "Short-term funding", polarity="barrier", codes=["Funding/Short-term funding"], author="ana")
    anonymise.detect_in_project(study)
    return study


def download_links(html):
    return sorted(set(re.findall(r'href="(/downloads/[^"]+)"', html.replace("&amp;", "&"))))


def test_every_download_link_gives_its_file(full, new_page, backend, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"  # where the server writes each export before sending it
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with running(full) as live:
        client = http_client(live)
        page = client.get("/downloads")
        assert page.status_code == 200
        links = download_links(page.text)
        kinds = {re.match(r"/downloads/([a-z-]+)\.", link).group(1) for link in links}
        assert kinds == {"matrix", "codebook", "codings", "mapping", "anonymisation-decisions"}
        bodies = {}
        for link in links:
            response = client.get(link)
            assert response.status_code == 200, (link, response.text[:300])
            disposition = response.headers["content-disposition"]
            filename = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"', disposition).group(1)
            suffix = filename.rsplit(".", 1)[-1]
            assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (link, response.headers)
            assert response.content, link
            bodies[link] = (filename, response.content)
        assert list(scratch.iterdir()) == []  # each temporary folder is gone once its file is sent

        # framework matrices: every theme is a sheet of the workbook, and the summary is there
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(bodies["/downloads/matrix.xlsx"][1]))
        assert workbook.sheetnames == ["Funding", "Workforce"]
        assert workbook["Funding"]["A2"].value == "P01"
        assert "Plans only a year ahead." in workbook["Funding"]["C2"].value
        assert QUOTE in workbook["Funding"]["C2"].value

        import docx

        document = docx.Document(io.BytesIO(bodies["/downloads/matrix.docx"][1]))
        text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
        assert "Plans only a year ahead." in text and "Staff turnover" in text

        # CSV of several themes comes as a zip of one file per theme; one theme as one CSV
        filename, data = bodies["/downloads/matrix.csv"]
        assert filename.endswith(".zip")
        assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == [
            "study-framework-matrix-funding.csv", "study-framework-matrix-workforce.csv"]
        filename, data = bodies["/downloads/matrix.csv?theme=Workforce"]
        assert filename == "study-framework-matrix-Workforce.csv"
        assert "the good people leave" in data.decode("utf-8-sig")
        assert "<table" in bodies["/downloads/matrix.html"][1].decode()

        codebook_yaml = yaml.safe_load(bodies["/downloads/codebook.yaml"][1])
        assert [c["name"] for c in codebook_yaml["codes"]] == ["Funding", "Workforce"]
        assert "Funding/Short-term funding" in bodies["/downloads/codebook.csv"][1].decode("utf-8-sig")
        codings_csv = bodies["/downloads/codings.csv"][1].decode("utf-8-sig")
        assert QUOTE in codings_csv and "the good people leave" in codings_csv
        mapping_book = load_workbook(io.BytesIO(bodies["/downloads/mapping.xlsx"][1]))
        assert any("Short-term funding" in str(c.value) for row in mapping_book.active.iter_rows() for c in row)
        docx.Document(io.BytesIO(bodies["/downloads/mapping.docx"][1]))
        decisions = bodies["/downloads/anonymisation-decisions.csv"][1].decode("utf-8-sig")
        assert "Priya Raman" in decisions
        assert yaml.safe_load(bodies["/downloads/anonymisation-decisions.yaml"][1])["decisions"]

        browser_page = new_page()
        browser_page.goto(live.opening("/downloads"))
        screenshot(browser_page, f"downloads-{backend}")
        check_accessibility(browser_page)
        assert browser_page.console_errors == []


def test_nothing_to_export_is_explained_not_an_error(study):
    """No codings, no factors, no review: the page says so, and the routes answer with a message."""
    with running(study) as live:
        client = http_client(live)
        page = client.get("/downloads").text
        assert "There are no factors yet" in page
        assert "No anonymisation review is in progress" in page
        assert "/downloads/mapping." not in page and "/downloads/anonymisation-decisions." not in page
        refused = client.get("/downloads/mapping.xlsx")
        assert refused.status_code == 400 and "there are no factors yet" in refused.text
        assert "content-disposition" not in refused.headers
        assert client.get("/downloads/anonymisation-decisions.csv").status_code == 404
        assert client.get("/downloads/matrix.exe").status_code == 404
        assert client.get("/downloads/matrix.xlsx?theme=Funding/Impact").status_code == 400  # not a theme


def test_a_project_without_themes_says_so(project):
    with running(project) as live:
        client = http_client(live)
        assert "Nothing to chart yet" in client.get("/downloads").text
        refused = client.get("/downloads/matrix.xlsx")
        assert refused.status_code == 400 and "there is no theme to chart" in refused.text
        empty = client.get("/downloads/codings.csv")
        assert empty.status_code == 200 and empty.text.startswith(("source,", "\ufeffsource,"))
