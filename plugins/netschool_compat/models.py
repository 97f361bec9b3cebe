"""Sessions of Сетевой Город apps: the ``at`` header's token (its SHA-256 only), the app password it was
opened with (so revoking that password ends the session at the next request), and the sign-in challenge
it consumed (a recorded ``login`` request cannot be replayed)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class CompatSession(Base):
    __tablename__ = "netschool_compat_session"
    __table_args__ = (Index("ix_netschool_compat_session_school_user", "school_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    app_password_id: Mapped[int] = mapped_column(ForeignKey("core_app_password.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    challenge_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
