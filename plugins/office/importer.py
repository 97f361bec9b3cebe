"""Imports from real spreadsheets: students with guardians, staff, teaching loads.

The pipeline is read (``import_reading``) → map headers to fields (``import_headers``) → check every row
(``import_checks``) → save (``import_saving``). Reading and checking never write; :func:`save` refuses
while any row has a problem, unless the caller names exactly the rows the user chose to skip. The web
pages and ``klass office import`` both go through :func:`preview` and :func:`save`, so they agree.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import SchoolClass
from plugins.office import import_headers
from plugins.office.import_checks import Context, Record, check_rows
from plugins.office.import_reading import ImportFileError, table_of
from plugins.office.import_saving import Saved, save_loads, save_staff, save_students
from plugins.office.transfers import OnMoved

__all__ = ["ImportFileError", "Preview", "RowsHaveProblems", "preview", "save", "template_xlsx"]


class RowsHaveProblems(ValueError):
    """Saving was asked for while rows have problems the user did not choose to skip."""

    def __init__(self, lines: list[int]) -> None:
        super().__init__(lines)
        self.lines = lines


@dataclass
class Preview:
    """What the preview page and the CLI show: the mapping, the ignored columns, every row's problems."""

    kind: str
    headers: list[str]
    mapping: list[str]
    fields: dict[str, str]
    ignored: list[str]
    mapping_problems: list[Any]
    records: list[Record] = field(default_factory=list)

    @property
    def bad(self) -> list[Record]:
        return [r for r in self.records if not r.ok]

    @property
    def bad_lines(self) -> list[int]:
        return [r.line for r in self.bad]

    @property
    def columns(self) -> list[tuple[int, str, str]]:
        """(index, header, field key) of every column, for the mapping table."""
        return [(i, h, self.mapping[i]) for i, h in enumerate(self.headers)]


def parse_mapping(stored: str, width: int) -> list[str] | None:
    """The mapping the user chose (a JSON list kept with the upload), or None to guess it."""
    if not stored:
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(value, list) or len(value) != width or not all(isinstance(v, str) for v in value):
        return None
    return value


def preview(session: Session, school_id: int, kind: str, filename: str, content: bytes, *,
            mapping: list[str] | str | None = None, default_class: SchoolClass | None = None,
            allowed_class_ids: set[int] | None = None) -> Preview:
    """Read the file, map its columns (guessed, or as the user chose) and check every row; writes nothing.

    Raises :class:`ImportFileError` when the file as a whole cannot be read.
    """
    if kind not in import_headers.KINDS:
        raise ImportFileError(f"unknown import kind {kind!r}")
    table = table_of(filename, content, import_headers.looks_like_header(kind))
    chosen = parse_mapping(mapping, len(table.headers)) if isinstance(mapping, str) else mapping
    columns = chosen if chosen is not None else import_headers.guess_mapping(table.headers, kind)
    result = Preview(kind=kind, headers=table.headers, mapping=columns, fields=import_headers.fields_of(kind),
                     ignored=import_headers.ignored_columns(columns, table.headers),
                     mapping_problems=import_headers.mapping_problems(columns, table.headers, kind))
    if result.mapping_problems:
        return result
    rows = [(line, {key: cells[i] for i, key in enumerate(columns) if key}) for line, cells in table.rows]
    ctx = Context(session=session, school_id=school_id, classes=school_classes(session, school_id),
                  default_class=default_class, allowed_class_ids=allowed_class_ids)
    result.records = check_rows(ctx, kind, rows)
    relations = import_headers.slot_relations(table.headers, columns)
    for record in result.records:
        for guardian in record.guardians:
            guardian["relation"] = guardian["relation"] or relations.get(guardian["slot"], "")
    return result


def save(session: Session, school_id: int, result: Preview, *, skip_lines: set[int] | None = None,
         starts_on: date | None = None, on_moved: OnMoved | None = None) -> Saved:
    """Save every row, in the caller's transaction; refuses unless every row with a problem is skipped.

    ``skip_lines`` are the row numbers the user explicitly chose to leave out; a row with a problem that is
    not among them stops everything (:class:`RowsHaveProblems`), so nothing is ever half-saved by accident.
    """
    if result.mapping_problems:
        raise RowsHaveProblems([])
    skip = skip_lines or set()
    unskipped = [line for line in result.bad_lines if line not in skip]
    if unskipped:
        raise RowsHaveProblems(unskipped)
    good = [r for r in result.records if r.ok and r.line not in skip]
    if result.kind == "students":
        return save_students(session, school_id, good, starts_on=starts_on or date.min, on_moved=on_moved)
    if result.kind == "staff":
        return save_staff(session, school_id, good)
    return save_loads(session, school_id, good)


def template_xlsx(kind: str) -> bytes:
    """An empty workbook with the headers this import expects (bold, wide columns), for the user to fill."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = {"students": "Ученики", "staff": "Сотрудники", "loads": "Нагрузка"}[kind]
    sheet.append(import_headers.TEMPLATE_HEADERS[kind])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def school_classes(session: Session, school_id: int) -> dict[tuple[int, str], SchoolClass]:
    from plugins.office.rosters import classes_of_current_year

    return {(c.grade_level, c.letter.upper()): c for c in classes_of_current_year(session, school_id)}


def expire_uploads(session: Session, now: datetime, keep_hours: int = 24) -> int:
    """Forget uploads nobody confirmed within a day: the files hold personal data."""
    from plugins.office.models import ImportBatch

    stale = session.scalars(select(ImportBatch).where(ImportBatch.status == "pending",
                                                      ImportBatch.uploaded_at < now - timedelta(hours=keep_hours))).all()
    for batch in stale:
        batch.status, batch.content = "cancelled", b""
    return len(stale)
