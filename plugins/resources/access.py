"""Who sees a material, as one SQL condition (lists, search, the diary) and one check on a row (pages, files,
API). Anyone else gets 404, exactly as for a material that does not exist.

- its author always; the administration (``resources.manage``) every material but an author's private one;
- "association": the staff who teach its subject, and the administration;
- "teachers": every staff member of the school;
- "classes": the staff, and the students and guardians of the chosen classes (attaching a material to a
  lesson opens it to the lesson's class).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session

from core.toolkit import ClassMembership, GuardianLink, TeachingAssignment, User, can
from plugins.resources.models import Material, MaterialClass

STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher")


@dataclass
class Reader:
    """What the checks need to know about the user, loaded once per request (two small queries at most)."""

    user_id: int
    school_id: int
    staff: bool
    manager: bool
    subject_ids: set[int] = field(default_factory=set)
    class_ids: set[int] = field(default_factory=set)


def reader(session: Session, user: User, today: date) -> Reader:
    staff = user.has_role(*STAFF_ROLES)
    found = Reader(user.id, user.school_id, staff, can(user, "resources.manage"))
    if staff and not found.manager:
        found.subject_ids = set(session.scalars(select(TeachingAssignment.subject_id).where(
            TeachingAssignment.school_id == user.school_id, TeachingAssignment.teacher_id == user.id)))
    if user.has_role("student", "guardian"):
        found.class_ids = set(session.scalars(
            select(ClassMembership.class_id)
            .outerjoin(GuardianLink, GuardianLink.student_id == ClassMembership.student_id)
            .where(ClassMembership.school_id == user.school_id, ClassMembership.active_on(today),
                   or_(ClassMembership.student_id == user.id, GuardianLink.guardian_id == user.id))))
    return found


def condition(who: Reader) -> Any:
    """The SQL condition "``who`` may open this material" (the school's rows, withdrawn ones only for the author)."""
    shared = false()
    if who.staff:
        shared = Material.visibility.in_(("teachers", "classes"))
        if who.manager:
            shared = or_(shared, Material.visibility == "association")
        elif who.subject_ids:
            shared = or_(shared, and_(Material.visibility == "association", Material.subject_id.in_(who.subject_ids)))
    if who.class_ids:
        opened = exists().where(MaterialClass.material_id == Material.id, MaterialClass.class_id.in_(who.class_ids))
        shared = or_(shared, and_(Material.visibility == "classes", opened))
    return and_(Material.school_id == who.school_id,
                or_(Material.author_id == who.user_id, and_(Material.archived.is_(False), shared)))


def may_see(session: Session, who: Reader, material: Material) -> bool:
    if material.school_id != who.school_id:
        return False
    return session.scalar(select(Material.id).where(Material.id == material.id, condition(who))) is not None


def may_edit(who: Reader, material: Material) -> bool:
    """The author, or the administration for a material it can see (never someone's private draft)."""
    return material.author_id == who.user_id or (who.manager and material.visibility != "author")
