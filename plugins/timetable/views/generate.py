"""Generating the journal's lessons from the timetable."""
from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import current_school_id, db, requires_permission, school_today, term_on, terms_of_year
from plugins.timetable import access, generation, versioning
from plugins.timetable.forms import GenerateForm
from plugins.timetable.views.common import bp, flash_form, settings, timetable_year


@bp.route("/generate", methods=["GET", "POST"])
@requires_permission("timetable.manage")
def generate() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    year = timetable_year()
    terms = terms_of_year(session, year.id)
    classes = access.visible_classes(session, current_user, school_id, today)
    form = GenerateForm()
    form.term_id.choices = [(t.id, t.title) for t in terms]
    form.class_id.choices = [(0, _("All classes"))] + [(c.id, c.name) for c in classes]
    if request.method == "GET":
        current = term_on(session, school_id, today)
        form.term_id.data = current.id if current else (terms[0].id if terms else None)
        form.fill_topics.data = True
    report = None
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form(form)
            return render_template("timetable/generate.html", form=form, report=None), 422
        term = next(t for t in terms if t.id == form.term_id.data)
        start = max(term.starts_on, form.from_date.data) if form.from_date.data else term.starts_on
        if start > term.ends_on:
            flash(_("The date is after the end of the term."), "error")
            return render_template("timetable/generate.html", form=form, report=None), 422
        class_ids = [form.class_id.data] if form.class_id.data else None
        if not versioning.versions_between(session, school_id, start, term.ends_on):
            flash(_("No timetable covers these dates: create one first."), "error")
            return render_template("timetable/generate.html", form=form, report=None), 422
        report = generation.generate_lessons(session, school_id, start, term.ends_on, class_ids=class_ids,
                                           weekdays=settings()["days_per_week"], today=today,
                                           fill_topics=bool(form.fill_topics.data), actor_id=current_user.id)
        session.commit()
        flash(_("Lessons generated: %(created)s created, %(updated)s moved, %(removed)s removed, %(kept)s kept.",
                created=report.created, updated=report.updated, removed=report.removed, kept=len(report.kept)),
              "success")
    return render_template("timetable/generate.html", form=form, report=report)

