"""Sources: the list of transcripts, uploading new ones, linking them to cases."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.responses import Response

from ... import cases, sources
from ...errors import ImportRefused, InvalidInput
from ...importing import SUPPORTED_SUFFIXES, import_files
from ..routing import Visit, page
from ..uploads import save_upload


@page("/sources")
def source_list(visit: Visit) -> Response:
    return visit.render(
        "sources/list.html",
        sources=sources.list_sources(visit.project, with_text=False),
        cases=[c["name"] for c in cases.list_cases(visit.project)],
        suffixes=sorted(SUPPORTED_SUFFIXES),
        max_mb=visit.max_upload_mb,
    )


@page("/sources/upload", methods=("POST",), role="coder")
def upload(visit: Visit) -> Response:
    """Import the uploaded files as the CLI would: the good ones go in, each refusal is listed."""
    uploads = visit.files_named("files")
    if not uploads:
        raise InvalidInput("choose one or more transcript files to upload")
    max_bytes = visit.request.app.state.max_upload_bytes
    case = visit.field("case", "").strip() or None
    by_filename = visit.field("case_from_filename", "") == "on"
    imported: list[str] = []
    refused: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="qualframe-upload-") as folder:
        paths = []
        for upload in uploads:
            try:
                paths.append(save_upload(upload, Path(folder), suffixes=SUPPORTED_SUFFIXES, max_bytes=max_bytes))
            except ImportRefused as exc:
                refused.append((exc.filename, exc.reason))
        report = import_files(visit.project, paths, case=None if by_filename else case,
                              case_from_filename=by_filename, max_bytes=max_bytes)
        imported = report.imported
        refused.extend(report.failed)
    # a partly good batch is a success with a list of refusals, as the CLI reports it
    status = 400 if refused and not imported else 200
    return visit.render(
        "sources/uploaded.html", status=status, imported=imported, refused=refused,
        sources=sources.list_sources(visit.project, with_text=False),
    )


@page("/sources/{guid}/case", methods=("POST",), role="coder")
def link_case(visit: Visit, guid: str) -> Response:
    case = visit.field("case").strip() or None
    sources.link_case(visit.project, sources.name_of(visit.project, guid), case)
    return visit.redirect("/sources")


@page("/sources/{guid}/delete", methods=("POST",), role="owner")
def delete(visit: Visit, guid: str) -> Response:
    name = sources.name_of(visit.project, guid)
    if visit.field("confirm", "") != name:
        raise InvalidInput("type the source's name to confirm deleting it with its codings")
    sources.delete_source(visit.project, name)
    return visit.redirect("/sources")
