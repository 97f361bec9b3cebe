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


@hookspec
def lesson_absences(session: Session, lesson_id: int, student_ids: list[int]) -> dict[int, str]:
    """Who of ``student_ids`` was away from the lesson (not merely late), with the code shown («н», «б»).

    Called before marks are saved: a mark and an absence in one lesson raise a warning, or are refused
    where the school's ``marks_when_absent`` setting says so. One query for all the students.

    :param session: the open session.
    :param lesson_id: the lesson.
    :param student_ids: the students about to get marks.
    :return: student id -> the absence code; students who were there are left out.
    """


@hookspec(firstresult=True)
def lesson_starts_at(session: Session, lesson: Lesson) -> Any:
    """When the lesson begins by the school's bells (a ``datetime.time``), None when unknown.

    Called when attendance is marked: a lesson that has not begun yet (later today) is refused.

    :param session: the open session.
    :param lesson: the lesson.
    :return: the start time of the lesson's number in its class's bell schedule.
    """


@hookspec
def extra_lesson_sections(session: Session, lesson: Lesson, user: Any) -> list[dict[str, Any]]:
    """Blocks another plugin adds to a lesson's page (the resource catalogue's attached materials).

    Called once per render of the staff lesson page, after the gradebook has checked that ``user`` may see
    the lesson. Spend at most a couple of queries: the page is opened at every lesson.

    :param session: the request's session.
    :param lesson: the lesson shown.
    :param user: the signed-in user looking at it.
    :return: ``{"title": str, "html": Markup, "weight": int}`` blocks, shown under the lesson in weight
        order (a plain string ``html`` is escaped).
    """
