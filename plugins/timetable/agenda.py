"""A class's or a teacher's day and week as families and staff see them, with the year's calendar and
the class's teachers.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    Holiday,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    User,
    holidays_between,
)
from plugins.gradebook.public import Lesson
from plugins.timetable.bell_times import bells_of_classes
from plugins.timetable.lesson_changes import ChangeInfo, change_infos
from plugins.timetable.models import Assessment, LessonChange, TimetableEntry
from plugins.timetable.naming import Names
from plugins.timetable.versioning import versions_between


@dataclass
class Slot:
    number: int
    starts_at: time | None
    ends_at: time | None
    class_id: int
    class_name: str
    subject_id: int
    subject: str
    subgroup_id: int | None
    subgroup: str | None
    teacher_id: int
    teacher: str
    room: str = ""
    lesson_id: int | None = None
    # None, "substitution", "moved_in" (moved here), "moved_out" (moved away), "cancel"
    change: str | None = None
    change_info: ChangeInfo | None = None
    assessment: str | None = None


@dataclass
class Day:
    date: date
    holiday: str | None
    slots: list[Slot]


def _student_subgroups(session: Session, student_id: int | None) -> set[int] | None:
    if student_id is None:
        return None
    return set(session.scalars(select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student_id)))


def _build_days(session: Session, school_id: int, start: date, days: int, *, class_id: int | None = None,
                teacher_id: int | None = None, student_id: int | None = None) -> list[Day]:
    end = start + timedelta(days=days - 1)
    names = Names(session, school_id)
    lesson_q = select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.teacher_id, Lesson.date,
                      Lesson.number).where(Lesson.school_id == school_id, Lesson.date.between(start, end))
    change_q = select(LessonChange).where(LessonChange.school_id == school_id, LessonChange.revoked_at.is_(None),
                                          or_(LessonChange.date.between(start, end),
                                              LessonChange.new_date.between(start, end)))
    if class_id is not None:
        lesson_q = lesson_q.where(Lesson.class_id == class_id)
        change_q = change_q.where(LessonChange.class_id == class_id)
    if teacher_id is not None:
        lesson_q = lesson_q.where(Lesson.teacher_id == teacher_id)
        change_q = change_q.where(or_(LessonChange.teacher_id == teacher_id, LessonChange.new_teacher_id == teacher_id))
    lessons = session.execute(lesson_q).all()
    changes = list(session.scalars(change_q))
    infos = {i.id: i for i in change_infos(session, school_id, changes)}
    by_lesson: dict[int, list[LessonChange]] = defaultdict(list)
    for c in changes:
        if c.lesson_id:
            by_lesson[c.lesson_id].append(c)
    holidays = holidays_between(session, school_id, start, end)
    versions = versions_between(session, school_id, start, end)
    entry_q = select(TimetableEntry).where(TimetableEntry.version_id.in_([v.id for v in versions] or [-1]))
    if class_id is not None:
        entry_q = entry_q.where(TimetableEntry.class_id == class_id)
    if teacher_id is not None:
        entry_q = entry_q.where(TimetableEntry.teacher_id == teacher_id)
    entries = list(session.scalars(entry_q))
    rooms = {(e.version_id, e.class_id, e.subgroup_id, e.subject_id, e.weekday, e.number): e.room for e in entries}
    class_ids = {r.class_id for r in lessons} | {c.class_id for c in changes} | {e.class_id for e in entries}
    bells = bells_of_classes(session, school_id, class_ids)
    assessments: dict[tuple[int, date, int], str] = {}
    if class_ids:
        for a in session.scalars(select(Assessment).where(Assessment.class_id.in_(class_ids),
                                                          Assessment.date.between(start, end))):
            assessments[(a.class_id, a.date, a.subject_id)] = a.title or a.kind
    lesson_days_with_rows = {(r.class_id, r.date) for r in lessons}
    names.people([r.teacher_id for r in lessons] + [e.teacher_id for e in entries])
    allowed = _student_subgroups(session, student_id)

    def slot(class_id_: int, subgroup_id: int | None, subject_id: int, teacher: int, day: date, number: int, **kw: Any) -> Slot:
        version = next((v for v in versions if v.valid_from <= day <= v.valid_to), None)
        room = rooms.get((version.id if version else -1, class_id_, subgroup_id, subject_id, day.weekday(), number), "")
        start_end = bells.get(class_id_, {}).get(number, (None, None))
        return Slot(number, start_end[0], start_end[1], class_id_, names.classes.get(class_id_, ""), subject_id,
                    names.subjects.get(subject_id, ""), subgroup_id, names.subgroups.get(subgroup_id) if subgroup_id else None,
                    teacher, names.person(teacher), kw.pop("room", None) or room,
                    assessment=assessments.get((class_id_, day, subject_id)), **kw)

    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        holiday = next((h.title for h in holidays if h.starts_on <= day <= h.ends_on), None)
        slots: list[Slot] = []
        for r in lessons:
            if r.date != day:
                continue
            change = None
            info = None
            for c in by_lesson.get(r.id, []):
                if c.kind == "move" and c.new_date == day and c.new_number == r.number:
                    change, info = "moved_in", infos[c.id]
                elif c.kind == "substitution" and change is None:
                    change, info = "substitution", infos[c.id]
            room = info.new_room if info is not None and info.kind == "move" else ""
            slots.append(slot(r.class_id, r.subgroup_id, r.subject_id, r.teacher_id, day, r.number, lesson_id=r.id,
                              change=change, change_info=info, room=room))
        for c in changes:
            if c.date == day and c.kind in ("cancel", "move"):
                slots.append(slot(c.class_id, c.subgroup_id, c.subject_id, c.teacher_id, day, c.number,
                                  change="cancel" if c.kind == "cancel" else "moved_out", change_info=infos[c.id]))
        if holiday is None and day.weekday() < 6:
            version = next((v for v in versions if v.valid_from <= day <= v.valid_to), None)
            # Before the lessons are generated, the timetable itself tells the day.
            for e in entries:
                if version and e.version_id == version.id and e.weekday == day.weekday() \
                        and (e.class_id, day) not in lesson_days_with_rows and not any(
                            c.date == day and c.class_id == e.class_id for c in changes):
                    if teacher_id is not None and any(r.date == day for r in lessons):
                        continue
                    slots.append(slot(e.class_id, e.subgroup_id, e.subject_id, e.teacher_id, day, e.number))
        if allowed is not None:
            slots = [s for s in slots if s.subgroup_id is None or s.subgroup_id in allowed]
        slots.sort(key=lambda s: (s.number, s.class_name, s.subject, s.subgroup or ""))
        out.append(Day(day, holiday, slots))
    return out


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def class_week(session: Session, school_id: int, class_id: int, monday: date, days: int = 5,
               student_id: int | None = None) -> list[Day]:
    """A class's week with bell times, rooms, changes and planned tests (a student's subgroups only)."""
    return _build_days(session, school_id, monday, days, class_id=class_id, student_id=student_id)


def teacher_week(session: Session, school_id: int, teacher_id: int, monday: date, days: int = 5) -> list[Day]:
    return _build_days(session, school_id, monday, days, teacher_id=teacher_id)


def day_schedule(session: Session, class_id: int, day: date, student_id: int | None = None) -> list[Slot]:
    """One day of a class for the diary: lesson number, bell times, subject, teacher, room, and the change
    (substitution, moved in or out, cancelled) with its details. Empty on a holiday."""
    school_id = session.scalar(select(SchoolClass.school_id).where(SchoolClass.id == class_id))
    if school_id is None:
        return []
    return _build_days(session, school_id, day, 1, class_id=class_id, student_id=student_id)[0].slots


def calendar_of_year(session: Session, year_id: int) -> tuple[list[Any], list[Holiday]]:
    """Terms and holidays of a year, for the families' page."""
    from core.toolkit import terms_of_year

    holidays = list(session.scalars(select(Holiday).where(Holiday.year_id == year_id).order_by(Holiday.starts_on)))
    return terms_of_year(session, year_id), holidays


def class_teachers_list(session: Session, class_id: int) -> list[tuple[str, str, str | None]]:
    """(subject, teacher's full name, subgroup) of everyone teaching the class: «педагоги, работающие с классом»."""
    rows = session.execute(select(Subject.name, User.last_name, User.first_name, User.middle_name, Subgroup.name)
                           .select_from(TeachingAssignment)
                           .join(Subject, Subject.id == TeachingAssignment.subject_id)
                           .join(User, User.id == TeachingAssignment.teacher_id)
                           .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
                           .where(TeachingAssignment.class_id == class_id)
                           .order_by(Subject.name, Subgroup.name)).all()
    return [(r[0], " ".join(p for p in (r[1], r[2], r[3]) if p), r[4]) for r in rows]


def lesson_count(session: Session, school_id: int) -> int:
    return session.scalar(select(func.count(Lesson.id)).where(Lesson.school_id == school_id)) or 0

