"""Who may open whose diary. One policy for every page, the API, files and printed documents:

- a student: only themself;
- a guardian: only their own children (core GuardianLink);
- a class teacher: the students of the classes they lead;
- the administration (``diary.students.view_any``: deputy, principal, admin): every student of the school.

A refusal is always "not found", the same answer as for an id that does not exist, so ids cannot be
probed for existence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session, aliased

from core.toolkit import ClassMembership, GuardianLink, SchoolClass, User, can, classes_led_by


@dataclass(frozen=True)
class Viewer:
    id: int
    school_id: int
    is_student: bool
    is_guardian: bool
    led_classes: frozenset[int]
    school_wide: bool

    @property
    def is_staff(self) -> bool:
        return self.school_wide or bool(self.led_classes)


def viewer_of(user: Any) -> Viewer:
    """The viewer's scope from the role grants already loaded with the user (no query)."""
    return Viewer(
        id=user.id, school_id=user.school_id,
        is_student=user.has_role("student"), is_guardian=user.has_role("guardian"),
        led_classes=frozenset(classes_led_by(user)),
        school_wide=can(user, "diary.students.view_any"),
    )


def accessible(viewer: Viewer, student_id: ColumnElement[int], viewer_id: Any = None, school_id: Any = None
               ) -> ColumnElement[bool]:
    """A SQL condition: ``student_id`` (a column or a scalar subquery) is a student the viewer may see.

    ``viewer_id``/``school_id`` may be bound parameters standing for the viewer's (a statement built
    once for every viewer of the same shape); by default the viewer's own values.
    """
    viewer_id = viewer.id if viewer_id is None else viewer_id
    school_id = viewer.school_id if school_id is None else school_id
    parts: list[ColumnElement[bool]] = []
    if viewer.is_student:
        parts.append(student_id == viewer_id)
    if viewer.is_guardian:
        parts.append(student_id.in_(select(GuardianLink.student_id).where(GuardianLink.guardian_id == viewer_id)))
    member = aliased(ClassMembership)  # the caller's query may join ClassMembership itself
    if viewer.led_classes:
        parts.append(select(member.id).where(member.student_id == student_id,
                                             member.class_id.in_(viewer.led_classes)).exists())
    if viewer.school_wide:
        parts.append(select(member.id).where(member.student_id == student_id,
                                             member.school_id == school_id).exists())
    if not parts:
        return false()
    return or_(*parts) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class StudentInfo:
    id: int
    last_name: str
    first_name: str
    middle_name: str
    class_id: int | None
    class_name: str | None
    relation: str  # self | child | staff: a family view is logged in the visit log, a staff view is not

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


def relation_of(viewer: Viewer, student_id: int, is_child: bool) -> str:
    if viewer.is_student and student_id == viewer.id:
        return "self"
    return "child" if is_child else "staff"


def resolve_student(session: Session, viewer: Viewer, student_id: int, day: date) -> StudentInfo | None:
    """The student if the viewer may see them, with their class on ``day`` (or the latest one); one query."""
    is_child = (select(GuardianLink.student_id)
                .where(GuardianLink.guardian_id == viewer.id, GuardianLink.student_id == User.id).exists())
    row = session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name, SchoolClass.id,
               SchoolClass.grade_level, SchoolClass.letter, is_child if viewer.is_guardian else false())
        .outerjoin(ClassMembership, and_(ClassMembership.student_id == User.id, ClassMembership.starts_on <= day))
        .outerjoin(SchoolClass, SchoolClass.id == ClassMembership.class_id)
        .where(User.id == student_id, User.school_id == viewer.school_id, accessible(viewer, User.id))
        .order_by(ClassMembership.starts_on.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    sid, last, first, middle, class_id, grade, letter, child = row
    return StudentInfo(sid, last, first, middle, class_id, f"{grade}{letter}" if class_id else None,
                       relation_of(viewer, sid, bool(child)))


def children(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """(id, short name) of the guardian's children, for the switch between them."""
    if not viewer.is_guardian:
        return []
    return [(i, f"{last} {first}") for i, last, first in session.execute(
        select(User.id, User.last_name, User.first_name)
        .join(GuardianLink, GuardianLink.student_id == User.id)
        .where(GuardianLink.guardian_id == viewer.id)
        .order_by(User.last_name, User.first_name, User.id))]


def class_in_scope(viewer: Viewer, class_id: int) -> bool:
    """May the viewer work with this class as its class teacher (or the administration)?"""
    return viewer.school_wide or class_id in viewer.led_classes



def may_open_homework_file(session: Session, viewer: Viewer, file_id: int) -> bool:
    """A homework attachment is open to those who may see a student of the lesson (its class, its subgroup,
    a member on the lesson's day): the families, the class teacher, the administration."""
    from core.toolkit import SubgroupMember
    from plugins.gradebook.public import Homework, HomeworkFile, Lesson

    lesson = session.execute(
        select(Lesson.class_id, Lesson.subgroup_id, Lesson.date)
        .join(Homework, Homework.lesson_id == Lesson.id).join(HomeworkFile, HomeworkFile.homework_id == Homework.id)
        .where(HomeworkFile.id == file_id, HomeworkFile.school_id == viewer.school_id)).first()
    if lesson is None:
        return False
    class_id, subgroup_id, day = lesson
    student = ClassMembership.student_id
    conditions = [ClassMembership.class_id == class_id, ClassMembership.active_on(day), accessible(viewer, student)]
    if subgroup_id is not None:
        conditions.append(student.in_(select(SubgroupMember.student_id)
                                      .where(SubgroupMember.subgroup_id == subgroup_id)))
    return session.scalar(select(student).where(*conditions).limit(1)) is not None
