"""Helpers of the reports tests: school days, and readers of what the pages and files show."""
from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any


def school_days_before(day: date, n: int) -> list[date]:
    """The ``n`` weekdays before ``day`` (oldest first)."""
    out: list[date] = []
    current = day
    while len(out) < n:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            out.append(current)
    return list(reversed(out))


# --- reading what users see ---------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Collects every <section data-table=...>: header texts, body rows and footer rows (cell text + href)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[Any]]] = {}
        self.figures: dict[str, str] = {}
        self._table: str | None = None
        self._part = ""
        self._row: list[dict[str, Any]] | None = None
        self._cell: dict[str, Any] | None = None
        self._figure: str | None = None
        self._in_dd = False
        self._in_dt = False
        self.labels: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = {"head": [], "body": [], "foot": []}
        elif self._table and tag in ("thead", "tbody", "tfoot"):
            self._part = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif self._table and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = {"text": "", "href": None, "cls": a.get("class") or ""}
        elif self._cell is not None and tag == "a":
            self._cell["href"] = a.get("href")
        elif tag == "div" and a.get("data-figure"):
            self._figure = a["data-figure"]
        elif self._figure and tag == "dd":
            self._in_dd = True
            self.figures[self._figure] = ""
        elif self._figure and tag == "dt":
            self._in_dt = True
            self.labels[self._figure] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell["text"] = html.unescape(self._cell["text"]).strip()
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if self._part == "head":
                self.tables[self._table]["head"] = [c["text"] for c in self._row]
            else:
                self.tables[self._table][self._part].append(self._row)
            self._row = None
        elif tag == "section":
            self._table = None
        elif tag == "dd":
            self._in_dd = False
            self._figure = None
        elif tag == "dt":
            self._in_dt = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_dd and self._figure:
            self.figures[self._figure] += data
        if self._in_dt and self._figure:
            self.labels[self._figure] += data


def page_tables(text: str) -> tuple[dict[str, dict[str, list[Any]]], dict[str, str]]:
    """(tables by key, key figures by key); ``page_tables.labels`` keeps the figures' labels of the last page."""
    parser = _Tables()
    parser.feed(text)
    page_tables.labels = {k: html.unescape(v).strip() for k, v in parser.labels.items()}  # type: ignore[attr-defined]
    return parser.tables, {k: html.unescape(v).strip() for k, v in parser.figures.items()}


def same(shown: str, value: Any) -> bool:
    """Does a cell of the page show this spreadsheet value?"""
    from datetime import datetime

    shown = shown.strip()
    if value is None or value == "":
        return shown in ("", "—")
    if isinstance(value, datetime):
        return shown == value.strftime("%d.%m.%Y")
    if isinstance(value, int | float):
        try:
            return abs(float(shown.replace(",", ".")) - float(value)) < 1e-9
        except ValueError:
            return False
    return shown == str(value)


def workbook(content: bytes) -> Any:
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
