"""Importing a codebook and a case table from a file on the codebook and cases pages:
real uploads in a browser, and the refusals (wrong type, tricky name, bad row, too
large, no CSRF token, a viewer) each leaving the project as it was."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from qualframe import cases, codebook
from webkit import PASSWORD, add_team, check_accessibility, csrf_of, http_client, running, screenshot

pytestmark = pytest.mark.browser

CODEBOOK_YAML = """\
codes:
  - name: Funding
    definition: Money for services, and how long it lasts.
  - name: Access
    definition: Whether families can reach a service.
    colour: "#59A14F"
    origin: deductive
    children:
      - name: Travel distance
        definition: Families in outlying villages such as Brackenmoor travel far to clinics.
        inclusion: Distance, buses, the cost of getting there.
"""

CASE_TABLE = """\
case,site,age,first-time parent
P01,Wrenhallow,41,no
P02,Brackenmoor,29,yes
P03,Wrenhallow,35,yes
"""


def paths(project) -> list[str]:
    return [c["path"] for c in codebook.list_codes(project)]


def project_state(project) -> tuple:
    """Everything an import could change: codes with their fields, cases, attributes."""
    return codebook.list_codes(project), cases.list_cases(project), cases.list_attributes(project)


def settled(page) -> None:
    """Wait until htmx has settled its last swap (it moves focus only then)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- in the browser -------------------------------------------------------------------


def test_a_coder_imports_a_yaml_codebook_after_a_refused_csv(server, new_page, backend, tmp_path):
    project = server.project
    page = new_page()
    page.goto(server.opening("/codebook"))
    before = project_state(project)

    # a CSV whose second data row has no path is refused as a whole, naming file and row
    bad = write(tmp_path, "draft codes.csv", "path,definition\nAccess,Reaching a service\n,No path here\n")
    page.get_by_label(re.compile("^Codebook file")).set_input_files(bad)
    page.get_by_role("button", name="Import codebook").click()
    expect(page.locator("#messages")).to_contain_text("draft codes.csv, row 3: 'path' is empty")
    assert project_state(project) == before

    good = write(tmp_path, "codebook.yaml", CODEBOOK_YAML)
    page.get_by_label(re.compile("^Codebook file")).set_input_files(good)
    page.get_by_role("button", name="Import codebook").click()
    confirmation = page.locator("main .message.ok")
    expect(confirmation).to_have_text("Imported codebook.yaml: 2 codes added, 1 updated.")
    settled(page)
    expect(confirmation).to_be_focused()
    expect(page.locator("#messages")).to_be_empty()
    expect(page.get_by_role("link", name="Travel distance")).to_be_visible()
    expect(page.locator("#code-tree")).to_contain_text("Families in outlying villages such as Brackenmoor")
    expect(page.locator("#code-tree")).to_contain_text("Money for services, and how long it lasts.")

    codes = {c["path"]: c for c in codebook.list_codes(project)}
    assert "Access/Travel distance" in codes
    assert codes["Access"]["colour"] == "#59A14F" and codes["Access"]["origin"] == "deductive"
    assert codes["Funding"]["definition"] == "Money for services, and how long it lasts."
    assert codes["Access/Travel distance"]["inclusion"] == "Distance, buses, the cost of getting there."
    assert len(codes) == len(before[0]) + 2
    screenshot(page, f"codebook-imported-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


def test_a_coder_imports_a_case_table(server, new_page, backend, tmp_path):
    project = server.project
    page = new_page()
    page.goto(server.opening("/cases"))
    table = write(tmp_path, "participants.csv", CASE_TABLE)
    page.get_by_label(re.compile("^Case table")).set_input_files(table)
    page.get_by_role("button", name="Import table").click()

    confirmation = page.locator("main .message.ok")
    expect(confirmation).to_have_text("Imported participants.csv: 2 cases added, 1 updated, 3 attributes read.")
    settled(page)
    expect(page.get_by_role("columnheader", name="age (integer)")).to_be_visible()
    expect(page.get_by_role("columnheader", name="first-time parent (boolean)")).to_be_visible()
    expect(page.get_by_label("site of case P02")).to_have_value("Brackenmoor")
    expect(page.get_by_label("age of case P03")).to_have_value("35")
    expect(page.get_by_label("first-time parent of case P02")).to_have_value("yes")
    expect(page.get_by_label("role of case P01")).to_have_value("commissioner")  # not in the table: kept

    assert cases.list_attributes(project) == [
        {"name": "role", "type": "text"}, {"name": "site", "type": "text"},
        {"name": "age", "type": "integer"}, {"name": "first-time parent", "type": "boolean"},
    ]
    rows = {c["name"]: c["attributes"] for c in cases.list_cases(project)}
    assert rows["P01"] == {"role": "commissioner", "site": "Wrenhallow", "age": 41, "first-time parent": False}
    assert rows["P02"] == {"role": None, "site": "Brackenmoor", "age": 29, "first-time parent": True}
    assert sorted(rows) == ["P01", "P02", "P03"]
    screenshot(page, f"cases-imported-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


TYPED_TABLE = """\
case,ward number,visits,attended
P01,007,2,1
P02,012,3,0
"""


def test_a_coder_gives_column_types_after_a_refused_spec(server, new_page, backend, tmp_path):
    project = server.project
    page = new_page()
    page.goto(server.opening("/cases"))
    before = project_state(project)
    types = page.get_by_label("Column types (optional)")
    expect(types).to_have_accessible_description(re.compile(r"COLUMN=TYPE.*integer \(a whole number\).*date \(a date"))
    table = write(tmp_path, "visits.csv", TYPED_TABLE)

    # a type that does not exist is refused, naming the field; nothing is imported
    page.get_by_label(re.compile("^Case table")).set_input_files(table)
    types.fill("ward number=text, visits=number")
    page.get_by_role("button", name="Import table").click()
    expect(page.locator("#messages")).to_contain_text(
        "Column types: 'visits=number': there is no type 'number' (use text, integer, float, boolean, date)")
    assert project_state(project) == before
    screenshot(page, f"cases-types-refused-{backend}")
    check_accessibility(page)

    types.fill("ward number=text, visits=float, attended=boolean")
    page.get_by_role("button", name="Import table").click()
    expect(page.locator("main .message.ok")).to_have_text("Imported visits.csv: 1 case added, 1 updated, 3 attributes read.")
    settled(page)
    expect(page.get_by_role("columnheader", name="ward number (text)")).to_be_visible()
    expect(page.get_by_role("columnheader", name="visits (float)")).to_be_visible()
    expect(page.get_by_role("columnheader", name="attended (boolean)")).to_be_visible()
    expect(page.get_by_label("ward number of case P01")).to_have_value("007")
    expect(page.get_by_label("attended of case P02")).to_have_value("no")
    expect(page.get_by_label("Column types (optional)")).to_have_value("")

    attributes = {a["name"]: a["type"] for a in cases.list_attributes(project)}
    assert attributes == {"role": "text", "ward number": "text", "visits": "float", "attended": "boolean"}
    rows = {c["name"]: c["attributes"] for c in cases.list_cases(project)}
    assert rows["P01"] == {"role": "commissioner", "ward number": "007", "visits": 2.0, "attended": True}
    assert rows["P02"] == {"role": None, "ward number": "012", "visits": 3.0, "attended": False}
    assert isinstance(rows["P02"]["visits"], float)
    screenshot(page, f"cases-typed-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


# --- refusals over HTTP ---------------------------------------------------------------


def said(response) -> str:
    """The response's text as a person reads it (quotes are escaped in the HTML)."""
    return html.unescape(response.text)


def post_file(client, url: str, filename: str, content: bytes, csrf: str | None):
    data = {"csrf": csrf} if csrf is not None else {}
    return client.post(url, data=data, files={"file": (filename, content, "application/octet-stream")},
                       headers={"HX-Request": "true"})


@pytest.mark.parametrize(
    "url, filename, reason",
    [
        ("/codebook/import", "codebook.txt", "this type of file cannot be imported (use .csv, .xlsx, .yaml, .yml)"),
        ("/codebook/import", "codebook.docx", "this type of file cannot be imported"),
        ("/codebook/import", "../../codebook.yaml", "not a plain file name"),
        ("/codebook/import", ".codebook.yaml", "not a plain file name"),
        ("/cases/import", "cases.yaml", "this type of file cannot be imported (use .csv, .xlsx)"),
        ("/cases/import", "..\\cases.csv", "not a plain file name"),
    ],
)
def test_wrong_types_and_tricky_names_are_refused(server, url, filename, reason):
    client = http_client(server)
    csrf = csrf_of(client.get("/codebook").text)
    before = project_state(server.project)
    response = post_file(client, url, filename, CASE_TABLE.encode() if "cases" in url else CODEBOOK_YAML.encode(), csrf)
    assert response.status_code == 400
    assert reason in said(response)
    assert response.headers["HX-Retarget"] == "#messages"
    assert project_state(server.project) == before


def test_a_codebook_with_a_bad_entry_changes_nothing(server):
    client = http_client(server)
    csrf = csrf_of(client.get("/codebook").text)
    before = project_state(server.project)
    table = "path,definition,colour\nAccess,Reaching a service,#59A14F\nAccess/Travel,Getting there,red\n"
    response = post_file(client, "/codebook/import", "codes.csv", table.encode(), csrf)
    assert response.status_code == 400
    assert "codes.csv, row 3: colour 'red' must be a hex colour" in said(response)
    orphan_csv = "path\nAccess\nNowhere/Travel\n"
    response = post_file(client, "/codebook/import", "orphan.csv", orphan_csv.encode(), csrf)
    assert response.status_code == 404
    assert "orphan.csv, row 3: parent code 'Nowhere' is neither in the file nor in the project" in said(response)
    response = post_file(client, "/codebook/import", "broken.yaml", b"codes: [unclosed\n", csrf)
    assert response.status_code == 400 and "broken.yaml: not readable YAML" in said(response)
    assert project_state(server.project) == before
    assert "Access" not in paths(server.project)


def test_a_case_table_with_a_bad_row_changes_nothing(server):
    project = server.project
    cases.add_attribute(project, "years in post", "integer")
    client = http_client(server)
    csrf = csrf_of(client.get("/cases").text)
    before = project_state(project)
    table = "case,years in post,site\nP02,5,Brackenmoor\nP03,about ten,Wrenhallow\n"
    response = post_file(client, "/cases/import", "team.csv", table.encode(), csrf)
    assert response.status_code == 400
    assert "team.csv, row 3, column 'years in post'" in said(response)
    duplicated = "case,site\nP02,Brackenmoor\nP02,Wrenhallow\n"
    response = post_file(client, "/cases/import", "twice.csv", duplicated.encode(), csrf)
    assert response.status_code == 400
    assert "row 3: case" in said(response) and "also appears in row 2" in said(response)
    assert project_state(project) == before  # P02, whose row was good, was not added either


@pytest.mark.parametrize(
    "spec, reason",
    [
        ("visits=number", "Column types: 'visits=number': there is no type 'number' (use text, integer, float"),
        ("visits float", "Column types: 'visits float' is not COLUMN=TYPE"),
        ("=integer", "Column types: '=integer' is not COLUMN=TYPE"),
        ("visits=float, vists=integer", "Column types: visits.csv has no column 'vists' (its columns: ward number, visits, attended, role)"),
        ("visits=float\nvisits=integer", "Column types: column 'visits' is given two types, float and integer"),
        ("role=integer", "Column types: attribute 'role' is already text here"),
    ],
)
def test_a_bad_column_type_changes_nothing(server, spec, reason):
    client = http_client(server)
    csrf = csrf_of(client.get("/cases").text)
    before = project_state(server.project)
    table = "case,ward number,visits,attended,role\nP02,012,3,0,commissioner\n"
    response = client.post("/cases/import", data={"csrf": csrf, "types": spec},
                           files={"file": ("visits.csv", table.encode(), "text/csv")}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert reason in said(response)
    assert response.headers["HX-Retarget"] == "#messages"
    assert project_state(server.project) == before


def test_a_missing_or_oversized_file_is_refused(study):
    with running(study, max_upload_bytes=1024 * 1024) as live:
        client = http_client(live)
        csrf = csrf_of(client.get("/cases").text)
        before = project_state(live.project)
        response = client.post("/cases/import", data={"csrf": csrf}, headers={"HX-Request": "true"})
        assert response.status_code == 400 and "choose one case table file to import" in said(response)
        # over the limit, but within what the request may carry besides: counted while saving
        big = b"case,note\n" + b"P09,words words words\n" * (1536 * 1024 // 22)
        response = post_file(client, "/cases/import", "big.csv", big, csrf)
        assert response.status_code == 400
        assert "big.csv: the file is larger than the limit of 1 MB" in said(response)
        response = post_file(client, "/codebook/import", "big.yaml", b"codes:\n" + b"#" * (3 * 1024 * 1024), csrf)
        assert response.status_code == 413
        assert project_state(live.project) == before


def test_an_import_without_the_csrf_token_is_refused(server, tmp_path):
    client = http_client(server)
    before = project_state(server.project)
    for url, name, content in (("/codebook/import", "codebook.yaml", CODEBOOK_YAML),
                               ("/cases/import", "cases.csv", CASE_TABLE)):
        response = post_file(client, url, name, content.encode(), csrf=None)
        assert response.status_code == 403, url
        assert "did not come from qualframe" in said(response)
        response = post_file(client, url, name, content.encode(), csrf="forged-token")
        assert response.status_code == 403, url
    assert project_state(server.project) == before


def signed_in_client(live, name: str) -> httpx.Client:
    client = httpx.Client(base_url=live.base, follow_redirects=False, headers={"Accept": "text/html"}, timeout=10)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
    assert signed.status_code == 303, signed.text
    return client


def test_a_viewer_cannot_import_and_a_coder_can(study, backend):
    if backend == "sqlite":
        pytest.skip("team mode serves PostgreSQL projects")
    add_team(study)
    with running(study, team=True) as live:
        viewer = signed_in_client(live, "vic")
        page = viewer.get("/codebook").text
        assert 'id="import-codebook"' not in page
        assert 'id="import-cases"' not in viewer.get("/cases").text
        csrf = csrf_of(page)
        before = project_state(study)
        for url, name, content in (("/codebook/import", "codebook.yaml", CODEBOOK_YAML),
                                   ("/cases/import", "cases.csv", CASE_TABLE)):
            refused = post_file(viewer, url, name, content.encode(), csrf)
            assert refused.status_code == 403 and "viewer" in said(refused), url
        assert project_state(study) == before

        coder = signed_in_client(live, "cara")
        assert 'id="import-codebook"' in coder.get("/codebook").text
        csrf = csrf_of(coder.get("/cases").text)
        done = post_file(coder, "/cases/import", "cases.csv", CASE_TABLE.encode(), csrf)
        assert done.status_code == 200 and "2 cases added, 1 updated" in said(done)
        assert [c["name"] for c in cases.list_cases(study)] == ["P01", "P02", "P03"]


def test_without_javascript_the_form_posts_and_the_page_confirms(server):
    client = http_client(server)
    csrf = csrf_of(client.get("/codebook").text)
    response = client.post("/codebook/import", data={"csrf": csrf},
                           files={"file": ("codebook.yaml", CODEBOOK_YAML.encode(), "application/yaml")})
    assert response.status_code == 200
    assert "<h1>Codebook</h1>" in response.text and "<html" in response.text  # a whole page, not a fragment
    assert "Imported codebook.yaml: 2 codes added, 1 updated." in said(response)
    assert "Access/Travel distance" in paths(server.project)

    csrf = csrf_of(client.get("/cases").text)
    response = client.post("/cases/import", data={"csrf": csrf, "types": "ward number=text"},
                           files={"file": ("visits.csv", TYPED_TABLE.encode(), "text/csv")})
    assert response.status_code == 200 and "<h1>Cases and attributes</h1>" in response.text
    assert "Imported visits.csv: 1 case added, 1 updated, 3 attributes read." in said(response)
    assert {a["name"]: a["type"] for a in cases.list_attributes(server.project)}["ward number"] == "text"
