"""The rules of keeping and passing reports on: stored runs, sharing with colleagues, weekly subscriptions
and which of them are due. Plain functions over a Session; no Flask."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import Role, RoleGrant, User, school_zone, utcnow
from plugins.reports.models import Delivery, Share, StoredRun, Subscription
from plugins.reports.result import ReportResult

STAFF_ROLES = (Role.admin, Role.principal, Role.deputy, Role.class_teacher, Role.teacher)
MAX_ATTEMPTS = 5  # a failing mail server is retried on later calls, this many times per week,
RETRY_AFTER = timedelta(hours=1)  # and not more often than this


def store_run(session: Session, *, school_id: int, report_key: str, params: dict[str, Any], result: ReportResult,
              user_id: int | None) -> StoredRun:
    """Keep a snapshot of a run: what the colleague receives is what the sender saw, even if marks change."""
    run = StoredRun(school_id=school_id, report_key=report_key, title=result.title[:300], params=params,
                    result=result.to_dict(), created_by=user_id)
    session.add(run)
    session.flush()
    return run


def staff(session: Session, school_id: int, exclude: int | None = None) -> list[User]:
    """Colleagues a report may be sent to: the school's staff (never students or guardians)."""
    query = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .where(User.school_id == school_id, User.is_active_account.is_(True), RoleGrant.role.in_(STAFF_ROLES))
             .distinct().order_by(User.last_name, User.first_name, User.id))
    return [u for u in session.scalars(query) if u.id != exclude]


def share_run(session: Session, run: StoredRun, *, sender_id: int, recipient_ids: Iterable[int],
              message: str = "") -> list[Share]:
    """Share a stored run with colleagues of the same school; other ids are refused with ValueError."""
    wanted = set(recipient_ids)
    allowed = {u.id for u in staff(session, run.school_id)}
    if not wanted or not wanted <= allowed:
        raise ValueError("recipients must be staff of the same school")
    shares = [Share(school_id=run.school_id, run_id=run.id, sender_id=sender_id, recipient_id=r,
                    message=message.strip()[:2000]) for r in sorted(wanted)]
    session.add_all(shares)
    session.flush()
    return shares


@dataclass(frozen=True)
class Received:
    share: Share
    run: StoredRun
    sender: str


def received(session: Session, school_id: int, user_id: int, limit: int = 200) -> list[Received]:
    rows = session.execute(
        select(Share, StoredRun, User.last_name, User.first_name, User.middle_name)
        .join(StoredRun, StoredRun.id == Share.run_id).join(User, User.id == Share.sender_id)
        .where(Share.school_id == school_id, Share.recipient_id == user_id)
        .order_by(Share.created_at.desc(), Share.id.desc()).limit(limit)
    ).all()
    return [Received(share, run, _short(last, first, middle)) for share, run, last, first, middle in rows]


def unread_count(session: Session, school_id: int, user_id: int) -> int:
    return session.scalar(select(func.count(Share.id)).where(
        Share.school_id == school_id, Share.recipient_id == user_id, Share.read_at.is_(None))) or 0


def sent_runs(session: Session, school_id: int, user_id: int, limit: int = 50) -> list[StoredRun]:
    return list(session.scalars(select(StoredRun).where(StoredRun.school_id == school_id,
                                                        StoredRun.created_by == user_id)
                                .order_by(StoredRun.created_at.desc(), StoredRun.id.desc()).limit(limit)))


def visible_run(session: Session, run_id: int, school_id: int, user_id: int) -> StoredRun | None:
    """A stored run its author or one of its recipients may open; None for anyone else (a 404)."""
    run = session.get(StoredRun, run_id)
    if run is None or run.school_id != school_id:
        return None
    if run.created_by == user_id:
        return run
    share = session.scalar(select(Share).where(Share.run_id == run_id, Share.recipient_id == user_id).limit(1))
    if share is None:
        return None
    if share.read_at is None:
        share.read_at = utcnow()
    return run


def _short(last: str, first: str, middle: str) -> str:
    initials = "".join(f" {p[0]}." for p in (first, middle) if p)
    return f"{last}{initials}"


# --- weekly subscriptions -------------------------------------------------------------------------------

def subscribe(session: Session, *, school_id: int, user_id: int, report_key: str, params: dict[str, Any],
              weekday: int, email: str) -> Subscription:
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0..6")
    sub = Subscription(school_id=school_id, user_id=user_id, report_key=report_key, params=params,
                       weekday=weekday, email=email.strip())
    session.add(sub)
    session.flush()
    return sub


def subscriptions_of(session: Session, school_id: int, user_id: int) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.school_id == school_id,
                                                           Subscription.user_id == user_id)
                                .order_by(Subscription.created_at, Subscription.id)))


def period_of(day: date) -> str:
    """The sending period of a weekly subscription: the ISO week of the school's local date."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def due(session: Session, now: datetime, hour: int, school_id: int | None = None) -> list[tuple[Subscription, str, date]]:
    """Active subscriptions whose weekday and hour have come this week (in the school's time zone) and which
    were not yet sent for this week: (subscription, period, local day). A day missed while the server was
    down is caught up later in the same week; never twice. ``school_id``: that school's only (``hour`` is
    then its delivery hour)."""
    out = []
    query = select(Subscription).where(Subscription.active.is_(True))
    if school_id is not None:
        query = query.where(Subscription.school_id == school_id)
    subs = list(session.scalars(query.order_by(Subscription.id)))
    if not subs:
        return out
    deliveries = {(d.subscription_id, d.period): d for d in session.scalars(
        select(Delivery).where(Delivery.subscription_id.in_([s.id for s in subs])))}
    for sub in subs:
        local = now.astimezone(school_zone(sub.school_id, session=session))
        today = local.date()
        if today.weekday() < sub.weekday or (today.weekday() == sub.weekday and local.hour < hour):
            continue
        period = period_of(today)
        done = deliveries.get((sub.id, period))
        if done is not None and (done.status == "sent" or done.attempts >= MAX_ATTEMPTS
                                 or (done.tried_at is not None and now - done.tried_at < RETRY_AFTER)):
            continue
        out.append((sub, period, today))
    return out


def record_delivery(session: Session, sub: Subscription, period: str, *, ok: bool, error: str = "",
                    run_id: int | None = None, now: datetime | None = None) -> Delivery:
    """Write down a sending (or a failed attempt) of a subscription for a period."""
    delivery = session.scalar(select(Delivery).where(Delivery.subscription_id == sub.id, Delivery.period == period))
    if delivery is None:
        delivery = Delivery(school_id=sub.school_id, subscription_id=sub.id, period=period, attempts=0)
        session.add(delivery)
    delivery.attempts += 1
    delivery.tried_at = now or utcnow()
    delivery.status = "sent" if ok else "failed"
    delivery.error = error[:2000]
    delivery.run_id = run_id or delivery.run_id
    if ok:
        delivery.sent_at = delivery.tried_at
    session.flush()
    return delivery


def last_deliveries(session: Session, subscription_ids: list[int]) -> dict[int, Delivery]:
    if not subscription_ids:
        return {}
    out: dict[int, Delivery] = {}
    for d in session.scalars(select(Delivery).where(Delivery.subscription_id.in_(subscription_ids))
                             .order_by(Delivery.id)):
        out[d.subscription_id] = d
    return out
