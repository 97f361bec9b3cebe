"""The municipality level (issue 19, item 2): a municipality (управление образования) groups schools; its
coordinator creates schools with their first administrators and sees cross-school figures without a
single name (progress, quality, attendance, journal timeliness, diary use, activated accounts, consents),
with an XLSX export. See README.md for the data model and why a coordinator lives in an "office" row."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import N_, MenuItem, Permission, PluginInfo, School, User, hookimpl
from plugins.region import models  # noqa: F401  (the tables must be known to migrations)

PLUGIN = PluginInfo(
    name="region",
    title=_l("Municipality"),
    version="1.0.0",
    requires=("gradebook", "attendance", "diary", "reports", "office"),
    description=_l("Municipal level: schools of a municipality, their first administrators, and figures "
                   "across schools without personal data."),
)

COORDINATOR = ("region_coordinator",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("region.view", _l("See the municipality's figures by school (no personal data)"), COORDINATOR),
        Permission("region.manage_schools", _l("Create schools of the municipality and their first administrators"),
                   COORDINATOR),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.region.views import bp

    return [bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Municipality"), "region.index", "region.view", icon="🏛", weight=50)]


@hookimpl
def register_cli_commands() -> list[Any]:
    from plugins.region.cli import add_coordinator_command, add_school_command, create_command

    return [create_command, add_coordinator_command, add_school_command]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.region.demo import build

    build(session, school)


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    return {"actions": {"region.municipality.create": N_("Municipality created"),
                        "region.coordinator.create": N_("Municipal coordinator added"),
                        "region.school.attach": N_("School added to the municipality"),
                        "region.municipality": N_("Municipality"),
                        "region.coordinator": N_("Municipal coordinator"),
                        "region.school": N_("School of the municipality")},
            "fields": {"municipality": N_("Municipality"), "school": N_("School")}}
