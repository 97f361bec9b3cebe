"""Undoing class events changes of a leaked account (the core's ``revert_change``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from plugins.class_events.models import ClassEvent, ClassEventParticipant


def revert(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type != "class_events.event":
        return None
    event_id = int(entry.object_id)
    event = session.get(ClassEvent, event_id)
    if entry.action == "class_events.event.create":
        if event is not None:
            session.query(ClassEventParticipant).filter_by(event_id=event_id).delete()
            session.delete(event)
        return {"deleted": event_id}
    old = dict(entry.old or {})
    if event is None:
        event = ClassEvent(id=event_id, school_id=entry.school_id, class_id=old["class_id"],
                           author_id=entry.actor_id or 0)
        session.add(event)
    event.kind, event.title, event.day = old["kind"], old["title"], date.fromisoformat(old["day"])
    event.starts_at, event.place, event.result = old.get("starts_at", ""), old.get("place", ""), old.get("result", "")
    event.version = (event.version or 0) + 1
    session.flush()
    session.query(ClassEventParticipant).filter_by(event_id=event_id).delete()
    for sid in old.get("participants", []):
        session.add(ClassEventParticipant(school_id=entry.school_id, event_id=event_id, student_id=sid))
    return {"restored": event_id}
