"""The figures (lessons, missed, of them excused, late arrivals) per student, subject and class.

The diary, the reports and the printed journal all count through these, so their figures agree.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.toolkit import ClassMembership, SubgroupMember, User
from plugins.attendance.code_rules import code_kinds
from plugins.attendance.marking import Pupil
from plugins.attendance.models import AttendanceMark
from plugins.gradebook.public import Lesson


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

    def add(self, other: AttendanceSummary) -> None:
        self.lessons += other.lessons
        self.missed += other.missed
        self.excused += other.excused
        self.late += other.late
        self.late_minutes += other.late_minutes


def _lesson_counts(session: Session, class_ids: list[int], ids: list[int], start: date, end: date,
                   subject_id: int | None, by_subject: bool) -> list[tuple[int, int, int | None, int]]:
    """(class, student, subject or None, lessons) rows: whole-class lessons while a member, plus own
    subgroups'. Two queries whatever the number of classes and students."""
    lesson_filter = [Lesson.class_id.in_(class_ids), Lesson.date >= start, Lesson.date <= end]
    if subject_id is not None:
        lesson_filter.append(Lesson.subject_id == subject_id)
    group = [Lesson.subject_id] if by_subject else []
    whole_class = (
        select(Lesson.class_id, ClassMembership.student_id, *group, func.count(Lesson.id))
        .join(Lesson, and_(Lesson.class_id == ClassMembership.class_id, Lesson.subgroup_id.is_(None),
                           ClassMembership.active_on(Lesson.date)))
        .where(ClassMembership.student_id.in_(ids), *lesson_filter)
        .group_by(Lesson.class_id, ClassMembership.student_id, *group)
    )
    in_subgroups = (
        select(Lesson.class_id, SubgroupMember.student_id, *group, func.count(Lesson.id))
        .join(Lesson, Lesson.subgroup_id == SubgroupMember.subgroup_id)
        .where(SubgroupMember.student_id.in_(ids), *lesson_filter)
        .group_by(Lesson.class_id, SubgroupMember.student_id, *group)
    )
    rows: list[tuple[int, int, int | None, int]] = []
    for query in (whole_class, in_subgroups):
        for row in session.execute(query):
            rows.append((row[0], row[1], row[2], row[3]) if by_subject else (row[0], row[1], None, row[2]))
    return rows


def lessons_per_student(session: Session, class_id: int, student_ids: Iterable[int], start: date, end: date,
                        subject_id: int | None = None) -> dict[int, int]:
    """How many lessons each student had in the range: whole-class lessons while a member of the class,
    plus the lessons of their own subgroups (two queries, whatever the number of students)."""
    ids = list(student_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    for _class, student_id, _subject, n in _lesson_counts(session, [class_id], ids, start, end, subject_id, False):
        counts[student_id] += n
    return counts


def _count_marks(summary: AttendanceSummary, kind: str, n: int, minutes: int | None) -> None:
    if kind == "late":
        summary.late += n
        summary.late_minutes += int(minutes or 0)
    else:
        summary.missed += n
        if kind == "excused":
            summary.excused += n


def summarize(session: Session, settings: Mapping[str, Any], class_id: int, student_ids: Iterable[int],
              start: date, end: date, subject_id: int | None = None) -> dict[int, AttendanceSummary]:
    """Per-student attendance of a class's lessons between two dates (three queries in all)."""
    return summarize_classes(session, settings, {class_id: student_ids}, start, end, subject_id).get(class_id, {})


def summarize_classes(session: Session, settings: Mapping[str, Any], students: Mapping[int, Iterable[int]],
                      start: date, end: date, subject_id: int | None = None) -> dict[int, dict[int, AttendanceSummary]]:
    """class id -> student id -> figures for many classes at once: three queries whatever the number of
    classes, so a whole-school report costs the same as one class's."""
    wanted = {class_id: set(ids) for class_id, ids in students.items()}
    # Every asked-for student has figures, zeros included (a student with no lessons yet).
    result = {c: {s: AttendanceSummary(s) for s in ids} for c, ids in wanted.items()}
    ids = sorted(set().union(*wanted.values())) if wanted else []
    if not ids:
        return result
    class_ids = sorted(wanted)
    kinds = code_kinds(settings)
    for class_id, student_id, _subject, n in _lesson_counts(session, class_ids, ids, start, end, subject_id, False):
        if student_id in wanted[class_id]:
            result[class_id][student_id].lessons += n
    query = (
        select(Lesson.class_id, AttendanceMark.student_id, AttendanceMark.code, func.count(),
               func.sum(AttendanceMark.minutes_late))
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.class_id.in_(class_ids), Lesson.date >= start, Lesson.date <= end,
               AttendanceMark.student_id.in_(ids))
        .group_by(Lesson.class_id, AttendanceMark.student_id, AttendanceMark.code)
    )
    if subject_id is not None:
        query = query.where(Lesson.subject_id == subject_id)
    for class_id, student_id, code, n, minutes in session.execute(query):
        if student_id in wanted[class_id]:
            summary = result[class_id][student_id]
            # A code removed from the settings still counts as a miss.
            _count_marks(summary, kinds.get(code, "absent"), n, minutes)
    return result


def summarize_by_subject(session: Session, settings: Mapping[str, Any], class_id: int, student_ids: Iterable[int],
                         start: date, end: date) -> dict[int, dict[int, AttendanceSummary]]:
    """subject id -> student id -> figures, for the per-subject tables of reports (three queries)."""
    ids = list(student_ids)
    kinds = code_kinds(settings)
    result: dict[int, dict[int, AttendanceSummary]] = defaultdict(dict)
    if not ids:
        return {}
    for _class, student_id, subject_id, n in _lesson_counts(session, [class_id], ids, start, end, None, True):
        assert subject_id is not None
        summary = result[subject_id].setdefault(student_id, AttendanceSummary(student_id))
        summary.lessons += n
    for student_id, subject_id, code, n, minutes in session.execute(
        select(AttendanceMark.student_id, Lesson.subject_id, AttendanceMark.code, func.count(),
               func.sum(AttendanceMark.minutes_late))
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end,
               AttendanceMark.student_id.in_(ids))
        .group_by(AttendanceMark.student_id, Lesson.subject_id, AttendanceMark.code)
    ):
        summary = result[subject_id].setdefault(student_id, AttendanceSummary(student_id))
        _count_marks(summary, kinds.get(code, "absent"), n, minutes)
    return dict(result)


@dataclass
class ClassSummary:
    class_id: int
    start: date
    end: date
    rows: list[tuple[Pupil, AttendanceSummary]]
    total: AttendanceSummary


def class_summary(session: Session, settings: Mapping[str, Any], class_id: int, start: date, end: date,
                  subject_id: int | None = None) -> ClassSummary:
    """Every student who was in the class during the range, with their figures, and the class total
    (the total's ``student_id`` is 0). Four queries."""
    pupils = [Pupil(*row) for row in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.active_between(start, end))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
        .distinct()
    )]
    figures = summarize(session, settings, class_id, [p.id for p in pupils], start, end, subject_id)
    total = AttendanceSummary(0)
    rows = []
    for pupil in pupils:
        summary = figures.get(pupil.id, AttendanceSummary(pupil.id))
        total.add(summary)
        rows.append((pupil, summary))
    return ClassSummary(class_id, start, end, rows, total)


def student_summary(session: Session, settings: Mapping[str, Any], student_id: int, start: date,
                    end: date) -> AttendanceSummary:
    """One student's figures over a range, across every class they were in (a transfer keeps both parts):
    for the diary and the parent letter."""
    total = AttendanceSummary(student_id)
    class_ids = session.scalars(
        select(ClassMembership.class_id).distinct()
        .where(ClassMembership.student_id == student_id, ClassMembership.active_between(start, end))
    ).all()
    for class_id in class_ids:
        total.add(summarize(session, settings, class_id, [student_id], start, end).get(
            student_id, AttendanceSummary(student_id)))
    return total



def school_summary(session: Session, settings: Mapping[str, Any], school_id: int, start: date,
                   end: date) -> AttendanceSummary:
    """The whole school's figures over a range, as the sum of every class's ``summarize`` totals but in
    three aggregate queries whatever the number of classes (the municipality's figures): student-lessons
    of whole-class lessons while a member, of subgroup lessons for their members, and the absence marks.
    ``student_id`` of the result is 0."""
    kinds = code_kinds(settings)
    total = AttendanceSummary(0)
    in_range = [Lesson.school_id == school_id, Lesson.date >= start, Lesson.date <= end]
    total.lessons += session.scalar(
        select(func.count()).select_from(Lesson)
        .join(ClassMembership, and_(ClassMembership.class_id == Lesson.class_id,
                                    ClassMembership.active_on(Lesson.date)))
        .where(Lesson.subgroup_id.is_(None), *in_range)) or 0
    total.lessons += session.scalar(
        select(func.count()).select_from(Lesson)
        .join(SubgroupMember, SubgroupMember.subgroup_id == Lesson.subgroup_id)
        .where(*in_range)) or 0
    for code, n, minutes in session.execute(
        select(AttendanceMark.code, func.count(), func.sum(AttendanceMark.minutes_late))
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(AttendanceMark.school_id == school_id, *in_range)
        .group_by(AttendanceMark.code)
    ):
        _count_marks(total, kinds.get(code, "absent"), n, minutes)
    return total
