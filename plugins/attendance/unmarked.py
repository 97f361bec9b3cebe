"""Lessons whose attendance was not taken: a teacher's day and the deputy's list of missing roll calls."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from core.toolkit import AcademicYear, SchoolClass, Subgroup, Subject, User
from plugins.attendance.marking import Pupil
from plugins.attendance.models import LessonRollCall
from plugins.gradebook.public import Lesson


@dataclass
class LessonStatus:
    lesson_id: int
    date: date
    number: int
    class_id: int
    class_name: str
    subject: str
    teacher_id: int
    teacher_name: str
    subgroup: str | None
    entered: bool


def _status_query(school_id: int) -> Any:
    teacher = aliased(User)
    return (
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.class_id, SchoolClass.grade_level, SchoolClass.letter,
               Subject.name, Lesson.teacher_id, teacher.last_name, teacher.first_name, teacher.middle_name,
               Subgroup.name, LessonRollCall.lesson_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(teacher, teacher.id == Lesson.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == Lesson.subgroup_id)
        .outerjoin(LessonRollCall, and_(LessonRollCall.school_id == school_id, LessonRollCall.lesson_id == Lesson.id))
        .where(Lesson.school_id == school_id)
    )


def _status(row: Any) -> LessonStatus:
    lid, day, number, cid, grade, letter, subject, tid, last, first, middle, subgroup, rolled = row
    return LessonStatus(lid, day, number, cid, f"{grade}{letter}", subject, tid,
                        Pupil(tid, last, first, middle).short_name, subgroup, rolled is not None)


def teacher_lessons_on(session: Session, school_id: int, teacher_id: int, day: date) -> list[LessonStatus]:
    """A teacher's lessons of one day with whether attendance was taken (the "today" page)."""
    query = _status_query(school_id).where(Lesson.teacher_id == teacher_id, Lesson.date == day)
    return [_status(r) for r in session.execute(query.order_by(Lesson.number, SchoolClass.grade_level))]


def missing_roll_calls(session: Session, settings: Mapping[str, Any], school_id: int, today: date,
                       since: date | None = None, teacher_id: int | None = None,
                       class_ids: Iterable[int] | None = None) -> list[LessonStatus]:
    """Lessons held more than ``missing_after_days`` ago with no attendance entered (flagged to the deputy),
    from ``since`` (default: the start of the current academic year). One query."""
    until = today - timedelta(days=settings["missing_after_days"])
    if since is None:
        since = session.scalar(select(AcademicYear.starts_on).where(
            AcademicYear.school_id == school_id, AcademicYear.is_current.is_(True))) or until - timedelta(days=366)
    query = _status_query(school_id).where(Lesson.date >= since, Lesson.date < until,
                                           LessonRollCall.lesson_id.is_(None))
    if teacher_id is not None:
        query = query.where(Lesson.teacher_id == teacher_id)
    if class_ids is not None:
        query = query.where(Lesson.class_id.in_(list(class_ids)))
    teacher = query.selected_columns[8]
    return [_status(r) for r in session.execute(query.order_by(teacher, Lesson.teacher_id, Lesson.date, Lesson.number))]


def by_teacher(statuses: Iterable[LessonStatus]) -> list[tuple[str, int, list[LessonStatus]]]:
    """Group lessons per teacher: (name, id, lessons), teachers by name."""
    groups: dict[int, list[LessonStatus]] = defaultdict(list)
    for status in statuses:
        groups[status.teacher_id].append(status)
    return sorted(((ls[0].teacher_name, tid, ls) for tid, ls in groups.items()), key=lambda g: (g[0], g[1]))

