"""Read-only overviews: the class teacher's all-subjects table and a student's card."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    SubgroupMember,
    Subject,
    TeachingAssignment,
)
from plugins.gradebook.averages import (
    Average,
    average_from_sums,
    average_of,
    work_type_titles,
    work_type_weights,
)
from plugins.gradebook.explanations import (
    term_marks,
)
from plugins.gradebook.models import FinalMark, Lesson, Mark


def weight_case(settings: Mapping[str, Any]) -> Any:
    """SQL: the weight of ``Mark.work_type`` by the settings (1 for a work type no longer listed), for
    sums that ``averages.average_from_sums`` turns into the average (SQL only adds, never divides or rounds)."""
    weights = work_type_weights(settings)
    return case(*((Mark.work_type == code, weight) for code, weight in weights.items()), else_=1.0)


@dataclass(frozen=True)
class SummaryCell:
    average: float | None  # as shown (``Average.value``), from ``average_from_sums``
    count: int
    final: str | None = None


def class_subjects(session: Session, class_id: int) -> list[tuple[int, str]]:
    """The subjects taught in a class (from the teaching assignments), by name."""
    return list(session.execute(
        select(Subject.id, Subject.name).join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .where(TeachingAssignment.class_id == class_id).group_by(Subject.id, Subject.name).order_by(Subject.name)))


def class_summary(session: Session, settings: Mapping[str, Any], class_id: int, term_id: int | None, start: date,
                  end: date) -> dict[tuple[int, int], SummaryCell]:
    """(subject_id, student_id) -> weighted average, number of marks and final mark: the class teacher's
    all-subjects page. Two queries: the averages are summed in SQL."""
    w = weight_case(settings)
    rows = session.execute(
        select(Lesson.subject_id, Mark.student_id, func.sum(Mark.numeric * w), func.sum(w), func.count(Mark.id))
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end, Mark.numeric.is_not(None))
        .group_by(Lesson.subject_id, Mark.student_id))
    out: dict[tuple[int, int], SummaryCell] = {}
    for subject_id, student_id, weighted, total, count in rows:
        out[(subject_id, student_id)] = SummaryCell(average_from_sums(weighted, total, settings).value, count)
    final_query = select(FinalMark.subject_id, FinalMark.student_id, FinalMark.value).where(
        FinalMark.class_id == class_id,
        FinalMark.term_id == term_id if term_id else FinalMark.term_id.is_(None))
    for subject_id, student_id, value in session.execute(final_query):
        cell = out.get((subject_id, student_id), SummaryCell(None, 0))
        out[(subject_id, student_id)] = SummaryCell(cell.average, cell.count, value)
    return out


@dataclass
class CardRow:
    subject_id: int
    subject_name: str
    marks: list[tuple[date, str, str]]  # (date, value, work type title)
    average: Average
    forecast: int | None
    final: str | None


def student_card(session: Session, settings: Mapping[str, Any], class_id: int, student_id: int,
                 term_id: int | None, start: date, end: date) -> list[CardRow]:
    """Every subject of the student (their subgroups' ones only) with marks, average, forecast, final."""
    titles = work_type_titles(settings)
    groups = select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student_id)
    subjects = list(session.execute(
        select(Subject.id, Subject.name).join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .where(TeachingAssignment.class_id == class_id,
               or_(TeachingAssignment.subgroup_id.is_(None), TeachingAssignment.subgroup_id.in_(groups)))
        .group_by(Subject.id, Subject.name).order_by(Subject.name)))
    by_subject: dict[int, list[Any]] = defaultdict(list)
    for row in term_marks(session, class_id, None, start, end, [student_id]):
        by_subject[row[1]].append(row)
    finals = dict(session.execute(
        select(FinalMark.subject_id, FinalMark.value).where(
            FinalMark.class_id == class_id, FinalMark.student_id == student_id,
            FinalMark.term_id == term_id if term_id else FinalMark.term_id.is_(None))).all())
    out = []
    for subject_id, name in subjects:
        rows = by_subject.get(subject_id, [])
        average = average_of(((r[4], r[5], r[6]) for r in rows), settings)
        out.append(CardRow(subject_id, name, [(r[3], r[4], titles.get(r[6], r[6])) for r in rows], average,
                           average.forecast, finals.get(subject_id)))
    return out
