"""The transcript reader in a real browser: select with the mouse or keyboard, code, recode, remove."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from qualframe import coding
from webkit import check_accessibility, screenshot, select_text

pytestmark = pytest.mark.browser


def open_reader(page, server):
    page.goto(server.opening("/sources"))
    page.get_by_role("link", name="P01").click()
    page.wait_for_selector("#transcript[data-ready='yes']")


def test_drag_to_select_then_code_shows_a_stripe(server, new_page, backend):
    page = new_page()
    open_reader(page, server)
    select_text(page, "Funding is always short-term, so we only ever plan a year ahead.")
    assert page.locator("#selection-preview").inner_text().startswith("Funding is always short-term")
    page.get_by_label("Find a code").fill("short")
    page.keyboard.press("Enter")
    stripe = page.locator(".stripe", has_text="Short-term funding")
    stripe.wait_for()
    codings = coding.list_codings(server.project)
    assert [(c["text"], c["code"], c["coder"]) for c in codings] == [
        ("Funding is always short-term, so we only ever plan a year ahead.", "Funding/Short-term funding", "ana")
    ]
    assert page.locator(".seg.coded").first.inner_text().startswith("Funding is always")
    screenshot(page, f"reader-coded-{backend}")
    check_accessibility(page)
    assert page.console_errors == []


def test_keyboard_selection_and_new_code(server, new_page):
    page = new_page()
    open_reader(page, server)
    turn = page.locator(".block", has_text="It means providers cannot keep staff")
    turn.focus()
    page.keyboard.press("Enter")  # the whole turn
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "code-filter"
    page.keyboard.type("Workforce/Retention")
    page.get_by_role("button", name="New code “Workforce/Retention” and apply").click()
    page.locator(".stripe", has_text="Retention").wait_for()
    [made] = coding.list_codings(server.project)
    assert made["code"] == "Workforce/Retention"
    assert made["text"].startswith("It means providers cannot keep staff.")
    assert made["text"].endswith("within a single year.")

    # keyboard: a shorter span, word by word from the start of a turn
    first = page.locator(".block", has_text="I commission public health services")
    first.focus()
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    assert page.locator("#selection-preview").inner_text() == "I commission public"
    page.keyboard.press("Alt+Shift+ArrowRight")
    assert page.locator("#selection-preview").inner_text() == "commission public"


def test_stripe_opens_the_coding_to_memo_recode_and_remove(server, new_page):
    quote = "It means providers cannot keep staff."
    coding.code_text(server.project, "P01", "Funding/Impact", quote=quote, coder="ana")
    page = new_page()
    open_reader(page, server)
    page.locator(".stripe", has_text="Impact").click()
    assert page.locator("#detail-text").inner_text() == quote
    page.get_by_label("Add a memo").fill("Retention, not impact: recode.")
    page.get_by_role("button", name="Save memo").click()
    page.locator(".stripe[title*='has a memo']").wait_for()
    assert coding.list_codings(server.project)[0]["memo"] == "Retention, not impact: recode."

    page.locator(".stripe", has_text="Impact").click()
    page.get_by_label("Find a code").fill("turnover")
    page.get_by_role("button", name="Recode with the chosen code").click()
    page.locator(".stripe", has_text="Staff turnover").wait_for()
    assert coding.list_codings(server.project)[0]["code"] == "Workforce/Staff turnover"

    page.locator(".stripe", has_text="Staff turnover").click()
    page.get_by_role("button", name="Remove coding").click()
    expect(page.locator(".stripe")).to_have_count(0)
    assert coding.list_codings(server.project) == []


def test_overview_shows_the_study_and_its_progress(server, new_page, backend):
    page = new_page()
    page.goto(server.opening("/"))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("ol.stages li.done")).to_contain_text(["Import transcripts", "Cases and attributes", "Codebook"])
    expect(page.get_by_role("link", name="P01")).to_be_visible()
    expect(page.locator("ul.tree")).to_contain_text("Funding")
    screenshot(page, f"overview-{backend}")
    check_accessibility(page)
    assert page.title().startswith("Overview ·")
