"""The test calendar (график контрольных работ): planned tests per class and the warnings when a class
gets more of them a day or a week than the school's settings allow."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, Term
from plugins.timetable.models import Assessment
from plugins.timetable.naming import Names
from plugins.timetable.refusals import Problem


@dataclass(frozen=True)
class AssessmentWarning:
    kind: str  # day | week | subject
    class_id: int
    start: date  # the day, or the Monday of the week
    count: int
    limit: int
    assessment_ids: tuple[int, ...]
    problem: Problem


def assessments_between(session: Session, school_id: int, start: date, end: date,
                        class_ids: Iterable[int] | None = None) -> list[Assessment]:
    query = select(Assessment).where(Assessment.school_id == school_id, Assessment.date.between(start, end))
    if class_ids is not None:
        query = query.where(Assessment.class_id.in_(list(class_ids) or [-1]))
    return list(session.scalars(query.order_by(Assessment.date, Assessment.number, Assessment.id)))


def warnings_for(session: Session, school_id: int, assessments: list[Assessment], settings: Mapping[str, Any]
                 ) -> list[AssessmentWarning]:
    """Days and weeks over the limits, and a subject tested again too soon. Two subgroups writing the
    same subject's test on the same day count once (each student writes one)."""
    names = Names(session, school_id)
    per_day: dict[tuple[int, date], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for a in assessments:
        per_day[(a.class_id, a.date)][a.subject_id].append(a.id)
    out: list[AssessmentWarning] = []
    day_limit, week_limit = settings["max_tests_per_day"], settings["max_tests_per_week"]
    per_week: dict[tuple[int, date], list[tuple[date, int, list[int]]]] = defaultdict(list)
    for (class_id, day), subjects in sorted(per_day.items()):
        ids = tuple(i for v in subjects.values() for i in v)
        if len(subjects) > day_limit:
            out.append(AssessmentWarning("day", class_id, day, len(subjects), day_limit, ids, Problem(
                "day", N_("%(class)s: %(count)s tests on %(date)s, the limit is %(limit)s a day."),
                {"class": names.classes.get(class_id, ""), "count": len(subjects), "limit": day_limit,
                 "date": day.strftime("%d.%m.%Y")})))
        for subject_id, sids in subjects.items():
            per_week[(class_id, day - timedelta(days=day.weekday()))].append((day, subject_id, sids))
    for (class_id, monday), items in sorted(per_week.items()):
        if len(items) > week_limit:
            ids = tuple(i for _d, _s, v in items for i in v)
            out.append(AssessmentWarning("week", class_id, monday, len(items), week_limit, ids, Problem(
                "week", N_("%(class)s: %(count)s tests in the week of %(date)s, the limit is %(limit)s a week."),
                {"class": names.classes.get(class_id, ""), "count": len(items), "limit": week_limit,
                 "date": monday.strftime("%d.%m.%Y")})))
    gap = settings.get("min_days_between_subject_tests", 0)
    if gap:
        last: dict[tuple[int, int], tuple[date, list[int]]] = {}
        for (class_id, day), subjects in sorted(per_day.items()):
            for subject_id, sids in subjects.items():
                prev = last.get((class_id, subject_id))
                if prev and (day - prev[0]).days < gap:
                    out.append(AssessmentWarning("subject", class_id, day, 2, 1, tuple(prev[1] + sids), Problem(
                        "subject", N_("%(class)s, %(subject)s: tests on %(first)s and %(date)s are less than "
                                      "%(days)s days apart."),
                        {"class": names.classes.get(class_id, ""), "subject": names.subjects.get(subject_id, ""),
                         "first": prev[0].strftime("%d.%m.%Y"), "date": day.strftime("%d.%m.%Y"), "days": gap})))
                last[(class_id, subject_id)] = (day, sids)
    return out


def plan_assessment(session: Session, school_id: int, *, class_id: int, subject_id: int, day: date,
                    subgroup_id: int | None = None, number: int | None = None, kind: str = "test", title: str = "",
                    actor_id: int | None = None) -> Assessment:
    """Add a test to the calendar; the caller shows the warnings it produces (it is saved regardless:
    the deputy decides whether an overload is acceptable)."""
    term_id = session.scalar(select(Term.id).where(Term.school_id == school_id, Term.starts_on <= day,
                                                   Term.ends_on >= day))
    item = Assessment(school_id=school_id, class_id=class_id, subject_id=subject_id, subgroup_id=subgroup_id,
                      date=day, number=number, kind=kind, title=title.strip(), term_id=term_id, created_by=actor_id)
    session.add(item)
    session.flush()
    return item


def warnings_around(session: Session, school_id: int, class_id: int, day: date, settings: Mapping[str, Any]
                    ) -> list[AssessmentWarning]:
    """The warnings of the week (and subject gap) around one date of one class: what a new test caused."""
    gap = max(settings.get("min_days_between_subject_tests", 0), 0)
    monday = day - timedelta(days=day.weekday())
    start, end = min(monday, day - timedelta(days=gap)), max(monday + timedelta(days=6), day + timedelta(days=gap))
    items = assessments_between(session, school_id, start, end, [class_id])
    return [w for w in warnings_for(session, school_id, items, settings)
            if (w.kind == "day" and w.start == day) or (w.kind == "week" and w.start == monday)
            or (w.kind == "subject" and abs((w.start - day).days) <= gap)]
