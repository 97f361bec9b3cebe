"""The Russian school calendar's defaults: terms by the profile's term system, the usual holidays."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

TERM_NAMES = {"quarters": _l("quarter"), "trimesters": _l("trimester"), "halves": _l("half-year")}


@dataclass(frozen=True)
class Period:
    title: str
    starts_on: date
    ends_on: date


def _d(year: int, month: int, day: int, start_year: int) -> date:
    return date(start_year if month >= 8 else start_year + 1, month, day)


def default_terms(term_system: str, start_year: int) -> list[Period]:
    """Terms of the year starting 1 September ``start_year``; the school edits them afterwards."""
    spans = {
        "quarters": [((9, 1), (10, 24)), ((11, 5), (12, 28)), ((1, 12), (3, 20)), ((4, 1), (5, 26))],
        "trimesters": [((9, 1), (11, 28)), ((12, 1), (2, 27)), ((3, 2), (5, 26))],
        "halves": [((9, 1), (12, 28)), ((1, 12), (5, 26))],
    }[term_system]
    name = TERM_NAMES[term_system]
    return [
        Period(f"{n} {name}", _d(start_year, *a, start_year=start_year), _d(start_year, *b, start_year=start_year))
        for n, (a, b) in enumerate(spans, start=1)
    ]


def default_holidays(start_year: int) -> list[Period]:
    rows = [
        (_l("Autumn holidays"), (10, 27), (11, 4)),
        (_l("Winter holidays"), (12, 29), (1, 11)),
        (_l("Spring holidays"), (3, 23), (3, 31)),
    ]
    return [
        Period(str(t), _d(start_year, *a, start_year=start_year), _d(start_year, *b, start_year=start_year))
        for t, a, b in rows
    ]


def lesson_days(start: date, end: date, holidays: list[Period] | list, weekdays: int = 5) -> list[date]:
    """School days between two dates: Monday to Friday (or Saturday for a six-day week), no holidays."""
    from datetime import timedelta

    days = []
    day = start
    while day <= end:
        if day.weekday() < weekdays and not any(h.starts_on <= day <= h.ends_on for h in holidays):
            days.append(day)
        day += timedelta(days=1)
    return days
