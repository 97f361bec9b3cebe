"""What other plugins may use of the news: the items a person may read now (the Сетевой Город-compatible
API shows them as announcements). The audience rule stays in ``services``; this only exposes it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.toolkit import User, school_today
from plugins.news import services


@dataclass(frozen=True)
class Announcement:
    id: int
    title: str
    body: str
    author_id: int
    published: datetime


def readable_now(session: Session, user: User, moment: datetime, limit: int = 50) -> list[Announcement]:
    """Items published at ``moment`` for the school and for the user's classes, newest first."""
    today = school_today(user.school_id, session=session)
    items = services.current_for(session, user.school_id, services.reader_class_ids(session, user, today), moment,
                                 limit=limit)
    return [Announcement(i.id, i.title, i.body, i.author_id, i.publish_from) for i in items]


__all__ = ["Announcement", "readable_now"]
