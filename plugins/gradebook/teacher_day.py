"""A teacher's lessons of a day and those still without a topic (the dashboard widget)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    SchoolClass,
    Subgroup,
    Subject,
)
from plugins.gradebook.models import Lesson


def teacher_lessons(session: Session, school_id: int, teacher_id: int, start: date, end: date) -> list[Any]:
    """A teacher's lessons between two dates with class, subject and subgroup names (one query)."""
    return list(session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.class_id, Lesson.subject_id,
               Lesson.subgroup_id, SchoolClass.grade_level, SchoolClass.letter, Subject.name.label("subject_name"),
               Subgroup.name.label("subgroup_name"))
        .join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(Subgroup, Subgroup.id == Lesson.subgroup_id)
        .where(Lesson.school_id == school_id, Lesson.teacher_id == teacher_id, Lesson.date >= start,
               Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number)))


def lessons_without_topic(session: Session, school_id: int, teacher_id: int, start: date, end: date) -> int:
    return session.scalar(select(func.count(Lesson.id)).where(
        Lesson.school_id == school_id, Lesson.teacher_id == teacher_id, Lesson.date >= start, Lesson.date <= end,
        Lesson.topic == "")) or 0
