"""The support desk's table: one row per request, with its optional screenshot kept in the database
(a request is small and rare; a file store would be one more thing to back up)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

STATUSES = ("new", "forwarded", "answered", "closed")


class SupportRequest(Base):
    """new → (forwarded ↔ answered)* → closed. ``assignee_id`` is the staff member it was forwarded to."""

    __tablename__ = "support_request"
    __table_args__ = (Index("ix_support_request_school_status", "school_id", "status"),
                      Index("ix_support_request_school_created", "school_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    category: Mapped[str] = mapped_column(String(100))
    page: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="new")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    screenshot_type: Mapped[str] = mapped_column(String(20), default="")
    screenshot: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
