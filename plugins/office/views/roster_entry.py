"""Class lists for the set-up wizard: which classes still have no students, typing a student with a
guardian by hand, and the way to the spreadsheet import for whole lists."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import current_school_id, current_year, db, hook, requires_permission
from plugins.office import refusals, rosters, typed_roster
from plugins.office.access import require_class, school_today, scoped_classes
from plugins.office.views.common import bp, commit, flash_errors


class TypedStudentForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    guardian_last_name = StringField(_l("Guardian's last name"), validators=[Optional(), Length(max=100)])
    guardian_first_name = StringField(_l("Guardian's first name"), validators=[Optional(), Length(max=100)])
    guardian_middle_name = StringField(_l("Guardian's middle name"), validators=[Optional(), Length(max=100)])
    relation = StringField(_l("Relation (мать, отец, опекун)"), validators=[Optional(), Length(max=50)])
    guardian_phone = StringField(_l("Guardian's phone"), validators=[Optional(), Length(max=50)])
    guardian_email = StringField(_l("Guardian's e-mail"), validators=[Optional(), Length(max=200)])


@bp.get("/class-lists")
@requires_permission("office.import.run")
def class_lists() -> Any:
    session = db()
    day = school_today()
    classes = scoped_classes("office.import.run")
    counts = {c.id: len(rosters.current_students(session, c.id, day)) for c in classes}
    return render_template("office/class_lists.html", classes=classes, counts=counts)


@bp.route("/classes/<int:class_id>/students/new", methods=["GET", "POST"])
@requires_permission("office.import.run")
def type_student(class_id: int) -> Any:
    school_class = require_class("office.import.run", class_id)
    session = db()
    form = TypedStudentForm()
    if form.validate_on_submit():
        year = current_year(session, current_school_id())
        on_date = min(year.starts_on, school_today()) if year else school_today()
        try:
            student, guardian = typed_roster.add_student(session, school_class, form.data, on_date,
                                                         on_moved=hook().on_student_moved)
        except refusals.OfficeError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            commit()
            flash(_("%(name)s added to class %(cls)s.", name=student.full_name, cls=school_class.name), "success")
            return redirect(url_for(".type_student", class_id=class_id))
    elif form.errors:
        flash_errors(form)
    students = rosters.current_students(session, class_id, school_today())
    return render_template("office/type_student.html", form=form, school_class=school_class, students=students)
