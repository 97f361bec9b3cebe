"""Substitutions, moves and cancellations of single lessons, and revoking them."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import current_school_id, db, get_owned_or_404, requires_permission, school_today
from plugins.gradebook.public import Lesson
from plugins.timetable import access, agenda, lesson_changes
from plugins.timetable.forms import CancelForm, MoveForm, SubstituteForm
from plugins.timetable.models import LessonChange
from plugins.timetable.views.common import (
    bp,
    date_arg,
    flash_form,
    int_arg,
    settings,
    teacher_choices,
)


@bp.get("/changes")
@requires_permission("timetable.manage")
def changes() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    day = date_arg("date", today)
    classes = access.visible_classes(session, current_user, school_id, today)
    class_id = int_arg("class_id") or (classes[0].id if classes else None)
    lessons = []
    busy: dict[int, set[int]] = {}
    if class_id is not None:
        lessons = agenda.class_week(session, school_id, class_id, day, 1)[0].slots
        for number, teacher_id in session.execute(select(Lesson.number, Lesson.teacher_id).where(
                Lesson.school_id == school_id, Lesson.date == day)):
            busy.setdefault(number, set()).add(teacher_id)
    monday = agenda.monday_of(day)
    recent = lesson_changes.recent_changes(session, school_id, monday, monday + timedelta(days=13))
    sub_form, move_form, cancel_form = SubstituteForm(), MoveForm(), CancelForm()
    teachers = teacher_choices()
    return render_template("timetable/changes.html", day=day, classes=classes, class_id=class_id, slots=lessons,
                           busy=busy, teachers=teachers, recent=recent, sub_form=sub_form, move_form=move_form,
                           cancel_form=cancel_form)


def _lesson(lesson_id: int) -> Lesson:
    return get_owned_or_404(Lesson, lesson_id)


def _back(lesson: Lesson | None = None) -> Any:
    if lesson is not None:
        return redirect(url_for(".changes", date=lesson.date.isoformat(), class_id=lesson.class_id))
    return redirect(request.referrer or url_for(".changes"))


@bp.post("/lessons/<int:lesson_id>/substitute")
@requires_permission("timetable.manage")
def substitute(lesson_id: int) -> Any:
    session, school_id = db(), current_school_id()
    lesson = _lesson(lesson_id)
    form = SubstituteForm()
    form.teacher_id.choices = teacher_choices()
    if not form.validate_on_submit():
        flash_form(form)
        return _back(lesson), 422
    lesson_changes.substitute(session, school_id, lesson, form.teacher_id.data, form.reason.data or "", current_user.id)
    session.commit()
    flash(_("Substitution saved."), "success")
    return _back(lesson)


@bp.post("/lessons/<int:lesson_id>/move")
@requires_permission("timetable.manage")
def move(lesson_id: int) -> Any:
    session, school_id = db(), current_school_id()
    lesson = _lesson(lesson_id)
    origin = (lesson.date, lesson.class_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash_form(form)
        return _back(lesson)
    s = settings()
    lesson_changes.move(session, school_id, lesson, form.date.data, form.number.data, room=form.room.data or "",
                  reason=form.reason.data or "", weekdays=s["days_per_week"], lessons_per_day=s["lessons_per_day"],
                  actor_id=current_user.id)
    session.commit()
    flash(_("Lesson moved."), "success")
    return redirect(url_for(".changes", date=origin[0].isoformat(), class_id=origin[1]))


@bp.post("/lessons/<int:lesson_id>/cancel")
@requires_permission("timetable.manage")
def cancel(lesson_id: int) -> Any:
    session, school_id = db(), current_school_id()
    lesson = _lesson(lesson_id)
    origin = (lesson.date, lesson.class_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash_form(form)
        return _back(lesson)
    lesson_changes.cancel(session, school_id, lesson, form.reason.data, current_user.id)
    session.commit()
    flash(_("Lesson cancelled."), "success")
    return redirect(url_for(".changes", date=origin[0].isoformat(), class_id=origin[1]))


@bp.post("/changes/<int:change_id>/revoke")
@requires_permission("timetable.manage")
def revoke(change_id: int) -> Any:
    session = db()
    change = get_owned_or_404(LessonChange, change_id)
    lesson_changes.revoke(session, change, current_user.id)
    session.commit()
    flash(_("Change revoked."), "success")
    return redirect(url_for(".changes", date=change.date.isoformat(), class_id=change.class_id))

