"""Workload: a class's hours a week from the timetable against СанПиН's limits (and lessons a day),
a teacher's hours a week, and subjects whose timetable hours differ from the нагрузка."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, SchoolClass, TeachingAssignment
from plugins.timetable.models import TimetableEntry
from plugins.timetable.naming import Names


@dataclass
class ClassLoad:
    class_id: int
    name: str
    grade: int
    hours: int
    limit: int
    daily: dict[int, int]  # weekday -> lessons that day
    daily_limit: int
    mismatches: list[tuple[str, float, int]] = field(default_factory=list)  # subject, planned, scheduled

    @property
    def over(self) -> bool:
        return self.hours > self.limit

    @property
    def heavy_days(self) -> list[int]:
        return [d for d, n in sorted(self.daily.items()) if n > self.daily_limit]


@dataclass
class TeacherLoad:
    teacher_id: int
    name: str
    hours: int
    limit: int

    @property
    def over(self) -> bool:
        return self.hours > self.limit


def class_loads(session: Session, school_id: int, version_id: int, settings: Mapping[str, Any]) -> list[ClassLoad]:
    """Hours a week a student of each class sits: whole-class lessons, plus for a subject split into
    subgroups the largest group's hours (the groups study in parallel)."""
    names = Names(session, school_id)
    entries = session.execute(select(TimetableEntry.class_id, TimetableEntry.subgroup_id, TimetableEntry.subject_id,
                                     TimetableEntry.weekday, TimetableEntry.number)
                              .where(TimetableEntry.version_id == version_id)).all()
    whole: dict[int, int] = defaultdict(int)
    split: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    per_subject: dict[tuple[int, int, int | None], int] = defaultdict(int)
    slots: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for e in entries:
        if e.subgroup_id is None:
            whole[e.class_id] += 1
        else:
            split[(e.class_id, e.subject_id)][e.subgroup_id] += 1
        per_subject[(e.class_id, e.subject_id, e.subgroup_id)] += 1
        slots[e.class_id][e.weekday].add(e.number)
    hours: dict[int, int] = defaultdict(int, whole)
    for (class_id, _subject), groups in split.items():
        hours[class_id] += max(groups.values())
    planned = session.execute(select(TeachingAssignment.class_id, TeachingAssignment.subject_id,
                                     TeachingAssignment.subgroup_id, TeachingAssignment.hours_per_week)
                              .where(TeachingAssignment.school_id == school_id)).all()
    mismatches: dict[int, list[tuple[str, float, int]]] = defaultdict(list)
    for a in planned:
        scheduled = per_subject.get((a.class_id, a.subject_id, a.subgroup_id), 0)
        if a.class_id in slots and round(a.hours_per_week) != scheduled:
            label = names.subjects.get(a.subject_id, "")
            if a.subgroup_id:
                label += f" ({names.subgroups.get(a.subgroup_id, '')})"
            mismatches[a.class_id].append((label, a.hours_per_week, scheduled))
    classes = session.scalars(select(SchoolClass).where(SchoolClass.id.in_(list(slots) or [-1]))
                              .order_by(SchoolClass.grade_level, SchoolClass.letter))
    weekly, daily = settings["max_weekly_hours"], settings["max_daily_lessons"]
    return [ClassLoad(c.id, c.name, c.grade_level, hours[c.id], int(weekly[c.grade_level]),
                      {d: len(n) for d, n in slots[c.id].items()}, int(daily[c.grade_level]), mismatches.get(c.id, []))
            for c in classes]


def sanpin_excess(session: Session, school_id: int, version_id: int, class_id: int, weekday: int,
                  settings: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """What a class's timetable exceeds of СанПиН's limits now (the week, and lessons on ``weekday``):
    (msgid, params) pairs, checked the moment a lesson is added rather than later on the workload page."""
    load = next((c for c in class_loads(session, school_id, version_id, settings) if c.class_id == class_id), None)
    if load is None:
        return []
    found = []
    if load.daily.get(weekday, 0) > load.daily_limit:
        found.append((N_("СанПиН: grade %(grade)d has at most %(limit)d lessons a day; this day would have "
                         "%(n)d."), {"grade": load.grade, "limit": load.daily_limit, "n": load.daily[weekday]}))
    if load.over:
        found.append((N_("СанПиН: grade %(grade)d has at most %(limit)d hours a week; the class would have "
                         "%(n)d."), {"grade": load.grade, "limit": load.limit, "n": load.hours}))
    return found


def teacher_loads(session: Session, school_id: int, version_id: int, limit: int) -> list[TeacherLoad]:
    """Lessons a week each teacher gives in the timetable (one entry is one hour)."""
    names = Names(session, school_id)
    counts: dict[int, int] = defaultdict(int)
    for (teacher_id,) in session.execute(select(TimetableEntry.teacher_id).where(TimetableEntry.version_id == version_id)):
        counts[teacher_id] += 1
    names.people(counts)
    return sorted((TeacherLoad(t, names.person(t), n, limit) for t, n in counts.items()),
                  key=lambda t: (-t.hours, t.name))
