"""The class events log's rules over a Session: who may keep a class's log, recording and editing an
event (with a version check), participants from the class's students, and the listings the diary, the
class page and the class teacher's report read. Every write is audited."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.toolkit import (
    N_,
    ServiceError,
    User,
    audit,
    can,
    class_students,
    classes_led_by,
    read_rows,
    utcnow,
)
from plugins.class_events.models import KINDS, ClassEvent, ClassEventParticipant

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class EventError(ServiceError):
    """A refused change of the log, shown in Russian."""


class Conflict(EventError):
    status = 409
    code = "conflict"


def may_keep(user: User, class_id: int) -> bool:
    """The class teacher keeps her class's log; the administration may keep any."""
    return can(user, "class_events.edit_any") or (can(user, "class_events.edit") and class_id in classes_led_by(user))


def state(event: ClassEvent, participants: list[int]) -> dict[str, Any]:
    return {"class_id": event.class_id, "kind": event.kind, "title": event.title, "day": event.day.isoformat(),
            "starts_at": event.starts_at, "place": event.place, "result": event.result,
            "participants": sorted(participants), "version": event.version}


def participants_of(session: Session, event_id: int) -> list[int]:
    return list(session.scalars(select(ClassEventParticipant.student_id).where(
        ClassEventParticipant.event_id == event_id)))


def _validate(session: Session, class_id: int, values: dict[str, Any]) -> list[int]:
    if values.get("kind") not in KINDS:
        raise EventError(N_("Choose the kind of event."), field="kind")
    if not (values.get("title") or "").strip():
        raise EventError(N_("Name the event."), field="title")
    if not isinstance(values.get("day"), date):
        raise EventError(N_("Enter the date as DD.MM.YYYY."), field="day")
    if values.get("starts_at") and not TIME.match(values["starts_at"]):
        raise EventError(N_("Enter the time as HH:MM."), field="starts_at")
    chosen = set(values.get("participants") or [])
    if chosen:
        day = values["day"]
        allowed = {s.id for s in class_students(session, class_id, day - timedelta(days=365), day + timedelta(days=365))}
        if not chosen <= allowed:
            raise EventError(N_("Participants are chosen from the class's students."), field="participants")
    return sorted(chosen)


def _apply(event: ClassEvent, values: dict[str, Any]) -> None:
    event.kind, event.title, event.day = values["kind"], values["title"].strip()[:200], values["day"]
    event.starts_at = values.get("starts_at") or ""
    event.place = (values.get("place") or "").strip()[:200]
    event.result = (values.get("result") or "").strip()


def _set_participants(session: Session, event: ClassEvent, ids: list[int]) -> None:
    for row in session.scalars(select(ClassEventParticipant).where(ClassEventParticipant.event_id == event.id)):
        session.delete(row)
    session.flush()
    for sid in ids:
        session.add(ClassEventParticipant(school_id=event.school_id, event_id=event.id, student_id=sid))


def create(session: Session, *, school_id: int, class_id: int, author: User, values: dict[str, Any]) -> ClassEvent:
    ids = _validate(session, class_id, values)
    event = ClassEvent(school_id=school_id, class_id=class_id, author_id=author.id, created_at=utcnow())
    _apply(event, values)
    session.add(event)
    session.flush()
    _set_participants(session, event, ids)
    audit(session, school_id=school_id, action="class_events.event.create", object_type="class_events.event",
          object_id=event.id, new=state(event, ids))
    return event


def update(session: Session, event: ClassEvent, *, version: int | None, values: dict[str, Any]) -> ClassEvent:
    if version is not None and version != event.version:
        raise Conflict(N_("Someone changed this event while you were editing; it is now «%(value)s» on %(day)s. "
                          "Reload the page and make your change again."), value=event.title,
                       day=event.day.strftime("%d.%m.%Y"))
    ids = _validate(session, event.class_id, values)
    old = state(event, participants_of(session, event.id))
    _apply(event, values)
    event.version += 1
    _set_participants(session, event, ids)
    audit(session, school_id=event.school_id, action="class_events.event.edit", object_type="class_events.event",
          object_id=event.id, old=old, new=state(event, ids))
    return event


def delete(session: Session, event: ClassEvent) -> None:
    old = state(event, participants_of(session, event.id))
    audit(session, school_id=event.school_id, action="class_events.event.delete", object_type="class_events.event",
          object_id=event.id, old=old)
    _set_participants(session, event, [])
    session.delete(event)


def between(session: Session, school_id: int, class_id: int, start: date, end: date) -> list[ClassEvent]:
    """The class's events from ``start`` to ``end`` (both included), in order."""
    return list(session.scalars(select(ClassEvent).where(
        ClassEvent.school_id == school_id, ClassEvent.class_id == class_id, ClassEvent.day >= start,
        ClassEvent.day <= end).order_by(ClassEvent.day, ClassEvent.starts_at)))


class WeekEvent(NamedTuple):
    """An event of a class's week as the family's diary shows it, with who of the class takes part."""

    day: date
    starts_at: str | None
    kind: str
    title: str
    place: str | None
    participants: frozenset[int]


def week_of_class(session: Session, school_id: int, class_id: int, start: date, end: date) -> tuple[WeekEvent, ...]:
    """The class's events from ``start`` to ``end`` in order, with their participants, in one statement
    built once. The same for every family of the class: the diary keeps it until the log is written
    (``cached_for_content``), and each family's page marks the events its child takes part in."""
    if not _WEEK:
        _WEEK.append(select(ClassEvent.id, ClassEvent.day, ClassEvent.starts_at, ClassEvent.kind, ClassEvent.title,
                            ClassEvent.place, ClassEventParticipant.student_id)
                     .outerjoin(ClassEventParticipant, ClassEventParticipant.event_id == ClassEvent.id)
                     .where(ClassEvent.school_id == bindparam("school_id"), ClassEvent.class_id == bindparam("class_id"),
                            ClassEvent.day >= bindparam("start", type_=ClassEvent.day.type),
                            ClassEvent.day <= bindparam("end", type_=ClassEvent.day.type))
                     .order_by(ClassEvent.day, ClassEvent.starts_at, ClassEvent.id))
    events: dict[int, tuple[Any, set[int]]] = {}
    for event_id, day, starts_at, kind, title, place, student_id in read_rows(
            session, _WEEK[0], {"school_id": school_id, "class_id": class_id, "start": start, "end": end}):
        if event_id not in events:
            events[event_id] = ((day, starts_at, kind, title, place), set())
        if student_id is not None:
            events[event_id][1].add(student_id)
    return tuple(WeekEvent(*row, frozenset(ids)) for row, ids in events.values())


_WEEK: list[Any] = []


def participant_map(session: Session, event_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in event_ids}
    if event_ids:
        for event_id, student_id in session.execute(select(ClassEventParticipant.event_id,
                                                           ClassEventParticipant.student_id)
                                                    .where(ClassEventParticipant.event_id.in_(event_ids))):
            out[event_id].append(student_id)
    return out
