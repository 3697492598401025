"""Optimistic versioning of codes and cases: an edit made from a stale copy is refused
and changes nothing; the right version is accepted and counted; None (the CLI) is unchecked."""

from __future__ import annotations

import pytest

from qualframe import cases, codebook, coding
from qualframe.errors import Conflict, InvalidInput


def versions(project) -> dict[str, int]:
    return {c["path"]: c["version"] for c in codebook.list_codes(project)}


def case_row(project, name: str) -> dict:
    return next(c for c in cases.list_cases(project) if c["name"] == name)


def test_update_code_checks_the_version_it_is_given(project):
    codebook.add_code(project, "Funding", definition="Money.")
    assert versions(project) == {"Funding": 1}

    assert codebook.update_code(project, "Funding", definition="Money for services.", expected_version=1) == "Funding"
    assert versions(project) == {"Funding": 2}

    with pytest.raises(Conflict, match="code 'Funding' was changed by someone else"):
        codebook.update_code(project, "Funding", rename="Money", definition="Stale.", expected_version=1)
    [code] = codebook.list_codes(project)
    assert (code["path"], code["definition"], code["version"]) == ("Funding", "Money for services.", 2)

    assert codebook.update_code(project, "Funding", rename="Money") == "Money"  # None: no check
    assert versions(project) == {"Money": 3}


def test_moving_a_code_is_versioned_too(project):
    for path in ("Funding", "Workforce", "Funding/Impact"):
        codebook.add_code(project, path)
    with pytest.raises(Conflict):
        codebook.update_code(project, "Funding/Impact", move_to="Workforce", expected_version=7)
    assert "Funding/Impact" in versions(project)
    assert codebook.update_code(project, "Funding/Impact", move_to="Workforce", expected_version=1) == "Workforce/Impact"
    assert versions(project)["Workforce/Impact"] == 2


def test_merge_and_delete_refuse_a_stale_version(project, tmp_path):
    (tmp_path / "P01.txt").write_text("Interviewer: Why?\n\nAda: Funding is short-term.\n", encoding="utf-8")
    from qualframe.importing import import_file

    import_file(project, tmp_path / "P01.txt")
    for path in ("Funding", "Money", "Staff"):
        codebook.add_code(project, path)
    coding.code_text(project, "P01", "Money", quote="Funding is short-term.", coder="ana")
    codebook.update_code(project, "Money", definition="Changed in another tab.")  # now version 2

    with pytest.raises(Conflict):
        codebook.merge_codes(project, "Money", "Funding", expected_version=1)
    assert [c["code"] for c in coding.list_codings(project)] == ["Money"]
    assert codebook.merge_codes(project, "Money", "Funding", expected_version=2) == 1
    assert [c["code"] for c in coding.list_codings(project)] == ["Funding"]

    with pytest.raises(Conflict):
        codebook.delete_code(project, "Staff", expected_version=5)
    assert "Staff" in versions(project)
    codebook.delete_code(project, "Staff", expected_version=1)
    assert "Staff" not in versions(project)
    codebook.delete_code(project, "Funding", force=True)  # None: no check (the CLI)
    assert versions(project) == {}


def test_set_attribute_bumps_and_checks_the_case_version(project):
    cases.add_case(project, "P01", attributes={"role": "commissioner"})
    assert case_row(project, "P01")["version"] == 1

    cases.set_attribute(project, "P01", "role", "provider", expected_version=1)
    assert case_row(project, "P01")["version"] == 2

    with pytest.raises(Conflict, match="case 'P01' was changed by someone else"):
        cases.set_attribute(project, "P01", "role", "stale", expected_version=1)
    assert case_row(project, "P01")["attributes"] == {"role": "provider"}

    cases.set_attribute(project, "P01", "role", "manager")  # None: no check
    row = case_row(project, "P01")
    assert (row["attributes"], row["version"]) == ({"role": "manager"}, 3)


def test_update_case_is_all_or_nothing_and_versioned(project):
    cases.add_case(project, "P01")
    cases.add_attribute(project, "age", "integer")
    cases.add_attribute(project, "joined", "date")

    with pytest.raises(InvalidInput, match="case 'P01', attribute 'age': 'abc' is not a whole number"):
        cases.update_case(project, "P01", description="Nurse", attributes={"joined": "2024-03-01", "age": "abc"},
                          expected_version=1)
    row = case_row(project, "P01")
    assert (row["description"], row["attributes"], row["version"]) == ("", {"age": None, "joined": None}, 1)

    assert cases.update_case(project, "P01", rename="P01a", description="Nurse",
                             attributes={"age": "41", "joined": "2024-03-01"}, expected_version=1) == "P01a"
    row = case_row(project, "P01a")
    assert (row["description"], row["attributes"], row["version"]) == (
        "Nurse", {"age": 41, "joined": "2024-03-01"}, 2)

    with pytest.raises(Conflict):
        cases.update_case(project, "P01a", description="Stale", expected_version=1)
    assert case_row(project, "P01a")["description"] == "Nurse"

    cases.add_case(project, "P02")
    with pytest.raises(InvalidInput, match="a case with that name exists"):
        cases.update_case(project, "P02", rename="P01a")


def test_add_attribute_refuses_duplicates_and_unknown_types(project):
    assert cases.add_attribute(project, "site", "text") == {"name": "site", "type": "text"}
    with pytest.raises(InvalidInput, match="already exists"):
        cases.add_attribute(project, "site", "text")
    with pytest.raises(InvalidInput, match="type 'colour' must be one of"):
        cases.add_attribute(project, "shade", "colour")
    assert cases.list_attributes(project) == [{"name": "site", "type": "text"}]


def test_importing_a_table_counts_as_an_edit_of_the_cases_it_updates(project, tmp_path):
    cases.add_case(project, "P01")
    (tmp_path / "cases.csv").write_text("case,role\nP01,commissioner\nP02,provider\n", encoding="utf-8")
    cases.import_cases(project, tmp_path / "cases.csv")
    assert {c["name"]: c["version"] for c in cases.list_cases(project)} == {"P01": 2, "P02": 1}
    with pytest.raises(Conflict):  # someone who opened P01 before the import is told, not overwritten
        cases.set_attribute(project, "P01", "role", "manager", expected_version=1)
    assert case_row(project, "P01")["attributes"] == {"role": "commissioner"}
