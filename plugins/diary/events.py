"""Events the families may hear about, queued by the saving request in one INSERT and expanded by the
sender into ``diary_notification`` rows.

Why two steps: a mark or a roll call is saved while the teacher waits; finding the student's guardians,
their choices, the subject and the student's name is three or four statements per event (one per student
of a roll call before). The request now writes one ``diary_event`` row, whatever the number of students,
and the sender (``jobs``: the instant job after the request, the periodic tick) looks up its own work.
Nothing is lost: the row is written in the saving transaction, so it exists exactly when the save does,
and it is deleted in the transaction that queues its notifications (whose unique keys make a second
expansion by a parallel worker harmless).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from core.toolkit import Subject, User
from plugins.diary.models import Event, Notification
from plugins.diary.notify import _arm, queue, recipients
from plugins.gradebook.public import Lesson

FAMILY_FIELDS = ("value", "numeric", "work_type")  # what a family sees of a mark (not the comment)


def _put(session: Session, school_id: int, kind: str, payload: dict[str, Any]) -> None:
    session.execute(insert(Event).values(school_id=school_id, kind=kind, payload=payload))
    _arm(session, school_id)


# --- the request's side: one INSERT at most ------------------------------------------------------------

def mark_saved(session: Session, mark: Any, action: str, old: Mapping[str, Any] | None,
               new: Mapping[str, Any] | None, work_types: Mapping[str, str]) -> bool:
    """A mark was created, changed, deleted or reverted (the gradebook's ``on_mark_saved``): queue it,
    or its withdrawal; an edit of the comment alone is not worth a message (nothing queued)."""
    if action == "deleted" or new is None:
        _put(session, mark.school_id, "mark.withdrawn", {"mark_id": mark.id})
        return True
    if old is not None and all(old.get(k) == new.get(k) for k in FAMILY_FIELDS):
        return False
    _put(session, mark.school_id, "mark", {
        "mark_id": new["id"], "version": new.get("version") or 1, "lesson_id": new["lesson_id"],
        "student_id": new["student_id"], "value": new["value"],
        "work_type": work_types.get(new["work_type"], new["work_type"]), "comment": new.get("comment") or "",
        "old_value": old.get("value") if old is not None else None})
    return True


def attendance_saved(session: Session, lesson: Any, changes: Iterable[Mapping[str, Any]], today: date,
                     settings: Mapping[str, Any], codes: Mapping[str, tuple[str, str]]) -> bool:
    """A lesson's attendance changed for some students (the attendance plugin's
    ``on_attendance_batch_saved``): one event for all of them, or none when nobody is concerned.

    The family hears when a present student is marked absent or late at a recent lesson; a correction
    back to "present" withdraws what is still waiting; a reason added later changes nothing for them.
    """
    announce, withdraw = [], []
    recent = lesson.date >= today - timedelta(days=settings["absence_window_days"])
    for change in changes:
        code, was = (change["new"].get("code") or ""), (change["old"].get("code") or "")
        if not code:
            withdraw.append(change["student_id"])
        elif not was and recent:
            title, kind = codes.get(code, (code, "absent"))
            announce.append({"student_id": change["student_id"], "code": code, "title": title, "kind": kind,
                             "minutes": change["new"].get("minutes_late")})
    if not announce and not withdraw:
        return False
    _put(session, lesson.school_id, "absence", {"lesson_id": lesson.id, "announce": announce, "withdraw": withdraw})
    return True


# --- the sender's side ---------------------------------------------------------------------------------

def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i: f"{last} {first}" for i, last, first in session.execute(
        select(User.id, User.last_name, User.first_name).where(User.id.in_(wanted)))}


def _lesson_facts(session: Session, lesson_id: int) -> tuple[date, int, str] | None:
    row = session.execute(select(Lesson.date, Lesson.number, Subject.name)
                          .join(Subject, Subject.id == Lesson.subject_id).where(Lesson.id == lesson_id)).first()
    return (row[0], row[1], row[2]) if row else None


def _cancel(session: Session, prefixes: list[str]) -> None:
    if prefixes:
        session.execute(update(Notification)
                        .where(or_(*(Notification.key.like(f"{p}:%") for p in prefixes)),
                               Notification.status == "pending").values(status="cancelled"))


def _expand_mark(session: Session, event: Event, settings: Mapping[str, Any]) -> int:
    p = event.payload
    facts = _lesson_facts(session, p["lesson_id"])
    if facts is None:
        return 0
    day, _number, subject = facts
    student_id = p["student_id"]
    payload = {"student": _names(session, [student_id]).get(student_id, ""), "student_id": student_id,
               "subject": subject, "date": day.isoformat(), "value": p["value"], "work_type": p["work_type"],
               "comment": p["comment"], "old_value": p["old_value"]}
    return queue(session, event.school_id, "mark", recipients(session, [student_id], "mark", settings),
                 f"mark:{p['mark_id']}:v{p['version']}", payload)


def _expand_absence(session: Session, event: Event, settings: Mapping[str, Any]) -> int:
    p = event.payload
    lesson_id = p["lesson_id"]
    _cancel(session, [f"absence:{lesson_id}:{sid}" for sid in p["withdraw"]])
    if not p["announce"]:
        return 0
    facts = _lesson_facts(session, lesson_id)
    if facts is None:
        return 0
    day, number, subject = facts
    ids = [a["student_id"] for a in p["announce"]]
    names = _names(session, ids)
    by_student = defaultdict(list)
    for r in recipients(session, ids, "absence", settings):
        by_student[r.student_id].append(r)
    total = 0
    for a in p["announce"]:
        sid = a["student_id"]
        payload = {"student": names.get(sid, ""), "student_id": sid, "subject": subject, "date": day.isoformat(),
                   "number": number, "code": a["code"], "title": a["title"], "kind": a["kind"],
                   "minutes": a["minutes"]}
        total += queue(session, event.school_id, "absence", by_student.get(sid, []),
                       f"absence:{lesson_id}:{sid}:{a['code']}", payload)
    return total


def expand(session: Session, settings: Mapping[str, Any], limit: int = 500, school_id: int | None = None) -> int:
    """Turn queued events into notifications, oldest first (a mark given then deleted is announced, then
    withdrawn); returns how many events were expanded. ``school_id``: only that school's (whose settings
    ``settings`` are). The caller commits."""
    query = select(Event)
    if school_id is not None:
        query = query.where(Event.school_id == school_id)
    # Claimed: two senders at once (the worker's job and another process's) each take other events, so a
    # family is never told twice (PostgreSQL's SKIP LOCKED; SQLite has one writer at a time anyway).
    events = list(session.scalars(query.order_by(Event.id).limit(limit).with_for_update(skip_locked=True)))
    for event in events:
        if event.kind == "mark":
            _expand_mark(session, event, settings)
        elif event.kind == "mark.withdrawn":
            _cancel(session, [f"mark:{event.payload['mark_id']}"])
        elif event.kind == "absence":
            _expand_absence(session, event, settings)
        session.delete(event)
    session.flush()
    return len(events)
