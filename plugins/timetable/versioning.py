"""Timetable versions: which one holds on a day or in a range, and starting a new one."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.toolkit import N_, AcademicYear
from plugins.timetable.models import TimetableEntry, TimetableVersion
from plugins.timetable.refusals import fail


def versions_between(session: Session, school_id: int, start: date, end: date) -> list[TimetableVersion]:
    return list(session.scalars(select(TimetableVersion).where(
        TimetableVersion.school_id == school_id, TimetableVersion.valid_from <= end, TimetableVersion.valid_to >= start,
    ).order_by(TimetableVersion.valid_from)))


def version_on(session: Session, school_id: int, day: date) -> TimetableVersion | None:
    found = versions_between(session, school_id, day, day)
    return found[0] if found else None


def create_version(session: Session, school_id: int, year: AcademicYear, title: str, valid_from: date,
                   valid_to: date, copy_from: TimetableVersion | None = None, actor_id: int | None = None
                   ) -> tuple[TimetableVersion, TimetableVersion | None]:
    """A new timetable from ``valid_from``; the version running on that day is closed the day before.

    Returns the new version and the one it closed (if any). Refuses dates outside the year or a range
    that would still overlap another version.
    """
    if valid_from > valid_to:
        raise fail("dates", N_("The timetable must end after it starts."))
    if valid_from < year.starts_on or valid_to > year.ends_on:
        raise fail("dates", N_("The dates must lie within the school year %(year)s."), year=year.title)
    closed = None
    running = version_on(session, school_id, valid_from)
    if running is not None and running.valid_from < valid_from:
        running.valid_to = valid_from - timedelta(days=1)
        closed = running
        session.flush()
    for other in versions_between(session, school_id, valid_from, valid_to):
        raise fail("overlap", N_("The dates overlap the timetable “%(title)s” (%(start)s – %(end)s)."), 409,
                    title=other.title, start=other.valid_from.strftime("%d.%m.%Y"),
                    end=other.valid_to.strftime("%d.%m.%Y"))
    version = TimetableVersion(school_id=school_id, year_id=year.id, title=title, valid_from=valid_from,
                               valid_to=valid_to, created_by=actor_id)
    session.add(version)
    session.flush()
    if copy_from is not None:
        rows = session.execute(select(
            TimetableEntry.class_id, TimetableEntry.subgroup_id, TimetableEntry.subject_id, TimetableEntry.teacher_id,
            TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.room,
        ).where(TimetableEntry.version_id == copy_from.id)).mappings().all()
        if rows:
            session.execute(insert(TimetableEntry), [{**r, "school_id": school_id, "version_id": version.id} for r in rows])
    return version, closed

