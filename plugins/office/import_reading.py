"""Files → rows: the first sheet of an XLSX or XLS workbook, or a CSV in UTF-8 or Windows-1251.

Cells come back as text, except real date cells of a workbook, which stay ``date`` objects: a date typed
in Excel is a date, never a string we would have to guess the format of. Row numbers are the
spreadsheet's own (1-based, empty rows counted), so every problem can be named by the row a person sees.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
Cell = str | date


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is a translated string."""


@dataclass
class Table:
    """The header row's cells and the data rows under it, each with its spreadsheet row number."""

    header_line: int
    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


def _cell(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_file(filename: str, content: bytes) -> list[list[Cell]]:
    """Every row of the first sheet (or of the CSV), empty rows kept so row numbers stay the file's."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_l("The file is larger than 5 MB."))
    if not content:
        raise ImportFileError(_l("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return _read_xls(content)
    if filename.lower().endswith((".xlsx", ".xls")):
        raise ImportFileError(_l("The file is named like a spreadsheet but is not one: save it again from Excel."))
    return _read_csv(content)


def _read_xlsx(content: bytes) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_l("The file cannot be read as an XLSX spreadsheet.")) from exc
    try:
        rows: list[list[Cell]] = []
        for values in book.worksheets[0].iter_rows(values_only=True):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 20:
                break
        return rows
    finally:
        book.close()


def _read_xls(content: bytes) -> list[list[Cell]]:
    """Old Excel files (.xls, BIFF): many school systems still export them; xlrd reads them."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors...
        raise ImportFileError(_l("The file cannot be read as an XLS spreadsheet.")) from exc
    sheet = book.sheet_by_index(0)
    rows: list[list[Cell]] = []
    for r in range(min(sheet.nrows, MAX_ROWS + 20)):
        row: list[Cell] = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).date())
            else:
                row.append(_cell(cell.value))
        rows.append(row)
    return rows


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM) first: Windows-1251 decodes any bytes, so it can only be the fallback."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251")


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return max(";,\t", key=first.count)


def _read_csv(content: bytes) -> list[list[Cell]]:
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(_l("The file is not a CSV, XLSX or XLS spreadsheet."))
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    return [[c.strip() for c in row] for row in reader]


def _text(cell: Cell) -> str:
    return cell.strftime("%d.%m.%Y") if isinstance(cell, date) else cell


def table_of(filename: str, content: bytes, looks_like_header: Any) -> Table:
    """The rows under the header row, which is the first of the first ten rows ``looks_like_header`` accepts."""
    raw = read_file(filename, content)
    for index, row in enumerate(raw[:10]):
        headers = [_text(c).strip() for c in row]
        if looks_like_header(headers):
            data = [(line, cells) for line, cells in enumerate(raw[index + 1:], start=index + 2)
                    if any(_text(c).strip() for c in cells)]
            if not data:
                raise ImportFileError(_l("The file has no rows under the header."))
            if len(data) > MAX_ROWS:
                raise ImportFileError(_l("The file has more than %(n)d rows: split it.", n=MAX_ROWS))
            width = len(headers)
            return Table(index + 1, headers, [(line, (cells + [""] * width)[:width]) for line, cells in data])
    raise ImportFileError(_l("No header row found: the first row must name the columns (download the template)."))
