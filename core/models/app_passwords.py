"""App passwords: a separate, read-only secret for a third-party app (a Сетевой Город client, a calendar).

The Сетевой Город protocol sends ``md5(salt + md5(password))``, so the account's own password (argon2 only)
can never be checked there, and storing its MD5 would weaken it. An app password is random, shown once,
and only what its two uses need is kept: its MD5 (the protocol's challenge) and its SHA-256 (a calendar
app's basic authentication). Random 120-bit secrets make both digests safe to keep.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class AppPassword(Base):
    __tablename__ = "core_app_password"
    __table_args__ = (
        Index("ix_core_app_password_school_user", "school_id", "user_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    name: Mapped[str] = mapped_column(String(100))
    md5_hex: Mapped[str] = mapped_column(String(32))  # md5 of the password (windows-1251 = ASCII here)
    sha256_hex: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_by: Mapped[str] = mapped_column(String(30), default="")  # "netschool" or "calendar"
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The user's session_version when created: a password change, reset, leak report or new slip ends it.
    session_version: Mapped[int] = mapped_column(default=1)
