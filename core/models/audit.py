"""The audit log: append-only, written through `core.audit.audit()` in the same transaction as the change."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "core_audit_entry"
    __table_args__ = (
        Index("ix_core_audit_entry_school_at", "school_id", "at"),
        Index("ix_core_audit_entry_object", "object_type", "object_id"),
        Index("ix_core_audit_entry_actor_at", "actor_id", "at"),
        # A school's newest entry and entries after it (the print archive's watermark) without reading the
        # school's whole log, nor another school's.
        Index("ix_core_audit_entry_school_id_id", "school_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(100))  # "gradebook.mark.update"
    object_type: Mapped[str] = mapped_column(String(100))  # "gradebook.mark"
    object_id: Mapped[str] = mapped_column(String(100), default="")
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set when the change was declared invalid (a reported credentials leak) and undone.
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_audit_entry.id"))


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):  # type: ignore[no-untyped-def]
    raise PermissionError("the audit log is append-only")


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    changed = {a.key for a in inspect(target).attrs if a.history.has_changes()}
    if changed - {"reverted_by_id"}:
        raise PermissionError("the audit log is append-only")
