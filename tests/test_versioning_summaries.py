"""Cell summaries carry a version, so an edit from a stale copy is refused, not lost (both databases)."""

from __future__ import annotations

import pytest

from qualframe import cases, chart, codebook
from qualframe.errors import Conflict


@pytest.fixture
def cell(project):
    cases.add_case(project, "P01")
    codebook.add_code(project, "Funding/Short-term", create_parents=True)
    return project


def summary_of(project):
    return {(s["case"], s["code"]): (s["summary"], s["version"]) for s in chart.list_summaries(project)}


def cell_version(project):
    [matrix] = chart.build_matrices(project, "Funding")
    return matrix.rows[0].cells["Funding/Short-term"].version


def test_new_summary_starts_at_version_one_and_each_edit_counts(cell):
    assert cell_version(cell) == 0
    assert chart.summarise(cell, "P01", "Funding/Short-term", "Plans a year ahead.", author="ana", expected_version=0) == 1
    assert summary_of(cell) == {("P01", "Funding/Short-term"): ("Plans a year ahead.", 1)}
    assert cell_version(cell) == 1
    assert chart.summarise(cell, "P01", "Funding/Short-term", "Plans one year at a time.", author="ana", expected_version=1) == 2
    assert summary_of(cell) == {("P01", "Funding/Short-term"): ("Plans one year at a time.", 2)}
    # the CLI gives no version: no check, but the edit still counts
    chart.summarise(cell, "P01", "Funding/Short-term", "Annual plans.", author="ana")
    assert summary_of(cell)[("P01", "Funding/Short-term")] == ("Annual plans.", 3)


def test_stale_edit_is_refused_and_keeps_the_other_text(cell):
    chart.summarise(cell, "P01", "Funding/Short-term", "First.", author="ana", expected_version=0)
    chart.summarise(cell, "P01", "Funding/Short-term", "Second, by cara.", author="cara", expected_version=1)
    with pytest.raises(Conflict, match="changed by someone else"):
        chart.summarise(cell, "P01", "Funding/Short-term", "Ana's late edit.", author="ana", expected_version=1)
    assert summary_of(cell) == {("P01", "Funding/Short-term"): ("Second, by cara.", 2)}


def test_writing_into_a_cell_someone_filled_meanwhile_is_refused(cell):
    chart.summarise(cell, "P01", "Funding/Short-term", "Cara got there first.", author="cara", expected_version=0)
    with pytest.raises(Conflict, match="written by someone else"):
        chart.summarise(cell, "P01", "Funding/Short-term", "Ana's summary.", author="ana", expected_version=0)
    assert summary_of(cell) == {("P01", "Funding/Short-term"): ("Cara got there first.", 1)}


def test_clearing_is_versioned_too(cell):
    chart.summarise(cell, "P01", "Funding/Short-term", "To be cleared.", author="ana", expected_version=0)
    with pytest.raises(Conflict):
        chart.summarise(cell, "P01", "Funding/Short-term", "  ", author="ana", expected_version=7)
    assert len(chart.list_summaries(cell)) == 1
    assert chart.summarise(cell, "P01", "Funding/Short-term", "  ", author="ana", expected_version=1) == 2
    assert chart.list_summaries(cell) == []
    assert cell_version(cell) == 2  # the cleared cell goes on counting
    # an editor who still sees the cleared text cannot write it back unawares
    with pytest.raises(Conflict, match="cleared by someone else"):
        chart.summarise(cell, "P01", "Funding/Short-term", "Edited text.", author="ana", expected_version=1)
    assert chart.list_summaries(cell) == []
    # clearing an already empty cell changes nothing and is not a conflict
    assert chart.summarise(cell, "P01", "Funding/Short-term", "", author="ana", expected_version=0) == 2
    assert chart.summarise(cell, "P01", "Funding/Short-term", "", author="ana", expected_version=1) == 2
    # an editor who saw the empty cell may write it
    assert chart.summarise(cell, "P01", "Funding/Short-term", "Written again.", author="cara", expected_version=2) == 3


def test_a_cleared_and_rewritten_summary_still_refuses_an_editor_from_before_the_clearing(cell):
    chart.summarise(cell, "P01", "Funding/Short-term", "Ana's first text.", author="ana", expected_version=0)
    # ana's page now holds version 1; ben clears the cell, cara writes it anew from an empty page
    chart.summarise(cell, "P01", "Funding/Short-term", "", author="ben", expected_version=1)
    chart.summarise(cell, "P01", "Funding/Short-term", "Cara's new text.", author="cara", expected_version=0)
    with pytest.raises(Conflict):
        chart.summarise(cell, "P01", "Funding/Short-term", "Ana's late edit.", author="ana", expected_version=1)
    assert summary_of(cell)[("P01", "Funding/Short-term")] == ("Cara's new text.", 3)


def test_a_cleared_cell_shows_as_empty_in_every_export(cell, tmp_path):
    chart.summarise(cell, "P01", "Funding/Short-term", "Soon gone.", author="ana", expected_version=0)
    chart.summarise(cell, "P01", "Funding/Short-term", "", author="ana", expected_version=1)
    matrix = chart.build_matrices(cell, "Funding")[0]
    assert matrix.rows[0].cells["Funding/Short-term"].summary is None
    assert chart.NO_SUMMARY in matrix.rows[0].cells["Funding/Short-term"].as_text()


def test_import_counts_as_an_edit(cell, tmp_path):
    chart.summarise(cell, "P01", "Funding/Short-term", "Typed in the browser.", author="ana", expected_version=0)
    table = tmp_path / "summaries.csv"
    table.write_text("case,code,summary\nP01,Funding/Short-term,Imported.\n", encoding="utf-8")
    chart.import_summaries(cell, table, author="ana")
    assert summary_of(cell)[("P01", "Funding/Short-term")] == ("Imported.", 2)
    with pytest.raises(Conflict):
        chart.summarise(cell, "P01", "Funding/Short-term", "From the stale page.", author="ana", expected_version=1)


def test_quotes_name_their_source_by_guid(cell, tmp_path):
    from qualframe import coding, sources
    from qualframe.importing import import_file

    path = tmp_path / "P01.txt"
    path.write_text("Interviewer: Funding?\n\nP: We only ever plan a year ahead.\n", encoding="utf-8")
    import_file(cell, path, case="P01")
    coding.code_text(cell, "P01", "Funding/Short-term", quote="only ever plan a year ahead", coder="ana")
    [quote] = chart.build_matrices(cell, "Funding")[0].rows[0].cells["Funding/Short-term"].quotes
    assert quote.source_guid and sources.name_of(cell, quote.source_guid) == "P01"
    assert quote.as_dict()["text"] == "only ever plan a year ahead"
