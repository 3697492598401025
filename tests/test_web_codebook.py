"""The codebook view in a real browser: the tree, editing it, a code's quotes, conflicts, roles."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from qualframe import codebook, coding, sources
from webkit import PASSWORD, add_team, check_accessibility, csrf_of, http_client, running, screenshot, sign_in

pytestmark = pytest.mark.browser

QUOTE = "Funding is always short-term, so we only ever plan a year ahead."


def guid_of(project, path: str) -> str:
    return next(c["guid"] for c in codebook.list_codes(project) if c["path"] == path)


def paths(project) -> list[str]:
    return [c["path"] for c in codebook.list_codes(project)]


def settled(page) -> None:
    """Wait until htmx has settled its last swap: it moves focus (``autofocus``) only then,
    and Playwright, faster than any person, would otherwise type into the wrong field."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def open_editor(page, guid: str):
    """Open a code's edit panel in the tree (by keyboard: focus its summary, press Enter)."""
    item = page.locator(f"#code-{guid}")
    item.locator(":scope > details.edit > summary").focus()
    page.keyboard.press("Enter")
    panel = item.locator(":scope > details.edit")
    expect(panel).to_have_attribute("open", "")
    return panel


def test_add_rename_move_and_merge_codes_in_the_tree(server, new_page, backend):
    project = server.project
    page = new_page()
    page.goto(server.opening("/codebook"))
    expect(page.get_by_role("heading", name="Codebook", level=1)).to_be_visible()

    # add under a chosen parent, by keyboard: type, choose, Enter
    page.get_by_label("Name of the new code").fill("Retention")
    page.get_by_label("Add under").select_option("Workforce")
    page.locator("#add-definition").press("Enter")
    expect(page.locator(".code-name", has_text="Retention")).to_be_visible()
    assert "Workforce/Retention" in paths(project)
    guid = guid_of(project, "Workforce/Retention")
    expect(page.locator(f"#code-{guid} .message.ok")).to_contain_text("Added code")
    settled(page)
    expect(page.get_by_label("Name of the new code")).to_be_focused()  # ready for the next code

    # rename, with a definition
    panel = open_editor(page, guid)
    page.keyboard.press("Tab")  # into the Name field
    page.keyboard.press("Control+A")
    page.keyboard.type("Keeping staff")
    panel.get_by_label("Definition").fill("Holding on to experienced staff.")
    panel.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"#code-{guid} .message.ok")).to_contain_text("Renamed “Workforce/Retention” to “Workforce/Keeping staff”")
    settled(page)
    expect(page.locator(f"#code-{guid} .message.ok")).to_be_focused()  # the confirmation, where the code is
    [kept] = [c for c in codebook.list_codes(project) if c["guid"] == guid]
    assert (kept["path"], kept["definition"], kept["version"]) == (
        "Workforce/Keeping staff", "Holding on to experienced staff.", 2)
    expect(page.locator(f"#code-{guid} .definition")).to_have_text("Holding on to experienced staff.")

    # move under another parent (then the tree shows it there)
    panel = open_editor(page, guid)
    panel.get_by_label("Move under").fill("Funding")
    panel.get_by_role("button", name="Move").click()
    expect(page.locator(f"#code-{guid} .message.ok")).to_contain_text("it is now “Funding/Keeping staff”")
    settled(page)
    expect(page.locator(f"#code-{guid} .message.ok")).to_be_focused()  # the confirmation, where the code is
    assert "Funding/Keeping staff" in paths(project)
    expect(page.locator(f"#code-{guid_of(project, 'Funding')} #code-{guid}")).to_have_count(1)

    # merge: its codings move to the other code, and it is gone
    coding.code_text(project, "P01", "Funding/Keeping staff", quote="It means providers cannot keep staff.", coder="ana")
    page.reload()
    expect(page.locator(f"#code-{guid} .count")).to_have_text("1 coding")
    panel = open_editor(page, guid)
    panel.get_by_label("Merge into").fill("Workforce/Staff turnover")
    panel.get_by_role("button", name="Merge").click()
    target = guid_of(project, "Workforce/Staff turnover")
    expect(page.locator(f"#code-{target} .message.ok")).to_contain_text("1 coding moved")
    settled(page)
    expect(page.locator(f"#code-{target} .message.ok")).to_be_focused()  # the confirmation, where the code is
    expect(page.locator(f"#code-{guid}")).to_have_count(0)
    assert "Funding/Keeping staff" not in paths(project)
    assert [c["code"] for c in coding.list_codings(project)] == ["Workforce/Staff turnover"]
    expect(page.locator(f"#code-{target} .count")).to_have_text("1 coding")

    open_editor(page, target)
    screenshot(page, f"codebook-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


def test_a_code_lists_its_quotes_and_each_opens_the_reader(server, new_page, backend):
    project = server.project
    coding.code_text(project, "P01", "Funding/Short-term funding", quote=QUOTE, coder="ana")
    codebook.update_code(project, "Funding/Short-term funding", definition="Money for a year or less.",
                         inclusion="Budgets set one year at a time.", exclusion="Amounts of money.")
    page = new_page()
    page.goto(server.opening("/codebook"))
    item = page.locator(f"#code-{guid_of(project, 'Funding/Short-term funding')}")
    expect(item.locator(".count")).to_have_text("1 coding")
    expect(page.locator(f"#code-{guid_of(project, 'Funding')} > .code-line .count")).to_have_text(
        "0 codings · 1 with sub-codes")
    item.get_by_text("When to use it").click()
    expect(item.locator("dd", has_text="Budgets set one year at a time.")).to_be_visible()

    item.get_by_role("link", name="Short-term funding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Short-term funding")
    row = page.locator("table.quotes tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text([QUOTE, "P01", "Priya Raman", "P01", "ana"])
    screenshot(page, f"codebook-code-{backend}")
    check_accessibility(page)

    row.get_by_role("link", name=QUOTE).click()
    [source] = sources.list_sources(project, with_text=False)
    [quote] = coding.list_codings(project)
    expect(page).to_have_url(re.compile(rf"/sources/{source['guid']}\?at={quote['start']}-{quote['end']}$"))
    expect(page.locator("#transcript .seg.active").first).to_contain_text("Funding is always short-term")
    assert page.console_errors == []


def test_two_tabs_editing_one_code_the_later_save_is_refused(server, new_page):
    project = server.project
    guid = guid_of(project, "Funding")
    first, second = new_page(), new_page()
    for page, text in ((first, "Money for services."), (second, "Budgets.")):
        page.goto(server.opening(f"/codebook/codes/{guid}"))
        page.get_by_text("Edit this code").click()
        page.get_by_label("Definition").fill(text)
    with first.expect_response(lambda response: response.url.endswith("/edit")) as saved:
        first.get_by_role("button", name="Save changes").click()
    assert saved.value.status == 200 and "Saved “Funding”" in saved.value.text()
    second.get_by_role("button", name="Save changes").click()
    expect(second.locator("#messages")).to_contain_text("was changed by someone else after you opened it")
    expect(second.get_by_label("Definition")).to_have_value("Budgets.")  # their typing is kept
    [funding] = [c for c in codebook.list_codes(project) if c["path"] == "Funding"]
    assert (funding["definition"], funding["version"]) == ("Money for services.", 2)


def test_deleting_a_code_with_codings_needs_explicit_confirmation(server):
    project = server.project
    coding.code_text(project, "P01", "Funding/Impact", quote="We also struggle to show impact", coder="ana")
    guid = guid_of(project, "Funding")
    client = http_client(server)
    csrf = csrf_of(client.get("/codebook").text)
    version = {"csrf": csrf, "version": "1"}
    refused = client.post(f"/codebook/codes/{guid}/delete", data=version, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and "tick the box" in refused.text
    refused = client.post(f"/codebook/codes/{guid}/delete", data={**version, "confirm": "yes"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and "1 coding" in refused.text
    assert "Funding/Impact" in paths(project) and len(coding.list_codings(project)) == 1
    done = client.post(f"/codebook/codes/{guid}/delete", data={**version, "confirm": "yes", "with_codings": "yes"})
    assert done.status_code == 303 and done.headers["location"] == "/codebook"
    assert paths(project) == ["Workforce", "Workforce/Staff turnover"]
    assert coding.list_codings(project) == []


def signed_in_client(live, name: str) -> httpx.Client:
    """A team member's session, signed in through the login form."""
    client = httpx.Client(base_url=live.base, follow_redirects=False, headers={"Accept": "text/html"})
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD}).status_code == 303
    return client


def test_a_viewer_sees_no_edit_controls_and_the_server_refuses_edits(study, backend, new_page):
    if backend == "sqlite":
        pytest.skip("team mode serves PostgreSQL projects")
    add_team(study)
    guid = guid_of(study, "Funding")
    before = codebook.list_codes(study)
    with running(study, team=True) as live:
        page = new_page()
        sign_in(page, live, "vic")
        page.goto(f"{live.base}/codebook")
        expect(page.locator(".code-name")).to_have_count(5)
        expect(page.locator("#add-code")).to_have_count(0)
        expect(page.locator("details.edit")).to_have_count(0)
        expect(page.locator("main form")).to_have_count(0)
        screenshot(page, f"codebook-viewer-{backend}")
        page.goto(f"{live.base}/codebook/codes/{guid}")
        expect(page.locator("main form")).to_have_count(0)

        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        viewer = httpx.Client(base_url=live.base, cookies=cookies, follow_redirects=False, headers={"Accept": "text/html"})
        csrf = csrf_of(viewer.get("/codebook").text)
        for action, data in (("edit", {"name": "Money"}), ("move", {"parent": "Workforce"}),
                             ("merge", {"into": "Workforce"}), ("delete", {"confirm": "yes"})):
            refused = viewer.post(f"/codebook/codes/{guid}/{action}", data={"csrf": csrf, **data})
            assert refused.status_code == 403 and "viewer" in refused.text, action
        assert viewer.post("/codebook/add", data={"csrf": csrf, "name": "Sneaky"}).status_code == 403

        coder = signed_in_client(live, "cara")  # a coder edits, but only an owner deletes
        csrf = csrf_of(coder.get("/codebook").text)
        refused = coder.post(f"/codebook/codes/{guid}/delete", data={"csrf": csrf, "confirm": "yes"})
        assert refused.status_code == 403 and "owner" in refused.text
        assert codebook.list_codes(study) == before
