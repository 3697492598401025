"""Deciding one mention at a time on the anonymisation page: opening an entity's mentions,
accepting and rejecting single mentions with the keyboard, who may do it, and refusals.
People and places here are invented."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from qualframe import anonymise
from webkit import PASSWORD, add_team, check_accessibility, csrf_of, detect_on_the_anonymisation_page, http_client, running, screenshot

pytestmark = pytest.mark.browser

IDENTIFIERS = ("Priya", "Raman", "Wrenhallow")


def entity_named(project, text: str) -> dict:
    """The entity with every one of its mentions, as the library reports them."""
    [entity] = [e for e in anonymise.list_entities(project, examples=100) if e["text"] == text]
    return entity


def mention_decisions(project, text: str) -> list[str]:
    return [m["decision"] for m in entity_named(project, text)["examples"]]


def test_decide_single_mentions_with_the_keyboard(server, new_page, backend):
    page = new_page()
    requested = detect_on_the_anonymisation_page(page, server)

    priya = page.locator(".entity", has=page.locator(".entity-text", has_text="Priya Raman"))
    council = page.locator(".entity", has=page.locator(".entity-text", has_text="Wrenhallow County Council"))
    toggle = priya.get_by_role("button", name=re.compile(r"^Decide mention by mention \(2\)"))
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # j to the first entity, m opens its mentions and puts focus on the first
    page.keyboard.press("j")
    expect(priya).to_be_focused()
    page.keyboard.press("m")
    mentions = priya.locator("li.mention")
    expect(mentions).to_have_count(2)
    expect(mentions.nth(0)).to_be_focused()
    expect(priya.get_by_role("button", name=re.compile(r"^Hide the mentions"))).to_have_attribute("aria-expanded", "true")
    expect(page).to_have_url(re.compile(r"/anonymise\?open=E\d+$"))  # a reload keeps the list open
    expect(mentions.nth(0).locator("mark")).to_have_text("Priya Raman")
    expect(mentions.nth(0)).to_contain_text("I commission public health services")
    expect(mentions.nth(1).locator("mark")).to_have_text("Priya Raman")
    expect(mentions.nth(1)).to_contain_text("It means providers cannot keep staff")
    expect(mentions.nth(0).locator(".mention-decision")).to_have_text("As the entity: pending")
    expect(mentions.nth(0).get_by_role("button", name="Accept mention 1 of 2 (P01)")).to_be_visible()

    expect(page.locator("#count-pending")).to_have_text("2")

    # r rejects the first mention alone and moves on to the second; a accepts that one
    page.keyboard.press("r")
    expect(mentions.nth(0).locator(".mention-decision")).to_have_text("This mention: rejected, kept as written")
    expect(mentions.nth(1)).to_be_focused()
    expect(priya.locator(".decision-badge")).to_have_text("Pending")  # one mention still follows the entity
    expect(page.locator("#count-pending")).to_have_text("2")
    page.keyboard.press("a")
    expect(mentions.nth(1).locator(".mention-decision")).to_have_text("This mention: accepted, replaced by [Participant 1]")
    expect(mentions.nth(1)).to_be_focused()  # the last mention: focus stays
    expect(priya).to_contain_text("2 of 2 mentions decided on their own")

    # every mention decided: the entity no longer awaits a decision, as apply sees it
    expect(priya.locator(".decision-badge")).to_have_text("Decided mention by mention: 1 replaced, 1 kept")
    expect(page.locator("#count-pending")).to_have_text("1")
    expect(page.locator("#count-by_mention")).to_have_text("1")
    expect(page.locator("#count-all")).to_have_text("2")
    expect(page.locator("#anonymise-status")).to_contain_text("1 entity awaits a decision")
    assert anonymise.status(server.project)["pending_entities"] == 1

    # exactly those decisions were stored; the entities' own decisions are untouched
    assert mention_decisions(server.project, "Priya Raman") == ["rejected", "accepted"]
    assert mention_decisions(server.project, "Wrenhallow County Council") == ["inherit"]
    assert {e["decision"] for e in anonymise.list_entities(server.project)} == {"pending"}
    [p01] = anonymise.status(server.project)["sources"]
    assert (p01["mentions"], p01["pending"], p01["accepted"], p01["rejected"]) == (3, 1, 1, 1)
    expect(page.locator("#anonymise-sources")).to_contain_text("P01")
    expect(page.locator("#anonymise-sources tbody tr td").nth(2)).to_have_text("1")  # pending, redrawn

    # k back to the first mention, Tab reaches its buttons, which are labelled
    page.keyboard.press("k")
    expect(mentions.nth(0)).to_be_focused()
    expect(mentions.nth(0).get_by_role("button", name="Reject mention 1 of 2 (P01)")).to_be_disabled()
    page.keyboard.press("Tab")
    expect(mentions.nth(0).get_by_role("button", name="Accept mention 1 of 2 (P01)")).to_be_focused()

    screenshot(page, f"anonymise-mentions-{backend}")
    check_accessibility(page)

    # Escape returns to the entity; deciding the entity still works and the list stays open
    page.keyboard.press("Escape")
    expect(priya).to_be_focused()
    page.keyboard.press("a")
    expect(priya.locator(".decision-badge")).to_have_text("Accepted: will be replaced")
    expect(council).to_be_focused()
    expect(priya.locator("li.mention")).to_have_count(2)
    assert entity_named(server.project, "Priya Raman")["decision"] == "accepted"
    assert mention_decisions(server.project, "Priya Raman") == ["rejected", "accepted"]

    # a button sends a mention back to following its entity; the toggle closes the list
    priya.get_by_role("button", name="Follow the entity for mention 1 of 2 (P01)").click()
    expect(mentions.nth(0).locator(".mention-decision")).to_have_text("As the entity: replaced by [Participant 1]")
    assert mention_decisions(server.project, "Priya Raman") == ["inherit", "accepted"]
    priya.get_by_role("button", name=re.compile(r"^Hide the mentions")).click()
    expect(priya.locator("li.mention")).to_have_count(0)
    expect(priya.get_by_role("button", name=re.compile(r"^Decide mention by mention"))).to_be_focused()
    expect(page).to_have_url(re.compile(r"/anonymise$"))

    # the identifiers were shown but never sent in an address
    assert requested and not [url for url in requested if any(word in url for word in IDENTIFIERS)]
    assert page.console_errors == []


def test_every_mention_without_javascript(server):
    anonymise.detect_in_project(server.project)
    client = http_client(server)
    priya = entity_named(server.project, "Priya Raman")
    first, second = (m["id"] for m in priya["examples"])
    opened = client.get(f"/anonymise?open={priya['id']}")
    assert opened.status_code == 200 and opened.text.count('class="mention inherit"') == 2
    done = client.post("/anonymise/mention", data={"csrf": csrf_of(opened.text), "entity": priya["id"],
                                                   "mention": second, "decision": "reject"})
    assert done.status_code == 303 and done.headers["location"] == f"/anonymise?open={priya['id']}#mention-{second}"
    assert mention_decisions(server.project, "Priya Raman") == ["inherit", "rejected"]
    assert client.get("/anonymise?open=Priya").status_code == 400


def _signed_in(live, name: str) -> httpx.Client:
    client = httpx.Client(base_url=live.base, follow_redirects=False, headers={"Accept": "text/html"})
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
    assert signed.status_code == 303
    return client


def test_viewers_cannot_decide_a_mention_and_the_csrf_token_is_needed(study, backend):
    if backend == "sqlite":
        pytest.skip("team mode serves PostgreSQL projects")
    add_team(study)
    anonymise.detect_in_project(study)
    priya = entity_named(study, "Priya Raman")
    form = {"entity": priya["id"], "mention": priya["examples"][0]["id"], "decision": "reject"}
    with running(study, team=True) as live:
        viewer = _signed_in(live, "vic")
        csrf = csrf_of(viewer.get("/anonymise").text)
        refused = viewer.post("/anonymise/mention", data={**form, "csrf": csrf})
        assert refused.status_code == 403 and "viewer" in refused.text
        shown = viewer.get(f"/anonymise/entity?open={priya['id']}")
        assert shown.status_code == 403 and not any(word in shown.text for word in IDENTIFIERS)

        coder = _signed_in(live, "cara")
        refused = coder.post("/anonymise/mention", data=form)  # no CSRF token
        assert refused.status_code == 403 and "out of date" in refused.text
        assert mention_decisions(study, "Priya Raman") == ["inherit", "inherit"]

        csrf = csrf_of(coder.get("/anonymise").text)
        allowed = coder.post("/anonymise/mention", data={**form, "csrf": csrf}, headers={"HX-Request": "true"})
        assert allowed.status_code == 200 and "This mention: rejected" in allowed.text
        assert mention_decisions(study, "Priya Raman") == ["rejected", "inherit"]


def test_a_mention_that_does_not_exist_is_a_clear_404(server):
    anonymise.detect_in_project(server.project)
    client = http_client(server)
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf_of(client.get("/anonymise").text)}
    priya = entity_named(server.project, "Priya Raman")
    council = entity_named(server.project, "Wrenhallow County Council")

    def post(**fields: str) -> httpx.Response:
        return client.post("/anonymise/mention", data={"entity": priya["id"], "decision": "accept", **fields}, headers=htmx)

    missing = post(mention="M999")
    assert missing.status_code == 404
    assert f"no mention &#39;M999&#39; of entity {priya['id']}: reload the page" in missing.text
    elsewhere = post(mention=council["examples"][0]["id"])  # a mention of another entity
    assert elsewhere.status_code == 404 and "no mention" in elsewhere.text
    no_entity = post(entity="E999", mention=priya["examples"][0]["id"])
    assert no_entity.status_code == 404 and "no entity &#39;E999&#39;" in no_entity.text
    assert client.get("/anonymise/entity?open=E999", headers={"HX-Request": "true"}).status_code == 404
    # input that is not an id is refused without being repeated back
    malformed = post(mention="Priya Raman")
    assert malformed.status_code == 400 and "must name a mention" in malformed.text and "Priya" not in malformed.text
    undecided = post(mention=priya["examples"][0]["id"], decision="maybe")
    assert undecided.status_code == 400 and "accept, reject or inherit" in undecided.text
    assert mention_decisions(server.project, "Priya Raman") == ["inherit", "inherit"]
    assert mention_decisions(server.project, "Wrenhallow County Council") == ["inherit"]


def test_the_pending_count_drops_when_the_last_mention_is_decided(server):
    """Without JavaScript: the page's counts follow the rule apply follows."""
    anonymise.detect_in_project(server.project)
    client = http_client(server)
    priya = entity_named(server.project, "Priya Raman")
    first, second = (m["id"] for m in priya["examples"])
    page = client.get("/anonymise")
    assert "<strong>2</strong> entities await a decision" in page.text
    csrf = csrf_of(page.text)

    def decide(mention: str, decision: str) -> str:
        done = client.post("/anonymise/mention", data={"csrf": csrf, "entity": priya["id"], "mention": mention,
                                                       "decision": decision})
        assert done.status_code == 303
        return client.get("/anonymise").text

    page = decide(first, "accept")
    assert "<strong>2</strong> entities await a decision" in page and '<span id="count-pending">2</span>' in page
    page = decide(second, "reject")
    assert "<strong>1</strong> entity awaits a decision" in page
    assert '<span id="count-pending">1</span>' in page and '<span id="count-by_mention">1</span>' in page
    assert anonymise.status(server.project)["pending_entities"] == 1
    listed = client.get("/anonymise?show=by_mention").text
    assert listed.count('class="entity by_mention') == 1 and "Decided mention by mention: 1 replaced, 1 kept" in listed
    pending = client.get("/anonymise?show=pending").text
    assert pending.count('class="entity pending') == 1 and "Priya" not in pending, "only the council is pending"

    # sending one mention back to follow its entity makes the entity pending again
    page = decide(second, "inherit")
    assert "<strong>2</strong> entities await a decision" in page and '<span id="count-by_mention">0</span>' in page
