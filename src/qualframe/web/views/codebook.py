"""The codebook: the code tree with definitions and frequencies, edited in place, and each
code's page with every quote coded with it.

Codes are addressed by GUID in URLs (a rename keeps the address) and resolved to their
current path for the library, which takes paths. Every edit form carries the code's
version, so an edit made from a stale page is refused (``Conflict``) rather than
overwriting someone else's change. After an htmx edit the page is rendered again into
``#main`` with a confirmation next to the code that changed (and focus on it).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ... import codebook, coding, sources
from ...errors import InvalidInput, NotFound
from ..routing import Visit, page, plural
from ..uploads import one_uploaded_file

TEXT_FIELDS = ("definition", "inclusion", "exclusion", "example")
CODEBOOK_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")  # what codebook.import_codebook reads


def nest(codes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """``list_codes``' flat rows (tree order) as nested nodes, each with ``children`` and
    ``total`` (its codings and those of all its sub-codes); also the nodes by GUID."""
    nodes = {c["path"]: {**c, "children": [], "total": c["codings"]} for c in codes}
    roots = []
    for c in codes:
        if c["parent"] is None:
            roots.append(nodes[c["path"]])
        else:
            nodes[c["parent"]]["children"].append(nodes[c["path"]])
    for c in reversed(codes):  # sub-codes come after their parent, so their totals are complete first
        if c["parent"] is not None:
            nodes[c["parent"]]["total"] += nodes[c["path"]]["total"]
    return roots, {node["guid"]: node for node in nodes.values()}


def _partial(visit: Visit) -> bool:
    """An htmx edit gets only the main region back; every GET renders the whole page."""
    return visit.from_htmx and visit.request.method == "POST"


def _tree_page(visit: Visit, done: dict[str, str] | None = None) -> Response:
    codes = codebook.list_codes(visit.project)
    tree, _ = nest(codes)
    return visit.render(
        "codebook/page.html", tree=tree, codes=codes, total=sum(c["codings"] for c in codes),
        done=done, back="tree", partial=_partial(visit), suffixes=CODEBOOK_SUFFIXES,
        max_mb=visit.max_upload_mb,
    )


def _code_page(visit: Visit, guid: str, done: dict[str, str] | None = None) -> Response:
    codes = codebook.list_codes(visit.project)
    _, by_guid = nest(codes)
    code = by_guid.get(guid)
    if code is None:
        raise NotFound("no such code (it may have been merged or deleted): go back to the codebook")
    by_path = {c["path"]: c for c in by_guid.values()}
    parts = code["path"].split("/")
    ancestors = [by_path["/".join(parts[:i])] for i in range(1, len(parts))]
    quotes = coding.list_codings(visit.project, code=code["path"])
    source_guids = {s["name"]: s["guid"] for s in sources.list_sources(visit.project, with_text=False)}
    for quote in quotes:
        quote["source_guid"] = source_guids[quote["source"]]
    return visit.render(
        "codebook/code.html", code=code, c=code, ancestors=ancestors, quotes=quotes, codes=codes,
        done=done, back="code", partial=_partial(visit),
    )


def _after(visit: Visit, *, guid: str | None, path: str | None, text: str, focus: str = "code") -> Response:
    """Show the page the form was on (or the tree, when its code is gone) with a confirmation.

    ``guid`` is the code whose page to show if the form came from a code's page;
    ``path`` is the code the confirmation belongs to in the tree.
    """
    on_code_page = visit.field("back", "tree") == "code" and guid is not None
    url = f"/codebook/codes/{guid}" if on_code_page else "/codebook"
    if not visit.from_htmx:
        anchor = f"#code-{guid}" if guid and not on_code_page else ""
        return visit.redirect(url + anchor)
    done = {"text": text, "path": path or "", "focus": focus}
    response = _code_page(visit, guid, done) if on_code_page and guid else _tree_page(visit, done)
    response.headers["HX-Replace-Url"] = url
    return response


def _guid_of(visit: Visit, path: str) -> str:
    found = next((c["guid"] for c in codebook.list_codes(visit.project) if c["path"] == path), None)
    if found is None:
        raise NotFound(f"no code '{path}' in the codebook")
    return found


def _multiline(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


@page("/codebook")
def codebook_page(visit: Visit) -> Response:
    return _tree_page(visit)


@page("/codebook/codes/{guid}")
def code_page(visit: Visit, guid: str) -> Response:
    """One code: its definition, sub-codes, and every quote coded with it, linked to the reader."""
    return _code_page(visit, guid)


@page("/codebook/add", methods=("POST",), role="coder")
def add_code(visit: Visit) -> Response:
    name = visit.field("name").strip()
    parent = visit.field("parent", "").strip()
    if not name:
        raise InvalidInput("give the new code a name")
    if "/" in name:
        raise InvalidInput(f"code name '{name}' must not contain '/': choose its parent under 'Add under'")
    path = f"{parent}/{name}" if parent else name
    added = codebook.add_code(visit.project, path, definition=_multiline(visit.field("definition", "")))
    return _after(visit, guid=added["guid"], path=added["path"], text=f"Added code “{added['path']}”.", focus="add")


@page("/codebook/import", methods=("POST",), role="coder")
def import_codebook(visit: Visit) -> Response:
    """Add or update codes from an uploaded codebook, as ``qualframe codebook import`` does.

    The library checks every entry before writing any, so a bad one leaves the codebook as it was.
    """
    with one_uploaded_file(visit, "file", suffixes=CODEBOOK_SUFFIXES, what="codebook") as path:
        counts = codebook.import_codebook(visit.project, path)
        text = (f"Imported {path.name}: {plural(counts['created'], 'code')} added, "
                f"{counts['updated']} updated.")
    return _tree_page(visit, {"text": text, "path": "", "focus": "import"})


@page("/codebook/codes/{guid}/edit", methods=("POST",), role="coder")
def edit_code(visit: Visit, guid: str) -> Response:
    """Rename a code and edit its definition, rules, example, colour and origin."""
    path = codebook.path_of(visit.project, guid)
    fields: dict[str, str] = {key: _multiline(visit.form[key]) for key in TEXT_FIELDS if key in visit.form}
    if visit.form.get("colour"):
        fields["colour"] = visit.form["colour"].strip().upper()
    if visit.form.get("origin"):
        fields["origin"] = visit.form["origin"]
    new_path = codebook.update_code(
        visit.project, path, rename=visit.form.get("name"), expected_version=visit.version(), **fields
    )
    text = f"Saved “{new_path}”." if new_path == path else f"Renamed “{path}” to “{new_path}”."
    return _after(visit, guid=guid, path=new_path, text=text)


@page("/codebook/codes/{guid}/move", methods=("POST",), role="coder")
def move_code(visit: Visit, guid: str) -> Response:
    path = codebook.path_of(visit.project, guid)
    parent = visit.field("parent", "").strip()
    new_path = codebook.update_code(visit.project, path, move_to=parent, expected_version=visit.version())
    where = f"under “{parent}”" if parent else "to the top level"
    return _after(visit, guid=guid, path=new_path, text=f"Moved “{path}” {where}: it is now “{new_path}”.")


@page("/codebook/codes/{guid}/merge", methods=("POST",), role="coder")
def merge_code(visit: Visit, guid: str) -> Response:
    path = codebook.path_of(visit.project, guid)
    into = visit.field("into", "").strip()
    if not into:
        raise InvalidInput(f"choose the code to merge “{path}” into")
    moved = codebook.merge_codes(visit.project, path, into, expected_version=visit.version())
    target = _guid_of(visit, into)
    return _after(visit, guid=target, path=into,
                  text=f"Merged “{path}” into “{into}”: {plural(moved, 'coding')} moved.")


@page("/codebook/codes/{guid}/delete", methods=("POST",), role="owner")
def delete_code(visit: Visit, guid: str) -> Response:
    """Delete a code and its sub-codes; its codings only when the person ticked that too."""
    path = codebook.path_of(visit.project, guid)
    if visit.field("confirm", "") != "yes":
        raise InvalidInput(f"tick the box to confirm deleting code “{path}”")
    with_codings = visit.field("with_codings", "") == "yes"
    if not with_codings:
        used = sum(c["codings"] for c in codebook.list_codes(visit.project)
                   if c["path"] == path or c["path"].startswith(path + "/"))
        if used:
            raise InvalidInput(
                f"code “{path}” and its sub-codes have {plural(used, 'coding')}: tick “and its codings” to "
                "delete them too, or merge the code into another one first"
            )
    codebook.delete_code(visit.project, path, force=with_codings, expected_version=visit.version())
    if not visit.from_htmx:
        return visit.redirect("/codebook")
    response = _tree_page(visit, {"text": f"Deleted code “{path}”.", "path": "", "focus": "code"})
    response.headers["HX-Replace-Url"] = "/codebook"
    return response
