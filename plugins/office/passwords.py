"""Logins and one-time passwords: issuing them for a class or the staff, and who has not signed in yet."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    GuardianLink,
    Role,
    RoleGrant,
    SchoolClass,
    User,
    audit,
    hash_password,
    one_time_password,
)
from plugins.office.models import CredentialIssue
from plugins.office.rosters import current_students, guardian_links, is_family_only, student_ids_of_classes


@dataclass
class IssuedCredential:
    """One slip: shown once, never stored."""

    user_id: int
    full_name: str
    login: str
    password: str
    role: str  # student | guardian | staff
    class_name: str = ""
    children: list[str] = field(default_factory=list)


def set_one_time_password(session: Session, user: User, *, issued_by_id: int | None,
                          class_id: int | None = None) -> str:
    """Give ``user`` a new one-time password: they must set their own at the next sign-in, and every
    other session of theirs ends. Returns the password in clear text for the slip, once."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    session.add(CredentialIssue(school_id=user.school_id, user_id=user.id, class_id=class_id,
                                issued_by_id=issued_by_id))
    audit(session, school_id=user.school_id, action="office.credentials.issue", object_type="office.credentials",
          object_id=user.id, new={"login": user.login, "class_id": class_id})
    return password


def issue_class_credentials(session: Session, school_class: SchoolClass, day: date, *, students: bool,
                            guardians: bool, only_not_activated: bool,
                            issued_by_id: int | None) -> tuple[list[IssuedCredential], list[User]]:
    """One-time passwords for the class's students and/or their guardians, one personal account each.

    Returns the slips and the people skipped because their account is also a staff account (only the
    admin may reset those: a class teacher must never be able to take over a colleague's account).
    """
    kids = current_students(session, school_class.id, day)
    targets: list[tuple[User, str, list[str]]] = []
    if students:
        targets += [(kid, "student", []) for kid in kids]
    if guardians:
        by_guardian: dict[int, tuple[User, list[str]]] = {}
        names = {k.id: k.short_name for k in kids}
        for link, user in guardian_links(session, names):
            by_guardian.setdefault(user.id, (user, []))[1].append(names[link.student_id])
        targets += [(user, "guardian", children) for user, children in by_guardian.values()]
    slips: list[IssuedCredential] = []
    skipped: list[User] = []
    seen: set[int] = set()
    for user, role, children in targets:
        if user.id in seen:
            continue
        seen.add(user.id)
        if not is_family_only(user) or not user.is_active_account:
            skipped.append(user)
            continue
        if only_not_activated and user.activated_at is not None and not user.must_change_password:
            continue
        password = set_one_time_password(session, user, issued_by_id=issued_by_id, class_id=school_class.id)
        slips.append(IssuedCredential(user.id, user.full_name, user.login, password, role, school_class.name,
                                      children))
    return slips, skipped


def issue_staff_credentials(session: Session, school_id: int, *, only_not_activated: bool,
                            issued_by_id: int | None) -> list[IssuedCredential]:
    """The admin's slips for teachers and the administration (never for the admin themself)."""
    staff_roles = [Role.admin, Role.principal, Role.deputy, Role.class_teacher, Role.teacher, Role.support]
    users = session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.school_id == school_id, RoleGrant.role.in_(staff_roles), User.is_active_account.is_(True))
        .distinct().order_by(User.last_name, User.first_name)).all()
    slips = []
    for user in users:
        if user.id == issued_by_id:
            continue
        if only_not_activated and user.activated_at is not None and not user.must_change_password:
            continue
        password = set_one_time_password(session, user, issued_by_id=issued_by_id)
        slips.append(IssuedCredential(user.id, user.full_name, user.login, password, "staff"))
    return slips


@dataclass
class AccountRow:
    user_id: int
    full_name: str
    login: str
    role: str
    children: list[str]
    activated_at: datetime | None
    must_change_password: bool
    has_password: bool
    last_issued_at: datetime | None
    active: bool

    @property
    def status(self) -> str:
        """none: no password yet; issued: one-time password not used yet; active: own password set."""
        if not self.has_password:
            return "none"
        if self.activated_at is None or self.must_change_password:
            return "issued"
        return "active"


def class_accounts(session: Session, class_id: int, day: date) -> list[AccountRow]:
    """Students of the class and their guardians with their activation state (three queries)."""
    kids = current_students(session, class_id, day)
    names = {k.id: k.short_name for k in kids}
    links = guardian_links(session, names)
    people: dict[int, tuple[User, str, list[str]]] = {k.id: (k, "student", []) for k in kids}
    for link, user in links:
        people.setdefault(user.id, (user, "guardian", []))[2].append(names[link.student_id])
    issued = dict(session.execute(
        select(CredentialIssue.user_id, func.max(CredentialIssue.issued_at))
        .where(CredentialIssue.user_id.in_(list(people))).group_by(CredentialIssue.user_id)).all()) if people else {}
    rows = [AccountRow(u.id, u.full_name, u.login, role, children, u.activated_at, u.must_change_password,
                       bool(u.password_hash), issued.get(u.id), u.is_active_account)
            for u, role, children in people.values()]
    return sorted(rows, key=lambda r: (r.role != "student", r.full_name))


def not_activated_count(session: Session, class_ids: Iterable[int], day: date) -> int:
    """How many students and guardians of these classes have not set their own password yet."""
    ids = list(student_ids_of_classes(session, class_ids, day))
    if not ids:
        return 0
    guardian_ids = select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(ids))
    return session.scalar(select(func.count(User.id)).where(
        or_(User.id.in_(ids), User.id.in_(guardian_ids)),
        or_(User.activated_at.is_(None), User.must_change_password.is_(True)))) or 0

