"""Downloads: every export the CLI can write, as a file the browser saves.

Each download has the library write the export into a temporary folder, exactly as the
CLI would, then sends the file's bytes back and removes the folder. When the library
writes several files (CSV of several themes), they go back as one .zip.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from starlette.responses import Response

from ... import anonymise, chart, codebook, coding, mapping
from ...errors import NotFound
from ..routing import Visit, page

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "yaml": "application/yaml; charset=utf-8",
    "zip": "application/zip",
}
FORMAT_LABELS = {"xlsx": "Excel (.xlsx)", "docx": "Word (.docx)", "csv": "CSV", "html": "HTML page", "yaml": "YAML"}
TABLE_FORMATS = ("xlsx", "docx", "csv", "html")
CODEBOOK_FORMATS = ("yaml", "csv")
DECISIONS_FORMATS = ("csv", "yaml")


def ascii_name(text: str, fallback: str = "qualframe") -> str:
    """A file-name part that is plain ASCII letters, digits, dots, dashes and underscores."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.")
    return slug[:80] or fallback


def _check_format(fmt: str, allowed: tuple[str, ...], what: str) -> None:
    if fmt not in allowed:
        raise NotFound(f"{what} cannot be downloaded as .{fmt} (choose {', '.join('.' + f for f in allowed)})")


def send_export(visit: Visit, filename: str, write: Callable[[Path], Any]) -> Response:
    """Let the library ``write`` the export to a temporary ``filename``, and send it back."""
    folder = Path(tempfile.mkdtemp(prefix="qualframe-download-"))
    try:
        target = folder / filename
        result = write(target)
        written = [Path(p) for p in result] if isinstance(result, list) else [target]
        if len(written) == 1:
            name, data = written[0].name, written[0].read_bytes()
        else:
            name, data = Path(filename).stem + ".zip", _zipped(written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    suffix = name.rsplit(".", 1)[-1].lower()
    return Response(
        data,
        media_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _zipped(paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return buffer.getvalue()


def _project_part(visit: Visit) -> str:
    return ascii_name(visit.request.app.state.project_name)


def review_in_progress(visit: Visit) -> bool:
    """Whether anonymisation has candidates waiting in a review (their decisions can be exported)."""
    return any(s["mentions"] for s in anonymise.status(visit.project)["sources"])


@page("/downloads")
def downloads_page(visit: Visit) -> Response:
    codes = codebook.list_codes(visit.project)
    return visit.render(
        "downloads/page.html",
        themes=[{"path": t, "query": urlencode({"theme": t})} for t in chart.themes(visit.project)],
        codes=len(codes),
        codings=sum(c["codings"] for c in codes),
        factors=len(mapping.list_factors(visit.project)),
        review=review_in_progress(visit),
        table_formats=TABLE_FORMATS,
        codebook_formats=CODEBOOK_FORMATS,
        decisions_formats=DECISIONS_FORMATS,
        labels=FORMAT_LABELS,
    )


@page("/downloads/matrix.{fmt}")
def matrix_download(visit: Visit, fmt: str) -> Response:
    """Framework matrices: every theme, or the one named by ``?theme=``."""
    _check_format(fmt, TABLE_FORMATS, "the framework matrix")
    theme = visit.query.get("theme") or None
    matrices = chart.build_matrices(visit.project, theme)
    name = f"{_project_part(visit)}-framework-matrix" + (f"-{ascii_name(theme, 'theme')}" if theme else "")
    return send_export(visit, f"{name}.{fmt}", lambda path: chart.export_matrices(matrices, path))


@page("/downloads/codebook.{fmt}")
def codebook_download(visit: Visit, fmt: str) -> Response:
    _check_format(fmt, CODEBOOK_FORMATS, "the codebook")
    return send_export(visit, f"{_project_part(visit)}-codebook.{fmt}",
                       lambda path: codebook.export_codebook(visit.project, path))


@page("/downloads/codings.{fmt}")
def codings_download(visit: Visit, fmt: str) -> Response:
    _check_format(fmt, ("csv",), "the codings")
    return send_export(visit, f"{_project_part(visit)}-codings.csv",
                       lambda path: coding.export_codings(visit.project, path))


@page("/downloads/mapping.{fmt}")
def mapping_download(visit: Visit, fmt: str) -> Response:
    _check_format(fmt, TABLE_FORMATS, "the mapping table")
    return send_export(visit, f"{_project_part(visit)}-bcw-mapping.{fmt}",
                       lambda path: mapping.export_mapping_table(visit.project, path))


@page("/downloads/anonymisation-decisions.{fmt}", role="coder")
def decisions_download(visit: Visit, fmt: str) -> Response:
    """The review's decisions, for offline review; they hold the real identifiers."""
    _check_format(fmt, DECISIONS_FORMATS, "the anonymisation decisions")
    if not review_in_progress(visit):
        raise NotFound("there is no anonymisation review in progress, so there are no decisions to download")
    return send_export(visit, f"{_project_part(visit)}-anonymisation-decisions.{fmt}",
                       lambda path: anonymise.export_decisions(visit.project, path))
