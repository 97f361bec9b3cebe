"""The class events log (duty C14): the class teacher records excursions, parents' meetings, class hours
and competitions with date, time, place, participants and result. Upcoming events appear in the family's
diary week and on the class page; past ones in the class teacher's report (reports registry, XLSX).

A plugin of its own, not a part of the timetable's calendar: the log is the class teacher's record of her
class (who took part, what came of it), read by families and reported on; the timetable's calendar is the
deputy's plan of lessons and tests. A school may run either without the other."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, User, hookimpl, watch_content
from plugins.class_events import models

# The diary's section of the class's events is cached until the log is written (core.content_cache).
watch_content(models.ClassEvent, models.ClassEventParticipant)

PLUGIN = PluginInfo(
    name="class_events",
    title=_l("Class events"),
    version="1.0.0",
    public_modules=("public",),
    description=_l("The class events log: excursions, parents' meetings, class hours, competitions."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("class_events.view", _l("See the events of one's classes"), EVERYONE),
        Permission("class_events.view_any", _l("See the events of every class"), ("admin", "principal", "deputy")),
        Permission("class_events.edit", _l("Keep the events log of the classes one leads"),
                   ("class_teacher", "admin", "deputy")),
        Permission("class_events.edit_any", _l("Keep the events log of any class"), ("admin", "deputy")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.class_events.api import bp as api_bp
    from plugins.class_events.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Class events"), "class_events.index", "class_events.view", icon="🗓", weight=340)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    """The next two weeks' events of the user's classes (the class teacher's, the family's)."""
    from sqlalchemy import select

    from core.toolkit import can, db, school_today
    from plugins.class_events.models import ClassEvent
    from plugins.class_events.views import visible_class_ids

    if not can(user, "class_events.view") or can(user, "class_events.view_any"):
        return []
    today = school_today()
    ids = visible_class_ids(user, today) or set()
    if not ids:
        return []
    events = db().scalars(select(ClassEvent).where(ClassEvent.school_id == user.school_id,
                                                   ClassEvent.class_id.in_(ids), ClassEvent.day >= today,
                                                   ClassEvent.day <= today + timedelta(days=14))
                          .order_by(ClassEvent.day).limit(5)).all()
    body = Markup(render_template("class_events/_widget.html", events=events))
    return [DashboardWidget(_l("Class events"), body, weight=60, link_endpoint="class_events.index")]


@hookimpl(optionalhook=True)
def extra_diary_sections(session: Any, school_id: int, student_id: int, class_id: int,
                         week_start: date) -> list[dict[str, Any]]:
    """The class's events of the week shown, the ones the student takes part in marked. The week's events
    and the rendered section are kept until the log is written (``cached_for_content``): the families of
    a class share them, and a page then needs no statement for this section."""
    from flask_babel import get_locale
    from flask_babel import gettext as _

    from core.toolkit import cached_for_content, render_fragment
    from plugins.class_events import services
    from plugins.class_events.views import kind_names

    events = cached_for_content(school_id, ("class_events.week", class_id, week_start),
                                lambda: services.week_of_class(session, school_id, class_id, week_start,
                                                               week_start + timedelta(days=6)))
    if not events:
        return []
    takes_part = tuple(student_id in e.participants for e in events)
    locale = str(get_locale())
    html = cached_for_content(
        school_id, ("class_events.diary", class_id, week_start, takes_part, locale),
        lambda: render_fragment("class_events/_diary.html", kinds=kind_names(),
                                events=[(e, part) for e, part in zip(events, takes_part, strict=True)]))
    return [{"title": _("Class events"), "html": html, "weight": 30}]


@hookimpl(optionalhook=True)
def register_reports() -> list[Any]:
    """The class teacher's «Class events log» in the reports plugin (its page, XLSX, PDF, API)."""
    from plugins.class_events.reports import definitions

    return definitions()


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.class_events.demo import build

    build(session, school)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    from plugins.class_events.revert import revert

    return revert(session, entry)
