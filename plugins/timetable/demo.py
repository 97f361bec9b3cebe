"""Demo data: bells, a timetable read off the lessons the gradebook demo already made (its first full
week), a couple of substitutions and a cancelled lesson this week, and the current term's test calendar
with one overloaded week. The КТП comes from the gradebook demo."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.toolkit import (
    Role,
    RoleGrant,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
    current_year,
    holidays_between,
    lesson_days,
    plugin_settings,
    school_today,
    term_on,
)
from plugins.gradebook.public import Lesson
from plugins.timetable import bell_times, generation, lesson_changes
from plugins.timetable.models import Assessment, TimetableEntry, TimetableVersion

ROOMS = {"Физическая культура": "спортзал", "Музыка": "актовый зал", "Информатика": "301"}


def _first_full_week(days: set[date]) -> date | None:
    """The Monday of the first week in which every weekday Monday-Friday has lessons."""
    for day in sorted(days):
        monday = day - timedelta(days=day.weekday())
        if all(monday + timedelta(days=i) in days for i in range(5)):
            return monday
    return None


def build(session: Session, school: School, size: str, today: date | None = None) -> dict[str, int]:
    today = today or school_today(school.id, session=session)
    settings = plugin_settings("timetable")
    year = current_year(session, school.id)
    if year is None:
        return {}
    bell_times.ensure_bells(session, school.id, settings["default_bells"])
    version = TimetableVersion(school_id=school.id, year_id=year.id, title="Основное расписание",
                               valid_from=year.starts_on, valid_to=year.ends_on)
    session.add(version)
    session.flush()

    rows = session.execute(select(Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.teacher_id,
                                  Lesson.date, Lesson.number)
                           .where(Lesson.school_id == school.id, Lesson.date <= year.starts_on + timedelta(days=40))).all()
    days_of_class: dict[int, set[date]] = defaultdict(set)
    for r in rows:
        days_of_class[r.class_id].add(r.date)
    weeks = {c: _first_full_week(d) for c, d in days_of_class.items()}
    subjects = dict(session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school.id)).all())
    # Whole-class lessons in the class's own room, groups of a split subject in rooms of their own.
    home = {c: str(101 + i) for i, c in enumerate(sorted(days_of_class))}
    group_rooms: dict[int | None, str] = {}
    entries: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        monday = weeks.get(r.class_id)
        if monday is None or not monday <= r.date <= monday + timedelta(days=4):
            continue
        room = ROOMS.get(subjects.get(r.subject_id, ""))
        if room is None:
            room = home[r.class_id] if r.subgroup_id is None else group_rooms.setdefault(
                r.subgroup_id, str(201 + len(group_rooms)))
        key = (r.class_id, r.subgroup_id, r.subject_id, r.date.weekday(), r.number)
        entries[key] = {"school_id": school.id, "version_id": version.id, "class_id": r.class_id,
                        "subgroup_id": r.subgroup_id, "subject_id": r.subject_id, "teacher_id": r.teacher_id,
                        "weekday": r.date.weekday(), "number": r.number, "room": room}
    if entries:
        session.execute(insert(TimetableEntry), list(entries.values()))
    changes = _changes(session, school, today, size)
    tests = _tests(session, school, today, settings, size)
    return {"entries": len(entries), "changes": changes, "tests": tests}


def _school_days(session: Session, school_id: int, start: date, count: int) -> list[date]:
    days = lesson_days(start, start + timedelta(days=40), holidays_between(session, school_id, start,
                                                                            start + timedelta(days=40)))
    return days[:count]


def _changes(session: Session, school: School, today: date, size: str) -> int:
    """Two substitutions (one today, given by 5А's maths teacher) and a cancelled lesson later this week."""
    days = _school_days(session, school.id, today, 4)
    if len(days) < 3:
        return 0
    classes = {c.name: c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))}
    first, second = classes.get("5А"), classes.get("5Б") or classes.get("5А")
    if first is None or second is None:
        return 0
    maths = session.scalar(select(Subject.id).where(Subject.school_id == school.id, Subject.name == "Математика"))
    sub_teacher = session.scalar(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.class_id == first.id, TeachingAssignment.subject_id == maths))
    teachers = list(session.scalars(select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).where(
        User.school_id == school.id, RoleGrant.role == Role.teacher).order_by(User.id).distinct()))
    made = 0

    def busy(day: date, number: int) -> set[int]:
        return set(session.scalars(select(Lesson.teacher_id).where(Lesson.school_id == school.id, Lesson.date == day,
                                                                   Lesson.number == number)))

    def lessons(class_id: int, day: date) -> list[Lesson]:
        return list(session.scalars(select(Lesson).where(Lesson.class_id == class_id, Lesson.date == day)
                                    .order_by(Lesson.number, Lesson.id)))

    # 1. Today: 5Б's lesson given by 5А's maths teacher, who is free then.
    for lesson in lessons(second.id, days[0]):
        if sub_teacher and lesson.teacher_id != sub_teacher and sub_teacher not in busy(days[0], lesson.number):
            lesson_changes.substitute(session, school.id, lesson, sub_teacher, "Больничный учителя")
            made += 1
            break
    # 2. The next school day: a 5А lesson given by any free colleague.
    for lesson in lessons(first.id, days[1])[2:]:
        taken = busy(days[1], lesson.number)
        free = next((t for t in teachers if t not in taken and t != lesson.teacher_id), None)
        if free is not None:
            lesson_changes.substitute(session, school.id, lesson, free, "Курсы повышения квалификации")
            made += 1
            break
    # 3. Later this week: a 5А lesson cancelled (the teacher takes pupils to an olympiad).
    for lesson in reversed(lessons(first.id, days[2])):
        if not lesson_changes.editors_of(session, lesson.id):
            records = generation.lessons_with_records(session, select(Lesson.id).where(Lesson.id == lesson.id))
            if not records and not lesson.topic_entered_at:
                lesson_changes.cancel(session, school.id, lesson, "Учитель сопровождает учащихся на олимпиаду")
                made += 1
                break
    return made


def _tests(session: Session, school: School, today: date, settings: dict[str, Any], size: str) -> int:
    """One test per main subject (2+ lessons a week) of every class in the current term, within the limits,
    then a fourth test in one week of 5А: the warning the deputy should see."""
    term = term_on(session, school.id, today)
    if term is None:
        return 0
    lessons = session.execute(select(Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.date, Lesson.number)
                              .where(Lesson.school_id == school.id, Lesson.date.between(term.starts_on, term.ends_on),
                                     Lesson.subgroup_id.is_(None))
                              .order_by(Lesson.date, Lesson.number)).all()
    by_class: dict[int, list[Any]] = defaultdict(list)
    for r in lessons:
        by_class[r.class_id].append(r)
    names = {c.id: c.name for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))}
    subject_names = dict(session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school.id)).all())
    rows: list[dict[str, Any]] = []
    day_limit, week_limit = settings["max_tests_per_day"], min(settings["max_tests_per_week"], 2)
    for class_id, items in by_class.items():
        weekly: dict[int, int] = defaultdict(int)
        first_week = items[0].date - timedelta(days=items[0].date.weekday())
        for r in items:
            if r.date < first_week + timedelta(days=7):
                weekly[r.subject_id] += 1
        main = sorted((s for s, n in weekly.items() if n >= 2), key=lambda s: (-weekly[s], subject_names.get(s, "")))
        per_day: dict[date, int] = defaultdict(int)
        per_week: dict[date, int] = defaultdict(int)
        week_starts = sorted({r.date - timedelta(days=r.date.weekday()) for r in items})
        for i, subject_id in enumerate(main):
            # Spread the subjects over the term, starting later for the later subjects.
            offset = week_starts[min(len(week_starts) - 1, 1 + (i * 2) % max(1, len(week_starts) - 1))]
            for r in items:
                monday = r.date - timedelta(days=r.date.weekday())
                if r.subject_id != subject_id or monday < offset or per_day[r.date] >= day_limit \
                        or per_week[monday] >= week_limit:
                    continue
                per_day[r.date] += 1
                per_week[monday] += 1
                rows.append(_test_row(school.id, term.id, r, f"Контрольная работа: {subject_names.get(subject_id, '')}"))
                break
        if names.get(class_id) == "5А":
            rows += _overload(school.id, term.id, items, per_day, per_week, today, settings["max_tests_per_week"],
                              subject_names)
    if rows:
        session.execute(insert(Assessment), rows)
    return len(rows)


def _test_row(school_id: int, term_id: int, lesson: Any, title: str) -> dict[str, Any]:
    return {"school_id": school_id, "class_id": lesson.class_id, "subgroup_id": None, "subject_id": lesson.subject_id,
            "term_id": term_id, "date": lesson.date, "number": lesson.number, "kind": "test", "title": title}


def _overload(school_id: int, term_id: int, items: list[Any], per_day: dict[date, int], per_week: dict[date, int],
              today: date, week_limit: int, subject_names: dict[int, str]) -> list[dict[str, Any]]:
    """Fill next week of 5А to one test over the weekly limit, each on its own day."""
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    candidates = [r for r in items if monday <= r.date < monday + timedelta(days=5)]
    taken_subjects: set[int] = set()
    out = []
    for r in candidates:
        if per_week[monday] > week_limit:
            break
        if per_day[r.date] or r.subject_id in taken_subjects:
            continue
        per_day[r.date] += 1
        per_week[monday] += 1
        taken_subjects.add(r.subject_id)
        out.append(_test_row(school_id, term_id, r, f"Проверочная работа: {subject_names.get(r.subject_id, '')}"))
    return out
