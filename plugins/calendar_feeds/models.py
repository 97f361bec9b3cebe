"""A feed's private address: only its SHA-256 is kept (the address is shown once, when made). It belongs to
the person who made it and names the student it shows; it ends when regenerated, and with every other
credential of its owner (the ``session_version`` it was made under)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds_feed"
    __table_args__ = (Index("ix_calendar_feeds_feed_school_owner", "school_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
