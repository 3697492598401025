"""Charting: the Framework Method's matrix, one per theme, and the case-by-attribute crosstab.

A theme is a code with child codes. Each matrix has a row per case (with the case's
attributes), a column per child code, and in each cell the researcher's summary
followed by every quote coded there, each with its exact place in a transcript.
Codings of a child's own descendants count in that child's column. Summaries are only
ever what the researcher wrote: an empty one stays empty.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .cases import case_by_name, typed_value
from .codebook import code_by_path, code_path, code_tree
from .coding import speaker_at
from .errors import Conflict, InvalidInput, NotFound
from .project import Project, get_or_create_user
from .store import Case, CaseValue, Code, Coding, Source, Summary, Turn, User, Variable, bump_version, utcnow
from .tabular import HTML_STYLE, Sheet, cell_text, column_index, display_value, export_sheets, read_table

NO_CASE = "(no case)"
NO_SUMMARY = "[no summary yet]"


@dataclass
class Quote:
    text: str
    source: str
    speaker: str | None
    start: int
    end: int
    coders: list[str]
    source_guid: str = ""  # names the source in web links, where a name could identify someone

    @property
    def reference(self) -> str:
        return f"{self.source}, {self.speaker or 'speaker unknown'}, {self.start}–{self.end}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "coders": self.coders,
        }


@dataclass
class Cell:
    summary: str | None = None
    quotes: list[Quote] = field(default_factory=list)
    version: int = 0  # the summary's edit version; 0 until one is first written (see summarise)

    def as_text(self) -> str:
        """The cell as a researcher pastes it into a paper: summary, then quotes."""
        parts = [self.summary if self.summary else NO_SUMMARY]
        parts += [f"“{q.text}” ({q.reference})" for q in self.quotes]
        return "\n\n".join(parts)


@dataclass
class Row:
    case: str
    attributes: dict[str, Any]
    cells: dict[str, Cell]


@dataclass
class Matrix:
    theme: str
    columns: list[str]  # code paths, one per child of the theme
    attributes: list[str]
    rows: list[Row]

    @property
    def column_names(self) -> list[str]:
        return [path.rsplit("/", 1)[-1] for path in self.columns]

    def as_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "codes": self.columns,
            "attributes": self.attributes,
            "rows": [
                {
                    "case": row.case,
                    "attributes": row.attributes,
                    "cells": {
                        path: {"summary": cell.summary, "quotes": [q.as_dict() for q in cell.quotes]}
                        for path, cell in row.cells.items()
                    },
                }
                for row in self.rows
            ],
        }


def natural_key(text: str) -> list[Any]:
    """Sort "P2" before "P10", as a researcher expects."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def themes(project: Project) -> list[str]:
    """Paths of every code that has child codes."""
    with project.session() as s:
        tree = code_tree(s)
        parents = {code.parent_id for code, _, _ in tree}
        return [path for code, path, _ in tree if code.id in parents]


def build_matrices(project: Project, theme: str | None = None) -> list[Matrix]:
    """The framework matrix of one theme, or of every theme (in codebook order)."""
    with project.session() as s:
        tree = code_tree(s)
        children: dict[int | None, list[int]] = {}
        for code, _, _ in tree:
            children.setdefault(code.parent_id, []).append(code.id)
        paths = {code.id: path for code, path, _ in tree}
        if theme is not None:
            chosen = code_by_path(s, theme)
            if chosen.id not in children:
                raise InvalidInput(f"code '{theme}' has no child codes, so it is not a theme")
            theme_ids = [chosen.id]
        else:
            theme_ids = [code.id for code, _, _ in tree if code.id in children]
        data = _ChartData.load(s)
        return [
            _matrix(data, paths[tid], [(paths[c], c, _subtree(children, c)) for c in children[tid]])
            for tid in theme_ids
        ]


def _subtree(children: dict[int | None, list[int]], root: int) -> set[int]:
    ids, frontier = {root}, [root]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, [])]
        ids.update(frontier)
    return ids


@dataclass
class _ChartData:
    """Everything a matrix needs, read once so that building all matrices is a single pass."""

    cases: dict[int, str]
    attributes: list[tuple[int, str, str]]  # variable id, name, type
    values: dict[tuple[int, int], str]
    sources: dict[int, tuple[str, int | None, str, str]]  # name, case id, plain text, guid
    turns: dict[int, tuple[list[Any], list[int]]]
    codings: list[tuple[int, int, int, int, str]]  # source, start, end, code, coder
    summaries: dict[tuple[int, int], tuple[str, int]]  # (case, code) -> text, version

    @classmethod
    def load(cls, s: Session) -> "_ChartData":
        codings = [tuple(r) for r in s.execute(
            select(Coding.source_id, Coding.start, Coding.end, Coding.code_id, User.name).join(User, Coding.coder_id == User.id)
        )]
        used_sources = {c[0] for c in codings}
        turns: dict[int, list[Any]] = {}  # rows with .start, .end, .speaker: lighter than Turn objects
        for turn in s.execute(
            select(Turn.source_id, Turn.start, Turn.end, Turn.speaker)
            .where(Turn.source_id.in_(used_sources))
            .order_by(Turn.source_id, Turn.start)
        ):
            turns.setdefault(turn.source_id, []).append(turn)
        return cls(
            cases=dict(s.execute(select(Case.id, Case.name)).all()),
            attributes=[tuple(r) for r in s.execute(select(Variable.id, Variable.name, Variable.type).order_by(Variable.position, Variable.id))],  # type: ignore[misc]
            values={(r.case_id, r.variable_id): r.value for r in s.scalars(select(CaseValue))},
            sources={
                r.id: (r.name, r.case_id, r.plain_text, r.guid)
                for r in s.execute(
                    select(Source.id, Source.name, Source.case_id, Source.plain_text, Source.guid).where(Source.id.in_(used_sources))
                )
            },
            turns={sid: (ts, [t.start for t in ts]) for sid, ts in turns.items()},
            codings=codings,  # type: ignore[arg-type]
            summaries={
                (r.case_id, r.code_id): (r.text, r.version)
                for r in s.execute(select(Summary.case_id, Summary.code_id, Summary.text, Summary.version))
            },
        )


def _matrix(data: _ChartData, theme: str, columns: list[tuple[str, int, set[int]]]) -> Matrix:
    """One theme's matrix; ``columns`` are (path, the child code's id, ids of its subtree)."""
    column_of = {code_id: path for path, _, ids in columns for code_id in ids}
    # (case id or None, column path) -> (source, start, end) -> coders
    found: dict[tuple[int | None, str], dict[tuple[int, int, int], list[str]]] = {}
    for source_id, start, end, code_id, coder in data.codings:
        path = column_of.get(code_id)
        if path is None:
            continue
        case_id = data.sources[source_id][1]
        coders = found.setdefault((case_id, path), {}).setdefault((source_id, start, end), [])
        if coder not in coders:
            coders.append(coder)
    case_ids: list[int | None] = sorted(data.cases, key=lambda cid: natural_key(data.cases[cid]))
    if any(case_id is None for case_id, _ in found):
        case_ids.append(None)
    rows = []
    for case_id in case_ids:
        cells = {}
        for path, own_id, _ in columns:
            spans = sorted(
                found.get((case_id, path), {}).items(),
                key=lambda item: (natural_key(data.sources[item[0][0]][0]), item[0][1], item[0][2]),
            )
            quotes = []
            for (source_id, start, end), coders in spans:
                name, _, text, guid = data.sources[source_id]
                source_turns, starts = data.turns.get(source_id, ([], []))
                speaker = speaker_at(source_turns, starts, start)
                quotes.append(Quote(text[start:end], name, speaker, start, end, sorted(coders), guid))
            summary, version = data.summaries.get((case_id, own_id), ("", 0)) if case_id is not None else ("", 0)
            cells[path] = Cell(summary or None, quotes, version)
        if case_id is None:
            rows.append(Row(NO_CASE, {name: None for _, name, _ in data.attributes}, cells))
        else:
            attributes = {
                name: typed_value(data.values.get((case_id, vid), ""), type_)
                for vid, name, type_ in data.attributes
            }
            rows.append(Row(data.cases[case_id], attributes, cells))
    return Matrix(theme, [path for path, _, _ in columns], [name for _, name, _ in data.attributes], rows)


# --- summaries ---------------------------------------------------------------------


def summarise(
    project: Project, case: str, code: str, text: str, *, author: str, expected_version: int | None = None
) -> int:
    """Set the researcher's summary for one cell; empty text clears it. Returns its new version.

    ``expected_version`` is the version the editor saw (0: there was no summary yet;
    None: no check, as in the CLI). If someone else wrote, changed or cleared the
    summary since, ``Conflict`` is raised and nothing is saved.
    """
    with project.session() as s:
        return _set_summary(
            s, case_by_name(s, case), code_by_path(s, code), text, get_or_create_user(s, author), expected_version
        )


def _set_summary(s: Session, case: Case, code: Code, text: str, author: User, expected: int | None = None) -> int:
    """A cleared summary keeps its row, with empty text, so its version goes on counting:
    an editor still holding the text from before the clearing is refused, even after
    someone has written the cell again."""
    text = text.strip()
    what = f"the summary of case '{case.name}' for code '{code_path(code)}'"
    existing = s.get(Summary, (case.id, code.id))
    if existing is None:
        if expected:  # cannot happen unless the cell's row was removed (its code or case deleted)
            raise Conflict(f"{what} was cleared by someone else after you opened it; "
                           "your edit was not saved: reload to see the cell, then edit again")
        if not text:
            return 0
        s.add(Summary(case_id=case.id, code_id=code.id, text=text, author_id=author.id))
        try:
            s.flush()
        except IntegrityError:  # another editor's new summary for this cell was committed first
            raise Conflict(f"{what} was written by someone else after you opened it; "
                           "your edit was not saved: reload to see their version, then edit again") from None
        return 1
    if not text and not existing.text:  # clearing a cell that is already empty changes nothing
        return existing.version
    if expected == 0 and not existing.text:  # the editor saw an empty cell, and it still is
        expected = existing.version
    if expected == 0:  # the editor saw an empty cell, but someone has written a summary since
        raise Conflict(f"{what} was written by someone else after you opened it; "
                       "your edit was not saved: reload to see their version, then edit again")
    if expected is not None and expected != existing.version and not existing.text:
        raise Conflict(f"{what} was cleared by someone else after you opened it; "
                       "your edit was not saved: reload to see the cell, then edit again")
    bump_version(s, existing, expected, what)
    existing.text, existing.author_id, existing.updated_at = text, author.id, utcnow()
    return existing.version


def import_summaries(project: Project, path: Path | str, *, author: str) -> int:
    """Set summaries from a CSV/XLSX with columns case, code, summary; all or nothing."""
    path = Path(path)
    header, rows = read_table(path)
    index = column_index(header, path.name, ["case", "code", "summary"])
    with project.session() as s:
        user = get_or_create_user(s, author)
        for number, row in enumerate(rows, start=2):
            where = f"{path.name}, row {number}"
            try:
                case = case_by_name(s, cell_text(row[index["case"]]))
                code = code_by_path(s, cell_text(row[index["code"]]))
            except (NotFound, InvalidInput) as exc:
                raise type(exc)(f"{where}: {exc}") from None
            _set_summary(s, case, code, cell_text(row[index["summary"]]), user)
        return len(rows)


def list_summaries(project: Project) -> list[dict[str, Any]]:
    with project.session() as s:
        paths = {code.id: path for code, path, _ in code_tree(s)}
        cases = dict(s.execute(select(Case.id, Case.name)).all())
        return [
            {"case": cases[r.case_id], "code": paths[r.code_id], "summary": r.text, "version": r.version}
            for r in s.scalars(select(Summary).where(Summary.text != ""))
        ]


# --- crosstab ---------------------------------------------------------------------


@dataclass
class Crosstab:
    theme: str
    attribute: str
    values: list[str]  # column headings: the attribute's values
    cases_per_value: dict[str, int]
    counts: dict[str, dict[str, int]]  # code path -> value -> number of cases

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows as printed and exported: a row per code, a column per value (with n)."""
        header = ["Code", *(f"{v} (n={self.cases_per_value[v]})" for v in self.values)]
        rows = [[path.rsplit("/", 1)[-1], *(self.counts[path][v] for v in self.values)] for path in self.counts]
        return header, rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "attribute": self.attribute,
            "values": self.values,
            "cases_per_value": self.cases_per_value,
            "counts": self.counts,
        }


def crosstab(project: Project, theme: str, attribute: str) -> Crosstab:
    """For each code of a theme, how many cases of each attribute value have it (cases, not quotes)."""
    matrix = build_matrices(project, theme)[0]
    if attribute not in matrix.attributes:
        known = ", ".join(matrix.attributes) or "none"
        raise NotFound(f"no case attribute '{attribute}' (attributes: {known})")

    def label(value: Any) -> str:
        return "(missing)" if value is None or value == "" else cell_text(display_value(value))

    per_value: dict[str, int] = {}
    for row in matrix.rows:
        if row.case != NO_CASE:
            per_value[label(row.attributes[attribute])] = per_value.get(label(row.attributes[attribute]), 0) + 1
    values = sorted(per_value, key=natural_key)
    counts = {path: {value: 0 for value in values} for path in matrix.columns}
    for row in matrix.rows:
        if row.case == NO_CASE:
            continue
        for path, cell in row.cells.items():
            if cell.quotes:
                counts[path][label(row.attributes[attribute])] += 1
    return Crosstab(matrix.theme, attribute, values, {v: per_value[v] for v in values}, counts)


# --- export -----------------------------------------------------------------------


def matrix_sheets(matrices: list[Matrix]) -> list[Sheet]:
    """Each matrix as a table: case, attributes, then a column per code of the theme."""
    sheets = []
    for matrix in matrices:
        widths = [14] + [16] * len(matrix.attributes) + [60] * len(matrix.columns)
        rows = [
            [row.case, *_attribute_cells(row, matrix), *(row.cells[p].as_text() for p in matrix.columns)]
            for row in matrix.rows
        ]
        sheets.append(Sheet(matrix.theme.rsplit("/", 1)[-1], _header(matrix), rows, widths))
    return sheets


def export_matrices(matrices: list[Matrix], out: Path | str) -> list[Path]:
    """Write matrices as .xlsx (a sheet per theme), .docx, .html (one page) or .csv (a file per theme)."""
    out = Path(out)
    if not matrices:
        raise InvalidInput("there is no theme to chart: a theme is a code with child codes")
    if out.suffix.lower() in (".html", ".htm"):
        if not out.parent.is_dir():
            raise InvalidInput(f"{out.parent}: folder does not exist")
        out.write_text(matrices_html(matrices), encoding="utf-8")
        return [out]
    return export_sheets(out, "Framework matrix", matrix_sheets(matrices))


def _header(matrix: Matrix) -> list[str]:
    return ["Case", *matrix.attributes, *matrix.column_names]


def _attribute_cells(row: Row, matrix: Matrix) -> list[Any]:
    return [display_value(row.attributes.get(name)) for name in matrix.attributes]


_HTML_STYLE = HTML_STYLE + """
td.case { font-weight: bold; white-space: nowrap; }
td.cell { min-width: 18rem; }
p.summary { margin: 0 0 .5rem; }
p.empty { margin: 0 0 .5rem; color: #6b6b6b; font-style: italic; }
blockquote { margin: .4rem 0; padding-left: .6rem; border-left: 3px solid #8aa1c1; }
cite { display: block; font-size: .85em; color: #4a4a4a; font-style: normal; }
"""


def matrices_html(matrices: list[Matrix], title: str = "Framework matrix") -> str:
    """A self-contained page with a table per theme; all text escaped."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_HTML_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    for matrix in matrices:
        parts.append(f'<section><h2>Theme: {esc(matrix.theme)}</h2><table><thead><tr>')
        parts += [f'<th scope="col">{esc(h)}</th>' for h in _header(matrix)]
        parts.append("</tr></thead><tbody>")
        for row in matrix.rows:
            parts.append(f'<tr><td class="case">{esc(row.case)}</td>')
            parts += [f"<td>{esc(cell_text(v))}</td>" for v in _attribute_cells(row, matrix)]
            for path in matrix.columns:
                cell = row.cells[path]
                parts.append('<td class="cell">')
                if cell.summary:
                    parts.append(f'<p class="summary">{esc(cell.summary)}</p>')
                else:
                    parts.append(f'<p class="empty">{esc(NO_SUMMARY)}</p>')
                for q in cell.quotes:
                    parts.append(f"<blockquote>“{esc(q.text)}”<cite>{esc(q.reference)}</cite></blockquote>")
                parts.append("</td>")
            parts.append("</tr>")
        parts.append("</tbody></table></section>")
    parts.append("</body></html>")
    return "\n".join(parts)
