"""The test calendar: planned tests per class, adding and deleting them."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    Subject,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    plugin_settings,
    requires_permission,
    school_today,
    teaches,
    term_on,
    terms_of_year,
)
from plugins.timetable import access, naming
from plugins.timetable.assessments import assessments_between, plan_assessment, warnings_around, warnings_for
from plugins.timetable.forms import AssessmentForm
from plugins.timetable.models import Assessment
from plugins.timetable.ui import problem_text
from plugins.timetable.views.common import bp, flash_form, int_arg, settings, timetable_year


def _work_kinds() -> list[tuple[str, str]]:
    return [(w["code"], w["title"]) for w in plugin_settings("gradebook")["work_types"]]


def _assessment_form(classes: list[SchoolClass]) -> AssessmentForm:
    session = db()
    form = AssessmentForm()
    form.class_id.choices = [(c.id, c.name) for c in classes]
    form.subject_id.choices = [(s.id, s.name) for s in session.scalars(
        select(Subject).where(Subject.school_id == current_school_id()).order_by(Subject.name))]
    form.kind.choices = _work_kinds()
    if not form.kind.data:
        form.kind.data = "test"
    return form


@bp.get("/assessments")
@requires_permission("timetable.view")
def assessments() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    year = timetable_year()
    terms = terms_of_year(session, year.id)
    term = next((t for t in terms if t.id == int_arg("term_id")), None) or term_on(session, school_id, today) \
        or (terms[0] if terms else None)
    classes = access.visible_classes(session, current_user, school_id, today)
    class_id = int_arg("class_id")
    if class_id is not None and class_id not in {c.id for c in classes}:
        abort(404)
    shown = [class_id] if class_id else [c.id for c in classes]
    items = assessments_between(session, school_id, term.starts_on, term.ends_on, shown) if term else []
    warnings = warnings_for(session, school_id, items, settings())
    flagged = {i for w in warnings for i in w.assessment_ids}
    names = naming.Names(session, school_id)
    kinds = dict(_work_kinds())
    form = _assessment_form(classes) if can(current_user, "timetable.assessment.plan") else None
    if form is not None and class_id:
        form.class_id.data = class_id
    return render_template("timetable/assessments.html", terms=terms, term=term, classes=classes, class_id=class_id,
                           items=items, warnings=[problem_text(w.problem) for w in warnings], flagged=flagged,
                           names=names, kinds=kinds, form=form, settings=settings())


def _may_plan(class_id: int, subject_id: int) -> bool:
    if current_user.has_role("deputy", "admin"):
        return True
    return teaches(db(), current_user.id, class_id, subject_id)


@bp.post("/assessments")
@requires_permission("timetable.assessment.plan")
def add_assessment() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    classes = access.visible_classes(session, current_user, school_id, today)
    form = _assessment_form(classes)
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for(".assessments"))
    if not _may_plan(form.class_id.data, form.subject_id.data):
        flash(_("You can plan tests only in the subjects and classes you teach."), "error")
        return redirect(url_for(".assessments", class_id=form.class_id.data)), 403
    year = timetable_year()
    if not year.starts_on <= form.date.data <= year.ends_on:
        flash(_("The date must lie within the school year %(year)s.", year=year.title), "error")
        return redirect(url_for(".assessments", class_id=form.class_id.data))
    plan_assessment(session, school_id, class_id=form.class_id.data, subject_id=form.subject_id.data,
                    day=form.date.data, number=form.number.data, kind=form.kind.data, title=form.title.data or "",
                    actor_id=current_user.id)
    warnings = warnings_around(session, school_id, form.class_id.data, form.date.data, settings())
    session.commit()
    flash(_("Test added to the calendar."), "success")
    for w in warnings:
        flash(problem_text(w.problem), "error")
    return redirect(url_for(".assessments", class_id=form.class_id.data))


@bp.post("/assessments/<int:assessment_id>/delete")
@requires_permission("timetable.assessment.plan")
def delete_assessment(assessment_id: int) -> Any:
    session = db()
    item = get_owned_or_404(Assessment, assessment_id)
    if not _may_plan(item.class_id, item.subject_id):
        abort(403)
    session.delete(item)
    session.commit()
    flash(_("Test removed from the calendar."), "success")
    return redirect(url_for(".assessments", class_id=item.class_id))

