"""School structure and time: the tenant, its years, terms, holidays, classes, subjects, assignments."""
from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


class School(Base):
    """The tenant: every other row carries `school_id`."""

    __tablename__ = "core_school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    address: Mapped[str] = mapped_column(String(500), default="")
    principal_name: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # quarters, trimesters or halves: the default terms of every new academic year of this school;
    # empty (schools made before it existed, the demo) means "as the profile's [school] term_system says".
    term_system: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # "school", or "office": a municipality's education office (the region plugin), a tenant with no
    # classes whose only users are the municipality's coordinators. Code that lists schools for
    # school work (imports, sign-in choosers) skips offices.
    kind: Mapped[str] = mapped_column(String(10), default="school", server_default="school")
    # The school's address in logins and URLs: ``ivanova@school7``, ``/s/school7/login``. Latin letters,
    # digits and hyphens, unique in the deployment (core.tenancy); ``short_name`` is the display name.
    # A school made without one (tests, old code) gets a random free one; `klass school create` asks.
    slug: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: f"s{secrets.token_hex(4)}")
    # Bumped on every change of the school's own settings (core.school_settings): app processes keep the
    # settings in memory and re-read them only when the version read with the session row differs.
    settings_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Replaced by a new random number when a transaction writes data that app processes keep cached
    # for this school's pages (core.content_cache); read with the session row, like the settings version.
    content_token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SchoolSetting(Base):
    """One setting a school's administrator changed (profile default otherwise): key → JSON value."""

    __tablename__ = "core_school_setting"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON)


class AcademicYear(Base):
    __tablename__ = "core_academic_year"
    __table_args__ = (
        UniqueConstraint("school_id", "title"),
        CheckConstraint("starts_on < ends_on", name="year_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    title: Mapped[str] = mapped_column(String(20))  # "2026/2027"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(default=False)

    terms: Mapped[list[Term]] = relationship(back_populates="year", order_by="Term.number")


class Term(Base):
    """A grading period: quarter, trimester or half, as the profile's term system says."""

    __tablename__ = "core_term"
    __table_args__ = (
        UniqueConstraint("year_id", "number"),
        CheckConstraint("starts_on <= ends_on", name="term_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("core_academic_year.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(50))  # "1 четверть"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # After this day final marks of the term are locked for teachers (the deputy may still change them).
    closes_on: Mapped[date] = mapped_column(Date)

    year: Mapped[AcademicYear] = relationship(back_populates="terms")

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Holiday(Base):
    __tablename__ = "core_holiday"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="holiday_dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("core_academic_year.id"))
    title: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class SchoolClass(Base):
    """A class of one academic year: grade level + letter, e.g. 5 «А»."""

    __tablename__ = "core_school_class"
    __table_args__ = (
        UniqueConstraint("year_id", "grade_level", "letter"),
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("core_academic_year.id"))
    grade_level: Mapped[int]
    letter: Mapped[str] = mapped_column(String(4))
    class_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    @property
    def name(self) -> str:
        return f"{self.grade_level}{self.letter}"


class Subject(Base):
    __tablename__ = "core_subject"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50), default="")


class Subgroup(Base):
    """Part of a class taught separately in a subject (English group 1, PE boys...)."""

    __tablename__ = "core_subgroup"
    __table_args__ = (UniqueConstraint("class_id", "subject_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("core_subject.id"))
    name: Mapped[str] = mapped_column(String(100))


class SubgroupMember(Base):
    __tablename__ = "core_subgroup_member"

    subgroup_id: Mapped[int] = mapped_column(ForeignKey("core_subgroup.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True, index=True)


class TeachingAssignment(Base):
    """Who teaches what to whom (нагрузка): teacher, subject, class or one of its subgroups."""

    __tablename__ = "core_teaching_assignment"
    __table_args__ = (
        UniqueConstraint("teacher_id", "subject_id", "class_id", "subgroup_id"),
        Index("ix_core_teaching_assignment_class_subject", "class_id", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("core_subject.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("core_subgroup.id"))
    hours_per_week: Mapped[float] = mapped_column(default=1.0)


class ClassMembership(Base):
    """A student belongs to a class from `starts_on` until `ends_on` (open while still there).

    Transfers close one membership and open another, so the old class's journal keeps its history.
    """

    __tablename__ = "core_class_membership"
    __table_args__ = (
        Index("ix_core_class_membership_class", "class_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR starts_on <= ends_on", name="membership_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    @hybrid_method
    def active_between(self, start: date, end: date) -> bool:
        """Was the student in the class on at least one day of ``start``..``end`` (both included)?

        On a row it answers in Python; on the class it is an SQL condition for ``where``, and either
        bound may be a column (``ClassMembership.active_between(Lesson.date, Lesson.date)``).
        A membership with no ``ends_on`` is still open.
        """
        return self.starts_on <= end and (self.ends_on is None or self.ends_on >= start)

    @active_between.expression
    def active_between(cls, start: Any, end: Any) -> ColumnElement[bool]:  # noqa: N805
        return and_(cls.starts_on <= end, or_(cls.ends_on.is_(None), cls.ends_on >= start))

    @hybrid_method
    def active_on(self, day: date) -> bool:
        """Was the student in the class on ``day``? (Python on a row, SQL on the class.)"""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @active_on.expression
    def active_on(cls, day: Any) -> ColumnElement[bool]:  # noqa: N805
        return cls.active_between(day, day)
