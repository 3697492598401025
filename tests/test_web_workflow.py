"""The whole path in a real browser: import a transcript, code it by dragging, chart it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from qualframe import chart, codebook, coding
from webkit import add_team, check_accessibility, running, screenshot, select_text, sign_in

pytestmark = pytest.mark.browser

INTERVIEW = """Interviewer: What gets in the way of planning services?

Tomasz Wilde: Honestly, the money arrives a year at a time, so nobody can plan beyond March.

Interviewer: And staffing?

Tomasz Wilde: We train health visitors and then lose them to the next county over.
"""


def import_code_and_chart(page, base: str, tmp_path, backend: str) -> None:
    """What a coder does on a fresh project: upload, code, summarise (the page is signed in)."""
    transcript = tmp_path / "P07.txt"
    transcript.write_text(INTERVIEW, encoding="utf-8")
    page.goto(f"{base}/sources")
    page.get_by_label("Transcript files").set_input_files(str(transcript))
    page.get_by_label("Case for these sources (optional)").fill("P07")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#upload-result")).to_contain_text("Imported 1: P07")
    screenshot(page, f"sources-{backend}")
    check_accessibility(page)

    page.goto(f"{base}/sources")
    page.get_by_role("link", name="P07").click()
    select_text(page, "the money arrives a year at a time, so nobody can plan beyond March.")
    page.get_by_label("Find a code").fill("annual")
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Coded as Funding/Annual budgets")
    page.locator(".stripe", has_text="Annual budgets").wait_for()

    page.goto(f"{base}/matrix")
    page.get_by_text("Edit summary of P07, Annual budgets").click()
    page.get_by_label("Summary of P07, Annual budgets").fill("Budgets come a year at a time; planning stops at March.")
    page.get_by_role("button", name="Save the summary of P07, Annual budgets").click()
    expect(page.locator(".summary", has_text="planning stops at March")).to_be_visible()
    page.reload()
    expect(page.locator(".summary", has_text="Budgets come a year at a time; planning stops at March.")).to_be_visible()
    expect(page.get_by_label("Summary of P07, Annual budgets")).to_have_value(
        "Budgets come a year at a time; planning stops at March."
    )
    screenshot(page, f"matrix-after-reload-{backend}")


def make_codebook(project) -> None:
    codebook.add_code(project, "Funding")
    codebook.add_code(project, "Funding/Annual budgets")
    codebook.add_code(project, "Funding/Workforce churn")


def test_single_user_import_code_chart(project, tmp_path, new_page, backend):
    make_codebook(project)
    with running(project) as live:
        page = new_page()
        page.goto(live.opening("/"))
        import_code_and_chart(page, live.base, tmp_path, backend)
        assert page.console_errors == []
    [made] = coding.list_codings(project)
    assert made["source"] == "P07" and made["code"] == "Funding/Annual budgets" and made["coder"] == "ana"
    assert [(s["case"], s["code"]) for s in chart.list_summaries(project)] == [("P07", "Funding/Annual budgets")]


def test_team_coder_works_and_viewer_cannot_edit(project, tmp_path, new_page, backend):
    if backend == "sqlite":
        pytest.skip("team mode serves PostgreSQL projects")
    make_codebook(project)
    add_team(project)
    with running(project, team=True) as live:
        coder = new_page()
        sign_in(coder, live, "cara")
        import_code_and_chart(coder, live.base, tmp_path, f"{backend}-coder")

        viewer = new_page()
        sign_in(viewer, live, "vic")
        viewer.goto(f"{live.base}/sources")
        expect(viewer.locator("#upload-form")).to_have_count(0)
        viewer.get_by_role("link", name="P07").click()
        viewer.locator(".stripe", has_text="Annual budgets").wait_for()
        expect(viewer.locator("#code-filter")).to_have_count(0)
        viewer.goto(f"{live.base}/matrix")
        expect(viewer.get_by_text("Budgets come a year at a time; planning stops at March.")).to_be_visible()
        expect(viewer.locator("textarea")).to_have_count(0)
        expect(viewer.get_by_text("Edit summary")).to_have_count(0)
        screenshot(viewer, f"matrix-viewer-{backend}")
    assert [c["coder"] for c in coding.list_codings(project)] == ["cara"]
    assert [s["summary"] for s in chart.list_summaries(project)] == ["Budgets come a year at a time; planning stops at March."]
