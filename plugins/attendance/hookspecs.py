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
def on_attendance_batch_saved(session: Session, lesson: Lesson, changes: list[dict[str, Any]],
                              actor_id: int | None) -> None:
    """Called once per lesson after students' attendance there changes (the grid, the roll call, a reason,
    an accepted note, or an undo after a leak), inside the saving transaction, with every change of that
    save: a roll call of 30 absences is one call, so a listener can record it in one statement (the save
    itself costs a constant number of statements; keep it so). A mail or diary plugin tells the family.

    :param session: the open session.
    :param lesson: the lesson.
    :param changes: one dict per student whose state changed: ``student_id``; ``action``: ``"created"``
        (the student had no mark: present until now), ``"changed"`` (another code, minutes or reason),
        ``"deleted"`` (back to present) or ``"reverted"`` (restored by the undo after a reported leak;
        ``actor_id`` is then the administrator who undid it, or None); ``old`` and ``new``: the full
        states, ``code`` ("" for present), ``minutes_late``, ``reason``.
    :param actor_id: who made the change.
    """
