"""Portfolios (duties C02, T02, T07, D07): a student's portfolio that he, his guardians and his teachers
fill and the class teacher confirms; a teacher's own portfolio the deputy confirms; project portfolios;
the deputy's control report; printed portfolios; public links with an expiry date."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from core.toolkit import (
    DashboardWidget,
    MenuItem,
    Permission,
    PluginInfo,
    School,
    User,
    can,
    classes_led_by,
    db,
    hookimpl,
    school_today,
)
from plugins.portfolio import models  # noqa: F401  (the tables must be known to migrations)

DEFAULT_SECTIONS = ["Учебные достижения", "Олимпиады и конкурсы", "Проекты и исследования", "Творчество", "Спорт",
                    "Общественная деятельность", "Дополнительное образование", "Отзывы"]


class PortfolioSettings(Schema):
    sections = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                           load_default=lambda: list(DEFAULT_SECTIONS), validate=validate.Length(min=1))
    guardians_may_add = fields.Boolean(load_default=True)
    max_file_mb = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=100))
    course_years = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))
    public_link_max_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=366))


PLUGIN = PluginInfo(
    name="portfolio",
    title=_l("Portfolio"),
    version="1.0.0",
    settings_schema=PortfolioSettings,
    description=_l("Student, teacher and project portfolios with confirmation, a fill-rate report and print."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian")
ADMINISTRATION = ("admin", "principal", "deputy")
TEACHERS = ("class_teacher", "teacher")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("portfolio.view", _l("See the portfolios one may see (own, children's, students')"), EVERYONE),
        Permission("portfolio.all.view", _l("See every student's portfolio of the school"), ADMINISTRATION),
        Permission("portfolio.entry.add", _l("Add portfolio entries"), ("student", "guardian") + TEACHERS),
        Permission("portfolio.entry.review", _l("Confirm or return students' portfolio entries"),
                   ("class_teacher",) + ADMINISTRATION),
        Permission("portfolio.link.manage", _l("Make and withdraw a public link to a portfolio"),
                   ("student", "guardian")),
        Permission("portfolio.class.print", _l("Print the portfolios of a class"), ("class_teacher",) + ADMINISTRATION),
        Permission("portfolio.teacher.own", _l("Keep a personal teacher's portfolio"), TEACHERS + ("deputy",)),
        Permission("portfolio.teacher.review", _l("Confirm teachers' portfolio entries"), ("deputy", "principal")),
        Permission("portfolio.project.view", _l("See project portfolios"), EVERYONE),
        Permission("portfolio.project.manage", _l("Run project portfolios"), TEACHERS + ("deputy",)),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.portfolio.api import bp as api_bp
    from plugins.portfolio.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [
        MenuItem(_l("Portfolio"), "portfolio.index", "portfolio.view", icon="🎓", weight=600),
        MenuItem(_l("My teacher's portfolio"), "portfolio.teacher_own", "portfolio.teacher.own", weight=605),
        MenuItem(_l("Projects"), "portfolio.projects", "portfolio.project.view", weight=606),
    ]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    """"N entries await confirmation" for the deputy (the school's, teachers' included) and the class teacher."""
    from plugins.portfolio.control import pending_count

    if can(user, "portfolio.teacher.review"):
        class_ids = None
    elif can(user, "portfolio.entry.review") and classes_led_by(user):
        class_ids = sorted(classes_led_by(user))
    else:
        return []
    count = pending_count(db(), user.school_id, class_ids, school_today())
    body = Markup(render_template("portfolio/_widget.html", count=count))
    return [DashboardWidget(_l("Portfolio"), body, weight=300, link_endpoint="portfolio.review")]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.portfolio.demo import build

    build(session, school, size)


@hookimpl
def revert_change(session: Session, entry: Any) -> dict[str, Any] | None:
    if not str(entry.object_type).startswith("portfolio."):
        return None
    from plugins.portfolio.services import revert

    return revert(session, entry)


@hookimpl(optionalhook=True)
def register_reports() -> list[Any]:
    """«Portfolio filling» in the reports plugin (its page, XLSX, PDF, API, weekly e-mails)."""
    from plugins.portfolio.reports import definitions

    return definitions()
