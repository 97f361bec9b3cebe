"""Attendance of students at lessons; a row exists only for a student who was not simply present."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


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
    # The class teacher's reason (or accepted note) that made this absence an excused one.
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_reason.id", ondelete="SET NULL"))


class LessonRollCall(Base):
    """That attendance was taken at a lesson (so "nobody absent" differs from "not entered")."""

    __tablename__ = "attendance_roll_call"
    # The attendance monitor's "no roll call yet" anti-join reads one school's roll calls, not the region's.
    __table_args__ = (Index("ix_attendance_roll_call_school_lesson", "school_id", "lesson_id"),)

    lesson_id: Mapped[int] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every save of the lesson's attendance: a roll call opened before someone else's save is
    # refused (409 / a message naming who changed what), never last-writer-wins.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class AbsenceNote(Base):
    """A guardian's note explaining a child's absence (dates, reason, an optional scan), which the class
    teacher accepts or rejects. The scan is kept in the database so every app process and backup has it."""

    __tablename__ = "attendance_note"
    __table_args__ = (
        Index("ix_attendance_note_class_status", "class_id", "status"),
        Index("ix_attendance_note_student", "student_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # a reason kind of the settings: illness, family, order
    text: Mapped[str] = mapped_column(String(1000), default="")
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None]
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, accepted, rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AbsenceReason(Base):
    """The class teacher's reason for a student's absence over a range of days (a certificate, a note,
    an order): absences in the range become excused ones, and absences entered later in it too."""

    __tablename__ = "attendance_reason"
    __table_args__ = (Index("ix_attendance_reason_student", "student_id", "starts_on"),
                      Index("ix_attendance_reason_class", "class_id", "starts_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(5))  # the excused code the absences get
    document: Mapped[str] = mapped_column(String(300), default="")  # "справка № 14 от 12.11"
    note_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_note.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WeekVerification(Base):
    """The class teacher confirmed a week of the class's attendance (who, when, what was still open)."""

    __tablename__ = "attendance_week_check"
    __table_args__ = (UniqueConstraint("class_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    open_issues: Mapped[int] = mapped_column(default=0)  # discrepancies and lessons not entered at the moment
    comment: Mapped[str] = mapped_column(String(500), default="")
