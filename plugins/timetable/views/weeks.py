"""The week of a class (everyone), a teacher's week, and the year's calendar."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, render_template
from flask_login import current_user

from core.toolkit import User, can, current_school_id, db, requires_permission, school_today
from plugins.timetable import access, agenda, lesson_changes
from plugins.timetable.views.common import bp, date_arg, int_arg, settings, teacher_choices, timetable_year


@bp.get("/")
@requires_permission("timetable.view")
def index() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    classes = access.visible_classes(session, current_user, school_id, today)
    if not classes:
        return render_template("timetable/week.html", classes=[], days=[], school_class=None, monday=None,
                               students=[], teachers=[], student_id=None)
    class_id = int_arg("class_id") or classes[0].id
    if class_id not in {c.id for c in classes}:
        abort(404)
    monday = agenda.monday_of(date_arg("date", today))
    student_id = None if access.is_staff(current_user) else access.student_in_class(session, current_user, class_id, today)
    days = agenda.class_week(session, school_id, class_id, monday, settings()["days_per_week"], student_id)
    school_class = next(c for c in classes if c.id == class_id)
    return render_template("timetable/week.html", classes=classes, school_class=school_class, days=days, monday=monday,
                           today=today, student_id=student_id,
                           students=access.family_students(session, current_user),
                           teachers=agenda.class_teachers_list(session, class_id),
                           can_manage=can(current_user, "timetable.manage"))


@bp.get("/teacher")
@requires_permission("timetable.view")
def teacher() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    if not access.is_staff(current_user):
        abort(404)
    teacher_id = int_arg("teacher_id") or current_user.id
    if teacher_id != current_user.id:
        person = session.get(User, teacher_id)
        if person is None or person.school_id != school_id:
            abort(404)
    monday = agenda.monday_of(date_arg("date", today))
    days = agenda.teacher_week(session, school_id, teacher_id, monday, settings()["days_per_week"])
    subs = lesson_changes.substitutions_of_teacher(session, school_id, teacher_id, monday, monday + timedelta(days=6))
    return render_template("timetable/teacher.html", days=days, monday=monday, today=today, substitutions=subs,
                           teacher=session.get(User, teacher_id), teachers=teacher_choices())


@bp.get("/calendar")
@requires_permission("timetable.view")
def calendar() -> Any:
    year = timetable_year()
    terms, holidays = agenda.calendar_of_year(db(), year.id)
    return render_template("timetable/calendar.html", year=year, terms=terms, holidays=holidays, today=school_today())

