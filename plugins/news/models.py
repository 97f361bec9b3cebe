"""News items (school-wide or for one class) with a publication window, and read marks: one row per
reader and item, so the author sees who has read it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class NewsItem(Base):
    """``class_id`` None: the whole school. Shown from ``publish_from`` until ``publish_to`` (open-ended when
    None); both are moments (UTC), typed by the author in the school's time zone."""

    __tablename__ = "news_item"
    __table_args__ = (Index("ix_news_item_school_window", "school_id", "publish_from", "publish_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    publish_from: Mapped[datetime] = mapped_column(UTCDateTime())
    publish_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class NewsRead(Base):
    __tablename__ = "news_read"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_news_read"),
                      Index("ix_news_read_school_user", "school_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("news_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
