"""Sending the queued notifications, never twice: a row is claimed (``sending``, committed) before the
SMTP conversation and marked ``sent`` after it; a digest row is unique per recipient and period."""
from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.toolkit import User, may_email, school_zone
from plugins.diary.mail_text import digest_text, instant_text
from plugins.diary.models import Digest, Notification
from plugins.diary.notify import STALE_AFTER

log = logging.getLogger("klass.diary")


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
                 send: Sender, limit: int = 200, school_id: int | None = None) -> DrainResult:
    from core.toolkit import build_message

    result = DrainResult()
    query = select(Notification.id).where(Notification.status == "pending", Notification.delivery == "instant")
    if school_id is not None:
        query = query.where(Notification.school_id == school_id)
    ids = list(session.scalars(query.order_by(Notification.id).limit(limit)))
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
        kind = "information_letter" if row.event == "letter" else "diary_notification"
        if not may_email(session, user.id, kind):  # refused electronic information: paper only
            row.status, row.error = "cancelled", "no consent to electronic information"
            session.commit()
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


def send_digests(session: Session, now: datetime, mail: Mapping[str, Any],
                 settings: Mapping[str, Any], send: Sender, school_id: int | None = None) -> DrainResult:
    """The digests that are due, school by school: each school's day and week begin in its own zone.
    ``school_id``: only that school's (``settings`` are then that school's)."""
    result = DrainResult()
    if school_id is not None:
        schools = [school_id]
    else:
        schools = session.scalars(select(Notification.school_id).where(Notification.status == "pending",
                                                                       Notification.delivery != "instant")
                                  .distinct()).all()
    for one in sorted(schools):
        _school_digests(session, now, one, school_zone(one, session=session), mail, settings, send, result)
    return result


def _school_digests(session: Session, now: datetime, school: int, tz: ZoneInfo, mail: Mapping[str, Any],
                    settings: Mapping[str, Any], send: Sender, result: DrainResult) -> None:
    from core.toolkit import build_message

    for period, start, end, cutoff in digest_slots(now, tz, settings):
        waiting = session.execute(
            select(Notification.recipient_id, func.min(Notification.school_id))
            .where(Notification.school_id == school, Notification.status == "pending",
                   Notification.delivery == period, Notification.created_at < cutoff)
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
            refused = user is not None and not may_email(session, user.id, "digest")
            if not rows or user is None or not user.email or refused:
                for row in rows:
                    row.status = "cancelled" if refused else "failed"
                    row.error = "no consent to electronic information" if refused else "no e-mail address"
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


def drain(session: Session, now: datetime, *, mail: Mapping[str, Any],
          settings: Mapping[str, Any], send: Sender, digests: bool = True,
          school_id: int | None = None) -> DrainResult:
    """Send what is due: every pending instant message, and the digests whose time has come.

    ``session`` is the sender's own: it is committed around every message. ``school_id`` limits the
    instant messages and digests to one school (a request's sender job; the periodic tick, school by
    school, with each school's settings).
    """
    result = DrainResult(given_up=give_up_stale(session, now))
    instant = send_instant(session, now, mail, settings, send, school_id=school_id)
    result.sent, result.failed, result.errors = instant.sent, instant.failed, instant.errors
    if digests:
        grouped = send_digests(session, now, mail, settings, send, school_id=school_id)
        result.sent += grouped.sent
        result.digests = grouped.digests
        result.failed += grouped.failed
        result.errors += grouped.errors
    return result
