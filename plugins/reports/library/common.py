"""What the built-in reports share: settings, the term's results per class, labels, links."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import Term, plugin_settings
from plugins.reports import data, figures
from plugins.reports.registry import UserScope
from plugins.reports.result import Link

CATEGORY_TITLES = {
    figures.EXCELLENT: _l("Excellent (only 5)"),
    figures.GOOD: _l("Good (4 and 5)"),
    figures.ONE_THREE: _l("With one 3"),
    figures.SATISFACTORY: _l("Satisfactory"),
    figures.FAILING: _l("Failing"),
    figures.NOT_CERTIFIED_STUDENT: _l("Not certified"),
}
CATEGORY_STYLES = {figures.EXCELLENT: "good", figures.GOOD: "good", figures.ONE_THREE: "warn",
                   figures.FAILING: "bad", figures.NOT_CERTIFIED_STUDENT: "bad"}
RISK_TITLES = {
    figures.RISK_NOT_CERTIFIED: _l("Too few marks: may be not certified"),
    figures.RISK_FAILING: _l("Failing forecast"),
    figures.RISK_BORDERLINE: _l("On the edge of failing"),
}


def gradebook_settings() -> dict[str, Any]:
    return plugin_settings("gradebook")


def reports_settings() -> dict[str, Any]:
    return plugin_settings("reports")


def attendance_settings() -> dict[str, Any]:
    return plugin_settings("attendance")


def scale() -> figures.Scale:
    return figures.Scale.from_settings(gradebook_settings(), reports_settings())


def day(value: date) -> str:
    return format_date(value, "dd.MM.yyyy")


def period_text(start: date, end: date) -> str:
    return _("%(start)s – %(end)s", start=day(start), end=day(end))


def result_text(result: figures.Result | None, value: str | None = None) -> str | int | None:
    """How a result shows in a cell: the mark as a number, a code as written."""
    if result is None:
        return None
    if isinstance(result, int):
        return result
    return value or {"na": "н/а", "fail": "незач", "neutral": "зач"}.get(result, str(result))


def journal_link(class_id: int, subject_id: int, term_id: int | None) -> Link:
    return Link("journal", {"class_id": class_id, "subject_id": subject_id, "term_id": term_id})


def card_link(student_id: int, term_id: int | None) -> Link:
    return Link("report", {"key": "student_card", "student_id": student_id, "term_id": term_id})


def names(ids: Iterable[int], people: dict[int, str]) -> str:
    return ", ".join(people[i] for i in ids if i in people)


@dataclass
class Cell:
    """A student's result in a subject for a term: the final mark, or else the forecast from the marks."""

    result: figures.Result | None
    text: str | int | None
    forecast: bool
    average: float | None  # the shown average (``Average.value``), half-up to hundredths
    marks: int


@dataclass
class ClassResults:
    info: data.ClassInfo
    students: list[data.StudentInfo]
    subject_ids: list[int]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    teachers: dict[int, list[int]] = field(default_factory=dict)  # subject -> teachers

    def results_of(self, student_id: int) -> list[figures.Result]:
        return [c.result for s in self.subject_ids if (c := self.cells.get((student_id, s))) and c.result is not None]

    def by_student(self) -> dict[int, list[figures.Result]]:
        return {s.id: self.results_of(s.id) for s in self.students}

    def column(self, subject_id: int) -> dict[int, list[figures.Result]]:
        return {s.id: [c.result] for s in self.students
                if (c := self.cells.get((s.id, subject_id))) and c.result is not None}


def term_results(session: Session, school_id: int, term: Term, today: date, scope: UserScope,
                 class_ids: list[int] | None, *, use_finals: bool = True) -> list[ClassResults]:
    """Each class's students (those in the class at the period's end) with their result in each subject.

    Six queries whatever the size of the school: classes, students, assignments, final marks, and the
    term's marks summed in SQL by the gradebook's weights; the average shown and its forecast are the
    gradebook's ``Average`` of those sums, so they agree with the journal to the hundredth.
    """
    gb = gradebook_settings()
    sc = scale()
    end = data.period_end(term, today)
    infos = data.classes(session, school_id, class_ids)
    ids = [c.id for c in infos]
    pupils = data.students(session, school_id, ids, end, end)
    teachers = data.teachers_by_class_subject(session, school_id, ids)
    finals = data.final_marks(session, school_id, term.id, ids) if use_finals else {}
    marks = data.term_mark_sums(session, school_id, term.starts_on, end, gb, ids)

    subjects_of: dict[int, set[int]] = {c: set() for c in ids}
    for class_id, subject_id in teachers:
        subjects_of[class_id].add(subject_id)
    for class_id, _student, subject_id in list(finals) + list(marks):
        subjects_of.setdefault(class_id, set()).add(subject_id)

    out = []
    for info in infos:
        allowed = scope.subjects_in(info.id)
        subject_ids = sorted(s for s in subjects_of.get(info.id, ()) if allowed is None or s in allowed)
        results = ClassResults(info, pupils.get(info.id, []), subject_ids,
                               teachers={s: teachers.get((info.id, s), []) for s in subject_ids})
        for student in results.students:
            for subject_id in subject_ids:
                key = (info.id, student.id, subject_id)
                sums = marks.get(key)
                average = sums.average if sums else None
                shown = average.value if average else None
                count = sums.count if sums else 0
                if key in finals:
                    value, numeric = finals[key]
                    results.cells[(student.id, subject_id)] = Cell(
                        sc.result(value, numeric), result_text(sc.result(value, numeric), value), False,
                        shown, count)
                elif average is not None and average.forecast is not None:
                    mark = average.forecast
                    results.cells[(student.id, subject_id)] = Cell(mark, mark, True, shown, count)
                else:
                    results.cells[(student.id, subject_id)] = Cell(None, None, True, None, 0)
        out.append(results)
    return out


def resolve_term(session: Session, values: dict[str, Any], school_id: int) -> Term:
    term = session.get(Term, values["term_id"]) if values.get("term_id") else None
    if term is None or term.school_id != school_id:
        from plugins.reports.registry import ReportNotFound

        raise ReportNotFound()
    return term
