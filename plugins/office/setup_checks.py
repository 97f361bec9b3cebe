"""The office's steps of the school's set-up checklist: are the class lists in, are credentials issued?"""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.toolkit import ClassMembership, GuardianLink, SchoolClass, User, current_year, school_today


def _current_class_ids(session: Session, school_id: int) -> list[int]:
    year = current_year(session, school_id)
    if year is None:
        return []
    return list(session.scalars(select(SchoolClass.id).where(SchoolClass.school_id == school_id,
                                                             SchoolClass.year_id == year.id)))


def _students_now(session: Session, school_id: int, class_ids: list[int]) -> list[int]:
    day = school_today(school_id, session=session)
    return list(session.scalars(select(ClassMembership.student_id).where(
        ClassMembership.class_id.in_(class_ids), ClassMembership.active_on(day))))


def every_class_has_students(session: Session, school_id: int) -> bool:
    class_ids = _current_class_ids(session, school_id)
    if not class_ids:
        return False
    day = school_today(school_id, session=session)
    empty = select(SchoolClass.id).where(SchoolClass.id.in_(class_ids), ~exists().where(
        ClassMembership.class_id == SchoolClass.id, ClassMembership.active_on(day)))
    return session.scalar(select(exists(empty))) is False


def every_family_has_credentials(session: Session, school_id: int) -> bool:
    """Every current student and each of their guardians has a password (one-time or their own)."""
    students = _students_now(session, school_id, _current_class_ids(session, school_id))
    if not students:
        return False
    guardians = select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(students))
    missing = select(User.id).where((User.id.in_(students)) | (User.id.in_(guardians)), User.password_hash.is_(None))
    return session.scalar(select(exists(missing))) is False
