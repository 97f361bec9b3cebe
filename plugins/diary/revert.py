"""Undoing the diary's audited changes when a user's operations after a credentials leak are declared
invalid (the core's ``revert_change`` hook)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.toolkit import User
from plugins.diary.models import Acknowledgement, DeputyNotice, NotificationPreference, Remark

OWNED = {"diary.remark", "diary.acknowledgement", "diary.preferences", "diary.notice"}


def revert(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type not in OWNED:
        return None
    object_id = int(entry.object_id)
    if entry.object_type == "diary.remark":
        if entry.action.endswith(".create"):
            remark = session.get(Remark, object_id)
            if remark is not None:
                session.delete(remark)
            return {"deleted": object_id}
        old = dict(entry.old or {})
        if session.get(Remark, object_id) is None and old:
            session.add(Remark(id=object_id, school_id=entry.school_id, student_id=old["student_id"],
                               class_id=old["class_id"], author_id=old["author_id"], subject_id=old.get("subject_id"),
                               kind=old["kind"], text=old["text"], day=date.fromisoformat(old["day"]),
                               created_at=entry.at or datetime.now(UTC)))
        return {"restored": object_id}
    if entry.object_type == "diary.acknowledgement":
        ack = session.get(Acknowledgement, object_id)
        if ack is not None:
            session.delete(ack)
        return {"deleted": object_id}
    if entry.object_type == "diary.notice":
        notice = session.get(DeputyNotice, object_id)
        if notice is not None:
            session.delete(notice)
        return {"deleted": object_id}
    # diary.preferences: object_id is the guardian
    old = dict(entry.old or {})
    restored: dict[str, Any] = {}
    if "email" in old:
        user = session.get(User, object_id)
        if user is not None:
            user.email = restored["email"] = old.pop("email")
    pref = session.get(NotificationPreference, object_id)
    if pref is not None:
        if (entry.new or {}).get("created"):  # the first choice ever: back to the school's default
            session.delete(pref)
            restored["preferences"] = "default"
        for name, value in old.items():
            setattr(pref, name, value)
            restored[name] = value
    return restored
