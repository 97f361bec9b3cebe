"""Attendance figures: missed lessons, of them excused, late arrivals, per student for any date range.

The journal, the weekly verification page, the diary, the reports and the printed journal all count
through ``summarize`` so their figures agree.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.api import ClassMembership, SubgroupMember
from plugins.attendance.models import AttendanceMark
from plugins.gradebook.models import Lesson


def code_kinds(settings: Mapping[str, Any]) -> dict[str, str]:
    """code -> kind ("absent", "excused", "late")."""
    return {c["code"]: c["kind"] for c in settings["codes"]}


@dataclass
class AttendanceSummary:
    student_id: int
    lessons: int = 0  # lessons the student should have attended in the range
    missed: int = 0  # absent for any reason
    excused: int = 0  # of the missed, for a valid reason
    late: int = 0
    late_minutes: int = 0

    @property
    def unexcused(self) -> int:
        return self.missed - self.excused

    @property
    def missed_percent(self) -> float:
        return round(100.0 * self.missed / self.lessons, 1) if self.lessons else 0.0


def lessons_per_student(session: Session, class_id: int, student_ids: Iterable[int], start: date, end: date,
                        subject_id: int | None = None) -> dict[int, int]:
    """How many lessons each student had in the range: whole-class lessons while a member of the class,
    plus the lessons of their own subgroups (two queries, whatever the number of students)."""
    ids = list(student_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    lesson_filter = [Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end]
    if subject_id is not None:
        lesson_filter.append(Lesson.subject_id == subject_id)
    whole_class = (
        select(ClassMembership.student_id, func.count(Lesson.id))
        .join(Lesson, and_(Lesson.class_id == ClassMembership.class_id, Lesson.subgroup_id.is_(None),
                           Lesson.date >= ClassMembership.starts_on,
                           or_(ClassMembership.ends_on.is_(None), Lesson.date <= ClassMembership.ends_on)))
        .where(ClassMembership.student_id.in_(ids), *lesson_filter)
        .group_by(ClassMembership.student_id)
    )
    in_subgroups = (
        select(SubgroupMember.student_id, func.count(Lesson.id))
        .join(Lesson, Lesson.subgroup_id == SubgroupMember.subgroup_id)
        .where(SubgroupMember.student_id.in_(ids), *lesson_filter)
        .group_by(SubgroupMember.student_id)
    )
    for query in (whole_class, in_subgroups):
        for student_id, n in session.execute(query):
            counts[student_id] += n
    return counts


def summarize(session: Session, settings: Mapping[str, Any], class_id: int, student_ids: Iterable[int],
              start: date, end: date, subject_id: int | None = None) -> dict[int, AttendanceSummary]:
    """Per-student attendance of a class's lessons between two dates (three queries in all)."""
    ids = list(student_ids)
    kinds = code_kinds(settings)
    result = {s: AttendanceSummary(s, lessons=n)
              for s, n in lessons_per_student(session, class_id, ids, start, end, subject_id).items()}
    query = (
        select(AttendanceMark.student_id, AttendanceMark.code, func.count(), func.sum(AttendanceMark.minutes_late))
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end,
               AttendanceMark.student_id.in_(ids))
        .group_by(AttendanceMark.student_id, AttendanceMark.code)
    )
    if subject_id is not None:
        query = query.where(Lesson.subject_id == subject_id)
    for student_id, code, n, minutes in session.execute(query):
        summary = result.setdefault(student_id, AttendanceSummary(student_id))
        kind = kinds.get(code, "absent")  # a code removed from the settings still counts as a miss
        if kind == "late":
            summary.late += n
            summary.late_minutes += int(minutes or 0)
        else:
            summary.missed += n
            if kind == "excused":
                summary.excused += n
    return result
