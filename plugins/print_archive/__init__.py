"""Print archive: the year-end bound journal (printed, numbered, certified) and the archive of every
printed version, with checksums, retention periods and a check that a print still matches the journal.

Duty C23 of the class teacher: "print and bind the year's journal with the certification of sheets,
seal and signature"; the principal signs it off.
"""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.toolkit import AuditEntry, DashboardWidget, MenuItem, Permission, PluginInfo, User, can, hookimpl
from plugins.print_archive import (
    hookspecs,
    models,  # noqa: F401  (the tables must be known to migrations)
)
from plugins.print_archive.schemas import PrintArchiveSettings

PLUGIN = PluginInfo(
    name="print_archive",
    title=_l("Print archive"),
    version="0.1.0",
    requires=("gradebook", "attendance"),
    settings_schema=PrintArchiveSettings,
    hookspecs=hookspecs,
    description=_l("The year-end printed journal with its certification, and the archive of every printed version"),
)

SCHOOL_WIDE = ("admin", "principal", "deputy")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("print_archive.view", _l("Open the archive of printed journals (own class or the school)"),
                   SCHOOL_WIDE + ("class_teacher",)),
        Permission("print_archive.view_school", _l("See the printed journals of every class"), SCHOOL_WIDE),
        Permission("print_archive.generate", _l("Print a class journal or summary sheet into the archive"),
                   SCHOOL_WIDE + ("class_teacher",)),
        Permission("print_archive.generate_school", _l("Print the journals of the whole school"), SCHOOL_WIDE),
        Permission("print_archive.sign", _l("Certify a printed journal (head of the school)"), ("principal",)),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.print_archive.api import bp as api_bp
    from plugins.print_archive.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Journal archive"), "print_archive.index", "print_archive.view", icon="🗄", weight=600)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    if not can(user, "print_archive.view"):
        return []
    from plugins.print_archive.views import widget_context

    context = widget_context(user)
    if context is None:
        return []
    return [DashboardWidget(_l("Journal archive"), Markup(render_template("print_archive/_widget.html", **context)),
                            weight=600, link_endpoint="print_archive.index")]


@hookimpl
def register_cli_commands() -> list[Any]:
    from plugins.print_archive.cli import commands

    return commands()


@hookimpl
def on_periodic_tick(session: Session, now: Any) -> None:
    """Keep the stored "out of date" status of printed journals fresh for the dashboard."""
    from plugins.print_archive.services import refresh_due

    refresh_due(session, now)


@hookimpl
def revert_change(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """A sign-off made by a leaked account is withdrawn; printed files are never removed."""
    if entry.object_type != "print_archive.signoff":
        return None
    from plugins.print_archive.services import revoke_signoff

    return revoke_signoff(session, int(entry.object_id)) or {}
