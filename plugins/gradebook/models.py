"""The journal's tables: lessons with topic and homework, marks with work types, final marks."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class Lesson(Base):
    """One lesson of a class (or one of its subgroups) in a subject, on a date, at a number in the day."""

    __tablename__ = "gradebook_lesson"
    __table_args__ = (
        Index("ix_gradebook_lesson_class_subject_date", "class_id", "subject_id", "date"),
        Index("ix_gradebook_lesson_teacher_date", "teacher_id", "date"),
        # A school's lessons of a period (attendance monitor, timeliness, reports) in a region's database.
        Index("ix_gradebook_lesson_school_date", "school_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("core_subgroup.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    # The teacher who gives this lesson (a substitute replaces it; see the register_lesson_editors hook).
    teacher_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    date: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(default=1)  # lesson number in the day
    topic: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # The work type of the lesson's control, if the whole class writes one (контрольная, диктант).
    control_work_type: Mapped[str | None] = mapped_column(String(50))
    topic_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every change of the lesson or its homework: a form or API call that names an older
    # version is refused with the newer values (a teacher's stale form never erases the deputy's homework).
    # The services raise it themselves; the ORM names it in every UPDATE (WHERE version = the one read), so
    # two people saving at the same moment cannot both win (StaleDataError: the services' conflict).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Homework(Base):
    __tablename__ = "gradebook_homework"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HomeworkFile(Base):
    """An attachment; kept in the database so every app process and the backups see it."""

    __tablename__ = "gradebook_homework_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    homework_id: Mapped[int] = mapped_column(ForeignKey("gradebook_homework.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Mark(Base):
    """A mark as the teacher wrote it (``value``: "5", "4-", "н/а") with its numeric value for averages."""

    __tablename__ = "gradebook_mark"
    __table_args__ = (
        Index("ix_gradebook_mark_lesson", "lesson_id"),
        Index("ix_gradebook_mark_student_lesson", "student_id", "lesson_id"),
        Index("ix_gradebook_mark_school_lesson", "school_id", "lesson_id"),  # a whole school's marks (reports)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    value: Mapped[str] = mapped_column(String(10))
    numeric: Mapped[float | None]  # None for special codes, which never enter an average
    work_type: Mapped[str] = mapped_column(String(50))
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every change: a save that names an older version is refused, not silently applied.
    # The ORM checks it too (UPDATE ... WHERE version = ?), so a concurrent write can never be lost.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class FinalMark(Base):
    """The final mark of a term (``term_id``) or of the year (``term_id`` None) in a subject."""

    __tablename__ = "gradebook_final_mark"
    __table_args__ = (
        UniqueConstraint("student_id", "subject_id", "class_id", "term_id"),
        # The key above treats NULLs as distinct (SQL's rule on both engines), so it never stops a second
        # year mark (``term_id`` NULL): this partial index does, and a race then ends in the same
        # IntegrityError -> 409 as a term's (plugins.gradebook.finals.set_final_mark).
        Index("uq_gradebook_final_mark_year", "student_id", "subject_id", "class_id", unique=True,
              sqlite_where=text("term_id IS NULL"), postgresql_where=text("term_id IS NULL")),
        Index("ix_gradebook_final_mark_class_subject", "class_id", "subject_id"),
        Index("ix_gradebook_final_mark_school_term", "school_id", "term_id"),  # a whole school's term
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    term_id: Mapped[int | None] = mapped_column(ForeignKey("core_term.id"))
    value: Mapped[str] = mapped_column(String(10))
    numeric: Mapped[float | None]
    forecast: Mapped[float | None]  # the weighted average when the mark was set
    set_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it differs / why changed after lock
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class LessonPlanItem(Base):
    """A line of the calendar-thematic plan (КТП): the N-th lesson's planned topic."""

    __tablename__ = "gradebook_lesson_plan_item"
    __table_args__ = (UniqueConstraint("class_id", "subject_id", "subgroup_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("core_subgroup.id"))
    position: Mapped[int]
    topic: Mapped[str] = mapped_column(String(500))
    hours: Mapped[int] = mapped_column(default=1)
