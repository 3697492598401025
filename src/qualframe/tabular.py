"""Reading and writing the CSV and XLSX tables that researchers exchange with qualframe.

One reader for every table the tool accepts (cases, codebooks, codings, summaries),
so they all decode Excel's CSV variants and report bad rows the same way.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import InvalidInput

MAX_TABLE_BYTES = 50 * 1024 * 1024


def decode_table_bytes(data: bytes, filename: str) -> str:
    """Text of a CSV as Excel and others write it: UTF-8 (BOM or not), UTF-16, Windows-1252."""
    from .importing.readers import decode_text

    return decode_text(filename, data)[0]


def read_table(path: Path | str) -> tuple[list[str], list[list[Any]]]:
    """The header and data rows of a .csv or .xlsx file (first sheet); blank rows dropped."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path.name}: file not found")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise InvalidInput(f"{path.name}: file is too large for a table (over 50 MB)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    else:
        raise InvalidInput(f"{path.name}: unsupported table type '{suffix}' (use .csv or .xlsx)")
    rows = [row for row in rows if any(_present(cell) for cell in row)]
    if not rows:
        raise InvalidInput(f"{path.name}: the table is empty")
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    header = header[:width]
    data = [list(row[:width]) + [None] * (width - len(row)) for row in rows[1:]]
    return header, data


def _present(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def _read_csv(path: Path) -> list[list[Any]]:
    text = decode_table_bytes(path.read_bytes(), path.name)
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}: not a readable CSV file: {exc}") from None


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook
    from zipfile import BadZipFile

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path.name}: not a readable Excel .xlsx file ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def column_index(header: Sequence[str], filename: str, required: Iterable[str]) -> dict[str, int]:
    """Map lower-cased column names to positions; complain about missing required ones."""
    index = {name.lower(): i for i, name in enumerate(header)}
    missing = [name for name in required if name not in index]
    if missing:
        raise InvalidInput(
            f"{filename}: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(header) or 'none'})"
        )
    return index


def cell_text(value: Any) -> str:
    """A cell as text, the way a researcher typed it (dates as ISO, 3.0 as 3)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def display_value(value: Any) -> Any:
    """A typed attribute as a researcher reads it in a table: yes/no for booleans, blank for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def write_csv(path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV in UTF-8 with a BOM, so Excel opens accented names correctly."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


# --- documents for people: spreadsheets and Word tables ------------------------------

XLSX_CELL_LIMIT = 32_000  # Excel refuses more than 32,767 characters in a cell


@dataclass
class Sheet:
    """A titled table to write as a spreadsheet sheet or a Word table."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[float] | None = None  # column widths in characters


def fit_cell(text: Any) -> Any:
    """Excel's cell limit: cut at a paragraph break and say what was left out."""
    if not isinstance(text, str) or len(text) <= XLSX_CELL_LIMIT:
        return text
    cut = text.rfind("\n\n", 0, XLSX_CELL_LIMIT - 200)
    cut = cut if cut > 0 else XLSX_CELL_LIMIT - 200
    rest = text[cut:].count("\n\n") or 1
    return text[:cut] + f"\n\n[… {rest} more paragraph(s) do not fit in an Excel cell; see the CSV or HTML export]"


def sheet_title(title: str, used: set[str]) -> str:
    """A unique sheet name within Excel's rules (31 characters, no []:*?/\\)."""
    base = re.sub(r"[\\/*?:\[\]]", "-", title)[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def write_xlsx(path: Path | str, sheets: list[Sheet]) -> None:
    """A workbook as researchers paste into papers: bold wrapped header, frozen first row
    and column, text wrapped at the top of each cell, landscape printing."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F0")
    used: set[str] = set()
    for table in sheets:
        sheet = workbook.create_sheet(sheet_title(table.title, used))
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font, cell.alignment, cell.fill = bold, wrap, header_fill
        for row in table.rows:
            sheet.append([fit_cell(value) for value in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                cell.alignment = wrap
            cells[0].font = bold
        for i, width in enumerate(table.widths or [], start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "B2"
        sheet.page_setup.orientation = "landscape"
        sheet.print_title_rows = "1:1"
    workbook.save(path)


def write_docx(path: Path | str, title: str, sheets: list[Sheet], note: str = "") -> None:
    """A Word document in landscape with a heading and a table per sheet."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(title, level=1)
    if note:
        document.add_paragraph(note)
    for table in sheets:
        if len(sheets) > 1:
            document.add_heading(table.title, level=2)
        grid = document.add_table(rows=1, cols=len(table.header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, table.header):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = True
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row):
                cell.text = str(display_value(value))
        for row in grid.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(9)
    document.save(str(path))


HTML_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #b8c0cc; padding: .5rem; vertical-align: top; text-align: left; }
thead th { background: #dde5f0; position: sticky; top: 0; }
"""


def write_html(path: Path | str, title: str, sheets: list[Sheet], note: str = "") -> None:
    """A self-contained page with a table per sheet; all text escaped, line breaks kept."""
    import html

    def cell(value: Any) -> str:
        return html.escape(str(display_value(value))).replace("\n", "<br>")

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{HTML_STYLE} td:first-child {{ font-weight: bold; }}</style></head><body><h1>{html.escape(title)}</h1>",
    ]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    for table in sheets:
        if len(sheets) > 1:
            parts.append(f"<h2>{html.escape(table.title)}</h2>")
        parts.append("<table><thead><tr>" + "".join(f'<th scope="col">{cell(h)}</th>' for h in table.header) + "</tr></thead><tbody>")
        parts += ["<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in table.rows]
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    Path(path).write_text("\n".join(parts), encoding="utf-8")


def export_sheets(path: Path | str, title: str, sheets: list[Sheet], note: str = "") -> list[Path]:
    """Write tables as .xlsx, .docx, .html, or .csv (one file per table when there are several)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent}: folder does not exist")
    if suffix == ".xlsx":
        write_xlsx(path, sheets)
    elif suffix == ".docx":
        write_docx(path, title, sheets, note)
    elif suffix in (".html", ".htm"):
        write_html(path, title, sheets, note)
    elif suffix == ".csv":
        if len(sheets) == 1:
            write_csv(path, sheets[0].header, [[display_value(v) for v in row] for row in sheets[0].rows])
            return [path]
        written = []
        for table in sheets:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", table.title).strip("-").lower() or "table"
            target = path.with_name(f"{path.stem}-{slug}{path.suffix}")
            write_csv(target, table.header, [[display_value(v) for v in row] for row in table.rows])
            written.append(target)
        return written
    else:
        raise InvalidInput(f"{path.name}: unsupported type '{suffix}' (use .xlsx, .docx, .csv or .html)")
    return [path]
