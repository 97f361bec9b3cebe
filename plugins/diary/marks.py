"""The marks page of a family: every mark of a term by subject with the average and forecast the journal
shows (``plugins.gradebook.averages``), final marks, the year's terms, holidays and the tests ahead."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.toolkit import Holiday, SchoolClass, SubgroupMember, Subject, TeachingAssignment, Term, User
from plugins.diary.services import short_name
from plugins.gradebook.averages import (
    Average,
    average_of,
    format_weight,
    rounding_rule_text,
    work_type_titles,
    work_type_weights,
)
from plugins.gradebook.public import FinalMark, Lesson, Mark


@dataclass
class MarkItem:
    id: int
    date: date
    value: str
    work_type: str
    work_type_title: str
    weight: float
    comment: str


@dataclass
class SubjectMarks:
    subject_id: int
    subject: str
    teachers: list[str] = field(default_factory=list)
    marks: list[MarkItem] = field(default_factory=list)
    average: Average | None = None
    final: str | None = None
    year_final: str | None = None

    @property
    def forecast(self) -> int | None:
        """The final mark the shown average leads to (the journal's own forecast)."""
        return self.average.forecast if self.average is not None else None

    @property
    def formula(self) -> str:
        """The weighted average with the numbers: (5×1 + 4×2) / (1 + 2) = 13 / 3 = 4,33."""
        if self.average is None or self.average.value is None:
            return ""
        terms = self.average.terms
        top = " + ".join(f"{_num(t.numeric)}×{_num(t.weight)}" for t in terms)
        bottom = " + ".join(_num(t.weight) for t in terms)
        return (f"({top}) / ({bottom}) = {_num(self.average.weighted_sum)} / {_num(self.average.total_weight)}"
                f" = {self.average.text}")


def _num(value: float | Decimal) -> str:
    """A mark, a weight or a sum as the formula prints it: 13, 4,5 (no trailing zeros)."""
    return format_weight(float(value))


@dataclass
class MarksOverview:
    term: Term
    terms: list[Term]
    subjects: list[SubjectMarks]
    holidays: list[Holiday]
    tests: list[dict[str, Any]]
    weights: list[tuple[str, float]]
    rounding_rule: str
    class_teacher: str | None


def student_subgroups(session: Session, student_id: int) -> list[int]:
    return list(session.scalars(select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student_id)))


def marks_overview(session: Session, school_id: int, student_id: int, class_id: int | None, term: Term,
                   gradebook: Mapping[str, Any], today: date, extra_tests: Iterable[dict[str, Any]] = ()
                   ) -> MarksOverview:
    """Every mark of the term by subject with its weighted average, forecast and final marks; the class's
    teachers, the year's terms and holidays, the tests ahead."""
    weights = work_type_weights(gradebook)
    titles = work_type_titles(gradebook)
    subgroups = student_subgroups(session, student_id)
    subjects: dict[int, SubjectMarks] = {}
    raw: dict[int, list[tuple[str, float | None, str]]] = defaultdict(list)
    if class_id is not None:
        for subject_id, subject, last, first, middle in session.execute(
                select(Subject.id, Subject.name, User.last_name, User.first_name, User.middle_name)
                .join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
                .join(User, User.id == TeachingAssignment.teacher_id)
                .where(TeachingAssignment.class_id == class_id,
                       or_(TeachingAssignment.subgroup_id.is_(None), TeachingAssignment.subgroup_id.in_(subgroups)))
                .order_by(Subject.name)):
            item = subjects.setdefault(subject_id, SubjectMarks(subject_id, subject))
            name = short_name(last, first, middle)
            if name not in item.teachers:
                item.teachers.append(name)
    for mark_id, day, value, numeric, work_type, comment, subject_id, subject in session.execute(
            select(Mark.id, Lesson.date, Mark.value, Mark.numeric, Mark.work_type, Mark.comment, Subject.id,
                   Subject.name)
            .join(Lesson, Lesson.id == Mark.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
            .where(Mark.student_id == student_id, Lesson.date >= term.starts_on, Lesson.date <= term.ends_on)
            .order_by(Lesson.date, Lesson.number, Mark.id)):
        item = subjects.setdefault(subject_id, SubjectMarks(subject_id, subject))
        item.marks.append(MarkItem(mark_id, day, value, work_type, titles.get(work_type, work_type),
                                   weights.get(work_type, 1.0) if numeric is not None else 0.0, comment or ""))
        raw[subject_id].append((value, numeric, work_type))
    year_classes = select(SchoolClass.id).where(SchoolClass.year_id == term.year_id)
    for subject_id, term_id, value in session.execute(
            select(FinalMark.subject_id, FinalMark.term_id, FinalMark.value)
            .where(FinalMark.student_id == student_id, FinalMark.class_id.in_(year_classes),
                   or_(FinalMark.term_id == term.id, FinalMark.term_id.is_(None)))):
        item = subjects.get(subject_id)
        if item is None:
            continue
        if term_id is None:
            item.year_final = value
        else:
            item.final = value
    for item in subjects.values():
        item.average = average_of(raw[item.subject_id], gradebook)
    terms = list(session.scalars(select(Term).where(Term.year_id == term.year_id).order_by(Term.number)))
    holidays = list(session.scalars(select(Holiday).where(Holiday.year_id == term.year_id).order_by(Holiday.starts_on)))
    tests: list[dict[str, Any]] = []
    if class_id is not None:
        for day, number, subject, work_type in session.execute(
                select(Lesson.date, Lesson.number, Subject.name, Lesson.control_work_type)
                .join(Subject, Subject.id == Lesson.subject_id)
                .where(Lesson.class_id == class_id, Lesson.control_work_type.is_not(None),
                       Lesson.date >= max(today, term.starts_on), Lesson.date <= term.ends_on,
                       or_(Lesson.subgroup_id.is_(None), Lesson.subgroup_id.in_(subgroups)))
                .order_by(Lesson.date, Lesson.number).limit(60)):
            tests.append({"date": day, "subject": subject, "title": titles.get(work_type, work_type),
                          "number": number})
    tests += [t for t in extra_tests if t.get("date") and t["date"] >= today]
    tests.sort(key=lambda t: (t["date"], t.get("number") or 0, t.get("subject", "")))
    teacher = None
    if class_id is not None:
        row = session.execute(select(User.last_name, User.first_name, User.middle_name)
                              .join(SchoolClass, SchoolClass.class_teacher_id == User.id)
                              .where(SchoolClass.id == class_id)).first()
        teacher = " ".join(p for p in row if p) if row else None
    return MarksOverview(term=term, terms=terms, subjects=sorted(subjects.values(), key=lambda s: s.subject),
                         holidays=holidays, tests=tests,
                         weights=[(w["title"], w["weight"]) for w in gradebook["work_types"]],
                         rounding_rule=rounding_rule_text(gradebook), class_teacher=teacher)
