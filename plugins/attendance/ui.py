"""Menu entries and start-page widgets: a teacher's lessons without roll call, a class teacher's
unverified weeks and pending notes, the deputy's lessons left without attendance."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.toolkit import DashboardWidget, MenuItem, can, classes_led_by, db, school_today, term_on
from plugins.attendance import excuses, unmarked, weekly
from plugins.attendance.context import actor_for, settings


def menu_items(user: Any) -> list[MenuItem]:
    items = [
        MenuItem(_l("Roll call"), "attendance.today", "attendance.edit", icon="✅", weight=210),
        MenuItem(_l("Absence notes"), "attendance.notes", "attendance.note.submit", icon="✉", weight=230),
        MenuItem(_l("Missing attendance"), "attendance.monitor", "attendance.view_all", icon="⚠", weight=225),
    ]
    if classes_led_by(user) or can(user, "attendance.view_all"):
        items.append(MenuItem(_l("Attendance"), "attendance.index", "attendance.view", icon="🗓", weight=220))
    return items


def _widget(title: Any, template: str, weight: int, link: str | None = None, **context: Any) -> DashboardWidget:
    return DashboardWidget(title=title, body=Markup(render_template(template, **context)), weight=weight,
                           link_endpoint=link)


def dashboard_widgets(user: Any) -> list[DashboardWidget]:
    session = db()
    today = school_today()
    conf = settings()
    widgets = []
    if can(user, "attendance.edit"):
        lessons = unmarked.teacher_lessons_on(session, user.school_id, user.id, today)
        if lessons:
            waiting = [lesson for lesson in lessons if not lesson.entered]
            widgets.append(_widget(_l("Roll call today"), "attendance/widget_today.html", 30, "attendance.today",
                                   waiting=waiting, total=len(lessons)))
    actor = actor_for(user)
    if actor.verify_class_ids:
        ids = sorted(actor.verify_class_ids)
        term = term_on(session, user.school_id, today)
        since = term.starts_on if term else weekly.monday(today)
        weeks = weekly.unverified_weeks(session, user.school_id, ids, since, today)
        pending = excuses.pending_notes_count(session, user.school_id, ids)
        from core.toolkit import SchoolClass

        names = {c.id: c.name for c in (session.get(SchoolClass, cid) for cid in ids) if c is not None}
        widgets.append(_widget(_l("Attendance of my class"), "attendance/widget_class.html", 35, "attendance.index",
                               weeks=weeks, pending=pending, names=names, ids=ids))
    if actor.view_all:
        missing = unmarked.missing_roll_calls(session, conf, user.school_id, today)
        widgets.append(_widget(_l("Lessons without attendance"), "attendance/widget_monitor.html", 40,
                               "attendance.monitor", groups=unmarked.by_teacher(missing)[:8], total=len(missing),
                               days=conf["missing_after_days"]))
    return widgets
