"""Who is in a class on a day, their guardians, and which users are family members only."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.toolkit import AcademicYear, ClassMembership, GuardianLink, Role, SchoolClass, User

FAMILY_ROLES = {Role.student, Role.guardian}


def active_on(day: date) -> Any:
    return and_(ClassMembership.active_on(day))


def current_students(session: Session, class_id: int, day: date) -> list[User]:
    """Students in the class on ``day``, in journal order."""
    return list(session.scalars(
        select(User).join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, active_on(day))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)))


def student_ids_of_classes(session: Session, class_ids: Iterable[int], day: date) -> dict[int, int]:
    """student id -> class id for everyone in these classes on ``day``."""
    ids = list(class_ids)
    if not ids:
        return {}
    rows = session.execute(select(ClassMembership.student_id, ClassMembership.class_id)
                           .where(ClassMembership.class_id.in_(ids), active_on(day)))
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
        .where(ClassMembership.student_id == student_id, active_on(day)))


def classes_of_current_year(session: Session, school_id: int) -> list[SchoolClass]:
    return list(session.scalars(
        select(SchoolClass).join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .where(SchoolClass.school_id == school_id, AcademicYear.is_current.is_(True))
        .order_by(SchoolClass.grade_level, SchoolClass.letter)))


def is_family_only(user: User) -> bool:
    """Only students and guardians: the accounts a class teacher may give passwords to."""
    roles = user.roles
    return bool(roles) and roles <= {r.value for r in FAMILY_ROLES}

