"""The Behaviour Change Wheel pages in a real browser: add a factor with evidence and a
diagnosis, judge candidates with APEASE, select, read the mapping table; a stale edit
from a second tab is refused; viewers read only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qualframe import coding, mapping, sources
from qualframe.errors import Conflict
from webkit import add_team, check_accessibility, csrf_of, running, screenshot, sign_in

pytestmark = pytest.mark.browser

QUOTE = "Funding is always short-term, so we only ever plan a year ahead."


def coded_factor(project):
    coding.code_text(project, "P01", "Funding/Short-term funding", quote=QUOTE, coder="ana")
    return mapping.add_factor(project, "Short-term funding", polarity="barrier", codes=["Funding/Short-term funding"],
                              tdf=["environmental_context_resources"], author="ana")


def test_add_factor_judge_select_and_see_the_mapping_table(server, new_page, backend):
    made = coding.code_text(server.project, "P01", "Funding/Short-term funding", quote=QUOTE, coder="ana")
    page = new_page()
    page.goto(server.opening("/bcw"))
    expect(page.get_by_text("No factors yet")).to_be_visible()
    screenshot(page, f"bcw-list-{backend}")
    check_accessibility(page)

    form = page.locator("#add-factor")
    form.get_by_label("Label").fill("Short-term funding")
    form.get_by_label("Description").fill("Annual contracts stop providers keeping staff.")
    form.get_by_label("Barrier", exact=True).check()
    form.get_by_label("Level").select_option("general")
    form.get_by_label("Funding/Short-term funding").check()
    form.get_by_label("Environmental context and resources").check()
    form.get_by_role("button", name="Add factor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("F1 Short-term funding")

    factor = mapping.get_factor(server.project, "F1")
    assert (factor["polarity"], factor["level"], factor["codes"], factor["tdf"]) == (
        "barrier", "general", ["Funding/Short-term funding"], ["environmental_context_resources"])
    assert [q["text"] for q in factor["quotes"]] == [QUOTE]
    guid = sources.list_sources(server.project, with_text=False)[0]["guid"]
    expect(page.locator("ol.quotes a")).to_have_attribute("href", f"/sources/{guid}?at={made['start']}-{made['end']}")
    expect(page.locator("ol.quotes blockquote")).to_have_text(QUOTE)
    candidates = [f["id"] for f in factor["candidates"]["functions"]]
    assert "enablement" in candidates and "education" not in candidates
    expect(page.locator("#candidate-table tbody tr")).to_have_count(len(candidates))

    # APEASE judgements of a candidate, saved in one go
    judging = page.locator("#apease-enablement")
    judging.locator("summary").click()
    judging.get_by_label("Affordability of Enablement", exact=True).select_option("yes")
    judging.get_by_label("Note on Affordability of Enablement").fill("Pilot money found.")
    judging.get_by_label("Equity of Enablement", exact=True).select_option("unsure")
    judging.get_by_role("button", name="Save APEASE of Enablement").click()
    expect(page.locator("#apease-enablement summary")).to_contain_text("2 of 6 judged")
    assert mapping.get_factor(server.project, "F1")["apease"]["enablement"] == {
        "affordability": {"judgement": "yes", "note": "Pilot money found."},
        "equity": {"judgement": "unsure", "note": ""},
    }

    # select a candidate function with its button
    page.locator("#candidate-table").get_by_role("button", name="Select Enablement").click()
    expect(page.locator("#candidate-table tr", has_text="Enablement")).to_contain_text("selected")
    assert [s["id"] for s in mapping.get_factor(server.project, "F1")["selected"]["functions"]] == ["enablement"]

    # outside the candidates: refused without a justification, the library's message shown
    page.get_by_label("Select an intervention function").select_option("education")
    page.locator("#selections form.select-form").first.get_by_role("button", name=re.compile("^Select")).click()
    expect(page.locator("#messages")).to_contain_text("not among the candidate intervention functions")
    page.get_by_label("Select an intervention function").select_option("education")
    page.locator("#justify-function").fill("Commissioners asked for a briefing.")
    page.locator("#selections form.select-form").first.get_by_role("button", name=re.compile("^Select")).click()
    expect(page.locator("#selections")).to_contain_text("justification: Commissioners asked for a briefing.")
    chosen = {s["id"]: s for s in mapping.get_factor(server.project, "F1")["selected"]["functions"]}
    assert chosen["education"]["justification"] == "Commissioners asked for a briefing." and not chosen["education"]["candidate"]
    expect(page.locator("#history-table tbody tr")).to_have_count(len(mapping.factor_history(server.project, "F1")))
    screenshot(page, f"bcw-factor-{backend}")
    check_accessibility(page)

    page.goto(f"{server.base}/bcw/mapping")
    row = page.locator("#mapping-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text("F1 Short-term funding")
    expect(row).to_contain_text("Enablement")
    expect(row).to_contain_text("Education †")
    expect(row).to_contain_text("Environmental context and resources")
    expect(page.get_by_role("link", name="Download it")).to_have_attribute("href", "/downloads")
    screenshot(page, f"bcw-mapping-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


def test_a_stale_edit_from_a_second_tab_is_refused(server, new_page):
    coded_factor(server.project)
    first, second = new_page(), new_page()
    for page in (first, second):
        page.goto(server.opening("/bcw/factor/F1"))
    # the second person starts typing (their page stops refreshing), then the first saves
    second.locator("#edit-factor").get_by_label("Label").fill("Funding that ends each year")
    first.locator("#edit-factor").get_by_label("Description").fill("Contracts run for one year.")
    first.locator("#edit-factor").get_by_label("Amenable to change").uncheck()
    first.get_by_role("button", name="Save changes").click()
    expect(first.locator(".factor-facts")).to_contain_text("not amenable to change")
    second.get_by_role("button", name="Save changes").click()
    expect(second.locator("#messages")).to_contain_text("was changed by someone else after you opened it")
    factor = mapping.get_factor(server.project, "F1")
    assert (factor["label"], factor["description"], factor["amenable"], factor["version"]) == (
        "Short-term funding", "Contracts run for one year.", False, 2)
    # after reloading, the second person's edit goes through
    second.reload()
    second.locator("#edit-factor").get_by_label("Label").fill("Funding that ends each year")
    second.get_by_role("button", name="Save changes").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("F1 Funding that ends each year")
    assert mapping.get_factor(server.project, "F1")["version"] == 3
    with pytest.raises(Conflict, match="F1 .* was changed by someone else"):
        mapping.edit_factor(server.project, "F1", author="ana", description="From version 2.", expected_version=2)
    assert mapping.get_factor(server.project, "F1")["description"] == "Contracts run for one year."


def test_viewers_read_only(study, new_page, backend):
    if backend != "sqlite":
        pytest.skip("roles do not depend on the database; one run is enough")
    coded_factor(study)
    add_team(study)
    with running(study, team=True) as live:
        page = new_page()
        sign_in(page, live, "vic")
        page.goto(f"{live.base}/bcw")
        expect(page.locator("#factor-table")).to_contain_text("F1 Short-term funding")
        expect(page.locator("#add-factor")).to_have_count(0)
        page.get_by_role("link", name="F1 Short-term funding").click()
        expect(page.locator("#candidate-table")).to_be_visible()
        expect(page.locator("#main form")).to_have_count(0)
        check_accessibility(page)
        refused = page.request.post(f"{live.base}/bcw/factor/F1/select", form={"kind": "function", "item": "enablement"},
                                    headers={"X-CSRF-Token": csrf_of(page.content())})
        assert refused.status == 403
        assert mapping.get_factor(study, "F1")["selected"]["functions"] == []


def test_delete_a_factor_after_confirming_and_keep_its_history(server, new_page):
    coded_factor(server.project)
    mapping.add_factor(server.project, "Staff leave", polarity="barrier", codes=["Funding/Short-term funding"],
                       author="ana")  # F2, changed below from another tab
    page = new_page()
    page.goto(server.opening("/bcw/factor/F1"))
    page.get_by_role("button", name="Delete factor").click()  # the browser asks for the tick first
    assert [f["id"] for f in mapping.list_factors(server.project)] == ["F1", "F2"]
    page.get_by_label("Delete F1 “Short-term funding” (its history is kept)").check()
    page.get_by_role("button", name="Delete factor").click()
    expect(page).to_have_url(re.compile(r"/bcw$"))
    assert [f["id"] for f in mapping.list_factors(server.project)] == ["F2"]
    with server.project.session() as s:  # the audit trail keeps the deletion, with what was deleted
        from sqlalchemy import select

        from qualframe.store import Change
        last = s.scalars(select(Change).order_by(Change.id.desc())).first()
        assert (last.action, last.author.name) == ("deleted", "ana") and "Short-term funding" in last.detail
    # a factor changed after the page was opened is not deleted
    page.goto(server.opening("/bcw/factor/F2"))
    mapping.edit_factor(server.project, "F2", author="cara", description="Changed meanwhile.", expected_version=1)
    page.get_by_label("Delete F2 “Staff leave” (its history is kept)").check()
    page.get_by_role("button", name="Delete factor").click()
    expect(page.locator("#messages")).to_contain_text("was changed by someone else after you opened it")
    assert [f["id"] for f in mapping.list_factors(server.project)] == ["F2"]


def test_a_deleted_factor_is_listed_and_its_history_read_only(study, new_page, backend):
    made = coded_factor(study)  # F1
    staff = mapping.add_factor(study, "Staff leave", polarity="barrier", codes=["Funding/Short-term funding"], author="ana")
    add_team(study)
    with running(study, team=True) as live:
        page = new_page()
        sign_in(page, live, "vic")  # a viewer
        page.goto(f"{live.base}/bcw")
        expect(page.locator("#factor-table")).to_contain_text("F1 Short-term funding")
        expect(page.get_by_role("heading", name="Deleted factors")).to_have_count(0)

        mapping.edit_factor(study, "F1", description="Annual contracts stop providers keeping staff.", author="cara")
        mapping.delete_factor(study, "F1", author="olu")
        page.reload()
        expect(page.get_by_role("heading", name="Deleted factors", level=2)).to_be_visible()
        link = page.locator("#deleted-table").get_by_role("link", name="F1 Short-term funding (deleted)")
        expect(link).to_have_attribute("href", f"/bcw/deleted/{made['guid']}")
        expect(page.locator("#deleted-table tbody tr")).to_contain_text("olu")
        expect(page.locator("#factor-table")).not_to_contain_text("Short-term funding")
        screenshot(page, f"bcw-list-with-deleted-{backend}")
        check_accessibility(page)
        link.focus()
        page.keyboard.press("Enter")  # reachable with the keyboard

        expect(page).to_have_url(f"{live.base}/bcw/deleted/{made['guid']}")
        expect(page.get_by_role("heading", level=1)).to_have_text("F1 Short-term funding deleted")
        expect(page.locator(".factor-facts")).to_contain_text("by olu")
        said = page.locator("#deleted-snapshot")
        expect(said).to_contain_text("Annual contracts stop providers keeping staff.")
        expect(said).to_contain_text("Funding/Short-term funding")
        expect(said).to_contain_text("Environmental context and resources")
        rows = page.locator("#history-table tbody tr")
        expect(rows).to_have_count(3)  # newest first
        expect(rows.nth(0)).to_contain_text("deleted")
        expect(rows.nth(0)).to_contain_text("olu")
        expect(rows.nth(1)).to_contain_text("cara")
        expect(rows.nth(2)).to_contain_text("created")
        expect(page.locator("#main form")).to_have_count(0)
        screenshot(page, f"bcw-deleted-factor-{backend}")
        check_accessibility(page)
        assert page.console_errors == []

        assert page.request.get(f"{live.base}/bcw/deleted/not-a-guid").status == 404
        assert page.request.get(f"{live.base}/bcw/deleted/00000000-0000-4000-8000-000000000000").status == 404
        page.goto(f"{live.base}/bcw/deleted/{staff['guid']}")  # not deleted: the live factor's page
        expect(page).to_have_url(f"{live.base}/bcw/factor/F2")
        page.goto(f"{live.base}/bcw/factor/F1")  # an old link to the deleted factor
        expect(page).to_have_url(f"{live.base}/bcw/deleted/{made['guid']}")
        assert page.request.get(f"{live.base}/bcw/factor/F9").status == 404
        expect(page.locator("#number-reused")).to_have_count(0)

        mapping.delete_factor(study, "F2", author="olu")  # no factor left: numbering starts again
        again = mapping.add_factor(study, "Locum cover", polarity="barrier", codes=["Funding/Short-term funding"],
                                   author="ana")
        assert again["id"] == "F1"
        page.goto(f"{live.base}/bcw/deleted/{made['guid']}")
        expect(page.locator("#number-reused")).to_contain_text("now belongs to another factor: F1 Locum cover")
        expect(page.locator("#number-reused a")).to_have_attribute("href", "/bcw/factor/F1")
        page.goto(f"{live.base}/bcw/deleted/{staff['guid']}")
        expect(page.locator("#number-reused")).to_have_count(0)
