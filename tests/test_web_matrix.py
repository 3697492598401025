"""The framework matrix in a real browser: choose a theme, edit summaries in place, follow quotes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qualframe import chart, coding
from webkit import PASSWORD, add_team, check_accessibility, csrf_of, http_client, running, screenshot, sign_in

pytestmark = pytest.mark.browser

QUOTE = "Funding is always short-term, so we only ever plan a year ahead."
CELL = ("P01", "Funding/Short-term funding")


@pytest.fixture
def coded(server):
    coding.code_text(server.project, "P01", "Funding/Short-term funding", quote=QUOTE, coder="ana")
    return server


def summaries(project):
    return {(s["case"], s["code"]): s["summary"] for s in chart.list_summaries(project)}


def cell(page, code_name="Short-term funding"):
    """The matrix cell of case P01 in the column named ``code_name``."""
    column = page.locator("#matrix thead th").all_inner_texts().index(code_name)
    return page.locator("#matrix tbody tr", has=page.locator("th", has_text="P01")).locator("td").nth(column - 1)


def open_matrix(page, server, theme="Funding"):
    page.goto(server.opening("/matrix?theme=" + theme))
    page.locator("#matrix").wait_for()


def test_pick_a_theme_and_edit_a_summary_in_place(coded, new_page, backend):
    page = new_page()
    page.goto(coded.opening("/matrix"))
    page.get_by_label("Theme", exact=True).select_option("Workforce")
    page.get_by_role("button", name="Show the matrix").click()
    expect(page.get_by_role("heading", name="Theme: Workforce")).to_be_visible()
    expect(page.locator("#matrix thead th")).to_have_text(["Case", "Staff turnover"])
    page.get_by_label("Theme", exact=True).select_option("Funding")
    page.get_by_role("button", name="Show the matrix").click()
    expect(page.locator("#matrix thead th")).to_have_text(["Case", "Short-term funding", "Impact"])

    row_header = page.locator("#matrix tbody th").first
    expect(row_header).to_contain_text("P01")
    expect(row_header).to_contain_text("commissioner")  # the case's attributes sit with it
    target = cell(page)
    expect(target.locator("p.summary")).to_have_text(chart.NO_SUMMARY)
    expect(target.locator("blockquote")).to_have_text(f"“{QUOTE}”")
    expect(target.locator("a.quote-link")).to_contain_text("Priya Raman")
    expect(cell(page, "Impact").locator("blockquote")).to_have_count(0)

    target.get_by_text("Edit summary").click()
    target.get_by_label("Summary of P01, Short-term funding").fill("Plans only a year ahead because funding is annual.")
    target.get_by_role("button", name=re.compile("^Save")).click()
    expect(target.locator("p.saved")).to_have_text("Saved.")
    expect(target.locator("p.summary")).to_have_text("Plans only a year ahead because funding is annual.")
    assert summaries(coded.project) == {CELL: "Plans only a year ahead because funding is annual."}
    screenshot(page, f"matrix-{backend}")
    check_accessibility(page)

    page.reload()
    target = cell(page)
    expect(target.locator("p.summary")).to_have_text("Plans only a year ahead because funding is annual.")
    # edit again from the reloaded page (its version is current), then clear the cell
    target.get_by_text("Edit summary").click()
    target.get_by_label("Summary of P01, Short-term funding").fill("Annual funding: one-year plans.")
    target.get_by_role("button", name=re.compile("^Save")).click()
    expect(target.locator("p.summary")).to_have_text("Annual funding: one-year plans.")
    assert summaries(coded.project) == {CELL: "Annual funding: one-year plans."}
    target.get_by_label("Summary of P01, Short-term funding").fill("")
    target.get_by_role("button", name=re.compile("^Save")).click()
    expect(target.locator("p.summary")).to_have_text(chart.NO_SUMMARY)
    assert summaries(coded.project) == {}
    assert page.console_errors == []


def test_quote_link_opens_the_reader_at_the_quote(coded, new_page):
    page = new_page()
    open_matrix(page, coded)
    link = cell(page).locator("a.quote-link")
    [made] = coding.list_codings(coded.project)
    start, end = made["start"], made["end"]
    link.click()
    page.wait_for_url(re.compile(rf"/sources/[0-9a-fA-F-]+\?at={start}-{end}$"))
    page.locator("#transcript").wait_for()
    active = page.locator(".seg.active")
    expect(active).not_to_have_count(0)
    assert "".join(active.all_inner_texts()) == QUOTE
    assert page.console_errors == []


def test_second_tab_saving_the_same_cell_gets_a_conflict(coded, new_page):
    first, second = new_page(), new_page()
    for page in (first, second):
        open_matrix(page, coded)
        cell(page).get_by_text("Edit summary").click()
    cell(first).get_by_label("Summary of P01, Short-term funding").fill("Written in the first tab.")
    cell(second).get_by_label("Summary of P01, Short-term funding").fill("Written in the second tab.")
    cell(first).get_by_role("button", name=re.compile("^Save")).click()
    expect(cell(first).locator("p.saved")).to_be_visible()
    cell(second).get_by_role("button", name=re.compile("^Save")).click()
    expect(second.locator("#messages")).to_contain_text("written by someone else")
    assert summaries(coded.project) == {CELL: "Written in the first tab."}
    # the second tab keeps what its person typed, so nothing is lost
    expect(cell(second).get_by_label("Summary of P01, Short-term funding")).to_have_value("Written in the second tab.")
    assert first.console_errors == [] and second.console_errors == []


def test_a_summary_with_markup_is_shown_as_text(coded, new_page):
    hostile = "<script>alert(1)</script><b>x</b>"
    page = new_page()
    open_matrix(page, coded)
    target = cell(page)
    target.get_by_text("Edit summary").click()
    target.get_by_label("Summary of P01, Short-term funding").fill(hostile)
    target.get_by_role("button", name=re.compile("^Save")).click()
    expect(target.locator("p.summary")).to_have_text(hostile)
    assert summaries(coded.project) == {CELL: hostile}
    page.reload()
    target = cell(page)
    expect(target.locator("p.summary")).to_have_text(hostile)
    expect(page.locator("#matrix td b")).to_have_count(0)
    expect(page.locator("#matrix td script")).to_have_count(0)
    assert page.console_errors == []


def test_no_themes_says_how_to_make_one(project, new_page):
    with running(project) as live:
        page = new_page()
        page.goto(live.opening("/matrix"))
        expect(page.locator("main")).to_contain_text("There are no themes to chart yet")
        check_accessibility(page)


def _signed_in_client(live, name):
    client = http_client(live)
    login = client.get("/login")
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf_of(login.text), "next": "/"})
    assert response.status_code == 303, response.text
    return client


def test_viewer_sees_summaries_but_cannot_edit(study, new_page, backend):
    if backend == "sqlite":
        pytest.skip("team mode runs on PostgreSQL")
    add_team(study)
    coding.code_text(study, "P01", "Funding/Short-term funding", quote=QUOTE, coder="cara")
    chart.summarise(study, *CELL, "Plans a year ahead.", author="cara")
    with running(study, team=True) as live:
        page = new_page()
        sign_in(page, live, "vic")
        page.goto(f"{live.base}/matrix?theme=Funding")
        expect(cell(page).locator("p.summary")).to_have_text("Plans a year ahead.")
        expect(cell(page).locator("blockquote")).to_have_count(1)
        expect(page.locator("#matrix textarea")).to_have_count(0)
        expect(page.get_by_text("Edit summary")).to_have_count(0)
        screenshot(page, f"matrix-viewer-{backend}")

        form = {"case": "P01", "code": "Funding/Short-term funding", "text": "Viewer's text.", "version": "1", "theme": "Funding"}
        viewer = _signed_in_client(live, "vic")
        refused = viewer.post("/matrix/summary", data={**form, "csrf": csrf_of(viewer.get("/matrix").text)})
        assert refused.status_code == 403
        assert summaries(study) == {CELL: "Plans a year ahead."}
        coder = _signed_in_client(live, "cara")
        saved = coder.post("/matrix/summary", data={**form, "text": "Cara's text.", "csrf": csrf_of(coder.get("/matrix").text)},
                           headers={"HX-Request": "true"})
        assert saved.status_code == 200 and "Cara&#39;s text." in saved.text
        assert summaries(study) == {CELL: "Cara's text."}


def test_plain_form_saves_without_javascript_and_stale_versions_are_refused(coded):
    client = http_client(coded)
    token = csrf_of(client.get("/matrix?theme=Funding").text)
    form = {"csrf": token, "theme": "Funding", "case": "P01", "code": "Funding/Short-term funding", "version": "0"}
    saved = client.post("/matrix/summary", data={**form, "text": "Saved without JavaScript."})
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/matrix?theme=Funding#cell-")
    assert summaries(coded.project) == {CELL: "Saved without JavaScript."}
    stale = client.post("/matrix/summary", data={**form, "text": "From a stale page."})
    assert stale.status_code == 409 and "written by someone else" in stale.text
    page = client.get("/matrix?theme=Funding").text
    assert 'name="version" value="1"' in page and "Saved without JavaScript." in page
    assert summaries(coded.project) == {CELL: "Saved without JavaScript."}
    assert client.get("/matrix?theme=Funding/Impact").status_code == 400  # a code without children
