"""The class events log (duty C14): what the class did or will do, where, who took part, with what
result. Participants are the class's students chosen by the class teacher."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

KINDS = ("excursion", "parents_meeting", "class_hour", "competition", "other")


class ClassEvent(Base):
    __tablename__ = "class_events_event"
    __table_args__ = (Index("ix_class_events_event_school_class_day", "school_id", "class_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[str] = mapped_column(String(5), default="")  # "14:30" at the school, or empty
    place: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ClassEventParticipant(Base):
    __tablename__ = "class_events_participant"
    __table_args__ = (UniqueConstraint("event_id", "student_id", name="uq_class_events_participant"),
                      Index("ix_class_events_participant_school_student", "school_id", "student_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("class_events_event.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
