"""Background jobs as people see them: what runs, how far it got, what it produced."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class Job(Base):
    __tablename__ = "core_job"
    __table_args__ = (Index("ix_core_job_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    kind: Mapped[str] = mapped_column(String(100))  # "print_archive.journal"
    title: Mapped[str] = mapped_column(String(300))
    handler: Mapped[str] = mapped_column(String(200))  # "plugins.print_archive.jobs:generate"
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued, running, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class PeriodicClaim(Base):
    """"This tick's periodic work of this school (or of this plugin, deployment-wide) is taken."

    Every worker on every host fires the same 5-minute tick; the first to insert the row does the work,
    the others see the primary key taken and move on. A row, not only a lock, because a lock says who is
    working *now*: a worker whose clock fires a second after the first one finished would redo the tick.
    """

    __tablename__ = "core_periodic_claim"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # "school:12", "plugin:diary"
    tick_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    worker: Mapped[str] = mapped_column(String(120), default="")  # host:pid, for the administrator
