"""Notifications to families by e-mail: the outbox, instant messages and daily/weekly digests.

Events (a new mark, an absence, a remark, homework) become rows of ``diary_notification`` inside the
transaction of the event itself, one per recipient, with a unique key: an event reported twice is
queued once. Sending happens later, in the background (``run_periodic`` and, for instant ones, a job
submitted after the request that queued them), and never twice:

- a row is claimed (status ``sending``, committed) before the SMTP conversation and marked ``sent``
  (committed) after it; a row a crash left in ``sending`` is given up after a while, never resent;
- a digest is a ``diary_digest`` row unique per recipient, period and period start, written and
  committed before its e-mail is sent.
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from core.api import GuardianLink, Subject, User
from plugins.diary.models import Digest, Notification, NotificationPreference
from plugins.gradebook.models import Lesson

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


def mark_saved(session: Session, mark: Any, old: Mapping[str, Any] | None, settings: Mapping[str, Any],
               work_types: Mapping[str, str]) -> int:
    """A mark was given, changed or deleted (the gradebook's ``on_mark_saved``)."""
    state = inspect(mark)
    if state.deleted or state.was_deleted:
        # Deleted: whatever is still waiting about this mark is not sent.
        session.execute(update(Notification)
                        .where(Notification.key.like(f"mark:{mark.id}:%"), Notification.status == "pending")
                        .values(status="cancelled"))
        return 0
    if old is not None and old.get("value") == mark.value and old.get("work_type") == mark.work_type:
        return 0  # only the comment changed: not worth a message
    if mark.id is None:
        session.flush()
    facts = _lesson_facts(session, mark.lesson_id)
    if facts is None:
        return 0
    day, number, subject = facts
    payload = {"student": _student_name(session, mark.student_id), "student_id": mark.student_id,
               "subject": subject, "date": day.isoformat(), "value": mark.value,
               "work_type": work_types.get(mark.work_type, mark.work_type), "comment": mark.comment or "",
               "old_value": (old or {}).get("value")}
    return queue(session, mark.school_id, "mark", recipients(session, [mark.student_id], "mark", settings),
                 f"mark:{mark.id}:v{mark.version or 1}", payload)


def homework_saved(session: Session, lesson: Any, homework: Any, settings: Mapping[str, Any]) -> int:
    """Homework was set for a lesson (the gradebook's ``on_homework_saved``): tell its students' families."""
    from core.api import ClassMembership, SubgroupMember

    if lesson.subgroup_id:
        students = select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == lesson.subgroup_id)
    else:
        students = select(ClassMembership.student_id).where(
            ClassMembership.class_id == lesson.class_id, ClassMembership.starts_on <= lesson.date,
            (ClassMembership.ends_on.is_(None)) | (ClassMembership.ends_on >= lesson.date))
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


def attendance_saved(session: Session, lesson: Any, student_id: int, old: Mapping[str, Any],
                     new: Mapping[str, Any], today: date, settings: Mapping[str, Any],
                     codes: Mapping[str, tuple[str, str]]) -> int:
    """A student's attendance changed (the attendance plugin's ``on_attendance_saved``).

    The family hears when a present student is marked absent or late at a recent lesson; a correction
    back to "present" withdraws what is still waiting; a reason added later changes nothing for them.
    """
    code, was = (new.get("code") or ""), (old.get("code") or "")
    key = f"absence:{lesson.id}:{student_id}"
    if not code:
        session.execute(update(Notification).where(Notification.key.like(f"{key}:%"),
                                                   Notification.status == "pending").values(status="cancelled"))
        return 0
    if was or lesson.date < today - timedelta(days=settings["absence_window_days"]):
        return 0
    subject = session.scalar(select(Subject.name).where(Subject.id == lesson.subject_id)) or ""
    title, kind = codes.get(code, (code, "absent"))
    payload = {"student": _student_name(session, student_id), "student_id": student_id, "subject": subject,
               "date": lesson.date.isoformat(), "number": lesson.number, "code": code, "title": title,
               "kind": kind, "minutes": new.get("minutes_late")}
    return queue(session, lesson.school_id, "absence", recipients(session, [student_id], "absence", settings),
                 f"{key}:{code}", payload)


# --- words ------------------------------------------------------------------------------------------

def _date(iso: str | None) -> str:
    from flask_babel import format_date

    return format_date(date.fromisoformat(iso), "d MMMM") if iso else ""


def line(payload: Mapping[str, Any], event: str) -> str:
    """One line about one event, as a digest lists it."""
    from flask_babel import gettext as _

    p = payload
    if event == "mark":
        text = (_("%(date)s, %(subject)s: the mark %(old)s was changed to %(value)s (%(work_type)s)",
                  date=_date(p["date"]), subject=p["subject"], old=p["old_value"], value=p["value"],
                  work_type=p["work_type"]) if p.get("old_value") else
                _("%(date)s, %(subject)s: mark %(value)s (%(work_type)s)", date=_date(p["date"]),
                  subject=p["subject"], value=p["value"], work_type=p["work_type"]))
        if p.get("comment"):
            text += " — " + _("teacher's comment: %(comment)s", comment=p["comment"])
        return text
    if event == "absence":
        if p.get("kind") == "late" and p.get("minutes"):
            return _("%(date)s, lesson %(number)s (%(subject)s): late by %(minutes)s min",
                     date=_date(p["date"]), number=p["number"], subject=p["subject"], minutes=p["minutes"])
        return _("%(date)s, lesson %(number)s (%(subject)s): %(title)s", date=_date(p["date"]),
                 number=p["number"], subject=p["subject"], title=p["title"])
    if event == "remark":
        return _("%(date)s, %(kind)s from %(author)s: %(text)s", date=_date(p["date"]),
                 kind=remark_kind_title(p["kind"]).lower(), author=p["author"], text=p["text"])
    if event == "homework":
        return _("%(date)s, %(subject)s: homework — %(text)s", date=_date(p["date"]), subject=p["subject"],
                 text=p["text"])
    return str(p.get("text", ""))


def remark_kind_title(kind: str) -> str:
    from flask_babel import gettext as _

    return {"praise": _("Praise"), "concern": _("Remark"), "recommendation": _("Recommendation")}.get(kind, kind)


def _subject(event: str, p: Mapping[str, Any]) -> str:
    from flask_babel import gettext as _

    if event == "mark":
        return _("New mark: %(student)s — %(subject)s, %(value)s", student=p["student"], subject=p["subject"],
                 value=p["value"])
    if event == "absence":
        return _("Attendance: %(student)s — %(subject)s, %(date)s", student=p["student"], subject=p["subject"],
                 date=_date(p["date"]))
    if event == "remark":
        return _("%(kind)s: %(student)s", kind=remark_kind_title(p["kind"]), student=p["student"])
    if event == "homework":
        return _("Homework: %(student)s — %(subject)s", student=p["student"], subject=p["subject"])
    if event == "notice":
        return _("Guardians do not open the diary: class %(class_name)s", class_name=p["class_name"])
    if event == "letter":
        return _("Information letter: %(student)s, %(term)s", student=p["student"], term=p["term"])
    return str(p.get("subject", ""))


def _greeting(user: User) -> str:
    from flask_babel import gettext as _

    name = " ".join(x for x in (user.first_name, user.middle_name) if x)
    return _("Hello, %(name)s!", name=name)


def _footer(site_url: str, student_id: int | None) -> str:
    from flask_babel import gettext as _

    base = site_url.rstrip("/")
    lines = []
    if student_id:
        lines.append(_("The diary: %(url)s", url=f"{base}/diary/{student_id}"))
    lines.append(_("Notification settings: %(url)s", url=f"{base}/diary/notifications"))
    lines.append(_("This message was sent by the school's electronic journal; do not reply to it."))
    return "\n".join(lines)


def instant_text(row: Notification, user: User, site_url: str) -> tuple[str, str]:
    """(subject, body) of one instant message."""
    from flask_babel import gettext as _

    p = row.payload
    if row.event == "notice":
        body = "\n".join([_greeting(user), "", p["text"], "", _footer(site_url, None)])
    elif row.event == "letter":
        body = "\n".join([_greeting(user), "",
                          _("The class teacher sends you the information letter on %(student)s for %(term)s "
                            "(attached as PDF).", student=p["student"], term=p["term"]),
                          "", p.get("note") or "", _footer(site_url, row.student_id)])
    else:
        body = "\n".join([_greeting(user), "", f"{p.get('student', '')}: {line(p, row.event)}", "",
                          _footer(site_url, row.student_id)])
    return _subject(row.event, p), body


def digest_text(rows: list[Notification], user: User, period: str, start: date, end: date,
                site_url: str) -> tuple[str, str]:
    from flask_babel import format_date
    from flask_babel import gettext as _

    if period == "daily":
        subject = _("The diary: events of %(date)s", date=format_date(end, "d MMMM yyyy"))
    else:
        subject = _("The diary: events of the week %(start)s – %(end)s", start=format_date(start, "d MMMM"),
                    end=format_date(end, "d MMMM yyyy"))
    by_student: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        by_student[row.payload.get("student", "")].append(row)
    parts = [_greeting(user), ""]
    for student, items in sorted(by_student.items()):
        parts.append(student)
        parts += [f"  • {line(r.payload, r.event)}" for r in sorted(items, key=lambda r: (r.created_at, r.id))]
        parts.append("")
    parts.append(_footer(site_url, None))
    return subject, "\n".join(parts)


# --- sending -----------------------------------------------------------------------------------------

Sender = Callable[[Mapping[str, Any], Any], Any]


@dataclass
class DrainResult:
    sent: int = 0
    digests: int = 0
    failed: int = 0
    given_up: int = 0
    errors: list[str] = field(default_factory=list)


def _attachments(session: Session, row: Notification) -> list[tuple[str, str, bytes]]:
    if row.event != "letter":
        return []
    from plugins.diary.documents import letter_pdf, settings_from_app

    p = row.payload
    pdf = letter_pdf(session, row.school_id, [p["student_id"]], p["term_id"], p.get("note") or "",
                     settings_from_app(), class_id=p.get("class_id"), today=date.fromisoformat(p["today"]))
    return [(p.get("filename") or "letter.pdf", "application/pdf", pdf)]


def give_up_stale(session: Session, now: datetime) -> int:
    """Rows and digests a crash left in "sending" are marked failed, never resent (no duplicate mail)."""
    cutoff = now - STALE_AFTER
    n = session.execute(update(Notification).where(Notification.status == "sending",
                                                   Notification.claimed_at < cutoff)
                        .values(status="failed", error="interrupted while sending; not resent")).rowcount
    session.execute(update(Digest).where(Digest.status == "sending", Digest.created_at < cutoff)
                    .values(status="failed", error="interrupted while sending; not resent"))
    session.commit()
    return int(n or 0)


def send_instant(session: Session, now: datetime, mail: Mapping[str, Any], settings: Mapping[str, Any],
                 send: Sender, limit: int = 200) -> DrainResult:
    from core.api import build_message

    result = DrainResult()
    ids = list(session.scalars(select(Notification.id)
                               .where(Notification.status == "pending", Notification.delivery == "instant")
                               .order_by(Notification.id).limit(limit)))
    for row_id in ids:
        token = uuid.uuid4().hex
        claimed = session.execute(
            update(Notification).where(Notification.id == row_id, Notification.status == "pending")
            .values(status="sending", claim=token, claimed_at=now, attempts=Notification.attempts + 1)
        ).rowcount
        session.commit()
        if claimed != 1:
            continue  # another worker took it
        row = session.get(Notification, row_id)
        session.refresh(row)
        user = session.get(User, row.recipient_id)
        if user is None or not user.email:
            row.status, row.error = "failed", "no e-mail address"
            session.commit()
            result.failed += 1
            continue
        try:
            subject, body = instant_text(row, user, settings["site_url"])
            message = build_message(mail, [user.email], subject, body, attachments=_attachments(session, row))
            send(mail, message)
        except (smtplib.SMTPException, OSError) as exc:
            row.status = "pending" if row.attempts < settings["max_attempts"] else "failed"
            row.error = f"{type(exc).__name__}: {exc}"[:500]
            session.commit()
            result.failed += 1
            result.errors.append(row.error)
            if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                break  # the server is unreachable: the next tick tries again
            continue
        row.status, row.sent_at = "sent", datetime.now(UTC)
        session.commit()
        result.sent += 1
    return result


def digest_slots(now: datetime, tz: ZoneInfo, settings: Mapping[str, Any]) -> list[tuple[str, date, date, datetime]]:
    """The latest due (period, first day, last day, cutoff moment) for daily and weekly digests."""
    local = now.astimezone(tz)
    hour = settings["digest_hour"]
    today = local.date()
    daily = today if local.hour >= hour else today - timedelta(days=1)
    back = (today.weekday() - settings["weekly_weekday"]) % 7
    weekly = today - timedelta(days=back)
    if back == 0 and local.hour < hour:
        weekly -= timedelta(days=7)

    def cutoff(day: date) -> datetime:
        return datetime.combine(day, time(hour), tz).astimezone(UTC)

    return [("daily", daily, daily, cutoff(daily)), ("weekly", weekly - timedelta(days=6), weekly, cutoff(weekly))]


def send_digests(session: Session, now: datetime, tz: ZoneInfo, mail: Mapping[str, Any],
                 settings: Mapping[str, Any], send: Sender) -> DrainResult:
    from core.api import build_message

    result = DrainResult()
    for period, start, end, cutoff in digest_slots(now, tz, settings):
        waiting = session.execute(
            select(Notification.recipient_id, func.min(Notification.school_id))
            .where(Notification.status == "pending", Notification.delivery == period,
                   Notification.created_at < cutoff)
            .group_by(Notification.recipient_id)).all()
        for recipient_id, school_id in waiting:
            created = _insert_digest(session, school_id, recipient_id, period, end)
            if created is None:
                continue  # this period's digest is already sent (or being sent by another worker)
            digest_id = created
            token = uuid.uuid4().hex
            session.execute(
                update(Notification)
                .where(Notification.recipient_id == recipient_id, Notification.status == "pending",
                       Notification.delivery == period, Notification.created_at < cutoff)
                .values(status="sending", claim=token, claimed_at=now, digest_id=digest_id,
                        attempts=Notification.attempts + 1))
            session.commit()
            rows = list(session.scalars(select(Notification).where(Notification.claim == token)))
            digest = session.get(Digest, digest_id)
            user = session.get(User, recipient_id)
            if not rows or user is None or not user.email:
                for row in rows:
                    row.status, row.error = "failed", "no e-mail address"
                digest.status, digest.items = "failed", len(rows)
                session.commit()
                continue
            try:
                subject, body = digest_text(rows, user, period, start, end, settings["site_url"])
                send(mail, build_message(mail, [user.email], subject, body))
            except (smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                for row in rows:  # back in the queue; the same period is tried again on the next tick
                    row.status = "pending" if row.attempts < settings["max_attempts"] else "failed"
                    row.digest_id, row.error = None, error
                session.delete(digest)
                session.commit()
                result.failed += 1
                result.errors.append(error)
                break
            sent_at = datetime.now(UTC)
            for row in rows:
                row.status, row.sent_at = "sent", sent_at
            digest.status, digest.sent_at, digest.items = "sent", sent_at, len(rows)
            session.commit()
            result.digests += 1
            result.sent += len(rows)
    return result


def _insert_digest(session: Session, school_id: int, recipient_id: int, period: str, period_start: date
                   ) -> int | None:
    """Claim one digest period for one recipient; None when it was claimed before (unique row)."""
    existing = session.scalar(select(Digest.id).where(Digest.recipient_id == recipient_id, Digest.period == period,
                                                      Digest.period_start == period_start))
    if existing is not None:
        return None
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            digest = Digest(school_id=school_id, recipient_id=recipient_id, period=period,
                            period_start=period_start, status="sending", created_at=datetime.now(UTC))
            session.add(digest)
        return digest.id
    except IntegrityError:  # a parallel worker claimed it a moment ago
        return None


def drain(session: Session, now: datetime, *, tz: ZoneInfo, mail: Mapping[str, Any],
          settings: Mapping[str, Any], send: Sender, digests: bool = True) -> DrainResult:
    """Send what is due: every pending instant message, and the digests whose time has come.

    ``session`` is the sender's own: it is committed around every message.
    """
    result = DrainResult(given_up=give_up_stale(session, now))
    instant = send_instant(session, now, mail, settings, send)
    result.sent, result.failed, result.errors = instant.sent, instant.failed, instant.errors
    if digests:
        grouped = send_digests(session, now, tz, mail, settings, send)
        result.sent += grouped.sent
        result.digests = grouped.digests
        result.failed += grouped.failed
        result.errors += grouped.errors
    return result
