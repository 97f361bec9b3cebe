"""A whole school's progress and journal timeliness as single figures, for pages beyond one school (the
region plugin's municipal table). The same definitions and queries as the school's own reports (the
whole-school "class progress" report, the timeliness report), so the municipality and the deputy read the
same numbers; a constant number of queries per school, whatever its size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from core.toolkit import Term
from plugins.reports import figures
from plugins.reports.library import common
from plugins.reports.library.timeliness import lesson_statuses
from plugins.reports.registry import UserScope


def school_progress(session: Session, school_id: int, term: Term, today: date) -> figures.ProgressStats:
    """успеваемость and качество знаний of the whole school for a term (final marks where set, else the
    forecast from the current marks), as the whole-school progress report counts them: six queries."""
    scope = UserScope(school_id, True, frozenset(), {})
    scale = common.scale()
    results = common.term_results(session, school_id, term, today, scope, None)
    return figures.combine((figures.progress_stats(cr.by_student(), scale) for cr in results), scale)


@dataclass(frozen=True)
class Timeliness:
    """Lessons of a range whose entries were due, and how many had every checked entry in time."""

    due: int
    on_time: int
    late: int  # some entry made after the deadline
    missing: int  # some entry still not made

    @property
    def percent(self) -> float | None:
        return figures.percent(self.on_time, self.due)


def school_timeliness(session: Session, school_id: int, start: date, end: date, now: datetime) -> Timeliness:
    """The school's lessons in the range judged by its timeliness settings (items, days): four queries."""
    settings = common.reports_settings()
    rows = lesson_statuses(session, school_id, start, end, settings["timeliness_days"],
                           list(settings["timeliness_items"]), now=now)
    due = on_time = late = missing = 0
    for _lesson, statuses in rows:
        due += 1
        values = set(statuses.values())
        if figures.MISSING in values:
            missing += 1
        elif figures.LATE in values:
            late += 1
        else:
            on_time += 1
    return Timeliness(due, on_time, late, missing)


def combine_progress(parts: list[figures.ProgressStats]) -> figures.ProgressStats:
    """Several schools' progress together (the municipality's total), without recounting any student."""
    return figures.combine(parts, common.scale())
