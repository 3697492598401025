"""Anonymisation review in a real browser: detection, deciding with the keyboard and with
buttons, relabelling, hostile text, and who may see the identifiers. People and places
here are invented."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qualframe import anonymise
from qualframe.importing import import_file
from webkit import add_team, check_accessibility, csrf_of, detect_on_the_anonymisation_page, http_client, running, screenshot, sign_in

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


def entities_by_text(project):
    return {e["text"]: e for e in anonymise.list_entities(project)}


def test_review_with_the_keyboard_and_buttons(server, new_page, backend):
    page = new_page()
    requested = detect_on_the_anonymisation_page(page, server)

    priya = page.locator(".entity", has=page.locator(".entity-text", has_text="Priya Raman"))
    council = page.locator(".entity", has=page.locator(".entity-text", has_text="Wrenhallow County Council"))
    expect(priya.locator("mark").first).to_have_text("Priya Raman")
    expect(priya.locator(".mentions li").first).to_contain_text("I commission public health services")
    expect(priya).to_contain_text("[Participant 1]")
    expect(priya).to_contain_text("2 mentions in P01")

    # keyboard: j moves to the first entity, a accepts it and moves on to the next
    page.keyboard.press("j")
    expect(priya).to_be_focused()
    page.keyboard.press("a")
    expect(priya.locator(".decision-badge")).to_have_text("Accepted: will be replaced")
    expect(council).to_be_focused()
    assert entities_by_text(server.project)["Priya Raman"]["decision"] == "accepted"

    # a plain button rejects
    council.get_by_role("button", name=re.compile(r"^Reject")).click()
    expect(council.locator(".decision-badge")).to_have_text("Rejected: kept as written")
    assert entities_by_text(server.project)["Wrenhallow County Council"]["decision"] == "rejected"
    expect(page.locator("#anonymise-status")).to_contain_text("0 entities await a decision")
    expect(page.locator("#count-pending")).to_have_text("0")
    expect(page.locator("#count-rejected")).to_have_text("1")

    # back up with k, l to edit the label, Enter saves it
    council.focus()
    page.keyboard.press("k")
    expect(priya).to_be_focused()
    page.keyboard.press("l")
    expect(priya.get_by_label("Label")).to_be_focused()
    priya.get_by_label("Label").fill("Commissioner 1")  # fill waits for the field, even if the page redrew it
    priya.get_by_label("Label").press("Enter")
    expect(priya.locator(".entity-label")).to_have_text("[Commissioner 1]")
    expect(priya).to_be_focused()

    # change the type with the select and the Save button
    council.get_by_label("Type").select_option("PLACE")
    council.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(council.locator(".entity-type")).to_have_text("PLACE")
    after = entities_by_text(server.project)
    assert (after["Priya Raman"]["label"], after["Priya Raman"]["decision"]) == ("[Commissioner 1]", "accepted")
    assert (after["Wrenhallow County Council"]["type"], after["Wrenhallow County Council"]["label"]) == ("PLACE", "[Place 1]")

    page.get_by_role("link", name="Rejected (1)").click()
    expect(page.locator(".entity")).to_have_count(1)
    expect(page.locator(".entity .entity-text")).to_have_text("Wrenhallow County Council")
    page.get_by_role("link", name="All (2)").click()
    expect(page.locator(".entity")).to_have_count(2)

    # the apply step is a command, never a button
    expect(page.locator("#apply-command")).to_contain_text("qualframe anonymise apply --project")
    expect(page.locator("#apply-command")).to_contain_text("--key")
    assert page.get_by_role("button", name=re.compile("apply", re.I)).count() == 0

    # the identifiers were shown but never sent in an address
    assert requested and not [url for url in requested if "Priya" in url or "Wrenhallow" in url or "Raman" in url]
    screenshot(page, f"anonymise-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


def test_bad_decisions_are_refused_with_a_message(server):
    anonymise.detect_in_project(server.project)
    client = http_client(server)
    csrf = csrf_of(client.get("/anonymise").text)
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    refused = client.post("/anonymise/decide", data={"entity": "E99", "decision": "accept"}, headers=htmx)
    assert refused.status_code == 404 and "no entity &#39;E99&#39;" in refused.text
    refused = client.post("/anonymise/decide", data={"entity": "E1", "decision": "maybe"}, headers=htmx)
    assert refused.status_code == 400 and "must be accept, reject or pending" in refused.text
    refused = client.post("/anonymise/relabel", data={"entity": "E1", "label": " ", "type": "PERSON"}, headers=htmx)
    assert refused.status_code == 400 and "a label must not be empty" in refused.text
    refused = client.post("/anonymise/relabel", data={"entity": "E1", "label": "[Local Authority A]", "type": "PERSON"}, headers=htmx)
    assert refused.status_code == 400 and "already used by E2" in refused.text
    assert {e["decision"] for e in anonymise.list_entities(server.project)} == {"pending"}
    assert entities_by_text(server.project)["Priya Raman"]["label"] == "[Participant 1]"
    # without JavaScript: the plain form goes back to the page, at the entity
    done = client.post("/anonymise/decide", data={"entity": "E1", "decision": "reject", "csrf": csrf})
    assert done.status_code == 303 and done.headers["location"] == "/anonymise#entity-E1"
    assert entities_by_text(server.project)["Priya Raman"]["decision"] == "rejected"


def test_hostile_entity_text_renders_as_text(project, tmp_path, new_page):
    path = tmp_path / "H01.txt"
    path.write_text(f"Interviewer: Hello.\n\nRespondent: I spoke to Priya {HOSTILE} about the Wrenhallow County Council budget.\n",
                    encoding="utf-8")
    import_file(project, path)
    anonymise.add_register_entry(project, f"Priya {HOSTILE}", "PERSON")
    anonymise.detect_in_project(project)
    assert f"Priya {HOSTILE}" in entities_by_text(project)
    with running(project) as live:
        page = new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(live.opening("/anonymise"))
        hostile = page.locator(".entity", has=page.locator(".entity-text", has_text=f"Priya {HOSTILE}"))
        expect(hostile).to_have_count(1)
        expect(hostile.locator("mark").first).to_have_text(f"Priya {HOSTILE}")
        expect(page.locator("#main img")).to_have_count(0)
        page.keyboard.press("j")
        page.keyboard.press("a")
        expect(hostile.locator(".decision-badge")).to_have_text("Accepted: will be replaced")
        expect(page.locator("#main img")).to_have_count(0)
        assert dialogs == [] and page.console_errors == []


def test_viewers_see_counts_only_and_coders_review(study, new_page, backend):
    if backend != "sqlite":
        pytest.skip("roles do not depend on the database; one run is enough")
    add_team(study)
    anonymise.detect_in_project(study)
    with running(study, team=True) as live:
        viewer = new_page()
        sign_in(viewer, live, "vic")
        viewer.goto(f"{live.base}/anonymise")
        expect(viewer.locator("#anonymise-sources")).to_contain_text("P01")
        expect(viewer.locator("#anonymise-status")).to_contain_text("2 entities await a decision")
        assert "Priya" not in viewer.content() and "Wrenhallow" not in viewer.content()
        expect(viewer.get_by_role("button", name="Run detection")).to_have_count(0)
        screenshot(viewer, "anonymise-viewer")
        check_accessibility(viewer)
        refused = viewer.request.post(f"{live.base}/anonymise/decide", form={"entity": "E1", "decision": "accept"},
                                      headers={"X-CSRF-Token": csrf_of(viewer.content())})
        assert refused.status == 403
        assert {e["decision"] for e in anonymise.list_entities(study)} == {"pending"}

        coder = new_page()
        sign_in(coder, live, "cara")
        coder.goto(f"{live.base}/anonymise")
        expect(coder.locator(".entity")).to_have_count(2)
        expect(coder.get_by_role("button", name="Run detection")).to_have_count(0)
        coder.locator(".entity", has_text="Wrenhallow").get_by_role("button", name=re.compile(r"^Accept")).click()
        expect(coder.locator(".entity.accepted")).to_have_count(1)
        assert entities_by_text(study)["Wrenhallow County Council"]["decision"] == "accepted"
        refused = coder.request.post(f"{live.base}/anonymise/detect", headers={"X-CSRF-Token": csrf_of(coder.content())})
        assert refused.status == 403


def test_after_applying_at_the_command_line_the_page_shows_the_round(server, tmp_path):
    anonymise.detect_in_project(server.project)
    anonymise.accept_all(server.project)
    anonymise.apply_anonymisation(server.project, tmp_path / "round1.key", "correct horse battery staple")
    client = http_client(server)
    page = client.get("/anonymise")
    assert "1 of 1 source anonymised" in page.text and "Priya" not in page.text
    assert re.search(r'<button type="submit" aria-describedby="detect-help"\s+disabled>Run detection', page.text)
    assert "study-round2.key" in page.text, "the next key file is named for the next round"
    refused = client.post("/anonymise/decide", data={"entity": "E1", "decision": "reject"},
                          headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(page.text)})
    assert refused.status_code == 400 and "anonymised in an earlier round" in refused.text
