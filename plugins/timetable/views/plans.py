"""Lesson plans (КТП): the list, editing, applying topics to lessons, progress."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    current_school_id,
    db,
    requires_permission,
    school_today,
)
from plugins.timetable import access
from plugins.timetable.forms import PlanFileForm, PlanTextForm
from plugins.timetable.plans import apply_plans, parse_file, parse_text, plan_of, plan_progress, replace_plan
from plugins.timetable.refusals import TimetableError
from plugins.timetable.views.common import bp, flash_form, flash_problems, int_arg, timetable_year


def _plan_keys() -> list[Any]:
    """(class, subject, subgroup) the user may edit: own assignments, or all for the deputy."""
    session, school_id = db(), current_school_id()
    year = timetable_year()
    query = (select(TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.subgroup_id,
                    SchoolClass.grade_level, SchoolClass.letter, Subject.name.label("subject"),
                    Subgroup.name.label("subgroup"))
             .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
             .join(Subject, Subject.id == TeachingAssignment.subject_id)
             .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
             .where(TeachingAssignment.school_id == school_id, SchoolClass.year_id == year.id)
             .order_by(SchoolClass.grade_level, SchoolClass.letter, Subject.name, Subgroup.name))
    if not current_user.has_role("deputy"):
        query = query.where(TeachingAssignment.teacher_id == current_user.id)
    return list(session.execute(query).all())


def _plan_key_or_404() -> tuple[int, int, int | None, Any]:
    class_id, subject_id, subgroup_id = int_arg("class_id"), int_arg("subject_id"), int_arg("subgroup_id")
    for key in _plan_keys():
        if (key.class_id, key.subject_id, key.subgroup_id) == (class_id, subject_id, subgroup_id):
            return class_id, subject_id, subgroup_id, key  # type: ignore[return-value]
    abort(404)


@bp.get("/plans")
@requires_permission("timetable.plan.edit")
def plans() -> Any:
    session, school_id = db(), current_school_id()
    keys = _plan_keys()
    year = timetable_year()
    progress = {(p.class_id, p.subject_id, p.subgroup_id): p for p in plan_progress(
        session, school_id, {k.class_id for k in keys}, year.starts_on, year.ends_on, school_today())}
    return render_template("timetable/plans.html", keys=keys, progress=progress)


@bp.route("/plans/edit", methods=["GET", "POST"])
@requires_permission("timetable.plan.edit")
def plan_edit() -> Any:
    session, school_id = db(), current_school_id()
    class_id, subject_id, subgroup_id, key = _plan_key_or_404()
    text_form, file_form = PlanTextForm(), PlanFileForm()
    status = 200
    if request.method == "POST":
        lines = None
        try:
            if request.form.get("action") == "import":
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    flash(_("Choose a file to upload."), "error")
                    status = 422
                else:
                    lines = parse_file(upload.filename, upload.read())
            elif text_form.validate_on_submit():
                lines = parse_text(text_form.text.data)
            else:
                flash_form(text_form)
                status = 422
            if lines is not None:
                count = replace_plan(session, school_id, class_id, subject_id, subgroup_id, lines)
                filled = apply_plans(session, school_id, [class_id], subject_id=subject_id, subgroup_id=subgroup_id,
                                     today=school_today())
                session.commit()
                flash(_("Lesson plan saved: %(count)s topics; %(filled)s lesson topics filled.", count=count,
                        filled=filled), "success")
                return redirect(url_for(".plan_edit", class_id=class_id, subject_id=subject_id,
                                        subgroup_id=subgroup_id or ""))
        except TimetableError as exc:
            session.rollback()
            flash_problems(exc)
            status = 422
    items = plan_of(session, class_id, subject_id, subgroup_id)
    if request.method == "GET" or not text_form.text.data:
        text_form.text.data = "\n".join(f"{i.topic}; {i.hours}" if i.hours > 1 else i.topic for i in items)
    return render_template("timetable/plan_edit.html", key=key, items=items, text_form=text_form,
                           file_form=file_form), status


@bp.post("/plans/apply")
@requires_permission("timetable.plan.edit")
def plan_apply() -> Any:
    session, school_id = db(), current_school_id()
    class_id, subject_id, subgroup_id, _key = _plan_key_or_404()
    filled = apply_plans(session, school_id, [class_id], subject_id=subject_id, subgroup_id=subgroup_id, today=school_today())
    session.commit()
    flash(_("%(filled)s lesson topics filled from the plan.", filled=filled), "success")
    return redirect(url_for(".plan_edit", class_id=class_id, subject_id=subject_id, subgroup_id=subgroup_id or ""))


@bp.get("/plans/progress")
@requires_permission("timetable.plan.progress")
def plan_progress_page() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    year = timetable_year()
    classes = access.visible_classes(session, current_user, school_id, today)
    class_id = int_arg("class_id")
    shown = [class_id] if class_id in {c.id for c in classes} else [c.id for c in classes]
    rows = plan_progress(session, school_id, shown, year.starts_on, year.ends_on, today)
    return render_template("timetable/progress.html", rows=rows, classes=classes, class_id=class_id, today=today)

