"""A student's average and forecast written out ("how was this computed"), for a term or the year."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    SchoolClass,
    Term,
)
from plugins.gradebook.averages import (
    Average,
    average_of,
    format_weight,
    rounding_rule_text,
    work_type_titles,
    work_type_weights,
)
from plugins.gradebook.models import FinalMark, Lesson, Mark


def term_marks(session: Session, class_id: int, subject_id: int | None, start: date, end: date,
               student_ids: Iterable[int] | None = None) -> list[Any]:
    """Marks of a class's lessons in a date range, in journal order: rows of (student_id, subject_id,
    lesson_id, date, value, numeric, work_type, comment)."""
    query = (
        select(Mark.student_id, Lesson.subject_id, Lesson.id, Lesson.date, Mark.value, Mark.numeric, Mark.work_type,
               Mark.comment)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number, Lesson.id, Mark.id)
    )
    if subject_id is not None:
        query = query.where(Lesson.subject_id == subject_id)
    if student_ids is not None:
        query = query.where(Mark.student_id.in_(list(student_ids)))
    return list(session.execute(query))


def averages_for(session: Session, settings: Mapping[str, Any], class_id: int, subject_id: int, start: date,
                 end: date, student_ids: Iterable[int] | None = None) -> dict[int, Average]:
    """Each student's weighted average in a subject over a date range (one query)."""
    by_student: dict[int, list[tuple[str, float | None, str]]] = defaultdict(list)
    for row in term_marks(session, class_id, subject_id, start, end, student_ids):
        by_student[row[0]].append((row[4], row[5], row[6]))
    return {sid: average_of(marks, settings) for sid, marks in by_student.items()}


def row_average(session: Session, settings: Mapping[str, Any], lesson: Lesson, student_id: int) -> Average:
    """The average of a journal row after a save: the student's marks in the lesson's subject over the
    term that holds the lesson (what the grid and the explanation page show for that row)."""
    term = session.scalar(select(Term).join(SchoolClass, SchoolClass.year_id == Term.year_id).where(
        SchoolClass.id == lesson.class_id, Term.starts_on <= lesson.date, Term.ends_on >= lesson.date))
    start, end = (term.starts_on, term.ends_on) if term is not None else (lesson.date, lesson.date)
    found = averages_for(session, settings, lesson.class_id, lesson.subject_id, start, end, [student_id])
    return found.get(student_id) or average_of((), settings)


@dataclass(frozen=True)
class ExplainedMark:
    date: date
    value: str
    numeric: float | None  # None: a special code, not part of the average
    work_type: str
    work_type_title: str
    weight: float
    comment: str = ""

    @property
    def counted(self) -> bool:
        return self.numeric is not None

    @property
    def product(self) -> float | None:
        return None if self.numeric is None else self.numeric * self.weight


@dataclass(frozen=True)
class TermFinal:
    title: str
    value: str | None
    numeric: float | None


@dataclass
class Explanation:
    """How an average and its forecast were computed, with every number a parent needs to check it.

    ``kind`` is "marks" (a weighted average of marks) or "terms" (the year: the mean of term marks).
    """

    kind: str
    marks: list[ExplainedMark]
    average: Average
    forecast: int | None
    rule: str
    final: str | None = None
    term_finals: list[TermFinal] = field(default_factory=list)

    @property
    def shown(self) -> float | None:
        """The average as shown (rounded half-up to hundredths), a float for JSON and the database."""
        return self.average.value

    def sum_text(self) -> str:
        """"5·1 + 4·2 = 13": the numerator written out (numbers with a decimal comma)."""
        parts = [f"{format_weight(t.numeric)}·{format_weight(t.weight)}" for t in self.average.terms]
        return " + ".join(parts) + f" = {format_weight(float(self.average.weighted_sum))}"

    def weight_text(self) -> str:
        parts = [format_weight(t.weight) for t in self.average.terms]
        return " + ".join(parts) + f" = {format_weight(float(self.average.total_weight))}"


TERM_MARK = "term"


def term_mark_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with one work type, a term's final mark of weight 1: the year's forecast as the mean
    of the term marks goes through the same ``average_of`` as every other average."""
    return {**settings, "work_types": [{"code": TERM_MARK, "title": TERM_MARK, "weight": 1.0}]}


def explain_average(session: Session, settings: Mapping[str, Any], *, class_id: int, subject_id: int,
                    student_id: int, start: date, end: date) -> Explanation:
    """The weighted average of one student in one subject over a period, written out (one query)."""
    weights = work_type_weights(settings)
    titles = work_type_titles(settings)
    rows = term_marks(session, class_id, subject_id, start, end, [student_id])
    marks = [ExplainedMark(r[3], r[4], r[5], r[6], titles.get(r[6], r[6]), weights.get(r[6], 1.0), r[7] or "")
             for r in rows]
    average = average_of(((m.value, m.numeric, m.work_type) for m in marks), settings)
    return Explanation("marks", marks, average, average.forecast, rounding_rule_text(settings))


def explain_year(session: Session, settings: Mapping[str, Any], *, class_id: int, subject_id: int,
                 student_id: int, terms: Sequence[Term]) -> Explanation:
    """The year's forecast: by the school's ``year_forecast`` either the mean of the term final marks or
    the weighted average of the whole year's marks."""
    if settings["year_forecast"] == "marks" or not terms:
        start = min((t.starts_on for t in terms), default=date.min)
        end = max((t.ends_on for t in terms), default=date.max)
        return explain_average(session, settings, class_id=class_id, subject_id=subject_id, student_id=student_id,
                               start=start, end=end)
    finals = {t: (v, n) for t, v, n in session.execute(
        select(FinalMark.term_id, FinalMark.value, FinalMark.numeric).where(
            FinalMark.class_id == class_id, FinalMark.subject_id == subject_id, FinalMark.student_id == student_id,
            FinalMark.term_id.in_([t.id for t in terms])))}
    term_finals = [TermFinal(t.title, *(finals.get(t.id) or (None, None))) for t in terms]
    average = average_of(((f.value or "", f.numeric, TERM_MARK) for f in term_finals), term_mark_settings(settings))
    return Explanation("terms", [], average, average.forecast, rounding_rule_text(settings),
                       term_finals=term_finals)
