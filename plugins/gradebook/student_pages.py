"""Pages about students: "how was this computed", the class teacher's view and a student's card."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, render_template, request
from sqlalchemy import select

from core.toolkit import (
    AcademicYear,
    SchoolClass,
    Subject,
    Term,
    User,
    current_school_id,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.gradebook import access
from plugins.gradebook.explanations import Explanation, explain_average, explain_year
from plugins.gradebook.summaries import class_subjects, class_summary
from plugins.gradebook.summaries import student_card as card_rows
from plugins.gradebook.web import (
    bp,
    default_term,
    int_arg,
    year_terms,
)


@bp.get("/explain")
@requires_permission("gradebook.average.explain")
def explain() -> Any:
    """How a student's average and forecast in a subject were computed, for a term or the year.

    ``student_id`` and ``subject_id`` are required; ``term_id`` (none: the year) and ``class_id`` (none:
    the student's class in that period) are optional. Open to the student, their guardians, and staff
    who may see the class; anyone else gets 404.
    """
    session = db()
    school_id = current_school_id()
    student_id, subject_id = int_arg("student_id"), int_arg("subject_id")
    student = get_owned_or_404(User, student_id)
    subject = get_owned_or_404(Subject, subject_id)
    explanation, term, school_class = explain_for(session, school_id, student, subject, int_arg("term_id"),
                                                  int_arg("class_id"))
    return render_template("gradebook/explain.html", e=explanation, student=student, subject=subject, term=term,
                           school_class=school_class, settings=access.settings())


def explain_for(session: Any, school_id: int, student: User, subject: Subject, term_id: int | None,
                class_id: int | None) -> tuple[Explanation, Term | None, SchoolClass]:
    """Shared by the page and the API: resolve the period and class, check access, explain (404 if not)."""
    from core.toolkit import class_of_student

    term = get_owned_or_404(Term, term_id) if term_id else None
    if class_id:
        school_class = get_owned_or_404(SchoolClass, class_id)
    else:
        day = min(term.ends_on, school_today()) if term else school_today()
        if term is not None:
            day = max(day, term.starts_on)
        school_class = class_of_student(session, student.id, day)
        if school_class is None:
            abort(404)
    if term is not None and term.year_id != school_class.year_id:
        abort(404)
    year = session.get(AcademicYear, school_class.year_id)
    start, end = (term.starts_on, term.ends_on) if term else (year.starts_on, year.ends_on)  # type: ignore[union-attr]
    if not access.student_in_class(session, student.id, school_class.id, start, end):
        abort(404)
    if not access.may_see_student(session, student.id, school_class.id, subject.id):
        abort(404)
    settings = access.settings()
    if term is not None:
        explanation = explain_average(session, settings, class_id=school_class.id, subject_id=subject.id,
                                               student_id=student.id, start=start, end=end)
    else:
        explanation = explain_year(session, settings, class_id=school_class.id, subject_id=subject.id,
                                            student_id=student.id, terms=year_terms(session, school_class.year_id))
    from plugins.gradebook.models import FinalMark

    explanation.final = session.scalar(select(FinalMark.value).where(
        FinalMark.class_id == school_class.id, FinalMark.subject_id == subject.id, FinalMark.student_id == student.id,
        FinalMark.term_id == term.id if term else FinalMark.term_id.is_(None)))
    return explanation, term, school_class


def _period(session: Any, school_class: SchoolClass) -> tuple[list[Term], Term | None, date, date]:
    terms = year_terms(session, school_class.year_id)
    period = request.args.get("period", "")
    term = next((t for t in terms if str(t.id) == period), None)
    if period != "year" and term is None:
        term = default_term(session, school_class.year_id, school_today())
    if term is not None:
        return terms, term, term.starts_on, term.ends_on
    year = session.get(AcademicYear, school_class.year_id)
    return terms, None, year.starts_on, year.ends_on


@bp.get("/class/<int:class_id>")
@requires_permission("gradebook.journal.view")
def class_view(class_id: int) -> Any:
    """Every subject of the class, read only: subjects down, students across, averages and final marks."""
    session = db()
    school_class = get_owned_or_404(SchoolClass, class_id)
    if not (access.views_all() or access.leads(class_id)):
        abort(403)
    terms, term, start, end = _period(session, school_class)
    students = [(s.id, s.short_name) for s in _class_students(session, class_id, start, end)]
    subjects = class_subjects(session, class_id)
    cells = class_summary(session, access.settings(), class_id, term.id if term else None, start, end)
    settings = access.settings()
    risk_below = min(settings["thresholds"].values()) if settings["rounding"] == "thresholds" and \
        settings["thresholds"] else settings["scale_min"] + 1.5
    return render_template("gradebook/class.html", school_class=school_class, terms=terms, term=term,
                           students=students, subjects=subjects, cells=cells, risk_below=risk_below)


def _class_students(session: Any, class_id: int, start: date, end: date) -> list[User]:
    from core.toolkit import class_students

    return class_students(session, class_id, start, end)


@bp.get("/student/<int:student_id>")
@requires_permission("gradebook.journal.view")
def student_card(student_id: int) -> Any:
    """A student's card: every subject's marks, average, forecast and final mark for a period."""
    session = db()
    student = get_owned_or_404(User, student_id)
    school_class = get_owned_or_404(SchoolClass, int_arg("class_id")) if int_arg("class_id") else None
    if school_class is None:
        from core.toolkit import class_of_student

        school_class = class_of_student(session, student.id, school_today())
        if school_class is None:
            abort(404)
    if not (access.views_all() or access.leads(school_class.id)):
        abort(404)
    terms, term, start, end = _period(session, school_class)
    if not access.student_in_class(session, student.id, school_class.id, start, end):
        abort(404)
    rows = card_rows(session, access.settings(), school_class.id, student.id, term.id if term else None,
                                 start, end)
    return render_template("gradebook/student.html", student=student, school_class=school_class, terms=terms,
                           term=term, rows=rows)
