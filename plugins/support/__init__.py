"""The support desk (duties A02, A07): any signed-in user files a request about a page (with a
screenshot); the system administrator answers, forwards to a colleague, closes; a report by category
and time to resolution shows what users struggle with."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    DashboardWidget,
    MenuItem,
    Permission,
    PluginInfo,
    School,
    User,
    can,
    db,
    hookimpl,
)
from plugins.support import models  # noqa: F401  (the tables must be known to migrations)

DEFAULT_CATEGORIES = ["Вход и пароль", "Журнал и отметки", "Посещаемость", "Расписание и замены",
                      "Дневник и уведомления", "Отчёты и печать", "Канцелярия и реквизиты", "Другое"]


class SupportSettings(Schema):
    categories = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                             load_default=lambda: list(DEFAULT_CATEGORIES), validate=validate.Length(min=1))
    max_screenshot_kb = fields.Integer(load_default=2048, validate=validate.Range(min=16, max=20480))


PLUGIN = PluginInfo(
    name="support",
    title=_l("Support"),
    version="1.0.0",
    settings_schema=SupportSettings,
    description=_l("Requests to the system administrator from every user, with answers, forwarding and a report."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")
STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("support.request.create", _l("File a support request"), EVERYONE),
        Permission("support.request.view", _l("See own support requests"), EVERYONE),
        Permission("support.request.answer", _l("Answer a support request forwarded to you"), STAFF),
        Permission("support.queue.handle", _l("Handle the support queue: answer, forward, close"),
                   ("admin", "support")),
        Permission("support.report.view", _l("See the support report"), ("admin", "principal", "support")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.support.api import bp as api_bp
    from plugins.support.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [
        MenuItem(_l("Support"), "support.index", "support.request.view", icon="🛟", weight=880),
        MenuItem(_l("Support queue"), "support.queue", "support.queue.handle", icon="", weight=885),
    ]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    if not can(user, "support.queue.handle"):
        return []
    from plugins.support.models import SupportRequest

    count = db().scalar(select(func.count(SupportRequest.id)).where(
        SupportRequest.school_id == user.school_id, SupportRequest.status != "closed")) or 0
    body = Markup(render_template("support/_widget.html", count=count))
    return [DashboardWidget(_l("Support requests"), body, weight=250, link_endpoint="support.queue")]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.support.demo import build

    build(session, school)
