"""The framework matrix: a theme's chart of cases by codes, with summaries edited in place.

Each cell shows the researcher's summary and, beneath it, the quotes coded there, each
linking to its place in the transcript. A coder edits a summary in the cell; the form
carries the summary's version so that an edit made from a stale page is refused
(``chart.summarise`` raises Conflict) instead of overwriting someone else's text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.responses import HTMLResponse, Response

from ... import chart
from ...errors import NotFound
from ..routing import TEMPLATES, Visit, page


@dataclass
class CellView:
    """One cell as the template lays it out: where it is, and what it holds."""

    id: str
    case: str
    code: str  # the column's code path
    code_name: str
    cell: chart.Cell
    editable: bool  # the "(no case)" row has no case to hold a summary


def cell_id(case: str, code: str) -> str:
    """A stable, unique element id for a cell, not showing the case's name."""
    return "cell-" + hashlib.sha1(f"{case}\x00{code}".encode()).hexdigest()[:12]


def _cell_view(row: chart.Row, path: str) -> CellView:
    return CellView(cell_id(row.case, path), row.case, path, path.rsplit("/", 1)[-1], row.cells[path],
                    row.case != chart.NO_CASE)


def matrix_url(theme: str, anchor: str = "") -> str:
    return "/matrix?" + urlencode({"theme": theme}) + (f"#{anchor}" if anchor else "")


@page("/matrix")
def matrix_page(visit: Visit) -> Response:
    themes = chart.themes(visit.project)
    theme = visit.query.get("theme") or (themes[0] if themes else None)
    matrix = chart.build_matrices(visit.project, theme)[0] if theme else None
    rows: list[tuple[chart.Row, list[CellView]]] = []
    if matrix is not None:
        rows = [(row, [_cell_view(row, path) for path in matrix.columns]) for row in matrix.rows]
    return visit.render(
        "matrix/page.html", themes=themes, theme=theme, matrix=matrix, rows=rows,
        no_summary=chart.NO_SUMMARY, download_query=urlencode({"theme": theme}) if theme else "",
    )


@page("/matrix/summary", methods=("POST",), role="coder")
def save_summary(visit: Visit) -> Response:
    """Save one cell's summary; htmx gets the cell back, a plain form goes back to the matrix."""
    case, code = visit.field("case"), visit.field("code")
    theme = visit.field("theme", "") or code.rsplit("/", 1)[0]
    chart.summarise(visit.project, case, code, visit.field("text", ""), author=visit.who.user,
                    expected_version=visit.version())
    if not visit.from_htmx:
        return visit.redirect(matrix_url(theme, cell_id(case, code)))
    return _cell_response(visit, theme, case, code, saved=True)


def _cell_response(visit: Visit, theme: str, case: str, code: str, *, saved: bool) -> Response:
    matrix = chart.build_matrices(visit.project, theme)[0]
    row = next((r for r in matrix.rows if r.case == case), None)
    if row is None or code not in row.cells:
        raise NotFound(f"case '{case}' or code '{code}' is no longer in the matrix of theme '{theme}': reload it")
    html = TEMPLATES.get_template("matrix/_cell.html").render(
        c=_cell_view(row, code), theme=theme, who=visit.who, csrf=visit.who.csrf, no_summary=chart.NO_SUMMARY,
        saved=saved,
    )
    response = HTMLResponse(html)
    response.headers["X-Qualframe-Revision"] = str(visit.project.revision())
    return response
