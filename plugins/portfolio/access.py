"""Who may see and change a student's portfolio: the student, his guardians, his class teacher, the
teachers who teach his class, and the administration (``portfolio.all.view``). Anyone else gets 404, the
same answer as for a portfolio that does not exist, so nothing leaks."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    SchoolClass,
    TeachingAssignment,
    User,
    can,
    class_of_student,
    classes_led_by,
    is_guardian_of,
    plugin_settings,
)


def student_class(session: Session, student_id: int, today: date) -> SchoolClass | None:
    return class_of_student(session, student_id, today)


def is_student(session: Session, school_id: int, user_id: int) -> bool:
    return session.scalar(select(ClassMembership.id).where(ClassMembership.school_id == school_id,
                                                           ClassMembership.student_id == user_id).limit(1)) is not None


def leads(user: User, class_id: int | None) -> bool:
    return class_id is not None and class_id in classes_led_by(user)


def teaches_class(session: Session, user: User, class_id: int | None) -> bool:
    if class_id is None:
        return False
    return session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.school_id == user.school_id, TeachingAssignment.teacher_id == user.id,
        TeachingAssignment.class_id == class_id).limit(1)) is not None


def may_view(session: Session, user: User, student: User, today: date) -> bool:
    """The privacy rule of the issue, in one place (pages, API, files and print use it)."""
    if user.school_id != student.school_id or not is_student(session, student.school_id, student.id):
        return False
    if user.id == student.id or can(user, "portfolio.all.view"):
        return True
    if is_guardian_of(session, user.id, student.id):
        return True
    klass = student_class(session, student.id, today)
    cid = klass.id if klass else None
    return leads(user, cid) or teaches_class(session, user, cid)


def may_add(session: Session, user: User, student: User, today: date) -> bool:
    """The student himself; a guardian where the school allows it; a teacher of his class; his class teacher."""
    if not may_view(session, user, student, today) or not can(user, "portfolio.entry.add"):
        return False
    if user.id == student.id:
        return True
    if is_guardian_of(session, user.id, student.id):
        return bool(plugin_settings("portfolio")["guardians_may_add"])
    klass = student_class(session, student.id, today)
    cid = klass.id if klass else None
    return leads(user, cid) or teaches_class(session, user, cid)


def may_review(session: Session, user: User, student: User, today: date) -> bool:
    """The class teacher of the student's class confirms or returns entries (and the administration)."""
    if not can(user, "portfolio.entry.review") or user.school_id != student.school_id:
        return False
    if can(user, "portfolio.all.view"):
        return True
    klass = student_class(session, student.id, today)
    return leads(user, klass.id if klass else None)


def may_share(session: Session, user: User, student: User) -> bool:
    """The student or his guardian make and withdraw public links."""
    return can(user, "portfolio.link.manage") and (
        user.id == student.id or is_guardian_of(session, user.id, student.id))
