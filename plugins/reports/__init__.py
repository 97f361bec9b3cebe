"""Reports: progress, attendance, mark accumulation and journal timeliness, forecasts and objectivity;
HTML, XLSX and PDF; weekly e-mails and "send to a colleague". Other plugins add reports through
the ``register_reports`` hook this plugin offers."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, hookimpl
from plugins.reports import hookspecs
from plugins.reports.schemas import ReportsSettings

PLUGIN = PluginInfo(
    name="reports",
    title=_l("Reports"),
    version="0.1.0",
    requires=("gradebook", "attendance"),
    settings_schema=ReportsSettings,
    hookspecs=hookspecs,
    public_modules=("public",),
    description=_l("Progress, attendance, mark accumulation, journal timeliness, forecasts and objectivity"),
)

STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("reports.view", _l("Open reports and the reports received from colleagues"), STAFF),
        Permission("reports.class.run", _l("Run reports on own classes (a class teacher: the class; a teacher: "
                                           "own subjects)"), STAFF),
        Permission("reports.school.run", _l("Run reports on the whole school"), ("admin", "principal", "deputy")),
        Permission("reports.share", _l("Send a report to a colleague"), STAFF),
        Permission("reports.subscribe", _l("Receive a report by e-mail every week"),
                   ("admin", "principal", "deputy", "class_teacher")),
    ]


@hookimpl
def register_reports() -> list[Any]:
    from plugins.reports.library import definitions

    return definitions()


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.reports.api import bp as api_bp
    from plugins.reports.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    return [MenuItem(_l("Reports"), "reports.index", "reports.view", icon="📊", weight=400)]


@hookimpl
def register_dashboard_widgets(user: Any) -> list[DashboardWidget]:
    from plugins.reports.widgets import widgets_for

    return widgets_for(user)


@hookimpl
def on_periodic_tick(session: Any, now: datetime) -> None:
    from plugins.reports.delivery import send_due

    send_due(session, now)


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.reports.demo import build

    build(session, school, size)
