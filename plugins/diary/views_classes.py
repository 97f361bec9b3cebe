"""The diary's pages for class teachers and the administration: the class's families this week, the
notice to the deputy and the deputy's list of notices. Routes of the ``diary`` blueprint (``views.bp``)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, select

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    SchoolClass,
    can,
    current_school_id,
    db,
    plugin_settings,
    requires_permission,
    school_today,
)
from plugins.diary import monitoring
from plugins.diary.access import class_in_scope
from plugins.diary.forms import NotifyDeputyForm
from plugins.diary.models import DeputyNotice, Visit
from plugins.diary.views import _date_arg, _viewer, bp
from plugins.diary.week import week_start_of

log = logging.getLogger("klass.diary")


def _class_or_404(class_id: int) -> SchoolClass:
    school_class = db().get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != current_school_id() or not class_in_scope(_viewer(), class_id):
        abort(404)
    return school_class


@bp.get("/classes")
@requires_permission("diary.class.monitor")
def classes() -> Any:
    session = db()
    v = _viewer()
    query = (select(SchoolClass).join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
             .where(SchoolClass.school_id == v.school_id, AcademicYear.is_current.is_(True))
             .order_by(SchoolClass.grade_level, SchoolClass.letter))
    if not v.school_wide:
        query = query.where(SchoolClass.id.in_(v.led_classes or {0}))
    rows = session.scalars(query).all()
    if len(rows) == 1 and not v.school_wide:
        return redirect(url_for(".class_week", class_id=rows[0].id))
    since = datetime.now(UTC) - timedelta(days=plugin_settings("diary")["inactive_days"])
    active = dict(session.execute(
        select(ClassMembership.class_id, func.count(func.distinct(Visit.viewer_id)))
        .join(Visit, and_(Visit.student_id == ClassMembership.student_id, Visit.viewer_role == "guardian"))
        .where(ClassMembership.class_id.in_([c.id for c in rows]), Visit.visited_at >= since)
        .group_by(ClassMembership.class_id)).all()) if rows else {}
    notices = monitoring.notices_for(session, v.school_id, limit=20) if can(current_user, "diary.notices.view") else []
    return render_template("diary/classes.html", classes=rows, active=active, notices=notices)


@bp.get("/classes/<int:class_id>")
@requires_permission("diary.class.monitor")
def class_week(class_id: int) -> Any:
    _class_or_404(class_id)
    now = datetime.now(UTC)
    start = week_start_of(_date_arg("week") or school_today())
    report = monitoring.class_week(db(), class_id, start, now, plugin_settings("diary")["inactive_days"])
    return render_template("diary/class_week.html", r=report, form=NotifyDeputyForm(),
                           this_week=week_start_of(school_today()), timedelta_week=timedelta(days=7))


@bp.post("/classes/<int:class_id>/notify-deputy")
@requires_permission("diary.class.monitor")
def notify_deputy(class_id: int) -> Any:
    _class_or_404(class_id)
    session = db()
    form = NotifyDeputyForm()
    start = week_start_of(_date_arg("week") or school_today())
    if not form.validate_on_submit():
        flash(_("The comment for the deputy is too long."), "error")
        return redirect(url_for(".class_week", class_id=class_id, week=start.isoformat()))
    report = monitoring.class_week(session, class_id, start, datetime.now(UTC), plugin_settings("diary")["inactive_days"])
    notice = monitoring.notify_deputy(session, report, current_user, form.note.data or "")
    if notice is None:
        flash(_("Every guardian opened the diary recently: there is nothing to report."), "info")
    else:
        session.commit()
        flash(_("The deputy has been told: the notice is on their start page and in their mail."), "success")
    return redirect(url_for(".class_week", class_id=class_id, week=start.isoformat()))


@bp.get("/notices")
@requires_permission("diary.notices.view")
def notices() -> Any:
    return render_template("diary/notices.html", notices=monitoring.notices_for(db(), current_school_id()))


@bp.post("/notices/<int:notice_id>/read")
@requires_permission("diary.notices.view")
def notice_read(notice_id: int) -> Any:
    session = db()
    notice = session.get(DeputyNotice, notice_id)
    if notice is None or notice.school_id != current_school_id():
        abort(404)
    if notice.read_at is None:
        notice.read_at, notice.read_by = datetime.now(UTC), current_user.id
        session.commit()
    return redirect(url_for(".notices"))
