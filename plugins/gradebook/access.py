"""Who may see what, for the pages and the API alike (Flask-aware; the rules themselves are in the service modules).

Route permissions say what a role may do at all; these checks narrow it to the objects: a teacher to the
classes and subjects they teach, a class teacher to their class, a student to themself, a guardian to
their own children. A refusal answers 404 for objects and 403 for journals, never leaking other rows.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    SubgroupMember,
    TeachingAssignment,
    acting_user,
    can,
    classes_led_by,
    current_school_id,
    hook,
    plugin_settings,
    school_today,
)
from plugins.gradebook.editing import Editor
from plugins.gradebook.errors import GradebookError


def settings() -> dict[str, Any]:
    return plugin_settings("gradebook")


def editor() -> Editor:
    """The signed-in user as the services see them: permissions, today, the hook relay."""
    u = acting_user()
    return Editor(
        user_id=u.id, school_id=current_school_id(), today=school_today(),
        may_edit=can(u, "gradebook.journal.edit"), may_edit_any=can(u, "gradebook.journal.edit_any"),
        may_final=can(u, "gradebook.final.edit"), may_final_override=can(u, "gradebook.final.override"),
        hooks=hook(),
    )


def message(error: GradebookError) -> str:
    """The Russian text of a refused change."""
    return gettext(error.message, **error.params) if error.params else gettext(error.message)


def warnings(ed: Editor) -> list[str]:
    """The Russian texts of what a save let through with a warning (``Editor.warnings``)."""
    return [gettext(w.message, **w.params) for w in ed.warnings]


def views_all() -> bool:
    return can(acting_user(), "gradebook.journal.view_all")


def leads(class_id: int) -> bool:
    return class_id in classes_led_by(acting_user())


def teaches_class(session: Session, class_id: int, subject_id: int | None = None) -> bool:
    query = select(TeachingAssignment.id).where(TeachingAssignment.teacher_id == acting_user().id,
                                                TeachingAssignment.class_id == class_id)
    if subject_id is not None:
        query = query.where(TeachingAssignment.subject_id == subject_id)
    return session.scalar(query.limit(1)) is not None


def may_view_class(session: Session, class_id: int, subject_id: int | None = None) -> bool:
    """Staff who may see the class's marks (in ``subject_id`` when given)."""
    return views_all() or leads(class_id) or teaches_class(session, class_id, subject_id)


def may_see_student(session: Session, student_id: int, class_id: int, subject_id: int | None) -> bool:
    """The student themself, their guardians, and staff who may see the class (the explanation page)."""
    u = acting_user()
    if u.id == student_id:
        return True
    if u.has_role("guardian") and session.get(GuardianLink, (u.id, student_id)) is not None:
        return True
    if not u.has_role("admin", "principal", "deputy", "class_teacher", "teacher"):
        return False
    return may_view_class(session, class_id, subject_id)


def student_in_class(session: Session, student_id: int, class_id: int, start: date, end: date) -> bool:
    return session.scalar(select(ClassMembership.id).where(
        ClassMembership.class_id == class_id, ClassMembership.student_id == student_id,
        ClassMembership.active_between(start, end)).limit(1)) is not None


def student_attends_lesson(session: Session, student_id: int, lesson: Any) -> bool:
    """A student (or their guardian) may download the homework of their own lessons only."""
    if not student_in_class(session, student_id, lesson.class_id, lesson.date, lesson.date):
        return False
    if lesson.subgroup_id is None:
        return True
    return session.get(SubgroupMember, (lesson.subgroup_id, student_id)) is not None


def may_see_lesson(session: Session, lesson: Any) -> bool:
    """Staff of the class; the students of the lesson and their guardians (homework files)."""
    u = acting_user()
    if u.has_role("admin", "principal", "deputy", "class_teacher", "teacher"):
        if lesson.teacher_id == u.id or may_view_class(session, lesson.class_id, lesson.subject_id):
            return True
        if hook().register_lesson_editors.get_hookimpls():
            if any(u.id in (ids or ()) for ids in hook().register_lesson_editors(session=session, lesson=lesson)):
                return True
    if student_attends_lesson(session, u.id, lesson):
        return True
    if u.has_role("guardian"):
        children = session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == u.id)).all()
        return any(student_attends_lesson(session, child, lesson) for child in children)
    return False
