"""Making, regenerating and resolving a feed's private address."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import User, audit, utcnow
from plugins.calendar_feeds.models import CalendarFeed


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feeds_of(session: Session, owner: User) -> dict[int, CalendarFeed]:
    """The owner's live feed per student id."""
    rows = session.scalars(select(CalendarFeed).where(
        CalendarFeed.school_id == owner.school_id, CalendarFeed.owner_id == owner.id,
        CalendarFeed.revoked_at.is_(None), CalendarFeed.session_version == owner.session_version))
    return {row.student_id: row for row in rows}


def regenerate(session: Session, owner: User, student_id: int) -> str:
    """A new address for the student's feed; the previous one stops at once. Returns the token (shown once).
    The caller has checked that the student is the owner's (``plugins.diary.public.students_of``)."""
    now = utcnow()
    for row in session.scalars(select(CalendarFeed).where(
            CalendarFeed.owner_id == owner.id, CalendarFeed.student_id == student_id,
            CalendarFeed.revoked_at.is_(None))):
        row.revoked_at = now
    token = secrets.token_urlsafe(32)
    row = CalendarFeed(school_id=owner.school_id, owner_id=owner.id, student_id=student_id,
                       token_hash=_digest(token), session_version=owner.session_version)
    session.add(row)
    session.flush()
    audit(session, school_id=owner.school_id, action="calendar_feeds.feed.regenerate",
          object_type="calendar_feeds.feed", object_id=row.id, new={"student_id": student_id})
    return token


def resolve(session: Session, token: str) -> tuple[User, int] | None:
    """(owner, student id) of a live address; None when unknown, regenerated, or its owner's credentials
    changed since (a leak report, a password change, a reset)."""
    row = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    owner = session.get(User, row.owner_id)
    if owner is None or not owner.is_active or owner.session_version != row.session_version:
        return None
    row.last_used_at = utcnow()
    return owner, row.student_id
