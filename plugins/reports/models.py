"""The reports plugin's tables: weekly e-mail subscriptions with their sent periods, and stored runs
shared with colleagues."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class Subscription(Base):
    """A report e-mailed to a user every week on ``weekday`` (0 = Monday) with the stored parameters.

    Dates are not stored: each sending counts its period anew ("the last 14 days" moves with the week).
    """

    __tablename__ = "reports_subscription"
    __table_args__ = (Index("ix_reports_subscription_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    report_key: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    weekday: Mapped[int] = mapped_column(default=0)
    email: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """One sending of a subscription for one period ("2026-W48"): the record that makes sending idempotent."""

    __tablename__ = "reports_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("reports_subscription.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="sent")  # sent, failed
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last attempt, for the back-off
    run_id: Mapped[int | None] = mapped_column(ForeignKey("reports_run.id", ondelete="SET NULL"))


class StoredRun(Base):
    """A report as it was when someone ran it: the snapshot of its tables, kept to share or look back at."""

    __tablename__ = "reports_run"
    __table_args__ = (Index("ix_reports_run_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    report_key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Share(Base):
    """A stored run sent to a colleague: it appears in their "Received reports"."""

    __tablename__ = "reports_share"
    __table_args__ = (Index("ix_reports_share_recipient", "recipient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("reports_run.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed: Mapped[bool] = mapped_column(default=False)
