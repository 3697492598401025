"""Sources: the list of transcripts, uploading new ones, linking them to cases."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from starlette.responses import Response

from ... import cases, sources
from ...errors import ImportRefused, InvalidInput
from ...importing import SUPPORTED_SUFFIXES, import_files
from ..routing import Visit, page

CHUNK = 1024 * 1024


def upload_name(filename: str | None) -> str:
    """The uploaded file's own name, or a refusal if it tries to reach outside one folder."""
    name = filename or ""
    problems = (
        not name.strip(),
        name in (".", ".."),
        name.startswith("."),
        any(ch in name for ch in '/\\:\x00'),
        any(unicodedata.category(ch).startswith("C") for ch in name),
        len(name) > 255,
    )
    if any(problems):
        raise ImportRefused(repr(name)[1:-1][:80] or "(no name)", "the file name is not a plain file name; rename the file and upload it again")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ImportRefused(name, f"this type of file cannot be imported (use {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    return name


@page("/sources")
def source_list(visit: Visit) -> Response:
    return visit.render(
        "sources/list.html",
        sources=sources.list_sources(visit.project, with_text=False),
        cases=[c["name"] for c in cases.list_cases(visit.project)],
        suffixes=sorted(SUPPORTED_SUFFIXES),
        max_mb=visit.request.app.state.max_upload_bytes // (1024 * 1024),
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
                name = upload_name(upload.filename)
                target = Path(folder) / name
                if target.exists():
                    raise ImportRefused(name, "the same file name was uploaded twice")
                size = 0
                with open(target, "wb") as out:
                    while chunk := upload.file.read(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise ImportRefused(name, f"the file is larger than the limit of {max_bytes // (1024 * 1024)} MB")
                        out.write(chunk)
                paths.append(target)
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
