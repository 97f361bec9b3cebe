"""The diary's own tables: remarks to families, notification preferences and the outbox, how far the
sender has read the audit log, digests sent, acknowledgements, the visit log and the class teacher's
notices to the deputy."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

REMARK_KINDS = ("praise", "concern", "recommendation")
MODES = ("instant", "daily", "weekly", "none")
EVENTS = ("marks", "absences", "remarks", "homework")


class Remark(Base):
    """A teacher's note to a student's family (замечание, похвала, рекомендация)."""

    __tablename__ = "diary_remark"
    __table_args__ = (
        Index("ix_diary_remark_student_day", "student_id", "day"),
        Index("ix_diary_remark_class_day", "class_id", "day"),
        Index("ix_diary_remark_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    # The class the student was in when it was written: the class teacher's lists filter by it.
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("core_subject.id"))
    kind: Mapped[str] = mapped_column(String(20))  # praise | concern | recommendation
    text: Mapped[str] = mapped_column(Text)
    day: Mapped[date] = mapped_column(Date)  # the school's local date it appears under in the week
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationPreference(Base):
    """How a guardian wants to hear about events: at once, in a daily or weekly digest, or not at all."""

    __tablename__ = "diary_notification_preference"

    guardian_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10), default="none")
    marks: Mapped[bool] = mapped_column(default=True)
    absences: Mapped[bool] = mapped_column(default=True)
    remarks: Mapped[bool] = mapped_column(default=True)
    homework: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Digest(Base):
    """One digest e-mail of a guardian for one period: the row is the promise never to send it twice."""

    __tablename__ = "diary_digest"
    __table_args__ = (UniqueConstraint("recipient_id", "period", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    period: Mapped[str] = mapped_column(String(10))  # daily | weekly
    period_start: Mapped[date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="sending")  # sending | sent | failed
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """The outbox: one row per recipient and event, created in the transaction of the event itself.

    ``key`` is unique, so an event reported twice is queued once; ``status`` moves pending → sending →
    sent (or failed) with a commit before and after the SMTP conversation, so a restart never sends a
    row twice: a row left in "sending" by a crash is given up, not resent.
    """

    __tablename__ = "diary_notification"
    __table_args__ = (
        Index("ix_diary_notification_status_delivery", "status", "delivery"),
        Index("ix_diary_notification_recipient", "recipient_id", "created_at"),
        Index("ix_diary_notification_school_status", "school_id", "status", "delivery"),  # a school's digests
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    # A guardian; for the class teacher's notices, the deputy.
    recipient_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    event: Mapped[str] = mapped_column(String(20))  # mark | absence | remark | homework | letter | notice
    key: Mapped[str] = mapped_column(String(150), unique=True)
    delivery: Mapped[str] = mapped_column(String(10))  # instant | daily | weekly
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | failed
    claim: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("diary_digest.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxCursor(Base):
    """How far the sender has read a school's audit log for marks and roll calls (``plugins.diary.events``):
    every audit entry up to ``settled_id`` is expanded; the ones above it are expanded only when recorded
    in ``OutboxSeen``. One row per school, locked by the sender that works for the school."""

    __tablename__ = "diary_outbox_cursor"

    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), primary_key=True)
    settled_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxSeen(Base):
    """An audit entry above the school's settled mark that the sender has already expanded: entries there
    may still arrive out of id order (PostgreSQL), so they are re-read and these rows keep them single.
    Deleted once the settled mark passes them."""

    __tablename__ = "diary_outbox_seen"

    audit_id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)


class Acknowledgement(Base):
    """A guardian confirmed having seen a week of the diary (``week_start``) or one remark."""

    __tablename__ = "diary_acknowledgement"
    __table_args__ = (
        UniqueConstraint("guardian_id", "student_id", "week_start"),
        UniqueConstraint("guardian_id", "remark_id"),
        Index("ix_diary_acknowledgement_student_week", "student_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    week_start: Mapped[date | None] = mapped_column(Date)
    remark_id: Mapped[int | None] = mapped_column(ForeignKey("diary_remark.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Visit(Base):
    """A day on which a guardian or a student opened a student's diary: one row per viewer, student and
    school day (``plugins.diary.visits``: written once a day, not on every view; purged after
    ``visit_retention_days``). ``visited_at`` and ``page`` are the first opening of that day."""

    __tablename__ = "diary_visit"
    __table_args__ = (
        UniqueConstraint("viewer_id", "student_id", "day"),
        Index("ix_diary_visit_viewer_at", "viewer_id", "visited_at"),
        Index("ix_diary_visit_student_at", "student_id", "visited_at"),
        Index("ix_diary_visit_day", "day"),
        Index("ix_diary_visit_school_at", "school_id", "visited_at"),  # a school's diary use in a period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    viewer_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    viewer_role: Mapped[str] = mapped_column(String(10))  # guardian | student
    page: Mapped[str] = mapped_column(String(20))  # week | marks | remarks | api
    day: Mapped[date] = mapped_column(Date)  # the school's local date of the visit
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeputyNotice(Base):
    """The class teacher tells the deputy that some guardians do not follow the diary (seed 001)."""

    __tablename__ = "diary_deputy_notice"
    __table_args__ = (Index("ix_diary_deputy_notice_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    inactive_days: Mapped[int]
    guardians: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{id, name, children, last}]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
