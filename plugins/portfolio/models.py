"""The portfolio's tables: a student's entries (moderated by the class teacher), a teacher's entries
(moderated by the deputy), projects with their team and stages, files attached to any of them, and
public links. Every row carries ``school_id`` and every index leads with it; rows edited by people carry a
``version`` checked on save so a stale form never overwrites a newer change."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

LEVELS = ("school", "municipal", "regional", "national", "international")
RESULTS = ("participant", "prize", "winner")
STATUSES = ("draft", "pending", "returned", "confirmed")
TEACHER_KINDS = ("course", "attestation", "methodical", "publication", "open_lesson")
ENTRY_KINDS = ("achievement", "review", "project_mark")


class Entry(Base):
    """A student's portfolio entry. ``pending`` waits for the class teacher, who confirms it or returns it
    with ``comment``; only ``confirmed`` entries count in reports and print."""

    __tablename__ = "portfolio_entry"
    __table_args__ = (Index("ix_portfolio_entry_school_student", "school_id", "student_id", "status"),
                      Index("ix_portfolio_entry_school_status", "school_id", "status", "submitted_at"),
                      Index("ix_portfolio_entry_school_supervisor", "school_id", "supervisor_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    section: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="achievement")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(20), default="school")
    result: Mapped[str] = mapped_column(String(20), default="participant")
    place: Mapped[int | None] = mapped_column(Integer)
    mark: Mapped[str] = mapped_column(String(10), default="")
    happened_on: Mapped[date] = mapped_column(Date)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("core_subject.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TeacherEntry(Base):
    """A teacher's own portfolio entry (course, attestation, methodical work, publication, open lesson);
    the deputy confirms it. A course has ``hours``; an attestation its ``category`` and ``valid_until``."""

    __tablename__ = "portfolio_teacher_entry"
    __table_args__ = (Index("ix_portfolio_teacher_entry_school_teacher", "school_id", "teacher_id", "kind"),
                      Index("ix_portfolio_teacher_entry_school_status", "school_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(50), default="")
    happened_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Project(Base):
    """A project: a team of students from any classes, a supervisor, stages, the defence result."""

    __tablename__ = "portfolio_project"
    __table_args__ = (Index("ix_portfolio_project_school_supervisor", "school_id", "supervisor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    defence_on: Mapped[date | None] = mapped_column(Date)
    defence_result: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ProjectMember(Base):
    __tablename__ = "portfolio_project_member"
    __table_args__ = (Index("ix_portfolio_project_member_school_student", "school_id", "student_id"),
                      Index("ix_portfolio_project_member_school_project", "school_id", "project_id", "student_id",
                            unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("portfolio_project.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    role: Mapped[str] = mapped_column(String(100), default="")


class ProjectStage(Base):
    __tablename__ = "portfolio_project_stage"
    __table_args__ = (Index("ix_portfolio_project_stage_school_project", "school_id", "project_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("portfolio_project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(default=False)


class Attachment(Base):
    """A file of an entry, a teacher entry or a project stage (``owner`` names which): the toolkit's
    ``StoredFile`` id and the name the user gave it."""

    __tablename__ = "portfolio_attachment"
    __table_args__ = (Index("ix_portfolio_attachment_school_owner", "school_id", "owner", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    owner: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("core_stored_file.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublicLink(Base):
    """A link that opens one student's confirmed portfolio without signing in, until ``expires_on`` or
    until it is withdrawn."""

    __tablename__ = "portfolio_public_link"
    __table_args__ = (Index("ix_portfolio_public_link_school_student", "school_id", "student_id"),
                      Index("ix_portfolio_public_link_token", "token", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    token: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
