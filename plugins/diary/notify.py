"""Notifications to families by e-mail: the outbox, instant messages and daily/weekly digests.

Events become rows of ``diary_notification``, one per recipient, with a unique key: an event reported
twice is queued once. Remarks and homework are queued inside the transaction of the event itself; marks
and absences are read by the sender from the save's audit entries (``events``), so a save never pays for
the families' lookups, nor writes anything for them. Sending happens later, in the background (``on_periodic_tick`` and, for instant ones, a job
submitted after the request that queued them), and never twice:

- a row is claimed (status ``sending``, committed) before the SMTP conversation and marked ``sent``
  (committed) after it; a row a crash left in ``sending`` is given up after a while, never resent;
- a digest is a ``diary_digest`` row unique per recipient, period and period start, written and
  committed before its e-mail is sent.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from core.toolkit import GuardianLink, Subject, User
from plugins.diary.models import Notification, NotificationPreference
from plugins.gradebook.public import Lesson

# The words of the messages are ``mail_text``; sending them is ``sending``.

log = logging.getLogger("klass.diary")

EVENT_OF_PREFERENCE = {"mark": "marks", "absence": "absences", "remark": "remarks", "homework": "homework"}
STALE_AFTER = timedelta(minutes=30)  # a row "sending" this long was interrupted: give it up, never resend


# --- who hears about what ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    student_id: int
    guardian_id: int
    mode: str


def recipients(session: Session, student_ids: Iterable[int], event: str, settings: Mapping[str, Any]
               ) -> list[Recipient]:
    """Guardians of the students who want to hear about ``event`` and have an e-mail address (one query)."""
    ids = sorted(set(student_ids))
    if not ids:
        return []
    wanted = EVENT_OF_PREFERENCE[event]
    rows = session.execute(
        select(GuardianLink.student_id, User.id, NotificationPreference.mode,
               getattr(NotificationPreference, wanted))
        .join(User, User.id == GuardianLink.guardian_id)
        .outerjoin(NotificationPreference, NotificationPreference.guardian_id == User.id)
        .where(GuardianLink.student_id.in_(ids), User.email != "", User.is_active_account.is_(True))
    ).all()
    out = []
    for student_id, guardian_id, mode, enabled in rows:
        if mode is None:  # no choice made yet: the school's default, every event but homework
            mode, enabled = settings["default_mode"], wanted != "homework"
        if mode != "none" and enabled:
            out.append(Recipient(student_id, guardian_id, mode))
    return out


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue rows; a key already queued is skipped without disturbing the caller's transaction."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    else:  # other engines: look the keys up first
        taken = set(session.scalars(select(Notification.key).where(Notification.key.in_([r["key"] for r in rows]))))
        rows = [r for r in rows if r["key"] not in taken]
        if rows:
            session.execute(insert(Notification), rows)
        return
    session.execute(dialect_insert(Notification).on_conflict_do_nothing(index_elements=["key"]), rows)


def queue(session: Session, school_id: int, event: str, recipients_: Iterable[Recipient], key: str,
          payload: Mapping[str, Any]) -> int:
    """Queue one event for its recipients; ``key`` identifies the event (the recipient is appended)."""
    rows = [{"school_id": school_id, "recipient_id": r.guardian_id, "student_id": r.student_id, "event": event,
             "key": f"{key}:{r.guardian_id}", "delivery": r.mode, "payload": dict(payload),
             "status": "pending", "attempts": 0, "error": "", "created_at": datetime.now(UTC)}
            for r in recipients_]
    _insert_ignoring_duplicates(session, rows)
    if rows:
        _arm(session, school_id)
    return len(rows)


def queue_direct(session: Session, school_id: int, recipient_id: int, event: str, key: str,
                 payload: Mapping[str, Any], student_id: int | None = None) -> None:
    """Queue one instant message to one person (letters to families, notices to the deputy)."""
    _insert_ignoring_duplicates(session, [{
        "school_id": school_id, "recipient_id": recipient_id, "student_id": student_id, "event": event,
        "key": key, "delivery": "instant", "payload": dict(payload), "status": "pending", "attempts": 0,
        "error": "", "created_at": datetime.now(UTC)}])
    _arm(session, school_id)


def _arm(session: Session, school_id: int) -> None:
    """Remember that this session queued messages; once it commits, the request's end wakes the sender
    (``views.wake_after_request``) so that "instant" means seconds, not the next periodic tick."""
    session.info["diary_queued"] = True
    session.info["diary_school_id"] = school_id
    if not session.info.get("diary_listening"):
        session.info["diary_listening"] = True
        event.listen(session, "after_commit", _committed)


def _committed(session: Session) -> None:
    if session.info.pop("diary_queued", False):
        session.info["diary_committed"] = True


# --- events -------------------------------------------------------------------------------------------

def _lesson_facts(session: Session, lesson_id: int) -> tuple[date, int, str] | None:
    row = session.execute(select(Lesson.date, Lesson.number, Subject.name)
                          .join(Subject, Subject.id == Lesson.subject_id).where(Lesson.id == lesson_id)).first()
    return (row[0], row[1], row[2]) if row else None


def _student_name(session: Session, student_id: int) -> str:
    row = session.execute(select(User.last_name, User.first_name).where(User.id == student_id)).first()
    return f"{row[0]} {row[1]}" if row else ""


def homework_saved(session: Session, lesson: Any, homework: Any, settings: Mapping[str, Any]) -> int:
    """Homework was set for a lesson (the gradebook's ``on_homework_saved``): tell its students' families."""
    from core.toolkit import ClassMembership, SubgroupMember

    if lesson.subgroup_id:
        students = select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == lesson.subgroup_id)
    else:
        students = select(ClassMembership.student_id).where(
            ClassMembership.class_id == lesson.class_id, ClassMembership.active_on(lesson.date))
    ids = list(session.scalars(students))
    if homework.id is None:
        session.flush()
    subject = session.scalar(select(Subject.name).where(Subject.id == lesson.subject_id)) or ""
    payload = {"subject": subject, "date": lesson.date.isoformat(), "text": homework.text or "",
               "due": homework.due_date.isoformat() if homework.due_date else None}
    names = dict(session.execute(select(User.id, User.last_name + " " + User.first_name)
                                 .where(User.id.in_(ids))).all()) if ids else {}
    total = 0
    for r in recipients(session, ids, "homework", settings):
        total += queue(session, lesson.school_id, "homework", [r], f"homework:{homework.id}:s{r.student_id}",
                       {**payload, "student": names.get(r.student_id, ""), "student_id": r.student_id})
    return total


def remark_written(session: Session, remark: Any, author_name: str, subject: str | None,
                   settings: Mapping[str, Any]) -> int:
    payload = {"student": _student_name(session, remark.student_id), "student_id": remark.student_id,
               "kind": remark.kind, "text": remark.text, "author": author_name, "subject": subject,
               "date": remark.day.isoformat()}
    return queue(session, remark.school_id, "remark", recipients(session, [remark.student_id], "remark", settings),
                 f"remark:{remark.id}", payload)
