"""Turning the services' problems into the Russian sentences pages and the API show (needs the app)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from core.toolkit import name_in_case
from plugins.timetable.refusals import ON_WEEKDAY, WEEKDAYS, Problem


def problem_text(problem: Problem) -> str:
    params: dict[str, Any] = {}
    for key, value in problem.params.items():
        if key == "day" and isinstance(value, int):
            params[key] = gettext(ON_WEEKDAY[value])
        elif isinstance(value, tuple | list):
            params[key] = ", ".join(gettext(v) for v in value)
        else:
            params[key] = value
    return gettext(problem.msgid, **params) if params else gettext(problem.msgid)


def problems_text(problems: list[Problem]) -> list[str]:
    return list(dict.fromkeys(problem_text(p) for p in problems))


def weekday_name(index: int) -> str:
    return gettext(WEEKDAYS[index])


def change_note(info: Any) -> str:
    """One line a family reads: «Замена: вместо Иванова И. И. ведёт Петрова А. С.»."""
    if info is None:
        return ""
    if info.kind == "substitution":
        text = gettext("Substitution: %(new)s instead of %(old)s", new=info.new_teacher or "", old=name_in_case(info.teacher, "gen"))
    elif info.kind == "move":
        text = gettext("Moved from %(date)s, lesson %(number)s to %(new_date)s, lesson %(new_number)s",
                       date=info.date.strftime("%d.%m.%Y"), number=info.number,
                       new_date=info.new_date.strftime("%d.%m.%Y") if info.new_date else "",
                       new_number=info.new_number or "")
    else:
        text = gettext("Cancelled")
    if info.reason:
        text += f" ({info.reason})"
    return text
