"""The timetable's tables: bell schedules, timetable versions and their weekly entries, lesson changes
(substitutions, moves, cancellations) and the test calendar (график контрольных работ)."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class BellSchedule(Base):
    """The bells of one shift (1st shift, 2nd shift, a shortened day); classes are attached to one."""

    __tablename__ = "timetable_bell_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    shift: Mapped[int] = mapped_column(default=1)
    # The schedule of every class not attached to another one.
    is_default: Mapped[bool] = mapped_column(default=False)


class Bell(Base):
    """Lesson ``number`` of a bell schedule starts and ends at these local times."""

    __tablename__ = "timetable_bell"
    __table_args__ = (
        UniqueConstraint("schedule_id", "number"),
        CheckConstraint("starts_at < ends_at", name="bell_times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("timetable_bell_schedule.id", ondelete="CASCADE"))
    number: Mapped[int]
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class ClassBells(Base):
    """Which bell schedule (shift) a class follows when it is not the school's default."""

    __tablename__ = "timetable_class_bells"

    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("timetable_bell_schedule.id", ondelete="CASCADE"))


class TimetableVersion(Base):
    """A weekly timetable valid from one date to another; a new one starts when the timetable changes."""

    __tablename__ = "timetable_version"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_to", name="version_dates"),
        Index("ix_timetable_version_school_dates", "school_id", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("core_academic_year.id"))
    title: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TimetableEntry(Base):
    """One weekly lesson: a class (or one of its subgroups) has a subject with a teacher in a room at
    lesson ``number`` on ``weekday`` (0 = Monday)."""

    __tablename__ = "timetable_entry"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 5", name="entry_weekday"),
        CheckConstraint("number BETWEEN 0 AND 12", name="entry_number"),
        Index("ix_timetable_entry_version_slot", "version_id", "weekday", "number"),
        Index("ix_timetable_entry_version_class", "version_id", "class_id"),
        Index("ix_timetable_entry_version_teacher", "version_id", "teacher_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("timetable_version.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("core_subgroup.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    weekday: Mapped[int]
    number: Mapped[int]
    room: Mapped[str] = mapped_column(String(50), default="")


class LessonChange(Base):
    """A substitution, move or cancellation of one lesson, with who decided it, when and why.

    The original slot (class, subject, teacher, date, number) is kept here, so regenerating lessons from
    the timetable never brings back a cancelled or moved lesson, and families see what changed.
    """

    __tablename__ = "timetable_lesson_change"
    __table_args__ = (
        Index("ix_timetable_lesson_change_class_date", "class_id", "date"),
        Index("ix_timetable_lesson_change_class_new_date", "class_id", "new_date"),
        Index("ix_timetable_lesson_change_new_teacher", "new_teacher_id", "date"),
        Index("ix_timetable_lesson_change_lesson", "lesson_id"),
        Index("ix_timetable_lesson_change_school_date", "school_id", "date"),  # a school's day or week
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # substitution | move | cancel
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="SET NULL"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("core_subgroup.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))  # the lesson's teacher before
    date: Mapped[date] = mapped_column(Date)  # the lesson's date before
    number: Mapped[int]  # the lesson's number before
    new_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))  # substitution
    new_date: Mapped[date | None] = mapped_column(Date)  # move
    new_number: Mapped[int | None]  # move
    new_room: Mapped[str] = mapped_column(String(50), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Assessment(Base):
    """A planned test (контрольная, проверочная, диктант) of a class or subgroup in a subject on a date."""

    __tablename__ = "timetable_assessment"
    __table_args__ = (Index("ix_timetable_assessment_class_date", "class_id", "date"),
                      Index("ix_timetable_assessment_school_date", "school_id", "date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("core_subgroup.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    term_id: Mapped[int | None] = mapped_column(ForeignKey("core_term.id"))
    date: Mapped[date] = mapped_column(Date)
    number: Mapped[int | None]  # lesson number, when known
    kind: Mapped[str] = mapped_column(String(50), default="test")  # a gradebook work type code
    title: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
