"""A mark and an absence in one lesson: a student who was away cannot have answered at the lesson.

One rule for both orders: a mark given to a student marked «н» (asked of attendance through the
``lesson_absences`` hook), and an «н» given to a student who already has a mark (attendance asks
``absence_clash`` in ``plugins.gradebook.public``). The school's ``marks_when_absent`` setting decides:
"warn" (saved, with a visible warning: a written test may be marked after the lesson) or "refuse".
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_
from plugins.gradebook.errors import MarkError
from plugins.gradebook.models import Mark


@dataclass(frozen=True)
class Clash:
    """A mark and an absence in one lesson: ``message`` is a msgid, ``params`` its values."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    refused: bool = False

    def error(self) -> MarkError:
        return MarkError(self.message, **self.params)


def _decide(settings: Mapping[str, Any], message: str, **params: Any) -> Clash:
    refused = settings.get("marks_when_absent", "warn") == "refuse"
    if refused:
        message = {MARK_WHEN_ABSENT: MARK_WHEN_ABSENT_REFUSED, ABSENT_WITH_MARK: ABSENT_WITH_MARK_REFUSED}[message]
    return Clash(message, params, refused)


MARK_WHEN_ABSENT = N_("The student is marked “%(code)s” at this lesson, and now has a mark too: check that both "
                      "are right.")
MARK_WHEN_ABSENT_REFUSED = N_("The student is marked “%(code)s” at this lesson: the school does not allow a mark "
                              "for a lesson the student missed. Remove the absence first if they were there.")
ABSENT_WITH_MARK = N_("The student already has a mark (%(marks)s) at this lesson and is now marked absent: check "
                      "that both are right.")
ABSENT_WITH_MARK_REFUSED = N_("The student has a mark (%(marks)s) at this lesson: the school does not allow an "
                              "absence next to a mark. Remove the mark first if they were away.")


def mark_clash(session: Session, settings: Mapping[str, Any], hooks: Any, lesson_id: int,
               student_id: int) -> Clash | None:
    """A mark is about to be given: is the student marked absent at the lesson? (asks attendance)"""
    if hooks is None:
        return None
    absences: dict[int, str] = {}
    for answer in hooks.lesson_absences(session=session, lesson_id=lesson_id, student_ids=[student_id]):
        absences.update(answer or {})
    code = absences.get(student_id)
    return _decide(settings, MARK_WHEN_ABSENT, code=code) if code else None


def absence_clash(session: Session, settings: Mapping[str, Any], lesson_id: int, student_id: int) -> Clash | None:
    """An absence is about to be recorded (attendance asks): has the student a mark at the lesson?

    ``settings`` are the gradebook's (``plugin_settings("gradebook")``).
    """
    values = list(session.scalars(select(Mark.value).where(Mark.lesson_id == lesson_id,
                                                           Mark.student_id == student_id).order_by(Mark.id)))
    return _decide(settings, ABSENT_WITH_MARK, marks=" ".join(values)) if values else None

