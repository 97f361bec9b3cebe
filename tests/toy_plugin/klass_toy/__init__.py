"""A toy plugin installed as a separate distribution (entry point ``klass.plugins``), used by the core's
tests to prove the plugin contract end to end: every core hook is implemented here once."""
from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.toolkit import (
    DashboardWidget,
    MenuItem,
    Permission,
    PluginInfo,
    User,
    hookimpl,
    requires_permission,
)

EVENTS: list[tuple[str, Any]] = []


class ToySettings(Schema):
    greeting = fields.String(load_default="Привет")
    repeat = fields.Integer(load_default=1, validate=validate.Range(min=1, max=3))


PLUGIN = PluginInfo(name="toy", title=_l("Toy"), version="9.9.9", settings_schema=ToySettings)

bp = Blueprint("toy", __name__, url_prefix="/toy", template_folder="templates")


@bp.get("/")
@requires_permission("toy.view")
def index() -> Any:
    from core.toolkit import plugin_settings

    return render_template("klass_toy/index.html", greeting=plugin_settings("toy")["greeting"])


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("toy.view", "Toy page", ("teacher", "deputy"))]


@hookimpl
def register_blueprints(app: Any) -> list[Blueprint]:
    return [bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    return [MenuItem("Игрушка", "toy.index", "toy.view", weight=500)]


@hookimpl
def register_dashboard_widgets(user: Any) -> list[DashboardWidget]:
    return [DashboardWidget("Виджет игрушки", f"Для {user.login}", weight=1)]


@hookimpl
def register_cli_commands() -> list[click.Command]:
    @click.command("hello")
    def hello() -> None:
        click.echo("toy says hello")

    return [hello]


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    EVENTS.append(("demo", size))


@hookimpl
def on_user_login(user: Any, ip: str) -> None:
    EVENTS.append(("login", user.login))


@hookimpl
def on_student_moved(session: Any, student: Any, from_class: Any, to_class: Any, on_date: Any) -> None:
    EVENTS.append(("moved", (student.id, getattr(from_class, "id", None), getattr(to_class, "id", None))))


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    if entry.object_type != "toy.phone":
        return None
    user = session.get(User, int(entry.object_id))
    user.phone = (entry.old or {}).get("phone", "")
    return {"phone": user.phone}


@hookimpl
def authenticate(login: str, secret: str) -> Any:
    if login == "toy-ldap" and secret == "ldap-secret":
        from sqlalchemy import select

        from core.toolkit import db

        return db().scalar(select(User).where(User.login == "zavuch"))
    return None


@hookimpl
def on_periodic_tick(session: Any, now: Any) -> None:
    EVENTS.append(("periodic", now))


@hookimpl
def on_school_tick(session: Any, now: Any, school_id: int) -> None:
    EVENTS.append(("school_tick", school_id))
