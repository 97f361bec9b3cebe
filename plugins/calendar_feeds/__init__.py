"""Calendar feeds: a private iCalendar address per family member (the student himself, each child of a
guardian) that a phone's or a computer's calendar subscribes to: lessons with teacher and changes,
homework due dates, planned tests, class events and holidays, built on each request from current data."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.toolkit import MenuItem, Permission, PluginInfo, hookimpl
from plugins.calendar_feeds import models  # noqa: F401  (the tables must be known to migrations)


class FeedSettings(Schema):
    weeks_back = fields.Integer(load_default=1, validate=validate.Range(min=0, max=8))
    weeks_ahead = fields.Integer(load_default=4, validate=validate.Range(min=1, max=12))


PLUGIN = PluginInfo(
    name="calendar_feeds",
    title=_l("Calendar feeds"),
    version="1.0.0",
    requires=("diary",),
    settings_schema=FeedSettings,
    description=_l("A private calendar address per family member: lessons, homework, tests, events, holidays"),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("calendar_feeds.use", _l("Subscribe a calendar app to own or own children's school week"),
                       ("student", "guardian"))]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.calendar_feeds.views import bp

    return [bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    return [MenuItem(_l("Calendar"), "calendar_feeds.index", "calendar_feeds.use", icon="📅", weight=70)]
