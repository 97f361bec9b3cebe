"""Hooks the attendance plugin offers to other plugins (added to the manager when attendance is enabled).

Implementations elsewhere are marked ``@hookimpl(optionalhook=True)`` so that switching attendance off
leaves them working.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from plugins.gradebook.public import Lesson

hookspec = pluggy.HookspecMarker("klass")


@hookspec
def on_attendance_saved(session: Session, lesson: Lesson, student_id: int, old: dict[str, Any],
                        new: dict[str, Any], actor_id: int | None) -> None:
    """Called after a student's attendance at a lesson changes (the grid, the roll call, a reason or an
    accepted note), inside the saving transaction. A mail or diary plugin can tell the family.

    :param session: the open session.
    :param lesson: the lesson.
    :param student_id: the student.
    :param old: the previous state: ``code`` ("" for present), ``minutes_late``, ``reason``.
    :param new: the new state, same keys.
    :param actor_id: who made the change.
    """
