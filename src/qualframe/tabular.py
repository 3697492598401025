"""Reading and writing the CSV and XLSX tables that researchers exchange with qualframe.

One reader for every table the tool accepts (cases, codebooks, codings, summaries),
so they all decode Excel's CSV variants and report bad rows the same way.
"""

from __future__ import annotations

import csv
import io
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
