"""Overviews for the office page and the dashboard, and switching off withdrawn students' accounts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.toolkit import GuardianLink, SchoolClass, Subgroup, User, audit, utcnow
from plugins.documents import acquaintance
from plugins.office.models import Consent, MovementRequest
from plugins.office.personal_files import VERIFY_EVERY_DAYS, last_verifications
from plugins.office.rosters import current_class_of, student_ids_of_classes


def class_overview(session: Session, classes: list[SchoolClass], day: date, regulation_id: int | None,
                   now: datetime | None = None, every_days: int = VERIFY_EVERY_DAYS) -> dict[int, dict[str, int]]:
    """Per class: students, accounts not activated, files not verified this month, guardians without a
    consent answer, guardians who have not read the regulation. A fixed handful of queries for any
    number of classes."""
    members = student_ids_of_classes(session, [c.id for c in classes], day)
    out = {c.id: {"students": 0, "not_activated": 0, "unverified": 0, "no_consent": 0, "not_read": 0}
           for c in classes}
    if not members:
        return out
    links = session.execute(select(GuardianLink.student_id, GuardianLink.guardian_id)
                            .where(GuardianLink.student_id.in_(list(members)))).all()
    guardians_of_class: dict[int, set[int]] = {c.id: set() for c in classes}
    for student_id, guardian_id in links:
        guardians_of_class[members[student_id]].add(guardian_id)
    people = set(members) | {g for _s, g in links}
    pending = set(session.scalars(select(User.id).where(
        User.id.in_(list(people)), or_(User.activated_at.is_(None), User.must_change_password.is_(True)))))
    since = (now or utcnow()) - timedelta(days=every_days)
    last = last_verifications(session, members)
    guardian_ids = {g for _s, g in links}
    answered = set(session.scalars(select(Consent.guardian_id).where(
        Consent.guardian_id.in_(list(guardian_ids)), Consent.processing.is_not(None)))) if guardian_ids else set()
    read: set[int] = set()
    if regulation_id is not None and guardian_ids:
        read = set(acquaintance.confirmed_at(session, acquaintance.subject_of("office.regulation", regulation_id),
                                             list(guardian_ids)))
    for student_id, class_id in members.items():
        row = out[class_id]
        row["students"] += 1
        row["not_activated"] += student_id in pending
        row["unverified"] += last.get(student_id) is None or last[student_id] < since
    for class_id, gids in guardians_of_class.items():
        row = out[class_id]
        row["not_activated"] += len(gids & pending)
        row["no_consent"] += len(gids - answered)
        row["not_read"] += len(gids - read) if regulation_id is not None else 0
    return out


def subgroups_of_class_all(session: Session, class_id: int) -> list[Subgroup]:
    return list(session.scalars(select(Subgroup).where(Subgroup.class_id == class_id)
                                .order_by(Subgroup.subject_id, Subgroup.name)))


def disable_withdrawn(session: Session, today: date, school_id: int | None = None) -> int:
    """Disable the accounts of students whose withdrawal date has come and who are in no class.

    Idempotent (decided from the requests and the accounts, not from how often it runs), so the
    core's periodic worker can call it as often as it likes.
    """
    due = session.scalars(select(User).join(MovementRequest, MovementRequest.student_id == User.id).where(
        MovementRequest.kind == "withdraw", MovementRequest.status == "done", MovementRequest.on_date <= today,
        User.is_active_account.is_(True),
        *([User.school_id == school_id] if school_id is not None else []))).unique().all()
    n = 0
    for student in due:
        if current_class_of(session, student.id, today) is not None:
            continue  # admitted again since
        student.is_active_account = False
        student.session_version += 1
        audit(session, school_id=student.school_id, action="office.student.disable", object_type="office.account",
              object_id=student.id, old={"active": True}, new={"active": False}, actor_id=None)
        n += 1
    return n

