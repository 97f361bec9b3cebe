"""Bell schedules: the page, saving one, and attaching classes to it."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import current_school_id, db, get_owned_or_404, requires_permission, school_today
from plugins.timetable import access, bell_times
from plugins.timetable.forms import ScheduleForm
from plugins.timetable.models import Bell, BellSchedule, ClassBells
from plugins.timetable.views.common import bp, flash_form, settings


@bp.route("/bells", methods=["GET", "POST"])
@requires_permission("timetable.manage")
def bells() -> Any:
    session, school_id = db(), current_school_id()
    bell_times.ensure_bells(session, school_id, settings()["default_bells"])
    form = ScheduleForm()
    if request.method == "POST":
        if form.validate_on_submit():
            session.add(BellSchedule(school_id=school_id, name=form.name.data, shift=form.shift.data))
            session.commit()
            flash(_("Bell schedule added."), "success")
        else:
            flash_form(form)
        return redirect(url_for(".bells"))
    session.commit()
    schedules = list(session.scalars(select(BellSchedule).where(BellSchedule.school_id == school_id)
                                     .order_by(BellSchedule.shift, BellSchedule.id)))
    times: dict[int, dict[int, Any]] = {s.id: {} for s in schedules}
    for bell in session.scalars(select(Bell).where(Bell.schedule_id.in_([s.id for s in schedules] or [-1]))):
        times[bell.schedule_id][bell.number] = bell
    classes = access.visible_classes(session, current_user, school_id, school_today())
    attached = dict(session.execute(select(ClassBells.class_id, ClassBells.schedule_id)
                                    .where(ClassBells.school_id == school_id)).all())
    return render_template("timetable/bells.html", schedules=schedules, times=times, form=form, classes=classes,
                           attached=attached, numbers=range(1, settings()["lessons_per_day"] + 1))


@bp.post("/bells/<int:schedule_id>")
@requires_permission("timetable.manage")
def save_bells(schedule_id: int) -> Any:
    session = db()
    schedule = get_owned_or_404(BellSchedule, schedule_id)
    rows = []
    for number in range(1, settings()["lessons_per_day"] + 1):
        start, end = request.form.get(f"start_{number}", "").strip(), request.form.get(f"end_{number}", "").strip()
        if not start and not end:
            continue
        try:
            rows.append((number, bell_times.parse_time(start), bell_times.parse_time(end)))
        except ValueError:
            flash(_("Lesson %(number)s: write the time as 08:30.", number=number), "error")
            return redirect(url_for(".bells"))
    bell_times.save_bells(session, schedule, rows)
    if request.form.get("is_default"):
        for other in session.scalars(select(BellSchedule).where(BellSchedule.school_id == schedule.school_id)):
            other.is_default = other.id == schedule.id
    session.commit()
    flash(_("Bells saved."), "success")
    return redirect(url_for(".bells"))


@bp.post("/bells/classes")
@requires_permission("timetable.manage")
def attach_classes() -> Any:
    session, school_id = db(), current_school_id()
    schedules = {s.id: s for s in session.scalars(select(BellSchedule).where(BellSchedule.school_id == school_id))}
    for school_class in access.visible_classes(session, current_user, school_id, school_today()):
        raw = request.form.get(f"class_{school_class.id}", "")
        existing = session.get(ClassBells, school_class.id)
        if raw.isdigit() and int(raw) in schedules:
            if existing is None:
                session.add(ClassBells(class_id=school_class.id, school_id=school_id, schedule_id=int(raw)))
            else:
                existing.schedule_id = int(raw)
        elif existing is not None:
            session.delete(existing)
    session.commit()
    flash(_("Shifts of the classes saved."), "success")
    return redirect(url_for(".bells"))

