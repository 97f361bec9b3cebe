"""Acquaintance (ознакомление): the ONE mechanism by which Klass asks people to read something and records
each person's confirmation and date. Public: the office's regulation on the electronic journal uses it too
(subject ``office.regulation:<id>``), so a school has one register of who read what.

A subject is a short string ``<plugin>.<thing>:<id>``. A request names the people (``request``); a
confirmation may also come without a request (``confirm`` creates the row), for documents addressed to an
open audience such as every guardian."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.toolkit import AuditEntry, User, audit, utcnow
from plugins.documents.models import Acquaintance


def subject_of(kind: str, object_id: int) -> str:
    """``subject_of("office.regulation", 3) == "office.regulation:3"``."""
    return f"{kind}:{int(object_id)}"


def request(session: Session, school_id: int, subject: str, user_ids: list[int], *, by_id: int | None,
            due_on: date | None = None) -> int:
    """Ask these people to read the subject; people already asked keep their row. Returns how many were added."""
    known = set(session.scalars(select(Acquaintance.user_id).where(Acquaintance.school_id == school_id,
                                                                     Acquaintance.subject == subject)))
    valid = set(session.scalars(select(User.id).where(User.school_id == school_id,
                                                      User.id.in_([int(u) for u in user_ids]))))
    added = sorted(valid - known)
    now = utcnow()
    for uid in added:
        session.add(Acquaintance(school_id=school_id, subject=subject, user_id=uid, requested_at=now,
                                 requested_by_id=by_id, due_on=due_on))
    if added:
        audit(session, school_id=school_id, action="documents.acquaintance.request",
              object_type="documents.acquaintance_list", object_id=subject,
              new={"user_ids": added, "due_on": due_on.isoformat() if due_on else None})
    return len(added)


def confirm(session: Session, school_id: int, subject: str, user_id: int) -> bool:
    """The person confirms reading; False when they had already confirmed."""
    row = session.scalar(select(Acquaintance).where(Acquaintance.school_id == school_id,
                                                    Acquaintance.subject == subject,
                                                    Acquaintance.user_id == user_id))
    if row is not None and row.confirmed_at is not None:
        return False
    if row is None:
        row = Acquaintance(school_id=school_id, subject=subject, user_id=user_id)
        session.add(row)
    row.confirmed_at = utcnow()
    session.flush()
    audit(session, school_id=school_id, action="documents.acquaintance.confirm", object_type="documents.acquaintance",
          object_id=row.id, old={"confirmed_at": None, "requested": row.requested_at is not None},
          new={"subject": subject, "user_id": user_id, "confirmed_at": row.confirmed_at.isoformat()})
    return True


def has_confirmed(session: Session, subject: str, user_id: int) -> bool:
    return session.scalar(select(Acquaintance.id).where(Acquaintance.subject == subject,
                                                        Acquaintance.user_id == user_id,
                                                        Acquaintance.confirmed_at.is_not(None))) is not None


def confirmed_at(session: Session, subject: str, user_ids: list[int] | None = None) -> dict[int, datetime]:
    """When each person confirmed the subject (people who did not are absent)."""
    stmt = select(Acquaintance.user_id, Acquaintance.confirmed_at).where(Acquaintance.subject == subject,
                                                                         Acquaintance.confirmed_at.is_not(None))
    if user_ids is not None:
        if not user_ids:
            return {}
        stmt = stmt.where(Acquaintance.user_id.in_(list(user_ids)))
    return dict(session.execute(stmt).all())  # type: ignore[arg-type]


def sheet(session: Session, school_id: int, subject: str) -> list[tuple[User, Acquaintance]]:
    """The acquaintance sheet: every person asked or confirmed, by name."""
    rows = session.execute(select(User, Acquaintance).join(Acquaintance, Acquaintance.user_id == User.id).where(
        Acquaintance.school_id == school_id, Acquaintance.subject == subject)).all()
    return sorted(((u, a) for u, a in rows), key=lambda r: r[0].full_name)


def pending_subjects(session: Session, school_id: int, user_id: int, prefix: str = "") -> list[str]:
    """Subjects the person was asked to read and has not confirmed yet."""
    stmt = select(Acquaintance.subject).where(Acquaintance.school_id == school_id, Acquaintance.user_id == user_id,
                                              Acquaintance.requested_at.is_not(None),
                                              Acquaintance.confirmed_at.is_(None))
    if prefix:
        stmt = stmt.where(Acquaintance.subject.startswith(prefix))
    return list(session.scalars(stmt))


def pending_count(session: Session, school_id: int, user_id: int) -> int:
    return session.scalar(select(func.count(Acquaintance.id)).where(
        Acquaintance.school_id == school_id, Acquaintance.user_id == user_id,
        Acquaintance.requested_at.is_not(None), Acquaintance.confirmed_at.is_(None))) or 0


def due_reminders(session: Session, now: datetime, every_days: int, school_id: int | None = None) -> list[Acquaintance]:
    """Unconfirmed requests not reminded within ``every_days`` (from the rows, never from how often we run);
    marks them reminded so a restart never reminds twice. ``school_id``: that school's only."""
    cutoff = now - timedelta(days=every_days)
    mine = () if school_id is None else (Acquaintance.school_id == school_id,)
    rows = list(session.scalars(select(Acquaintance).where(*mine,
        Acquaintance.requested_at.is_not(None), Acquaintance.confirmed_at.is_(None),
        Acquaintance.requested_at <= cutoff,
        (Acquaintance.reminded_at.is_(None)) | (Acquaintance.reminded_at <= cutoff)).limit(500)))
    for row in rows:
        row.reminded_at = now
    return rows


def revert(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """Undo a confirmation made from a leaked account: the person is asked again (or the row goes)."""
    row = session.get(Acquaintance, int(entry.object_id))
    if row is None or row.school_id != entry.school_id:
        return None
    if row.requested_at is None:
        session.delete(row)
    else:
        row.confirmed_at = None
    return {"confirmed_at": None}


def record_confirmed(session: Session, school_id: int, subject: str, confirmed: dict[int, datetime]) -> None:
    """Bulk-load confirmations made elsewhere (demo data, an import of paper sheets): no audit per row."""
    if confirmed:
        session.execute(insert(Acquaintance), [{"school_id": school_id, "subject": subject, "user_id": uid,
                                                "confirmed_at": at} for uid, at in confirmed.items()])
