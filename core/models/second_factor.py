"""A staff member's second factor: a TOTP secret (an authenticator app) and one-time recovery codes.

Kept apart from ``core_user`` so that an account without a second factor carries nothing, and the secret
never travels with the user row into templates or API answers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class SecondFactor(Base):
    __tablename__ = "core_second_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    totp_secret: Mapped[str] = mapped_column(String(64))
    # SHA-256 digests of the unused recovery codes; a used code is removed.
    recovery_digests: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The last accepted time step: a code is accepted once, never replayed within its 30 seconds.
    last_step: Mapped[int] = mapped_column(default=0)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
