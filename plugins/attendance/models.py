"""Attendance of students at lessons; a row exists only for a student who was not simply present."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Base, UTCDateTime, utcnow


class AttendanceMark(Base):
    __tablename__ = "attendance_mark"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id"),
        Index("ix_attendance_mark_student_lesson", "student_id", "lesson_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    code: Mapped[str] = mapped_column(String(5))
    minutes_late: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(300), default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LessonRollCall(Base):
    """That attendance was taken at a lesson (so "nobody absent" differs from "not entered")."""

    __tablename__ = "attendance_roll_call"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
