"""The cases view in a real browser: typed attributes edited in place, new cases and
attributes, a refused bad value, two tabs on one case, and what a viewer may do."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from qualframe import cases
from webkit import add_team, check_accessibility, csrf_of, running, screenshot, sign_in

pytestmark = pytest.mark.browser


def case_row(project, name: str) -> dict:
    return next(c for c in cases.list_cases(project) if c["name"] == name)


def settled(page) -> None:
    """Wait until htmx has settled its last swap: it moves focus (``autofocus``) only then,
    and Playwright, faster than any person, would otherwise type into the wrong field."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def test_edit_attributes_in_place_add_a_case_and_an_attribute(server, new_page, backend):
    project = server.project
    page = new_page()
    page.goto(server.opening("/cases"))
    expect(page.get_by_role("heading", name="Cases and attributes", level=1)).to_be_visible()
    expect(page.get_by_label("role of case P01")).to_have_value("commissioner")

    # a new typed attribute becomes a column
    page.get_by_label("Name of the new attribute").fill("years in post")
    page.get_by_label("Type", exact=True).select_option("integer")
    page.get_by_role("button", name="Add attribute").click()
    expect(page.locator("main .message.ok")).to_contain_text("Added attribute “years in post” (integer)")
    settled(page)
    expect(page.get_by_label("Name of the new attribute")).to_be_focused()  # ready for the next one
    assert cases.list_attributes(project) == [{"name": "role", "type": "text"}, {"name": "years in post", "type": "integer"}]
    years = page.get_by_label("years in post of case P01")

    # a value that is not of the attribute's type is refused, naming case and attribute; nothing changes
    page.get_by_label("role of case P01").fill("service manager")
    years.fill("abc")
    years.press("Enter")
    expect(page.locator("#messages")).to_contain_text("case 'P01', attribute 'years in post': 'abc' is not a whole number")
    settled(page)
    row = case_row(project, "P01")
    assert row["attributes"] == {"role": "commissioner", "years in post": None}

    # a good value is saved with the rest of the row, by Enter in the cell
    years.fill("12")
    years.press("Enter")
    expect(page.locator("tr", has=page.get_by_label("role of case P01")).get_by_role("status")).to_have_text("Saved")
    settled(page)
    expect(page.locator("#messages")).to_be_empty()
    row = case_row(project, "P01")
    assert row["attributes"] == {"role": "service manager", "years in post": 12}
    expect(page.get_by_label("years in post of case P01")).to_be_focused()  # still where the person was

    # add a case, then name and describe it in its row
    page.get_by_label("Name of the new case").fill("P02")
    page.get_by_role("button", name="Add case").click()
    expect(page.get_by_label("Name of case P02")).to_have_value("P02")
    settled(page)
    expect(page.get_by_label("Name of the new case")).to_be_focused()
    page.get_by_label("Name of case P02").fill("P02b")
    page.get_by_label("Description of case P02").fill("Health visitor, invented")
    page.get_by_label("years in post of case P02").fill("3")
    page.get_by_role("button", name="Save case P02").click()
    expect(page.get_by_label("Name of case P02b")).to_have_value("P02b")
    row = case_row(project, "P02b")
    assert (row["description"], row["attributes"]) == ("Health visitor, invented", {"role": None, "years in post": 3})
    assert [c["name"] for c in cases.list_cases(project)] == ["P01", "P02b"]

    screenshot(page, f"cases-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


def test_two_tabs_editing_one_case_the_later_save_is_refused(server, new_page):
    project = server.project
    first, second = new_page(), new_page()
    for page, role in ((first, "provider"), (second, "manager")):
        page.goto(server.opening("/cases"))
        page.get_by_label("role of case P01").fill(role)
    with first.expect_response(lambda response: response.url.endswith("/save")) as saved:
        first.get_by_role("button", name="Save case P01").click()
    assert saved.value.status == 200
    second.get_by_role("button", name="Save case P01").click()
    expect(second.locator("#messages")).to_contain_text("case 'P01' was changed by someone else after you opened it")
    expect(second.get_by_label("role of case P01")).to_have_value("manager")  # their typing is kept
    assert case_row(project, "P01")["attributes"] == {"role": "provider"}


def test_a_viewer_sees_the_table_without_inputs_and_cannot_edit(study, backend, new_page):
    if backend == "sqlite":
        pytest.skip("team mode serves PostgreSQL projects")
    add_team(study)
    before = cases.list_cases(study)
    with running(study, team=True) as live:
        page = new_page()
        sign_in(page, live, "vic")
        page.goto(f"{live.base}/cases")
        expect(page.get_by_role("rowheader", name="P01")).to_be_visible()
        expect(page.get_by_role("cell", name="commissioner")).to_be_visible()
        expect(page.locator("main input, main select, main form")).to_have_count(0)
        screenshot(page, f"cases-viewer-{backend}")
        check_accessibility(page)

        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        client = httpx.Client(base_url=live.base, cookies=cookies, follow_redirects=False, headers={"Accept": "text/html"})
        csrf = csrf_of(client.get("/cases").text)
        guid = before[0]["guid"]
        for url, data in ((f"/cases/{guid}/save", {"attr:role": "viewer was here", "version": before[0]["version"]}),
                          ("/cases/add", {"name": "P99"}),
                          ("/cases/attributes/add", {"name": "sneaky", "type": "text"})):
            refused = client.post(url, data={"csrf": csrf, **data})
            assert refused.status_code == 403 and "viewer" in refused.text, url
        assert cases.list_cases(study) == before
        assert [a["name"] for a in cases.list_attributes(study)] == ["role"]
