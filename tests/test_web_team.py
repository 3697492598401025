"""Team mode (PostgreSQL): accounts, sign-in, roles; and live updates between browsers."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from qualframe import accounts, coding, sources
from qualframe.errors import InvalidInput, NotAllowed
from webkit import PASSWORD, add_team, check_accessibility, csrf_of, running, screenshot, select_text, sign_in


@pytest.fixture
def team_server(study, backend):
    if backend == "sqlite":
        pytest.skip("team mode serves PostgreSQL projects")
    add_team(study)
    with running(study, team=True) as live:
        yield live


def test_accounts_keep_only_hashes_and_check_passwords(project):
    accounts.add_account(project, "olu", PASSWORD, "owner")
    with project.session() as s:
        from qualframe.store import Account

        stored = s.query(Account).one().password_hash
    assert stored.startswith("$argon2") and PASSWORD not in stored
    assert accounts.verify_login(project, "olu", PASSWORD) == "owner"
    with pytest.raises(NotAllowed):
        accounts.verify_login(project, "olu", "wrong password!")
    with pytest.raises(NotAllowed):
        accounts.verify_login(project, "nobody", PASSWORD)
    with pytest.raises(InvalidInput, match="at least 10"):
        accounts.add_account(project, "short", "abc", "coder")
    with pytest.raises(InvalidInput, match="role 'boss'"):
        accounts.add_account(project, "boss", PASSWORD, "boss")
    accounts.deactivate(project, "olu")
    with pytest.raises(NotAllowed):
        accounts.verify_login(project, "olu", PASSWORD)


@pytest.mark.browser
def test_sign_in_then_coder_codes_and_viewer_only_reads(team_server, new_page, backend):
    live = team_server
    anonymous = httpx.Client(base_url=live.base, follow_redirects=False, headers={"Accept": "text/html"})
    assert anonymous.get("/sources").status_code == 303  # to the sign-in page
    assert anonymous.get("/revision", headers={"Accept": "application/json"}).status_code == 401
    assert anonymous.get("/?token=anything").status_code == 303  # no token in team mode

    page = new_page()
    page.goto(f"{live.base}/login")
    page.get_by_label("Name").fill("cara")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    screenshot(page, f"login-{backend}")
    check_accessibility(page)

    sign_in(page, live, "cara")
    page.get_by_role("link", name="Sources", exact=True).click()
    page.get_by_role("link", name="P01").click()
    select_text(page, "It means providers cannot keep staff.")
    page.get_by_label("Find a code").fill("turnover")
    page.keyboard.press("Enter")
    page.locator(".stripe", has_text="Staff turnover").wait_for()
    assert [c["coder"] for c in coding.list_codings(live.project)] == ["cara"]

    viewer = new_page()
    sign_in(viewer, live, "vic")
    viewer.goto(f"{live.base}/sources")
    viewer.get_by_role("link", name="P01").click()
    viewer.locator(".stripe", has_text="Staff turnover").wait_for()
    expect(viewer.locator("#code-filter")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Remove coding")).to_have_count(0)
    expect(viewer.locator("#upload-form")).to_have_count(0)
    screenshot(viewer, f"reader-viewer-{backend}")

    # the server refuses the viewer's edits even when sent by hand
    cookies = {c["name"]: c["value"] for c in viewer.context.cookies()}
    client = httpx.Client(base_url=live.base, cookies=cookies, follow_redirects=False, headers={"Accept": "text/html"})
    csrf = csrf_of(client.get("/sources").text)
    guid = sources.list_sources(live.project, with_text=False)[0]["guid"]
    refused = client.post(f"/sources/{guid}/codings", data={"csrf": csrf, "start": 0, "end": 5, "code": "Funding"})
    assert refused.status_code == 403 and "viewer" in refused.text
    assert len(coding.list_codings(live.project)) == 1

    # a change of role applies at the next request; deactivation signs out
    accounts.set_role(live.project, "vic", "coder")
    ok = client.post(f"/sources/{guid}/codings", data={"csrf": csrf, "start": 0, "end": 5, "code": "Funding"})
    assert ok.status_code == 200
    accounts.deactivate(live.project, "vic")
    assert client.get("/sources").status_code == 303


def test_sign_out_ends_the_session(team_server):
    live = team_server
    client = httpx.Client(base_url=live.base, follow_redirects=False, headers={"Accept": "text/html"})
    form = client.get("/login")
    token = csrf_of_login(form.text)
    signed = client.post("/login", data={"csrf": token, "name": "olu", "password": PASSWORD, "next": "//evil.example/"})
    assert signed.status_code == 303 and signed.headers["location"] == "/"  # no open redirect
    page = client.get("/")
    assert page.status_code == 200
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert client.get("/").status_code == 303


def test_login_form_needs_its_own_token(team_server):
    client = httpx.Client(base_url=team_server.base, follow_redirects=False)
    client.get("/login")
    response = client.post("/login", data={"csrf": "forged", "name": "olu", "password": PASSWORD})
    assert response.status_code == 401 and "expired" in response.text


def csrf_of_login(html: str) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.mark.browser
def test_other_tabs_see_new_codings_without_reloading(server, new_page):
    first, second = new_page(), new_page()
    for page in (first, second):
        page.goto(server.opening("/sources"))
        page.get_by_role("link", name="P01").click()
        page.wait_for_selector("#transcript[data-ready='yes']")
    select_text(first, "We also struggle to show impact within a single year.")
    first.get_by_label("Find a code").fill("Impact")
    first.keyboard.press("Enter")
    first.locator(".stripe", has_text="Impact").wait_for()
    # the second tab polls the project's change counter and redraws itself
    second.locator(".stripe", has_text="Impact").wait_for(timeout=8000)
    # a change from outside the browser (the CLI, another program) shows too
    coding.code_text(server.project, "P01", "Funding", quote="plan a year ahead", coder="bea")
    first.locator(".stripe", has_text="Funding").wait_for(timeout=8000)
