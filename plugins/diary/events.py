"""Marks given, changed or deleted and absences at a roll call, read by the sender from the audit log and
turned into ``diary_notification`` rows: the saving request writes nothing for the diary.

Why the audit log: every save of a mark or of attendance already writes its audit entries in the saving
transaction (action, object, the state before and after). A second record of the same change for the
diary (the ``diary_event`` row before) cost the teacher's request a statement; reading the audit costs
it none. The entries carry what a family is told: a mark's full state before and after (with its
version, which keys the message), a student's attendance code before and after, the lesson and the
moment. Recipients, their choices, names and words are looked up here, never in the request.

Nothing lost, nothing doubled. Per school the sender keeps a *settled* mark (``OutboxCursor``): every
entry up to it is expanded. A plain "entries after the last id read" would lose some on PostgreSQL:
an id is handed out when the row is inserted, but transactions commit in their own order, so entry 101
(a quick save) can be visible while entry 100 (a save still running) is not; reading up to 101 and
moving on would skip 100 for ever. So every run re-reads all the entries above the settled mark, skips
those it has expanded (recorded in ``OutboxSeen``, in the transaction that queues their notifications)
and expands the rest; the settled mark moves only past entries written more than ``SETTLE_AFTER`` ago,
and the records below it are forgotten. That rests on one assumption, stated here: a transaction that
writes these audit entries commits (or rolls back) within ``SETTLE_AFTER`` of writing them (requests
end long before; the web server's timeout bounds them). SQLite serialises writers, so there entries
commit in id order, but the same path serves both engines. Two senders of one school never overlap:
each first claims the school's cursor with an UPDATE (a row lock on PostgreSQL, the write lock on SQLite)
held until it commits; and a notification's key is unique besides.

Where a cursor starts: a school the sender has never worked for starts with the entries of the last
``SETTLE_AFTER`` (a new school, or the diary just switched on: older changes are not announced); the
periodic tick forgets the cursor of a school that switched the diary off, so switching it on again
does not announce the months in between.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from core.toolkit import AuditEntry, Subject, User, today_in, utcnow
from plugins.diary.models import Notification, OutboxCursor, OutboxSeen
from plugins.diary.notify import Recipient, queue, recipients
from plugins.gradebook.public import Lesson

FAMILY_FIELDS = ("value", "numeric", "work_type")  # what a family sees of a mark (not the comment)
MARK_ACTIONS = ("gradebook.mark.create", "gradebook.mark.update", "gradebook.mark.delete", "gradebook.mark.revert")
ATTENDANCE_ACTIONS = ("attendance.mark.update", "attendance.mark.excuse", "attendance.mark.revert")
ACTIONS = MARK_ACTIONS + ATTENDANCE_ACTIONS
SETTLE_AFTER = timedelta(minutes=10)  # a saving transaction commits within this of writing its entries


@dataclass(frozen=True)
class Words:
    """The school's settings the sender needs: the diary's, the attendance codes' titles and kinds, and
    the gradebook's work type titles (read under the school's ``working_for``)."""

    diary: Mapping[str, Any]
    codes: Mapping[str, tuple[str, str]]
    work_types: Mapping[str, str]


@dataclass
class Change:
    """What the families may hear of some audit entries: ``mark`` (a mark's state and the value before),
    ``mark.withdrawn`` (its waiting messages cancelled) or ``absence`` (a lesson's students to announce
    and those back to present)."""

    kind: str
    payload: dict[str, Any]
    audit_ids: list[int] = field(default_factory=list)


# --- from audit entries to changes ---------------------------------------------------------------------

def _mark_change(entry: Any, work_types: Mapping[str, str]) -> Change | None:
    """A mark's audit entry as the families see it; None for a comment-only edit (not worth a message)
    and for a change entry written before marks' entries carried their whole state (no version).

    Entries of a save hold the mark's whole state before and after. An undo after a leak
    (``gradebook.mark.revert``, written by the core) holds the state it undid (``old``) and the fields it
    restored (``new``): the mark after it is that state with those fields and the next version; an undone
    deletion brings the row back as it was, at version 1; an undone creation deletes it."""
    old, new = entry.old, entry.new
    if entry.action == "gradebook.mark.delete" or new is None or new.get("deleted"):
        return Change("mark.withdrawn", {"mark_id": int(entry.object_id)})
    if entry.action == "gradebook.mark.revert":
        if old is None:
            new = {**new, "version": 1}
        elif "version" in old:
            new = {**old, **new, "version": old["version"] + 1}
    if "version" not in new or "value" not in new:
        return None
    if old is not None and all(old.get(k) == new.get(k) for k in FAMILY_FIELDS):
        return None
    work_type = new.get("work_type") or ""
    return Change("mark", {
        "mark_id": int(entry.object_id), "version": new.get("version") or 1, "lesson_id": new["lesson_id"],
        "student_id": new["student_id"], "value": new["value"], "work_type": work_types.get(work_type, work_type),
        "comment": new.get("comment") or "", "old_value": old.get("value", new["value"]) if old else None})


def save_day(at: datetime, zone: ZoneInfo) -> date:
    """The school's date when an entry was written, on the school's clock (which a pinned benchmark day
    moves; then the days since the entry are counted back from it)."""
    return today_in(zone) - (utcnow().astimezone(zone).date() - at.astimezone(zone).date())


def changes_of(entries: Sequence[Any], lessons: Mapping[int, tuple[date, int, str]], words: Words,
               zone: ZoneInfo) -> list[Change]:
    """The entries (oldest first) as changes, in their order. A lesson's attendance entries in a row make
    one ``absence`` change (a roll call of 30 is one), started afresh when a student comes up twice (a
    withdrawal must follow the announcement it withdraws). A student newly absent or late at a recent
    lesson (``absence_window_days`` before the day of the save) is announced; one back to present
    withdraws what still waits; a reason or a code changed later tells nobody."""
    out: list[Change] = []
    group: Change | None = None
    for entry in entries:
        if entry.action in MARK_ACTIONS:
            group = None
            change = _mark_change(entry, words.work_types)
            if change is not None:
                change.audit_ids.append(entry.id)
                out.append(change)
            continue
        lesson_id, _, student = entry.object_id.partition(":")
        lesson_id, sid = int(lesson_id), int(student)
        old, new = entry.old or {}, entry.new or {}
        code, was = new.get("code") or "", old.get("code") or ""
        if group is None or group.payload["lesson_id"] != lesson_id or sid in group.payload["students"]:
            group = Change("absence", {"lesson_id": lesson_id, "announce": [], "withdraw": [], "students": set()})
            out.append(group)
        group.audit_ids.append(entry.id)
        group.payload["students"].add(sid)
        facts = lessons.get(lesson_id)
        if not code:
            group.payload["withdraw"].append(sid)
        elif not was and facts is not None and \
                facts[0] >= save_day(entry.at, zone) - timedelta(days=words.diary["absence_window_days"]):
            title, kind = words.codes.get(code, (code, "absent"))
            group.payload["announce"].append({"student_id": sid, "code": code, "title": title, "kind": kind,
                                              "minutes": new.get("minutes_late")})
    for change in out:
        change.payload.pop("students", None)
    return [c for c in out if c.kind != "absence" or c.payload["announce"] or c.payload["withdraw"]]


def _lesson_ids(entries: Iterable[Any]) -> set[int]:
    ids = set()
    for entry in entries:
        if entry.action in ATTENDANCE_ACTIONS:
            ids.add(int(entry.object_id.partition(":")[0]))
        elif entry.new and "lesson_id" in entry.new:
            ids.add(int(entry.new["lesson_id"]))
    return ids


def _lessons(session: Session, ids: Iterable[int]) -> dict[int, tuple[date, int, str]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i: (d, n, s) for i, d, n, s in session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Subject.name)
        .join(Subject, Subject.id == Lesson.subject_id).where(Lesson.id.in_(wanted)))}


def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i: f"{last} {first}" for i, last, first in session.execute(
        select(User.id, User.last_name, User.first_name).where(User.id.in_(wanted)))}


def entries_after(session: Session, school_id: int, after_id: int, limit: int | None = None) -> list[Any]:
    """The school's mark and attendance audit entries above ``after_id`` not expanded yet, oldest first."""
    query = (select(AuditEntry.id, AuditEntry.action, AuditEntry.object_id, AuditEntry.old, AuditEntry.new,
                    AuditEntry.at)
             .where(AuditEntry.school_id == school_id, AuditEntry.id > after_id, AuditEntry.action.in_(ACTIONS),
                    ~exists().where(OutboxSeen.audit_id == AuditEntry.id))
             .order_by(AuditEntry.id))
    return list(session.execute(query if limit is None else query.limit(limit)))


def pending_changes(session: Session, school_id: int, after_id: int, words: Words, zone: ZoneInfo) -> list[Change]:
    """What the sender would tell the families of the entries above ``after_id`` not expanded yet
    (nothing written): the changes a save made, as the diary reads them."""
    entries = entries_after(session, school_id, after_id)
    return changes_of(entries, _lessons(session, _lesson_ids(entries)), words, zone)


# --- from changes to notifications ---------------------------------------------------------------------

def _cancel(session: Session, prefixes: list[str]) -> None:
    if prefixes:
        session.execute(update(Notification)
                        .where(or_(*(Notification.key.like(f"{p}:%") for p in prefixes)),
                               Notification.status == "pending").values(status="cancelled"))


def _queue_changes(session: Session, school_id: int, changes: list[Change],
                   lessons: Mapping[int, tuple[date, int, str]], settings: Mapping[str, Any]) -> None:
    """Queue the changes' notifications in order (a mark given then deleted is announced, then withdrawn),
    with the names and recipients of all of them read at once."""
    marks = [c for c in changes if c.kind == "mark"]
    absent = [a["student_id"] for c in changes if c.kind == "absence" for a in c.payload["announce"]]
    mark_students = [c.payload["student_id"] for c in marks]
    names = _names(session, [*mark_students, *absent])
    hear: dict[str, dict[int, list[Recipient]]] = {"mark": defaultdict(list), "absence": defaultdict(list)}
    for event, ids in (("mark", mark_students), ("absence", absent)):
        for r in recipients(session, ids, event, settings):
            hear[event][r.student_id].append(r)
    for change in changes:
        p = change.payload
        if change.kind == "mark.withdrawn":
            _cancel(session, [f"mark:{p['mark_id']}"])
            continue
        if change.kind == "mark":
            facts = lessons.get(p["lesson_id"])
            if facts is None:
                continue
            sid = p["student_id"]
            queue(session, school_id, "mark", hear["mark"].get(sid, []), f"mark:{p['mark_id']}:v{p['version']}",
                  {"student": names.get(sid, ""), "student_id": sid, "subject": facts[2],
                   "date": facts[0].isoformat(), "value": p["value"], "work_type": p["work_type"],
                   "comment": p["comment"], "old_value": p["old_value"]})
            continue
        lesson_id = p["lesson_id"]
        _cancel(session, [f"absence:{lesson_id}:{sid}" for sid in p["withdraw"]])
        facts = lessons.get(lesson_id)
        for a in p["announce"] if facts is not None else []:
            sid = a["student_id"]
            queue(session, school_id, "absence", hear["absence"].get(sid, []), f"absence:{lesson_id}:{sid}:{a['code']}",
                  {"student": names.get(sid, ""), "student_id": sid, "subject": facts[2],
                   "date": facts[0].isoformat(), "number": facts[1], "code": a["code"], "title": a["title"],
                   "kind": a["kind"], "minutes": a["minutes"]})


# --- the cursor ----------------------------------------------------------------------------------------

def _dialect_insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    return dialect_insert


def _claim(session: Session, school_id: int, now: datetime) -> int:
    """The school's settled mark, its cursor held until the caller commits (one UPDATE; a first run also
    creates the cursor at the entries older than ``SETTLE_AFTER``)."""
    claim = (update(OutboxCursor).where(OutboxCursor.school_id == school_id).values(updated_at=now)
             .returning(OutboxCursor.settled_id).execution_options(synchronize_session=False))
    settled = session.execute(claim).scalar()
    if settled is not None:
        return int(settled)
    start = session.scalar(select(func.max(AuditEntry.id)).where(
        AuditEntry.school_id == school_id, AuditEntry.action.in_(ACTIONS), AuditEntry.at < now - SETTLE_AFTER)) or 0
    session.execute(_dialect_insert(session)(OutboxCursor).values(school_id=school_id, settled_id=start, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["school_id"]))
    return int(session.execute(claim).scalar_one())


def _settle(session: Session, school_id: int, settled: int, upto: int | None, now: datetime) -> None:
    """Move the settled mark past the entries older than ``SETTLE_AFTER`` (all expanded by now, up to
    ``upto`` when this run stopped at its limit) and forget the records below it."""
    query = select(func.max(AuditEntry.id)).where(
        AuditEntry.school_id == school_id, AuditEntry.id > settled, AuditEntry.action.in_(ACTIONS),
        AuditEntry.at < now - SETTLE_AFTER)
    if upto is not None:
        query = query.where(AuditEntry.id <= upto)
    moved = session.scalar(query)
    if moved is None:
        return
    session.execute(delete(OutboxSeen).where(OutboxSeen.school_id == school_id, OutboxSeen.audit_id <= moved)
                    .execution_options(synchronize_session=False))
    session.execute(update(OutboxCursor).where(OutboxCursor.school_id == school_id).values(settled_id=moved)
                    .execution_options(synchronize_session=False))


def forget_cursors(session: Session, keep: Iterable[int]) -> None:
    """Forget the cursors of schools not in ``keep`` (the diary switched off there): switched on again,
    the sender starts from recent entries, not from the day it was switched off."""
    session.execute(delete(OutboxCursor).where(OutboxCursor.school_id.not_in(list(keep)))
                    .execution_options(synchronize_session=False))


def expand(session: Session, school_id: int, words: Words, zone: ZoneInfo, limit: int = 500) -> int:
    """Turn the school's audit entries not expanded yet into notifications, oldest first; returns how many
    entries were read (0: nothing left). The caller commits (which releases the school's cursor)."""
    now = utcnow()
    settled = _claim(session, school_id, now)
    entries = entries_after(session, school_id, settled, limit)
    if entries:
        lessons = _lessons(session, _lesson_ids(entries))
        _queue_changes(session, school_id, changes_of(entries, lessons, words, zone), lessons, words.diary)
        session.execute(_dialect_insert(session)(OutboxSeen).on_conflict_do_nothing(index_elements=["audit_id"]),
                        [{"audit_id": e.id, "school_id": school_id} for e in entries])
    _settle(session, school_id, settled, entries[-1].id if len(entries) == limit else None, now)
    return len(entries)
