"""Who is changing the journal and whether they may change this lesson (its marks, its topic)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.toolkit import N_
from plugins.gradebook.errors import EditRefused, GradebookError
from plugins.gradebook.models import Lesson, Mark


@dataclass(frozen=True)
class Editor:
    """Who makes a change and what their permissions allow; the view builds it (``can()`` is Flask's).

    ``today`` is the school's local date; ``hooks`` is the app's hook relay (``register_lesson_editors``,
    ``on_mark_saved``, ``on_homework_saved``, ``extra_journal_columns``), None outside an app.
    """

    user_id: int | None  # None: a command run by the administrator (CLI), audited without an actor
    school_id: int
    today: date
    may_edit: bool = False  # gradebook.journal.edit: own lessons, inside the edit window
    may_edit_any: bool = False  # gradebook.journal.edit_any: any lesson, any time
    may_final: bool = False  # gradebook.final.edit: own subjects, until the term is locked
    may_final_override: bool = False  # gradebook.final.override: any class, also after the lock
    hooks: Any = None
    # Saved, but worth a look (``absence_rule.Clash``: a mark next to an «н»): the page or the API shows them.
    warnings: list[Any] = field(default_factory=list, compare=False)

    def substitutes(self, session: Session, lesson: Lesson) -> bool:
        """Does a plugin (timetable: a substitution) let this user fill ``lesson`` too?"""
        if self.hooks is None:
            return False
        return any(self.user_id in (ids or ()) for ids in self.hooks.register_lesson_editors(session=session, lesson=lesson))

    def notify_mark(self, session: Session, mark: Mark, action: str, old: dict[str, Any] | None,
                    new: dict[str, Any] | None) -> None:
        """Tell ``on_mark_saved`` listeners: ``old``/``new`` are the mark's full states (``mark_state``)."""
        if self.hooks is not None:
            self.hooks.on_mark_saved(session=session, mark=mark, action=action, old=old, new=new,
                                     actor_id=self.user_id)


def lesson_refusal(session: Session, settings: Mapping[str, Any], editor: Editor, lesson: Lesson,
                   *, for_marks: bool = True) -> GradebookError | None:
    """Why ``editor`` may not change this lesson (its marks when ``for_marks``), or None when they may.

    Marks: only at or after the lesson, within ``edit_window_days`` of it, by its teacher or a user the
    ``register_lesson_editors`` hook names; ``gradebook.journal.edit_any`` lifts the teacher and window rules.
    Topic and homework: by the same people, at any time.
    """
    if for_marks and lesson.date > editor.today:
        return EditRefused(N_("The lesson has not taken place yet: marks are given on the day of the lesson "
                              "or later."))
    if editor.may_edit_any:
        return None
    if not editor.may_edit:
        return EditRefused(N_("You may view this journal but not change it."))
    if lesson.teacher_id != editor.user_id and not editor.substitutes(session, lesson):
        return EditRefused(N_("Only the teacher of this lesson (or the substitute) may change it."))
    if for_marks:
        window = settings["edit_window_days"]
        if (editor.today - lesson.date).days > window:
            return EditRefused(
                N_("Marks may be changed within %(days)d days after the lesson; this lesson was on %(date)s. "
                   "Ask the deputy principal to correct it."),
                days=window, date=lesson.date.strftime("%d.%m.%Y"))
    return None


def check_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, lesson: Lesson,
                 *, for_marks: bool = True) -> None:
    refusal = lesson_refusal(session, settings, editor, lesson, for_marks=for_marks)
    if refusal is not None:
        raise refusal
