"""Spreadsheet exports that never run what a user typed: one rule for every XLSX and CSV file.

A surname such as ``=HYPERLINK("http://x", "Оценки")`` typed into a form must reach a spreadsheet as the
text it is. Excel, LibreOffice and Google Sheets execute a cell that *begins* with ``=``, ``+``, ``-`` or
``@`` (and a tab or carriage return before them) when it is a formula or a CSV field, so:

* XLSX: ``xlsx_workbook()`` builds an XlsxWriter workbook whose ``write()`` never turns a string into a
  formula, a URL or a number; a string cell is a string whatever its first character.
* CSV: there is no cell type, so ``safe_cell()`` puts an apostrophe before such a field (the OWASP rule);
  ``csv_writer()`` does it for every field of every row.

Numbers stay numbers: only ``str`` values are touched.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to put in a CSV field (or any text-only cell): a string that a spreadsheet would take
    for a formula gets a leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_workbook(target: Any, options: dict[str, Any] | None = None) -> Any:
    """An ``xlsxwriter.Workbook`` on ``target`` (a path or a BytesIO) that writes every string as text.

    Use it for every XLSX export instead of ``xlsxwriter.Workbook``; other options pass through.
    """
    import xlsxwriter

    merged = {"in_memory": True, **(options or {}),
              "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    return xlsxwriter.Workbook(target, merged)


class _SafeWriter:
    """``csv.writer`` whose every field goes through ``safe_cell``."""

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: IO[str], **kwargs: Any) -> _SafeWriter:
    """A CSV writer for exports (same arguments as ``csv.writer``) that writes formula-like text safely."""
    return _SafeWriter(stream, **kwargs)
