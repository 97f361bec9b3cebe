"""Who reads, posts in and moderates which section. One place for the rule, used by pages, API, widget
and the e-mail job: a class section belongs to the class's students, their guardians, the teachers who
teach it and its class teacher; an association section to its members; the administrator sees all."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    TeachingAssignment,
    User,
    can,
    classes_led_by,
    classes_of_user,
)
from plugins.forum.models import ForumMember, ForumSection

STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")


def is_family_only(user: User) -> bool:
    """A student or guardian without any staff role: the school's settings limit where they post."""
    return not user.has_role(*STAFF_ROLES)


def sees_everything(user: User) -> bool:
    return can(user, "forum.moderate.all")


def member_class_ids(session: Session, user: User, today: date) -> set[int]:
    """Classes whose section the user belongs to on ``today`` (three small queries at most)."""
    return classes_of_user(session, user, today)


def association_ids(session: Session, user: User) -> set[int]:
    return set(session.scalars(select(ForumMember.section_id).where(ForumMember.user_id == user.id,
                                                                     ForumMember.school_id == user.school_id)))


class Reader:
    """The user's reach, computed once per request: ``may_read(section)`` without further queries."""

    def __init__(self, session: Session, user: User, today: date) -> None:
        self.user = user
        self.all = sees_everything(user)
        self.classes = set() if self.all else member_class_ids(session, user, today)
        self.associations = set() if self.all else association_ids(session, user)

    def may_read(self, section: ForumSection) -> bool:
        if section.school_id != self.user.school_id:
            return False
        if self.all or section.kind == "school":
            return True
        if section.kind == "class":
            return section.class_id in self.classes
        return section.id in self.associations

    def may_moderate(self, section: ForumSection) -> bool:
        if self.all:
            return True
        return (section.kind == "class" and section.class_id in classes_led_by(self.user)
                and can(self.user, "forum.moderate"))

    def may_post(self, section: ForumSection, settings: dict[str, Any]) -> bool:
        """Reading is needed; a student or guardian posts only in the kinds of section the school allows."""
        if not (self.may_read(section) and can(self.user, "forum.post")):
            return False
        if not is_family_only(self.user):
            return True
        kinds: set[str] = set()
        if self.user.has_role("student"):
            kinds |= set(settings["students_post_in"])
        if self.user.has_role("guardian"):
            kinds |= set(settings["guardians_post_in"])
        return section.kind in kinds


def class_members(session: Session, class_id: int, today: date) -> set[int]:
    """Ids of everyone who reads a class's section (for notices: a subscriber who left is not told)."""
    from core.toolkit import class_teacher_of

    students = set(session.scalars(select(ClassMembership.student_id).where(
        ClassMembership.class_id == class_id, ClassMembership.active_on(today))))
    guardians = set(session.scalars(select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(students)))) \
        if students else set()
    teachers = set(session.scalars(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.class_id == class_id)))
    lead = class_teacher_of(session, class_id)
    return students | guardians | teachers | ({lead.id} if lead else set())


def may_user_read(session: Session, user: Any, section: ForumSection, today: date) -> bool:
    return Reader(session, user, today).may_read(section)
