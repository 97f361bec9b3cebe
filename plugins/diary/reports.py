"""«How guardians use the diary» for the reports plugin (its ``register_reports`` hook): from the visit
log and the acknowledgements, per guardian of a class, or per class of the school.

Imported only when the reports plugin calls the hook, so the diary runs without it.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.toolkit import AcademicYear, ClassMembership, GuardianLink, SchoolClass, User
from plugins.diary.models import Acknowledgement, Visit
from plugins.diary.services import short_name
from plugins.reports.public import (
    DATE,
    INT,
    PERCENT,
    TEXT,
    Column,
    Figure,
    ReportDefinition,
    ReportParams,
    ReportResult,
    Row,
    class_field,
    date_field,
)


class UsageParams(ReportParams):
    class_id = class_field()
    start = date_field(_l("Period from"), days_ago=27)
    end = date_field(_l("Period to"), days_ago=0)


def definitions() -> list[Any]:
    return [ReportDefinition(
        key="diary_usage", title=_l("How guardians use the diary"), run=run, params=UsageParams,
        scope="class_or_school", category="families", weight=10,
        description=_l("Who opened the diary in the period, when last, and how many weeks they confirmed."))]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, UTC), datetime.combine(end + timedelta(days=1), time.min, UTC))


def _links(session: Session, school_id: int, class_ids: list[int], day: date) -> list[tuple[int, int, int]]:
    """(class, student, guardian) of the classes' students on ``day``."""
    return session.execute(
        select(ClassMembership.class_id, ClassMembership.student_id, GuardianLink.guardian_id)
        .join(GuardianLink, GuardianLink.student_id == ClassMembership.student_id)
        .where(ClassMembership.school_id == school_id, ClassMembership.class_id.in_(class_ids),
               ClassMembership.active_on(day))).all()


def run(session: Session, values: dict[str, Any], user: Any) -> ReportResult:
    start, end = values["start"], values["end"]
    school_id = user.school_id
    low, high = _bounds(start, end)
    class_id = values.get("class_id")
    current_year = select(AcademicYear.id).where(AcademicYear.school_id == school_id,
                                                 AcademicYear.is_current.is_(True)).scalar_subquery()
    classes = session.execute(select(SchoolClass.id, SchoolClass.grade_level, SchoolClass.letter)
                              .where(SchoolClass.school_id == school_id,
                                     SchoolClass.id == class_id if class_id else SchoolClass.year_id == current_year)
                              .order_by(SchoolClass.grade_level, SchoolClass.letter)).all()
    class_names = {c[0]: f"{c[1]}{c[2]}" for c in classes}
    links = _links(session, school_id, list(class_names), end)
    guardians = {g for _c, _s, g in links}
    visits: dict[int, tuple[int, Any]] = {}
    if guardians:
        for viewer_id, count, last in session.execute(
                select(Visit.viewer_id, func.count(Visit.id), func.max(Visit.visited_at))
                .where(Visit.viewer_id.in_(guardians), Visit.visited_at >= low, Visit.visited_at < high)
                .group_by(Visit.viewer_id)):
            visits[viewer_id] = (count, last)
    acks: dict[tuple[int, int], int] = defaultdict(int)
    if guardians:
        for guardian_id, student_id, n in session.execute(
                select(Acknowledgement.guardian_id, Acknowledgement.student_id, func.count(Acknowledgement.id))
                .where(Acknowledgement.guardian_id.in_(guardians), Acknowledgement.week_start.is_not(None),
                       and_(Acknowledgement.created_at >= low, Acknowledgement.created_at < high))
                .group_by(Acknowledgement.guardian_id, Acknowledgement.student_id)):
            acks[(guardian_id, student_id)] = n
    period = _("%(start)s – %(end)s", start=start.strftime("%d.%m.%Y"), end=end.strftime("%d.%m.%Y"))
    active = len([g for g in guardians if g in visits])
    summary = [Figure("guardians", _("Guardians, total"), len(guardians), INT),
               Figure("active", _("Opened the diary"), active, INT),
               Figure("active_percent", _("Opened the diary, %"),
                      round(100.0 * active / len(guardians), 1) if guardians else 0.0, PERCENT)]
    notes = [_("Visits are counted in days: a day on which a guardian opened the diary (the week, the marks, the "
               "notes, the app) counts once.")]
    if class_id:
        return _class(session, class_names.get(class_id, ""), links, visits, acks, period, summary, notes)
    rows = []
    for cid, name in class_names.items():
        mine = {g for c, _s, g in links if c == cid}
        opened = len([g for g in mine if g in visits])
        rows.append(Row({"class": name, "guardians": len(mine), "active": opened,
                         "never": len(mine) - opened,
                         "active_percent": round(100.0 * opened / len(mine), 1) if mine else 0.0,
                         "weeks": sum(n for (g, s), n in acks.items() if g in mine)},
                        styles={"never": "bad"} if len(mine) - opened else {}))
    columns = [Column("class", _("Class"), TEXT, width=8), Column("guardians", _("Guardians, total"), INT),
               Column("active", _("Opened the diary"), INT), Column("never", _("Did not open it"), INT),
               Column("active_percent", _("Opened the diary, %"), PERCENT, 1),
               Column("weeks", _("Weeks confirmed"), INT)]
    return ReportResult.single(_("How guardians use the diary"), columns, rows, subtitle=period, summary=summary,
                               notes=notes)


def _class(session: Session, class_name: str, links: list[Any], visits: dict[int, tuple[int, Any]],
           acks: dict[tuple[int, int], int], period: str, summary: list[Figure], notes: list[str]) -> ReportResult:
    ids = {s for _c, s, _g in links} | {g for _c, _s, g in links}
    names = {i: (last, first, middle) for i, last, first, middle in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name).where(User.id.in_(ids)))} if ids else {}
    rows = []
    for _c, student_id, guardian_id in sorted(links, key=lambda r: (names[r[1]], names[r[2]])):
        count, last = visits.get(guardian_id, (0, None))
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        rows.append(Row({"student": " ".join(p for p in names[student_id][:2] if p),
                         "guardian": short_name(*names[guardian_id]), "visits": count,
                         "last": last.date() if last else None, "weeks": acks.get((guardian_id, student_id), 0)},
                        styles={"visits": "bad"} if not count else {}))
    columns = [Column("student", _("Student"), TEXT), Column("guardian", _("Guardian"), TEXT),
               Column("visits", _("Days with visits"), INT), Column("last", _("Last visit"), DATE),
               Column("weeks", _("Weeks confirmed"), INT)]
    return ReportResult.single(_("How guardians use the diary, class %(class_name)s", class_name=class_name),
                               columns, rows, subtitle=period, summary=summary, notes=notes)
