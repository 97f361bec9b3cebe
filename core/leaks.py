"""Duty C33: "my password has leaked". Who may report for whom, and what a report does at once.

A report locks the door before anything else: the password becomes unusable (a new one only through the
administrator's reset or a new credentials slip from the office), every session and API token of the
account ends, the report is audited, and the account holder and the school's administrators are told.
Undoing what the intruder did is the administrator's revert (the audit page), pre-filled from the report.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.mailer import build_message, send
from core.models import ClassMembership, GuardianLink, LeakReport, RoleGrant, User
from core.permissions import can
from core.service_error import ServiceError
from core.services import classes_led_by
from core.sessions import end_everything

REPORT_ANY = "core.leak.report_any"


def N_(message: str) -> str:  # noqa: N802 - marks a msgid for the extractor; the handler translates it
    return message


# A clock a little ahead on the reporter's computer must not refuse "now".
FUTURE_SLACK = timedelta(minutes=5)


def _class_student_ids(session: Session, class_ids: set[int], today: date) -> set[int]:
    if not class_ids:
        return set()
    return set(session.scalars(select(ClassMembership.student_id).where(
        ClassMembership.class_id.in_(class_ids), ClassMembership.active_on(today))))


def reportable_people(session: Session, reporter: User, today: date) -> list[User]:
    """The reporter and, for a class teacher, the students of her classes today and their guardians."""
    students = _class_student_ids(session, classes_led_by(reporter), today)
    guardians = set(session.scalars(select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(students)))) \
        if students else set()
    ids = {reporter.id} | students | guardians
    return list(session.scalars(select(User).where(User.id.in_(ids), User.school_id == reporter.school_id)
                                .order_by(User.last_name, User.first_name)))


def may_report_for(session: Session, reporter: User, target: User, today: date) -> bool:
    """Own account: anyone. A class's students and their guardians: the class teacher. Anyone in the
    school: whoever holds ``core.leak.report_any`` (the administrator)."""
    if target.school_id != reporter.school_id:
        return False
    if target.id == reporter.id or can(reporter, REPORT_ANY):
        return True
    led = classes_led_by(reporter)
    if not led:
        return False
    students = _class_student_ids(session, led, today)
    if target.id in students:
        return True
    children = set(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == target.id)))
    return bool(children & students)


def report_leak(session: Session, reporter: User, target: User, leaked_at: datetime, now: datetime,
                ip: str | None = None) -> LeakReport:
    """Lock the account now (the caller checked ``may_report_for`` and commits). ``leaked_at`` is the
    moment the leak happened, aware, exact to the second; it may not lie in the future."""
    if leaked_at.tzinfo is None:
        raise ValueError("leaked_at must be aware")
    leaked_at = leaked_at.replace(microsecond=0)
    if leaked_at > now + FUTURE_SLACK:
        raise ServiceError(N_("The moment of the leak cannot be in the future."), field="leaked_at")
    target.password_hash = None  # no password opens the account until the administrator or a new slip
    target.must_change_password = True
    sessions, tokens = end_everything(session, target, "leak")
    report = LeakReport(school_id=target.school_id, user_id=target.id, reported_by_id=reporter.id,
                        leaked_at=leaked_at, created_at=now, sessions_revoked=sessions, tokens_revoked=tokens)
    session.add(report)
    session.flush()
    audit(session, school_id=target.school_id, action="core.user.leak_report", object_type="core.user",
          object_id=target.id, actor_id=reporter.id, ip=ip,
          new={"report": report.id, "leaked_at": leaked_at.isoformat(), "login": target.login,
               "sessions_revoked": sessions, "tokens_revoked": tokens, "password": "unusable"})
    return report


def administrators(session: Session, school_id: int, roles: Iterable[str]) -> list[User]:
    """The people who act on a report (the roles holding the revert permission)."""
    return list(session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.school_id == school_id, RoleGrant.role.in_(list(roles)), User.is_active_account.is_(True))
        .distinct().order_by(User.id)))


def notify(mail: Mapping[str, Any], recipients: Iterable[User], subject: str, body: str) -> int:
    """E-mail each recipient that has an address; a mail failure never undoes the lock. Returns sent."""
    sent = 0
    for person in recipients:
        if not person.email:
            continue
        try:
            send(mail, build_message(mail, [person.email], subject, body))
        except OSError:  # smtplib.SMTPException is an OSError: the report stands, the page still shows it
            continue
        sent += 1
    return sent


def recent_reports(session: Session, user: User, since: datetime, *, all_of_school: bool) -> list[tuple[LeakReport, User]]:
    """Reports for the start page: about the user's own account, or every one of the school."""
    query = (select(LeakReport, User).join(User, User.id == LeakReport.user_id)
             .where(LeakReport.school_id == user.school_id, LeakReport.created_at >= since)
             .order_by(LeakReport.created_at.desc()).limit(20))
    if not all_of_school:
        query = query.where(LeakReport.user_id == user.id)
    return [(r, u) for r, u in session.execute(query).all()]
