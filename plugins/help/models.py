"""The help plugin's one table: who opened which guide when (the class teacher asks whether the
families of her class have read it; duty C09)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class GuideOpen(Base):
    __tablename__ = "help_guide_open"
    __table_args__ = (Index("ix_help_guide_open_school_user", "school_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    guide: Mapped[str] = mapped_column(String(30))
    page: Mapped[str] = mapped_column(String(120), default="")  # the endpoint the «?» was pressed on
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
