"""Uploaded files, stored once per school by content (a diploma attached to a portfolio entry and to a
forum post is one row), in the database so that a backup holds them and every process sees them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base, UTCDateTime, utcnow


class StoredFile(Base):
    __tablename__ = "core_stored_file"
    __table_args__ = (UniqueConstraint("school_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
