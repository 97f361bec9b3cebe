"""Who may see which class's timetable: staff the whole school, a student their class, a guardian their
children's classes. Used by the pages and the API alike."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import SchoolClass, User, children_of, class_of_student, current_year

STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher")


def is_staff(user: Any) -> bool:
    return user.has_role(*STAFF_ROLES)


def family_students(session: Session, user: Any) -> list[User]:
    """The students whose timetable this user follows: themself, or their children."""
    students: list[User] = []
    if user.has_role("student"):
        students.append(user)
    if user.has_role("guardian"):
        students += [c for c in children_of(session, user.id) if c.id != user.id]
    return students


def visible_classes(session: Session, user: Any, school_id: int, today: date) -> list[SchoolClass]:
    """Classes of the current year the user may open, in journal order."""
    year = current_year(session, school_id)
    if year is None:
        return []
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                   .order_by(SchoolClass.grade_level, SchoolClass.letter)))
    if is_staff(user):
        return classes
    own = {c.id for s in family_students(session, user) if (c := class_of_student(session, s.id, today)) is not None}
    return [c for c in classes if c.id in own]


def may_see_class(session: Session, user: Any, school_id: int, class_id: int, today: date) -> bool:
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school_id:
        return False
    if is_staff(user):
        return True
    return any(c.id == class_id for c in visible_classes(session, user, school_id, today))


def student_in_class(session: Session, user: Any, class_id: int, today: date) -> int | None:
    """For a family member: the (first) student of theirs in this class, to show only their subgroups."""
    for student in family_students(session, user):
        found = class_of_student(session, student.id, today)
        if found is not None and found.id == class_id:
            return student.id
    return None
