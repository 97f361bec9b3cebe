"""The office's rules as plain functions over a Session: credentials, subgroups, movement, personal files,
consents, the regulation and tickets. No Flask here; views, the API and the demo data call these.

Public for other plugins (documented in README.md): :func:`paper_statement_students` and
:func:`guardians_wanting_paper` tell the diary which families get paper statements.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from core.api import (
    AcademicYear,
    AuditEntry,
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    User,
    audit,
    changes,
    hash_password,
    move_student,
    one_time_password,
    unique_login,
    utcnow,
)
from plugins.office.models import (
    CONSENT_FIELDS,
    FILE_FIELDS,
    GUARDIAN_INFO_FIELDS,
    GUARDIAN_USER_FIELDS,
    STUDENT_FIELDS,
    Consent,
    CredentialIssue,
    Document,
    FileVerification,
    GuardianInfo,
    MovementRequest,
    PersonalFile,
    Regulation,
    RegulationAck,
    Ticket,
)

FAMILY_ROLES = {Role.student, Role.guardian}
VERIFY_EVERY_DAYS = 30


class OfficeError(ValueError):
    """A rule refused the action; the message is a translated string for the user."""


# --- who is in a class -------------------------------------------------------------------------------

def _active_on(day: date) -> Any:
    return and_(ClassMembership.starts_on <= day,
                or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= day))


def current_students(session: Session, class_id: int, day: date) -> list[User]:
    """Students in the class on ``day``, in journal order."""
    return list(session.scalars(
        select(User).join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, _active_on(day))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)))


def student_ids_of_classes(session: Session, class_ids: Iterable[int], day: date) -> dict[int, int]:
    """student id -> class id for everyone in these classes on ``day``."""
    ids = list(class_ids)
    if not ids:
        return {}
    rows = session.execute(select(ClassMembership.student_id, ClassMembership.class_id)
                           .where(ClassMembership.class_id.in_(ids), _active_on(day)))
    return {r.student_id: r.class_id for r in rows}


def guardian_links(session: Session, student_ids: Iterable[int]) -> list[tuple[GuardianLink, User]]:
    ids = list(student_ids)
    if not ids:
        return []
    return [(link, user) for link, user in session.execute(
        select(GuardianLink, User).join(User, User.id == GuardianLink.guardian_id)
        .where(GuardianLink.student_id.in_(ids))
        .order_by(User.last_name, User.first_name, User.id))]


def current_class_of(session: Session, student_id: int, day: date) -> SchoolClass | None:
    return session.scalar(
        select(SchoolClass).join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
        .where(ClassMembership.student_id == student_id, _active_on(day)))


def classes_of_current_year(session: Session, school_id: int) -> list[SchoolClass]:
    return list(session.scalars(
        select(SchoolClass).join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .where(SchoolClass.school_id == school_id, AcademicYear.is_current.is_(True))
        .order_by(SchoolClass.grade_level, SchoolClass.letter)))


def is_family_only(user: User) -> bool:
    """Only students and guardians: the accounts a class teacher may give passwords to."""
    roles = user.roles
    return bool(roles) and roles <= {r.value for r in FAMILY_ROLES}


# --- credentials -------------------------------------------------------------------------------------

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


# --- subgroups -----------------------------------------------------------------------------------------

def class_subjects(session: Session, class_id: int) -> list[Subject]:
    """Subjects taught in the class or already split into subgroups there."""
    taught = select(TeachingAssignment.subject_id).where(TeachingAssignment.class_id == class_id)
    split = select(Subgroup.subject_id).where(Subgroup.class_id == class_id)
    return list(session.scalars(select(Subject).where(or_(Subject.id.in_(taught), Subject.id.in_(split)))
                                .order_by(Subject.name)))


def subject_subgroups(session: Session, class_id: int, subject_id: int) -> list[Subgroup]:
    return list(session.scalars(select(Subgroup).where(Subgroup.class_id == class_id,
                                                       Subgroup.subject_id == subject_id).order_by(Subgroup.name)))


def subgroup_membership(session: Session, subgroup_ids: list[int]) -> dict[int, set[int]]:
    """student id -> ids of the given subgroups they are in."""
    out: dict[int, set[int]] = {}
    if subgroup_ids:
        for sid, student in session.execute(select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
                                            .where(SubgroupMember.subgroup_id.in_(subgroup_ids))):
            out.setdefault(student, set()).add(sid)
    return out


def create_subgroup(session: Session, school_class: SchoolClass, subject_id: int, name: str) -> Subgroup:
    name = name.strip()
    if not name:
        raise OfficeError(_l("Give the subgroup a name."))
    if session.scalar(select(Subgroup.id).where(Subgroup.class_id == school_class.id,
                                                Subgroup.subject_id == subject_id, Subgroup.name == name)):
        raise OfficeError(_l("The class already has a subgroup with this name in this subject."))
    subgroup = Subgroup(school_id=school_class.school_id, class_id=school_class.id, subject_id=subject_id, name=name)
    session.add(subgroup)
    session.flush()
    audit(session, school_id=school_class.school_id, action="office.subgroup.create", object_type="office.subgroup",
          object_id=subgroup.id, new={"class_id": school_class.id, "subject_id": subject_id, "name": name})
    return subgroup


def delete_subgroup(session: Session, subgroup: Subgroup) -> None:
    if session.scalar(select(TeachingAssignment.id).where(TeachingAssignment.subgroup_id == subgroup.id).limit(1)):
        raise OfficeError(_l("A teacher is assigned to this subgroup: change the teaching assignment first."))
    members = sorted(session.scalars(select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == subgroup.id)))
    session.execute(delete(SubgroupMember).where(SubgroupMember.subgroup_id == subgroup.id))
    audit(session, school_id=subgroup.school_id, action="office.subgroup.delete", object_type="office.subgroup",
          object_id=subgroup.id, old={"class_id": subgroup.class_id, "subject_id": subgroup.subject_id,
                                      "name": subgroup.name, "members": members})
    session.delete(subgroup)


def set_subgroup_members(session: Session, school_class: SchoolClass, subject_id: int,
                         choice: dict[int, int | None], day: date) -> int:
    """Put each student named in ``choice`` into one subgroup of the subject (or none).

    Only current students of the class may be named; students who have left keep their old
    membership, so the subgroup's past lessons still list them. Returns how many students changed.
    """
    groups = {g.id for g in subject_subgroups(session, school_class.id, subject_id)}
    current = {s.id for s in current_students(session, school_class.id, day)}
    if set(choice) - current:
        raise OfficeError(_l("Only students of the class can be put into its subgroups."))
    before = subgroup_membership(session, list(groups))
    changed = 0
    for student_id in sorted(choice):
        wanted = choice.get(student_id)
        if wanted is not None and wanted not in groups:
            raise OfficeError(_l("Unknown subgroup."))
        had = before.get(student_id, set())
        new = {wanted} if wanted is not None else set()
        if had == new:
            continue
        changed += 1
        if had:
            session.execute(delete(SubgroupMember).where(SubgroupMember.student_id == student_id,
                                                         SubgroupMember.subgroup_id.in_(had)))
        if wanted is not None:
            session.add(SubgroupMember(subgroup_id=wanted, student_id=student_id))
        audit(session, school_id=school_class.school_id, action="office.subgroup.members",
              object_type="office.subgroup_member", object_id=student_id,
              old={"subject_id": subject_id, "subgroups": sorted(had)},
              new={"subject_id": subject_id, "subgroups": sorted(new)})
    return changed


# --- student movement ------------------------------------------------------------------------------------

MOVEMENT_KINDS = {"admit": _l("Admission"), "transfer": _l("Transfer"), "withdraw": _l("Withdrawal")}
MOVEMENT_STATUSES = {"pending": _l("Waiting"), "done": _l("Carried out"), "rejected": _l("Rejected")}


def _open_membership(session: Session, student_id: int, class_id: int, day: date) -> ClassMembership | None:
    """The membership in ``class_id`` that is still running on ``day``."""
    return session.scalar(select(ClassMembership).where(
        ClassMembership.student_id == student_id, ClassMembership.class_id == class_id,
        or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= day),
        ClassMembership.starts_on <= day))


def _year_of(session: Session, school_class: SchoolClass) -> AcademicYear:
    year = session.get(AcademicYear, school_class.year_id)
    assert year is not None
    return year


def validate_movement(session: Session, req: MovementRequest) -> None:
    """Check a request against the classes as they are now; raises OfficeError with the reason."""
    if req.kind not in MOVEMENT_KINDS:
        raise OfficeError(_l("Unknown kind of movement."))
    if req.kind in ("transfer", "withdraw"):
        if req.student_id is None or req.from_class_id is None:
            raise OfficeError(_l("Choose the student."))
        member = _open_membership(session, req.student_id, req.from_class_id, req.on_date - timedelta(days=1))
        if member is None:
            raise OfficeError(_l("The student is not in this class on the day before the move."))
        from_class = session.get(SchoolClass, req.from_class_id)
        assert from_class is not None
        year = _year_of(session, from_class)
        if not (year.starts_on < req.on_date <= year.ends_on + timedelta(days=1)):
            raise OfficeError(_l("The date must fall within the academic year %(year)s.", year=year.title))
    if req.kind in ("admit", "transfer"):
        if req.to_class_id is None:
            raise OfficeError(_l("Choose the class."))
        if req.to_class_id == req.from_class_id:
            raise OfficeError(_l("The student is already in this class."))
        to_class = session.get(SchoolClass, req.to_class_id)
        assert to_class is not None
        year = _year_of(session, to_class)
        if not (year.starts_on <= req.on_date <= year.ends_on):
            raise OfficeError(_l("The date must fall within the academic year %(year)s.", year=year.title))
    if req.kind == "admit":
        if req.student_id is None:
            if not (req.last_name.strip() and req.first_name.strip()):
                raise OfficeError(_l("Give the new student's last and first name."))
        elif session.scalar(select(ClassMembership.id).where(
                ClassMembership.student_id == req.student_id,
                or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= req.on_date)).limit(1)):
            raise OfficeError(_l("The student is still in a class on that day: transfer them instead."))


def submit_movement(session: Session, req: MovementRequest) -> MovementRequest:
    """Record a request (the class teacher's part); the admin performs or rejects it later."""
    validate_movement(session, req)
    if req.student_id is not None and session.scalar(select(MovementRequest.id).where(
            MovementRequest.student_id == req.student_id, MovementRequest.status == "pending").limit(1)):
        raise OfficeError(_l("There is already a waiting request for this student."))
    session.add(req)
    session.flush()
    audit(session, school_id=req.school_id, action="office.movement.request", object_type="office.movement",
          object_id=req.id, new=_movement_values(req))
    return req


def _movement_values(req: MovementRequest) -> dict[str, Any]:
    return {"kind": req.kind, "student_id": req.student_id, "from_class_id": req.from_class_id,
            "to_class_id": req.to_class_id, "on_date": req.on_date, "order_number": req.order_number,
            "order_date": req.order_date, "status": req.status}


OnMoved = Callable[..., Any]


def perform_movement(session: Session, req: MovementRequest, *, order_number: str, order_date: date,
                     decided_by_id: int | None, today: date, on_moved: OnMoved | None = None) -> User:
    """Carry out a request in one transaction: memberships, the account, the hook, the audit log.

    A transfer closes the old membership the day before ``on_date`` and opens the new one on it, so
    the old class's journal keeps the student (and their marks and absences) for the days they were
    there. ``on_moved`` is the core's ``on_student_moved`` hook caller.
    """
    if req.status != "pending":
        raise OfficeError(_l("This request has already been decided."))
    if not order_number.strip():
        raise OfficeError(_l("Give the order number."))
    validate_movement(session, req)
    req.order_number, req.order_date = order_number.strip(), order_date
    to_class = session.get(SchoolClass, req.to_class_id) if req.to_class_id else None
    if req.student_id is None:
        student = User(school_id=req.school_id, login=unique_login(session, req.last_name, req.first_name),
                       password_hash=None, last_name=req.last_name.strip(), first_name=req.first_name.strip(),
                       middle_name=req.middle_name.strip(), birth_date=req.birth_date, must_change_password=True)
        session.add(student)
        session.flush()
        session.add(RoleGrant(school_id=req.school_id, user_id=student.id, role=Role.student, class_id=None))
        req.student_id = student.id
    else:
        found = session.get(User, req.student_id)
        assert found is not None
        student = found
    # The core closes the old membership the day before and calls on_student_moved in this transaction.
    hooks = SimpleNamespace(hook=SimpleNamespace(on_student_moved=on_moved)) if on_moved is not None else None
    move_student(session, student, to_class, req.on_date, pm=hooks)
    if to_class is not None:
        if not student.has_role(Role.student):
            session.add(RoleGrant(school_id=req.school_id, user_id=student.id, role=Role.student, class_id=None))
        if req.kind == "admit" and not student.is_active_account:
            student.is_active_account = True
    if req.kind == "withdraw" and req.on_date <= today:
        # A student who left no longer signs in; guardians keep their accounts (other children).
        student.is_active_account = False
        student.session_version += 1
    req.status = "done"
    req.decided_by_id = decided_by_id
    req.decided_at = utcnow()
    session.flush()
    audit(session, school_id=req.school_id, action=f"office.movement.{req.kind}", object_type="office.movement",
          object_id=req.id, old={"status": "pending"}, new=_movement_values(req))
    return student


def reject_movement(session: Session, req: MovementRequest, *, note: str, decided_by_id: int | None) -> None:
    if req.status != "pending":
        raise OfficeError(_l("This request has already been decided."))
    if not note.strip():
        raise OfficeError(_l("Say why the request is rejected."))
    req.status, req.decision_note = "rejected", note.strip()
    req.decided_by_id, req.decided_at = decided_by_id, utcnow()
    audit(session, school_id=req.school_id, action="office.movement.reject", object_type="office.movement",
          object_id=req.id, old={"status": "pending"}, new={"status": "rejected", "note": req.decision_note})


# --- personal files --------------------------------------------------------------------------------------

DOCUMENT_KINDS = {
    "birth_certificate": _l("Birth certificate"),
    "passport": _l("Passport"),
    "snils": _l("SNILS"),
    "medical_policy": _l("Medical insurance policy"),
    "medical_record": _l("Medical record"),
    "consent": _l("Personal data consent"),
    "application": _l("Application"),
    "other": _l("Other document"),
}
ALLOWED_UPLOADS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def personal_file(session: Session, student: User) -> PersonalFile:
    """The student's file, made empty on first use."""
    found = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    if found is None:
        found = PersonalFile(school_id=student.school_id, student_id=student.id, file_number="",
                             registration_address="", actual_address="", phones="", notes="")
        session.add(found)
        session.flush()
    return found


def update_student(session: Session, student: User, values: dict[str, Any]) -> bool:
    """Change the student's name and birth date; every change is audited with the old value."""
    old, new = changes(student, STUDENT_FIELDS, values)
    if old:
        audit(session, school_id=student.school_id, action="office.student.update", object_type="office.student",
              object_id=student.id, old=old, new=new)
    return bool(old)


def update_file(session: Session, student: User, values: dict[str, Any]) -> bool:
    record = personal_file(session, student)
    old, new = changes(record, FILE_FIELDS, values)
    if old:
        record.updated_at = utcnow()
        audit(session, school_id=student.school_id, action="office.personal_file.update",
              object_type="office.personal_file", object_id=record.id, old=old, new=new)
    return bool(old)


def guardian_info(session: Session, guardian: User) -> GuardianInfo:
    info = session.get(GuardianInfo, guardian.id)
    if info is None:
        info = GuardianInfo(guardian_id=guardian.id, school_id=guardian.school_id, workplace="", position="",
                            work_phone="")
        session.add(info)
        session.flush()
    return info


def update_guardian(session: Session, guardian: User, link: GuardianLink, values: dict[str, Any]) -> bool:
    """Change a guardian's name, phones, workplace and relation to the child, audited with old values."""
    old, new = changes(guardian, GUARDIAN_USER_FIELDS, values)
    info = guardian_info(session, guardian)
    old_i, new_i = changes(info, GUARDIAN_INFO_FIELDS, values)
    old_l, new_l = changes(link, ["relation"], values)
    old, new = {**old, **old_i, **old_l}, {**new, **new_i, **new_l}
    if old:
        audit(session, school_id=guardian.school_id, action="office.guardian.update", object_type="office.guardian",
              object_id=f"{guardian.id}:{link.student_id}", old=old, new=new)
    return bool(old)


def add_guardian(session: Session, student: User, values: dict[str, Any]) -> User:
    """A new guardian account (no password yet: the class teacher issues credentials later)."""
    guardian = User(school_id=student.school_id,
                    login=unique_login(session, values["last_name"], values["first_name"]),
                    password_hash=None, last_name=values["last_name"].strip(),
                    first_name=values["first_name"].strip(), middle_name=(values.get("middle_name") or "").strip(),
                    phone=values.get("phone") or "", email=values.get("email") or "", must_change_password=True)
    session.add(guardian)
    session.flush()
    session.add(RoleGrant(school_id=student.school_id, user_id=guardian.id, role=Role.guardian, class_id=None))
    session.add(GuardianLink(guardian_id=guardian.id, student_id=student.id, school_id=student.school_id,
                             relation=values.get("relation") or ""))
    session.add(GuardianInfo(guardian_id=guardian.id, school_id=student.school_id,
                             workplace=values.get("workplace") or "", position=values.get("position") or "",
                             work_phone=values.get("work_phone") or ""))
    audit(session, school_id=student.school_id, action="office.guardian.create", object_type="office.guardian",
          object_id=f"{guardian.id}:{student.id}",
          new={k: values.get(k) for k in GUARDIAN_USER_FIELDS + GUARDIAN_INFO_FIELDS + ["relation"]})
    return guardian


def add_document(session: Session, *, school_id: int, student_id: int | None, guardian_id: int | None, kind: str,
                 title: str, filename: str, content_type: str, content: bytes,
                 uploaded_by_id: int | None) -> Document:
    if kind not in DOCUMENT_KINDS:
        raise OfficeError(_l("Choose the kind of document."))
    if content_type not in ALLOWED_UPLOADS or not _looks_like(content_type, content):
        raise OfficeError(_l("Upload a PDF, JPEG or PNG file."))
    if len(content) > MAX_DOCUMENT_BYTES:
        raise OfficeError(_l("The file is larger than 10 MB."))
    doc = Document(school_id=school_id, student_id=student_id, guardian_id=guardian_id, kind=kind,
                   title=title.strip()[:200], filename=filename[:200] or f"document{ALLOWED_UPLOADS[content_type]}",
                   content_type=content_type, size=len(content), content=content, uploaded_by_id=uploaded_by_id)
    session.add(doc)
    session.flush()
    audit(session, school_id=school_id, action="office.document.upload", object_type="office.document",
          object_id=doc.id, new={"student_id": student_id, "guardian_id": guardian_id, "kind": kind,
                                 "filename": doc.filename, "size": doc.size})
    return doc


def _looks_like(content_type: str, content: bytes) -> bool:
    """Trust the bytes, not the browser's label."""
    magic = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
    return content.startswith(magic[content_type])


def guess_content_type(filename: str, content: bytes) -> str:
    for content_type in ALLOWED_UPLOADS:
        if _looks_like(content_type, content):
            return content_type
    return "application/octet-stream"


def delete_document(session: Session, doc: Document) -> None:
    doc.deleted_at = utcnow()
    audit(session, school_id=doc.school_id, action="office.document.delete", object_type="office.document",
          object_id=doc.id, old={"deleted_at": None}, new={"deleted_at": doc.deleted_at})


def verify_files(session: Session, school_id: int, student_ids: Iterable[int], *, verified_by_id: int | None,
                 note: str = "") -> int:
    """Record that the class teacher checked these files today (one row and one audit entry each)."""
    n = 0
    for student_id in student_ids:
        row = FileVerification(school_id=school_id, student_id=student_id, verified_by_id=verified_by_id,
                               note=note[:300])
        session.add(row)
        session.flush()
        audit(session, school_id=school_id, action="office.personal_file.verify",
              object_type="office.file_verification", object_id=row.id, new={"student_id": student_id})
        n += 1
    return n


def last_verifications(session: Session, student_ids: Iterable[int]) -> dict[int, datetime]:
    ids = list(student_ids)
    if not ids:
        return {}
    return dict(session.execute(select(FileVerification.student_id, func.max(FileVerification.verified_at))
                                .where(FileVerification.student_id.in_(ids))
                                .group_by(FileVerification.student_id)).all())


def unverified_students(session: Session, class_ids: Iterable[int], day: date, now: datetime | None = None,
                        every_days: int = VERIFY_EVERY_DAYS) -> list[tuple[User, int, datetime | None]]:
    """(student, class id, last verification) for files not verified in the last month."""
    members = student_ids_of_classes(session, class_ids, day)
    since = (now or utcnow()) - timedelta(days=every_days)
    last = last_verifications(session, members)
    due = [sid for sid in members if last.get(sid) is None or last[sid] < since]
    if not due:
        return []
    users = session.scalars(select(User).where(User.id.in_(due))
                            .order_by(User.last_name, User.first_name, User.id)).all()
    return [(u, members[u.id], last.get(u.id)) for u in users]


# --- consents (152-ФЗ) ------------------------------------------------------------------------------------

def consent_of(session: Session, guardian_id: int) -> Consent | None:
    return session.scalar(select(Consent).where(Consent.guardian_id == guardian_id))


def set_consent(session: Session, guardian: User, values: dict[str, Any]) -> Consent:
    """Record the guardian's answers (audited with the previous ones)."""
    if values.get("processing") is None and values.get("electronic") is not None:
        raise OfficeError(_l("Record the answer on processing personal data first."))
    if (values.get("processing") is not None or values.get("electronic") is not None) and not values.get("signed_on"):
        raise OfficeError(_l("Give the date the document was signed."))
    consent = consent_of(session, guardian.id)
    created = consent is None
    if consent is None:
        consent = Consent(school_id=guardian.school_id, guardian_id=guardian.id, note="")
        session.add(consent)
    old, new = changes(consent, CONSENT_FIELDS, values)
    consent.updated_at = utcnow()
    session.flush()
    if old or created:
        audit(session, school_id=guardian.school_id, action="office.consent.update", object_type="office.consent",
              object_id=consent.id, old=None if created else old,
              new={k: getattr(consent, k) for k in CONSENT_FIELDS} if created else new)
    return consent


def wants_paper(consent: Consent | None) -> bool:
    """Refusing electronic information, or refusing to let the school process personal data at all,
    means the family gets paper statements."""
    return consent is not None and (consent.electronic is False or consent.processing is False)


def guardians_wanting_paper(session: Session, school_id: int) -> set[int]:
    """Ids of the school's guardians who get paper statements instead of the electronic diary."""
    return set(session.scalars(select(Consent.guardian_id).where(
        Consent.school_id == school_id, or_(Consent.electronic.is_(False), Consent.processing.is_(False)))))


def paper_statement_students(session: Session, school_id: int, class_id: int | None = None,
                             day: date | None = None) -> dict[int, list[int]]:
    """Students whose family (at least one guardian) asked for paper statements: student id -> those
    guardians' ids. With ``class_id`` (and ``day``, default today) only that class's students.

    This is the office's public answer for the diary plugin (duty C28).
    """
    query = (select(GuardianLink.student_id, GuardianLink.guardian_id)
             .join(Consent, Consent.guardian_id == GuardianLink.guardian_id)
             .where(Consent.school_id == school_id,
                    or_(Consent.electronic.is_(False), Consent.processing.is_(False))))
    if class_id is not None:
        members = select(ClassMembership.student_id).where(ClassMembership.class_id == class_id,
                                                           _active_on(day or date.today()))
        query = query.where(GuardianLink.student_id.in_(members))
    out: dict[int, list[int]] = {}
    for student_id, guardian_id in session.execute(query.order_by(GuardianLink.student_id, GuardianLink.guardian_id)):
        out.setdefault(student_id, []).append(guardian_id)
    return out


@dataclass
class ConsentRow:
    guardian: User
    children: list[str]
    consent: Consent | None

    @property
    def missing(self) -> bool:
        return self.consent is None or self.consent.processing is None


def class_consents(session: Session, class_id: int, day: date) -> list[ConsentRow]:
    kids = {k.id: k.short_name for k in current_students(session, class_id, day)}
    rows: dict[int, ConsentRow] = {}
    for link, user in guardian_links(session, kids):
        rows.setdefault(user.id, ConsentRow(user, [], None)).children.append(kids[link.student_id])
    if rows:
        for consent in session.scalars(select(Consent).where(Consent.guardian_id.in_(list(rows)))):
            rows[consent.guardian_id].consent = consent
    return sorted(rows.values(), key=lambda r: r.guardian.full_name)


def missing_consents_by_class(session: Session, classes: list[SchoolClass], day: date) -> list[dict[str, Any]]:
    """Per class: guardians of current students, how many have no recorded answer, how many want paper."""
    members = student_ids_of_classes(session, [c.id for c in classes], day)
    per_class: dict[int, set[int]] = {c.id: set() for c in classes}
    if members:
        for student_id, guardian_id in session.execute(select(GuardianLink.student_id, GuardianLink.guardian_id)
                                                       .where(GuardianLink.student_id.in_(list(members)))):
            per_class[members[student_id]].add(guardian_id)
    all_guardians = set().union(*per_class.values()) if per_class else set()
    consents = {c.guardian_id: c for c in session.scalars(
        select(Consent).where(Consent.guardian_id.in_(list(all_guardians))))} if all_guardians else {}
    out = []
    for c in classes:
        gids = per_class[c.id]
        missing = sum(1 for g in gids if consents.get(g) is None or consents[g].processing is None)
        paper = sum(1 for g in gids if wants_paper(consents.get(g)))
        out.append({"class": c, "guardians": len(gids), "missing": missing, "paper": paper})
    return out


# --- the regulation ------------------------------------------------------------------------------------------

def current_regulation(session: Session, school_id: int) -> Regulation | None:
    return session.scalar(select(Regulation).where(Regulation.school_id == school_id, Regulation.is_current.is_(True))
                          .order_by(Regulation.uploaded_at.desc()).limit(1))


def upload_regulation(session: Session, school_id: int, *, title: str, approved_on: date | None, filename: str,
                      content: bytes, uploaded_by_id: int | None) -> Regulation:
    """A new version replaces the old one: every guardian is asked to read it again."""
    if not content.startswith(b"%PDF-"):
        raise OfficeError(_l("The regulation must be a PDF file."))
    if len(content) > MAX_DOCUMENT_BYTES:
        raise OfficeError(_l("The file is larger than 10 MB."))
    for old in session.scalars(select(Regulation).where(Regulation.school_id == school_id,
                                                        Regulation.is_current.is_(True))):
        old.is_current = False
    reg = Regulation(school_id=school_id, title=title.strip(), approved_on=approved_on, filename=filename[:200],
                     size=len(content), content=content, uploaded_by_id=uploaded_by_id, is_current=True)
    session.add(reg)
    session.flush()
    audit(session, school_id=school_id, action="office.regulation.upload", object_type="office.regulation",
          object_id=reg.id, new={"title": reg.title, "filename": reg.filename, "size": reg.size})
    return reg


def has_acknowledged(session: Session, regulation_id: int, user_id: int) -> bool:
    return session.scalar(select(RegulationAck.id).where(RegulationAck.regulation_id == regulation_id,
                                                         RegulationAck.user_id == user_id)) is not None


def acknowledge(session: Session, regulation: Regulation, user: User) -> bool:
    if has_acknowledged(session, regulation.id, user.id):
        return False
    session.add(RegulationAck(school_id=regulation.school_id, regulation_id=regulation.id, user_id=user.id))
    audit(session, school_id=regulation.school_id, action="office.regulation.acknowledge",
          object_type="office.regulation_ack", object_id=f"{regulation.id}:{user.id}")
    return True


def regulation_status(session: Session, regulation: Regulation | None, class_id: int,
                      day: date) -> list[tuple[User, list[str], datetime | None]]:
    """Guardians of the class with the moment they confirmed reading (None: not yet)."""
    kids = {k.id: k.short_name for k in current_students(session, class_id, day)}
    people: dict[int, tuple[User, list[str]]] = {}
    for link, user in guardian_links(session, kids):
        people.setdefault(user.id, (user, []))[1].append(kids[link.student_id])
    acks: dict[int, datetime] = {}
    if regulation is not None and people:
        acks = dict(session.execute(select(RegulationAck.user_id, RegulationAck.acknowledged_at).where(
            RegulationAck.regulation_id == regulation.id, RegulationAck.user_id.in_(list(people)))).all())
    rows = [(u, children, acks.get(u.id)) for u, children in people.values()]
    return sorted(rows, key=lambda r: (r[2] is not None, r[0].full_name))


# --- liaison tickets ---------------------------------------------------------------------------------------------

TICKET_TOPICS = {
    "lost_password": _l("Lost password or login"),
    "access": _l("Cannot open the diary"),
    "wrong_data": _l("Wrong personal data"),
    "other": _l("Other question"),
}
TICKET_STATUSES = {"new": _l("With the class teacher"), "forwarded": _l("With the system administrator"),
                   "closed": _l("Closed")}


def create_ticket(session: Session, author: User, *, class_id: int | None, topic: str, text: str) -> Ticket:
    if topic not in TICKET_TOPICS:
        raise OfficeError(_l("Choose the topic."))
    if not text.strip():
        raise OfficeError(_l("Describe the problem."))
    ticket = Ticket(school_id=author.school_id, author_id=author.id, class_id=class_id, topic=topic,
                    text=text.strip()[:5000], status="new", class_teacher_note="", reply="")
    session.add(ticket)
    session.flush()
    audit(session, school_id=author.school_id, action="office.ticket.create", object_type="office.ticket",
          object_id=ticket.id, new={"topic": topic, "class_id": class_id})
    return ticket


def forward_ticket(session: Session, ticket: Ticket, note: str) -> None:
    if ticket.status != "new":
        raise OfficeError(_l("The request has already been passed on or closed."))
    ticket.status, ticket.class_teacher_note, ticket.forwarded_at = "forwarded", note.strip()[:5000], utcnow()
    audit(session, school_id=ticket.school_id, action="office.ticket.forward", object_type="office.ticket",
          object_id=ticket.id, old={"status": "new"}, new={"status": "forwarded"})


def close_ticket(session: Session, ticket: Ticket, reply: str, closed_by_id: int | None) -> None:
    if ticket.status == "closed":
        raise OfficeError(_l("The request is already closed."))
    if not reply.strip():
        raise OfficeError(_l("Write an answer to the family."))
    old = ticket.status
    ticket.status, ticket.reply, ticket.closed_by_id, ticket.closed_at = "closed", reply.strip()[:5000], closed_by_id, utcnow()
    audit(session, school_id=ticket.school_id, action="office.ticket.close", object_type="office.ticket",
          object_id=ticket.id, old={"status": old}, new={"status": "closed"})


# --- undoing audited changes (a reported credentials leak) ----------------------------------------------------------

def _parse_value(model_field: str, value: Any) -> Any:
    if model_field in ("birth_date", "signed_on") and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def revert_entry(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """Undo one of the office's audited changes; None for object types the office does not own."""
    old = entry.old or {}
    kind = entry.object_type
    if kind == "office.student":
        user = session.get(User, int(entry.object_id))
        if user is None:
            return {}
        for name, value in old.items():
            setattr(user, name, _parse_value(name, value))
        return dict(old)
    if kind == "office.personal_file":
        record = session.get(PersonalFile, int(entry.object_id))
        if record is None:
            return {}
        for name, value in old.items():
            setattr(record, name, value)
        return dict(old)
    if kind == "office.guardian":
        guardian_id, _, student_id = entry.object_id.partition(":")
        if entry.action == "office.guardian.create":
            link = session.get(GuardianLink, (int(guardian_id), int(student_id)))
            if link is not None:
                session.delete(link)
            return {"link": None}
        guardian = session.get(User, int(guardian_id))
        info = session.get(GuardianInfo, int(guardian_id))
        link = session.get(GuardianLink, (int(guardian_id), int(student_id)))
        for name, value in old.items():
            if name in GUARDIAN_USER_FIELDS and guardian is not None:
                setattr(guardian, name, value)
            elif name in GUARDIAN_INFO_FIELDS and info is not None:
                setattr(info, name, value)
            elif name == "relation" and link is not None:
                link.relation = value
        return dict(old)
    if kind == "office.consent":
        consent = session.get(Consent, int(entry.object_id))
        if consent is None:
            return {}
        if entry.old is None:  # created by the leaked account: the answers were never given
            session.delete(consent)
            return {"deleted": True}
        for name, value in old.items():
            setattr(consent, name, _parse_value(name, value))
        return dict(old)
    if kind == "office.document":
        doc = session.get(Document, int(entry.object_id))
        if doc is None:
            return {}
        doc.deleted_at = None if entry.action == "office.document.delete" else utcnow()
        return {"deleted_at": doc.deleted_at}
    if kind == "office.file_verification":
        row = session.get(FileVerification, int(entry.object_id))
        if row is not None:
            session.delete(row)
        return {"verification": None}
    if kind == "office.subgroup_member":
        student_id = int(entry.object_id)
        new_groups = (entry.new or {}).get("subgroups", [])
        if new_groups:
            session.execute(delete(SubgroupMember).where(SubgroupMember.student_id == student_id,
                                                         SubgroupMember.subgroup_id.in_(new_groups)))
        for sid in old.get("subgroups", []):
            if session.get(Subgroup, sid) is not None and session.get(SubgroupMember, (sid, student_id)) is None:
                session.add(SubgroupMember(subgroup_id=sid, student_id=student_id))
        return {"subgroups": old.get("subgroups", [])}
    return None


# --- overviews for the office page and the dashboard ---------------------------------------------------------------

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
        read = set(session.scalars(select(RegulationAck.user_id).where(
            RegulationAck.regulation_id == regulation_id, RegulationAck.user_id.in_(list(guardian_ids)))))
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


def disable_withdrawn(session: Session, today: date) -> int:
    """Disable the accounts of students whose withdrawal date has come and who are in no class.

    Idempotent (decided from the requests and the accounts, not from how often it runs), so the
    core's periodic worker can call it as often as it likes.
    """
    due = session.scalars(select(User).join(MovementRequest, MovementRequest.student_id == User.id).where(
        MovementRequest.kind == "withdraw", MovementRequest.status == "done", MovementRequest.on_date <= today,
        User.is_active_account.is_(True))).unique().all()
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
