"""Hooks the gradebook offers to other plugins (added to the manager when the gradebook is enabled).

Implementations in other plugins are marked ``@hookimpl(optionalhook=True)`` so that switching the
gradebook off leaves them working.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from plugins.gradebook.models import Homework, Lesson, Mark

hookspec = pluggy.HookspecMarker("klass")


@hookspec
def extra_journal_columns(session: Session, journal: Any) -> list[Any]:
    """Contribute cells to the journal grid (attendance puts its н/б/у/о codes here).

    Called once per journal page render and per grid-data request, after the gradebook has loaded the
    grid's students and lessons. Must cost at most one query for the whole grid (never one per cell).

    :param session: the request's session.
    :param journal: the ``plugins.gradebook.journal.Journal`` being built (class, subject, term, students,
        lessons; read-only for implementers).
    :return: a list of ``plugins.gradebook.journal.JournalExtra`` (key, title, weight, per-cell values,
        how a keystroke in a cell maps to the contributing plugin's API).
    """


@hookspec
def register_lesson_editors(session: Session, lesson: Lesson) -> list[int]:
    """Ids of users who may fill this lesson's journal besides its teacher (a substitute, for example).

    Called when someone other than the lesson's teacher tries to edit the lesson or its marks.

    :param session: the request's session.
    :param lesson: the lesson being edited.
    :return: a list of user ids (may be empty).
    """


@hookspec
def on_mark_saved(session: Session, mark: Mark, action: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
                  actor_id: int | None) -> None:
    """Called after a mark is created, changed, deleted or reverted, inside the saving transaction.

    ``old`` and ``new`` are the mark's FULL state before and after (not only the changed fields), so a
    listener can tell what changed: a comment-only edit has ``old`` and ``new`` differing only in
    ``comment`` (the diary does not notify families of that).

    :param session: the open session.
    :param mark: the mark (for a deletion: the mark as it was, no longer in the session).
    :param action: "created", "changed", "deleted", or "reverted" (an audited change undone by an
        administrator; ``old``/``new`` then say which way).
    :param old: the state before (keys ``id``, ``lesson_id``, ``student_id``, ``value``, ``numeric``,
        ``work_type``, ``comment``, ``version``); None when the mark is created (or re-created by a revert).
    :param new: the state after, same keys; None when the mark is deleted (or removed by a revert).
    :param actor_id: who made the change (None: a revert, or a command without a user).
    """


@hookspec
def on_homework_saved(session: Session, lesson: Lesson, homework: Homework) -> None:
    """Called after homework of a lesson is set or changed, inside the saving transaction.

    :param session: the open session.
    :param lesson: the lesson the homework is given at.
    :param homework: the homework as saved.
    """
