"""What other plugins may use of class events: a class's events between two dates (calendar feeds show
them). Everything else in the plugin is private."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.class_events.models import ClassEvent


def events_between(session: Session, school_id: int, class_id: int, start: date, end: date) -> list[ClassEvent]:
    return list(session.scalars(select(ClassEvent).where(
        ClassEvent.school_id == school_id, ClassEvent.class_id == class_id, ClassEvent.day.between(start, end))
        .order_by(ClassEvent.day, ClassEvent.starts_at, ClassEvent.id)))


__all__ = ["ClassEvent", "events_between"]
