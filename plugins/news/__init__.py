"""School and class news (announcements) with a publication window in the school's time zone: shown on
the start page and in the family's diary week; the author sees who has read each item."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, User, hookimpl, watch_content
from plugins.news import models

watch_content(models.NewsItem)  # the diary's news section is cached until news is written (core.content_cache)

PLUGIN = PluginInfo(
    name="news",
    title=_l("News"),
    version="1.0.0",
    public_modules=("public",),
    description=_l("School and class announcements with a publication window and read marks."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("news.view", _l("Read the school's and one's classes' news"), EVERYONE),
        Permission("news.class.write", _l("Write news for the classes one leads"),
                   ("class_teacher", "admin", "principal", "deputy")),
        Permission("news.school.write", _l("Write news for the whole school or any class"),
                   ("admin", "principal", "deputy")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.news.api import bp as api_bp
    from plugins.news.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("News"), "news.index", "news.view", icon="📰", weight=690)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    from core.toolkit import can, db, school_today, utcnow
    from plugins.news import services

    if not can(user, "news.view"):
        return []
    session = db()
    items = services.current_for(session, user.school_id, services.reader_class_ids(session, user,
                                                                                     school_today()), utcnow(), 5)
    body = Markup(render_template("news/_widget.html", items=items))
    return [DashboardWidget(_l("News"), body, weight=40, link_endpoint="news.index")]


@hookimpl(optionalhook=True)
def extra_diary_sections(session: Any, school_id: int, student_id: int, class_id: int,
                         week_start: date) -> list[dict[str, Any]]:
    """The school's and the class's news whose window overlaps the week shown. It is the same for every
    family of the class, so the rendered section is kept per class, week and language until the school's
    news is written (``cached_for_content``: no statement on the next family's page)."""
    from flask_babel import get_locale

    from core.toolkit import cached_for_content, school_zone

    zone = school_zone(school_id, session=session)
    section = cached_for_content(school_id, ("news.diary", class_id, week_start, str(zone), str(get_locale())),
                                 lambda: _diary_section(session, school_id, class_id, week_start, zone))
    return [] if section is None else [{"title": section[0], "html": section[1], "weight": 20}]


def _diary_section(session: Any, school_id: int, class_id: int, week_start: date, zone: Any) -> tuple[str, Any] | None:
    from flask_babel import gettext as _

    from core.toolkit import render_fragment
    from plugins.news import services

    items = services.in_week(session, school_id, class_id, week_start, zone)
    return (_("News"), render_fragment("news/_diary.html", items=items)) if items else None


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.news.demo import build

    build(session, school)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    from plugins.news.revert import revert

    return revert(session, entry)
