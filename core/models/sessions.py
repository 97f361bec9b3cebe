"""Server-side sign-in sessions and leak reports (duty C33).

A browser's cookie carries only a random session key; the row here says whose it is and whether it still
holds. Revoking a row signs that browser out at its next request, whichever app process answers it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class UserSession(Base):
    """One signed-in browser. Only the SHA-256 of its key is stored: a copy of the database opens nothing."""

    __tablename__ = "core_user_session"
    __table_args__ = (
        Index("ix_core_user_session_school_user", "school_id", "user_id"),
        {"sqlite_autoincrement": True},  # ids are never reused: "end session 12" never ends another one
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's session_version when signed in: any later bump (a new slip, a transfer) ends the row too.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str] = mapped_column(String(30), default="")


class LeakReport(Base):
    """"My password has leaked" for an account: when the leak happened (exact to the second, UTC) and who
    said so. The account's password, sessions and tokens end when the report is made."""

    __tablename__ = "core_leak_report"
    __table_args__ = (
        Index("ix_core_leak_report_school_created", "school_id", "created_at"),
        Index("ix_core_leak_report_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    leaked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sessions_revoked: Mapped[int] = mapped_column(default=0)
    tokens_revoked: Mapped[int] = mapped_column(default=0)
    notified: Mapped[int] = mapped_column(default=0)  # e-mails sent
