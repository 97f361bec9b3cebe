"""Staff work plans (duties D01, T06): the school's plan, each methodological association's and each
person's plan for the year, with items that have responsible people, due dates, status, results and links to
documents, materials and reports; year and month views; overdue items on the responsible person's start
page; the deputy's analysis of the plans' execution in the reports registry."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, School, User, can, hookimpl
from plugins.plans import models  # noqa: F401  (the tables must be known to migrations)

PLUGIN = PluginInfo(
    name="plans",
    title=_l("Work plans"),
    version="1.0.0",
    description=_l("The school's, associations' and personal work plans with responsible people and due dates."),
)

STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher")
ADMINISTRATION = ("admin", "principal", "deputy")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("plans.view", _l("See the school's and associations' work plans and report on one's items"),
                   STAFF),
        Permission("plans.own", _l("Keep a personal work plan (and an association's plan one heads)"), STAFF),
        Permission("plans.manage", _l("Make and keep the school's and associations' work plans"), ADMINISTRATION),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.plans.api import bp as api_bp
    from plugins.plans.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Work plans"), "plans.index", "plans.view", icon="🗓", weight=660)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    """The user's overdue plan items (one query); nothing when there are none."""
    if not can(user, "plans.view"):
        return []
    from core.toolkit import db, school_today
    from plugins.plans.services import overdue_for

    rows = overdue_for(db(), user, school_today())
    if not rows:
        return []
    body = Markup(render_template("plans/_widget.html", rows=rows))
    return [DashboardWidget(_l("Work plans"), body, weight=60, link_endpoint="plans.mine")]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.plans.demo import build

    build(session, school)


@hookimpl
def revert_change(session: Session, entry: Any) -> dict[str, Any] | None:
    from plugins.plans.revert import revert

    return revert(session, entry)


@hookimpl(optionalhook=True)
def register_reports() -> list[Any]:
    """«Execution of the work plans» in the reports plugin (its page, XLSX, PDF, API, weekly e-mails)."""
    from plugins.plans.reports import definitions

    return definitions()


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    """The plans' actions and codes as the audit log names them."""
    from core.toolkit import N_

    return {
        "actions": {"plans.plan": N_("Work plan"), "plans.plan.create": N_("Work plan created"),
                    "plans.item": N_("Plan item"), "plans.item.create": N_("Plan item added"),
                    "plans.item.edit": N_("Plan item changed"), "plans.item.report": N_("Plan item reported")},
        "fields": {"title": N_("Title"), "status": N_("Status"), "scope": N_("Plan"), "due_on": N_("Due date"),
                   "result": N_("Result")},
        "values": {"school": N_("the school's plan"), "association": N_("a methodological association's plan"),
                   "person": N_("a personal plan"), "planned": N_("planned"), "in_progress": N_("in progress"),
                   "done": N_("carried out"), "cancelled": N_("cancelled")},
    }
