"""Hooks the diary offers to other plugins (added to the manager when the diary is enabled).

The diary never imports another optional plugin: the timetable fills in bell times, changes and the
test schedule, the office says which families want paper statements. Everything crosses as plain
dicts and lists, so an implementer needs nothing from ``plugins.diary``. Implementations are marked
``@hookimpl(optionalhook=True)`` so switching the diary off leaves them working.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from sqlalchemy.orm import Session

hookspec = pluggy.HookspecMarker("klass")


@hookspec(firstresult=True)
def extra_diary_timetable(session: Session, school_id: int, class_id: int, student_id: int,
                    week_start: date, week_end: date, subgroup_ids: frozenset[int]) -> dict[str, Any] | None:
    """Bell times and changes (substitutions, moved or cancelled lessons) for one student's week.

    Called once per diary week page and week API call, after the diary's own query. The week page
    budget is five SQL statements in all and the diary uses four: spend at most one here.
    Stops at the first non-None result.

    :param session: the request's session.
    :param school_id: the school of the request.
    :param class_id: the student's class on the week's first school day.
    :param student_id: whose week it is (subgroups differ inside a class).
    :param week_start: the Monday; ``week_end``: the Sunday.
    :param subgroup_ids: the student's subgroups, read with the diary's week: a change of a subgroup's
        lesson concerns only its members, and with them the answer is the same for every student of the
        class in those subgroups (the timetable keeps it per class, week and subgroups).
    :return: ``{"bells": {lesson_number: ("08:30", "09:15")}, "changes": [{"date": date,
        "number": int, "kind": "substitution" | "moved_in" | "moved_out" | "cancelled", "text": str}]}``
        (either key may be missing), or None. A change whose (date, number) matches a lesson of the week
        is shown on that lesson, any other under its day, so its text should name the subject.
    """


@hookspec
def extra_diary_sections(session: Session, school_id: int, student_id: int, class_id: int,
                         week_start: date, lessons: Mapping[int, tuple[date, int, str]]) -> list[dict[str, Any]]:
    """Extra blocks under a family's week (class events, a school announcement...).

    Called once per diary week page.

    :param session: the request's session.
    :param school_id: the student's school (scope every query by it; no need to load the class for it).
    :param student_id: whose week it is.
    :param class_id: the student's class.
    :param week_start: the Monday of the week shown.
    :param lessons: the week's lessons the student attends, as the page shows them: lesson id → (date,
        number, subject's name). A block about the week's lessons selects by these ids and labels by
        these values: it then follows moved, cancelled and other subgroups' lessons with no query of its own.
    :return: a list of ``{"title": str, "html": markupsafe.Markup | str, "weight": int}``;
        plain strings are escaped, sorted by ``weight``.
    """


@hookspec
def extra_diary_test_schedule(session: Session, school_id: int, class_id: int, start: date,
                        end: date) -> list[dict[str, Any]]:
    """Planned tests (график контрольных работ) of a class between two dates, for the marks page.

    Called once per diary marks page, with the chosen term's dates. The diary already lists the gradebook's lessons that carry a control work type; this hook adds
    what only a planning plugin knows.

    :return: a list of ``{"date": date, "subject": str, "title": str}``.
    """


@hookspec
def extra_paper_statement_guardians(session: Session, school_id: int, class_id: int) -> list[int]:
    """Ids of the class's guardians whose consent says they want information on paper.

    Called when the class teacher opens the paper statements form: their children are pre-selected.
    Without an implementation nothing is pre-selected and the class teacher chooses.

    :return: a list of guardian user ids.
    """
