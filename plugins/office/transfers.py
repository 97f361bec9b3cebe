"""Student movement: admission, transfer and withdrawal requests, checked, carried out or rejected."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    Role,
    RoleGrant,
    SchoolClass,
    User,
    audit,
    move_student,
    unique_login,
    utcnow,
)
from plugins.office.models import MovementRequest
from plugins.office.refusals import OfficeError

MOVEMENT_KINDS = {"admit": _l("Admission"), "transfer": _l("Transfer"), "withdraw": _l("Withdrawal")}
MOVEMENT_STATUSES = {"pending": _l("Waiting"), "done": _l("Carried out"), "rejected": _l("Rejected")}


def open_membership(session: Session, student_id: int, class_id: int, day: date) -> ClassMembership | None:
    """The membership in ``class_id`` that is still running on ``day``."""
    return session.scalar(select(ClassMembership).where(
        ClassMembership.student_id == student_id, ClassMembership.class_id == class_id,
        ClassMembership.active_on(day)))


def year_of(session: Session, school_class: SchoolClass) -> AcademicYear:
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
        member = open_membership(session, req.student_id, req.from_class_id, req.on_date - timedelta(days=1))
        if member is None:
            raise OfficeError(_l("The student is not in this class on the day before the move."))
        from_class = session.get(SchoolClass, req.from_class_id)
        assert from_class is not None
        year = year_of(session, from_class)
        if not (year.starts_on < req.on_date <= year.ends_on + timedelta(days=1)):
            raise OfficeError(_l("The date must fall within the academic year %(year)s.", year=year.title))
    if req.kind in ("admit", "transfer"):
        if req.to_class_id is None:
            raise OfficeError(_l("Choose the class."))
        if req.to_class_id == req.from_class_id:
            raise OfficeError(_l("The student is already in this class."))
        to_class = session.get(SchoolClass, req.to_class_id)
        assert to_class is not None
        year = year_of(session, to_class)
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
        student = User(school_id=req.school_id, login=unique_login(session, req.last_name, req.first_name, school_id=req.school_id),
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

