"""Cases and attributes: one row per case, a column per typed attribute, edited in place.

A row is one form (its inputs sit in the row's cells and belong to the form by the
``form`` attribute): name, description and attribute values are saved together by
``cases.update_case``, which checks every value against its attribute's type before
saving any, and checks the case's version so that an edit made from a stale page is
refused (``Conflict``) instead of overwriting someone else's.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ... import cases
from ...errors import InvalidInput, NotFound
from ...store import VARIABLE_TYPES
from ..routing import Visit, page, plural
from ..uploads import one_uploaded_file

TABLE_SUFFIXES = (".csv", ".xlsx")  # what cases.import_cases reads, as the CLI offers it
ATTRIBUTE_FIELD = "attr:"  # form fields of attribute values are named attr:<attribute name>
COLUMN_TYPES_FIELD = "Column types"  # the import form's label for its ``types`` field, named in its errors
TYPE_HELP = {
    "text": "any text",
    "integer": "a whole number",
    "float": "a number",
    "boolean": "yes or no",
    "date": "a date, YYYY-MM-DD",
}


def shown(value: Any) -> str:
    """A typed attribute value as the text a person reads and edits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _rows(visit: Visit) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Cases with their cells (attribute, type, text) in the order of the attributes."""
    attributes = cases.list_attributes(visit.project)
    rows = []
    for case in cases.list_cases(visit.project):
        case["cells"] = [
            {"name": a["name"], "type": a["type"], "text": shown(case["attributes"].get(a["name"]))}
            for a in attributes
        ]
        rows.append(case)
    return rows, attributes


def _page(visit: Visit, done: str | None = None, focus: str | None = None) -> Response:
    rows, attributes = _rows(visit)
    return visit.render(
        "cases/page.html", cases=rows, attributes=attributes, types=VARIABLE_TYPES, type_help=TYPE_HELP,
        done=done, focus=focus, partial=visit.from_htmx and visit.request.method == "POST",
        suffixes=TABLE_SUFFIXES, max_mb=visit.max_upload_mb,
    )


@page("/cases")
def cases_page(visit: Visit) -> Response:
    return _page(visit)


@page("/cases/add", methods=("POST",), role="coder")
def add_case(visit: Visit) -> Response:
    name = visit.field("name").strip()
    if not name:
        raise InvalidInput("give the new case a name")
    cases.add_case(visit.project, name, visit.field("description", "").strip())
    if not visit.from_htmx:
        return visit.redirect("/cases")
    return _page(visit, f"Added case “{name}”.", focus="case")


@page("/cases/attributes/add", methods=("POST",), role="coder")
def add_attribute(visit: Visit) -> Response:
    added = cases.add_attribute(visit.project, visit.field("name"), visit.field("type", "text"))
    if not visit.from_htmx:
        return visit.redirect("/cases")
    return _page(visit, f"Added attribute “{added['name']}” ({added['type']}).", focus="attribute")


@page("/cases/import", methods=("POST",), role="coder")
def import_cases(visit: Visit) -> Response:
    """Create or update cases from an uploaded table, as ``qualframe cases import`` does.

    Attribute types are guessed from each column unless the optional ``types`` field
    gives them, in the CLI's ``--type`` syntax (``age=integer, interview date=date``),
    read by the same parser; an attribute that exists keeps its type. The types and
    every row are checked before anything is saved, so a bad one changes nothing.
    """
    types = cases.parse_column_types(visit.field("types", ""), COLUMN_TYPES_FIELD)
    with one_uploaded_file(visit, "file", suffixes=TABLE_SUFFIXES, what="case table") as path:
        counts = cases.import_cases(visit.project, path, types, types_field=COLUMN_TYPES_FIELD)
        text = (f"Imported {path.name}: {plural(counts['created'], 'case')} added, {counts['updated']} updated, "
                f"{plural(counts['attributes'], 'attribute')} read.")
    return _page(visit, text)


@page("/cases/{guid}/save", methods=("POST",), role="coder")
def save_case(visit: Visit, guid: str) -> Response:
    """Save one row: all its values are checked first, so a bad one changes nothing."""
    name = cases.name_of(visit.project, guid)
    values = {
        a["name"]: visit.form[ATTRIBUTE_FIELD + a["name"]]
        for a in cases.list_attributes(visit.project)
        if ATTRIBUTE_FIELD + a["name"] in visit.form
    }
    cases.update_case(
        visit.project, name, rename=visit.form.get("name"), description=visit.form.get("description"),
        attributes=values, expected_version=visit.version(),
    )
    if not visit.from_htmx:
        return visit.redirect(f"/cases#case-{guid}")
    rows, attributes = _rows(visit)
    case = next((row for row in rows if row["guid"] == guid), None)
    if case is None:
        raise NotFound("the case is no longer in the project: reload the page")
    return visit.render("cases/_row.html", case=case, attributes=attributes, saved=True)
