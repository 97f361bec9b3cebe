"""The support desk's rules as plain functions over a Session: filing, answering, forwarding, closing
(each audited in the same transaction), the screenshot check, and the report figures."""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import ServiceError, User, audit, utcnow, xlsx_workbook
from plugins.support.models import SupportRequest

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class SupportError(ServiceError, ValueError):
    """A refusal the user should read (already translated by the caller's ``_``); the toolkit's
    ``ServiceError``, so one left uncaught gets the core's one answer."""

    def translated(self) -> str:
        return str(self.message)


def sniff_image(data: bytes, max_bytes: int, messages: dict[str, str]) -> str:
    """The real MIME type of an uploaded screenshot, judged by its content (Pillow decodes the header
    and verifies the file), never by its name or the browser's claim. Raises SupportError otherwise."""
    if len(data) > max_bytes:
        raise SupportError(messages["too_big"])
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except Exception as exc:  # Pillow raises many kinds for a non-image or a broken one
        raise SupportError(messages["not_image"]) from exc
    if kind not in IMAGE_FORMATS:
        raise SupportError(messages["not_image"])
    return IMAGE_FORMATS[kind]


def snapshot(req: SupportRequest) -> dict[str, Any]:
    return {"status": req.status, "category": req.category, "assignee_id": req.assignee_id,
            "answer": req.answer, "page": req.page}


def create(session: Session, *, school_id: int, author: User, category: str, page: str, text: str,
           screenshot: bytes | None = None, screenshot_type: str = "") -> SupportRequest:
    req = SupportRequest(school_id=school_id, author_id=author.id, category=category, page=page[:300],
                         text=text, status="new", screenshot=screenshot, screenshot_type=screenshot_type,
                         created_at=utcnow())
    session.add(req)
    session.flush()
    audit(session, school_id=school_id, action="create", object_type="support.request", object_id=req.id,
          new={**snapshot(req), "has_screenshot": bool(screenshot)})
    return req


def answer(session: Session, req: SupportRequest, *, by: User, text: str) -> SupportRequest:
    old = snapshot(req)
    req.answer = text
    req.answered_by_id = by.id
    req.answered_at = utcnow()
    req.status = "answered"
    audit(session, school_id=req.school_id, action="answer", object_type="support.request", object_id=req.id,
          old=old, new=snapshot(req))
    return req


def forward(session: Session, req: SupportRequest, *, to: User) -> SupportRequest:
    old = snapshot(req)
    req.assignee_id = to.id
    req.status = "forwarded"
    audit(session, school_id=req.school_id, action="forward", object_type="support.request", object_id=req.id,
          old=old, new=snapshot(req))
    return req


def close(session: Session, req: SupportRequest) -> SupportRequest:
    old = snapshot(req)
    req.status = "closed"
    req.closed_at = utcnow()
    audit(session, school_id=req.school_id, action="close", object_type="support.request", object_id=req.id,
          old=old, new=snapshot(req))
    return req


def visible_to(user: User, may_handle: bool) -> Callable[[Any], Any]:
    """A WHERE clause: the queue for the handler, own and forwarded requests for anyone else."""
    def where(query: Any) -> Any:
        if may_handle:
            return query
        return query.where((SupportRequest.author_id == user.id) | (SupportRequest.assignee_id == user.id))
    return where


@dataclass(frozen=True)
class CategoryRow:
    category: str
    total: int
    closed: int
    open: int
    median_hours: float | None


def report(session: Session, school_id: int, start: datetime, end: datetime) -> list[CategoryRow]:
    """Requests filed in [start, end) by category, and the median hours from filing to closing of those
    closed: what users struggle with and how long they wait (duty A02)."""
    rows = session.execute(select(SupportRequest.category, SupportRequest.created_at, SupportRequest.closed_at)
                           .where(SupportRequest.school_id == school_id, SupportRequest.created_at >= start,
                                  SupportRequest.created_at < end)).all()
    by: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for category, created, closed in rows:
        by.setdefault(category, []).append((created, closed))
    out = []
    for category, items in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        hours = [(c - s).total_seconds() / 3600 for s, c in items if c is not None]
        out.append(CategoryRow(category, len(items), len(hours), len(items) - len(hours),
                               round(median(hours), 1) if hours else None))
    return out


def report_xlsx(rows: list[CategoryRow], headers: list[str], title: str) -> bytes:
    """The report as XLSX. Every text cell goes through ``write_string``: a category named «=HYPERLINK(...)»
    stays text (XlsxWriter's ``write`` would turn it into a formula)."""
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        sheet.write_string(r, 0, row.category)
        sheet.write_number(r, 1, row.total)
        sheet.write_number(r, 2, row.closed)
        sheet.write_number(r, 3, row.open)
        if row.median_hours is not None:
            sheet.write_number(r, 4, row.median_hours)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 4, 16)
    book.close()
    return buffer.getvalue()
