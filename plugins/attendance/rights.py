"""Who may mark, view and verify attendance: the caller states what the user's roles allow in an
``Actor`` (views build it from ``core.toolkit.can``), and these rules decide per lesson and class.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from core.toolkit import N_, SchoolClass
from plugins.attendance.errors import AttendanceError
from plugins.gradebook.public import Lesson


@dataclass(frozen=True)
class Actor:
    """The user acting and what their permissions allow, stated by the caller (views use ``can``).

    ``edit_own``: attendance.edit (own lessons, and lessons where the gradebook's ``register_lesson_editors`` hook
    names them, e.g. a substitute); ``edit_any``: attendance.edit_any; ``verify_class_ids``: the classes
    they lead with attendance.verify (they correct any lesson of the class during verification);
    ``view_all``: attendance.view_all (the whole school, read-only unless ``edit_any``).
    """

    user_id: int
    school_id: int
    edit_own: bool = False
    edit_any: bool = False
    view_all: bool = False
    verify_class_ids: frozenset[int] = frozenset()
    # A teacher's own lessons older than this many days are corrected by the class teacher or deputy.
    edit_window_days: int | None = None
    extra_editors: Callable[[Lesson], Iterable[int]] | None = field(default=None, compare=False)
    # The school's clock and the start of a lesson by the bells (the gradebook's ``lesson_starts_at`` hook):
    # a lesson later today is not marked before it begins.
    now: datetime | None = None
    lesson_start: Callable[[Lesson], time | None] | None = field(default=None, compare=False)

    def is_extra_editor(self, lesson: Lesson) -> bool:
        return self.extra_editors is not None and self.user_id in set(self.extra_editors(lesson))


def edit_refusal(actor: Actor, lesson: Lesson, today: date) -> AttendanceError | None:
    """Why ``actor`` may not mark attendance at ``lesson`` (None when they may)."""
    if lesson.school_id != actor.school_id:
        return AttendanceError(N_("Not found."), "not_found")
    if lesson.date > today:
        return AttendanceError(N_("Attendance of a lesson is marked on its day or later."), "invalid")
    if actor.now is not None and actor.lesson_start is not None and lesson.date == actor.now.date():
        start = actor.lesson_start(lesson)
        if start is not None and actor.now.time() < start:
            return AttendanceError(N_("Lesson %(number)d begins at %(time)s: attendance is marked once it has "
                                      "begun."), "invalid", number=lesson.number, time=start.strftime("%H:%M"))
    if actor.edit_any or lesson.class_id in actor.verify_class_ids:
        return None
    if actor.edit_own and (lesson.teacher_id == actor.user_id or actor.is_extra_editor(lesson)):
        window = actor.edit_window_days
        if window is not None and (today - lesson.date).days > window:
            return AttendanceError(
                N_("The lesson was more than %(days)d days ago: ask the class teacher or the deputy to correct it."),
                "forbidden", days=window)
        return None
    return AttendanceError(
        N_("Only the lesson's teacher, a substitute, the class teacher or the deputy may mark attendance here."),
        "forbidden")


def can_edit_lesson(actor: Actor, lesson: Lesson, today: date) -> bool:
    return edit_refusal(actor, lesson, today) is None


def can_view_lesson(actor: Actor, lesson: Lesson) -> bool:
    if lesson.school_id != actor.school_id:
        return False
    return (actor.view_all or actor.edit_any or lesson.class_id in actor.verify_class_ids
            or lesson.teacher_id == actor.user_id or actor.is_extra_editor(lesson))


def can_view_class(actor: Actor, school_class: SchoolClass | None) -> bool:
    return school_class is not None and school_class.school_id == actor.school_id and (
        actor.view_all or actor.edit_any or school_class.id in actor.verify_class_ids)


def get_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    """The lesson if the actor may see it; otherwise "not found" (never reveal another class's lessons)."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(actor, lesson):
        raise AttendanceError(N_("Not found."), "not_found")
    return lesson

