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
def on_attendance_saved(session: Session, lesson: Lesson, student_id: int, action: str, old: dict[str, Any],
                        new: dict[str, Any], actor_id: int | None) -> None:
    """Called after a student's attendance at a lesson changes (the grid, the roll call, a reason, an
    accepted note, or an undo after a leak), inside the saving transaction. A mail or diary plugin can
    tell the family; ``action`` says what happened, so it need not guess from ``old`` and ``new``.

    :param session: the open session.
    :param lesson: the lesson.
    :param student_id: the student.
    :param action: ``"created"`` (the student had no mark: present until now), ``"changed"`` (another code,
        minutes or reason), ``"deleted"`` (back to present) or ``"reverted"`` (restored by the undo after a
        reported leak; ``actor_id`` is then the administrator who undid it, or None).
    :param old: the previous state: ``code`` ("" for present), ``minutes_late``, ``reason``.
    :param new: the new state, same keys.
    :param actor_id: who made the change.
    """
