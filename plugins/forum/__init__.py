"""The school forum (duty C07): sections for the whole school, for each class (its students, guardians,
teachers and class teacher only) and for teachers' methodological associations; topics, posts with quotes
and attachments, subscriptions with e-mail notices, and moderation (hide with a reason, edit with a visible
note, pin, close) by the administrator everywhere and the class teacher in her class's section."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, fields, validate

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, User, hookimpl
from plugins.forum import models  # noqa: F401  (the tables must be known to migrations)

KIND_CHOICES = validate.ContainsOnly(["school", "class", "association"])


class ForumSettings(Schema):
    guardians_post_in = fields.List(fields.String(), load_default=lambda: ["school", "class"],
                                    validate=KIND_CHOICES,
                                    metadata={"description": "kinds of section where guardians may write"})
    students_post_in = fields.List(fields.String(), load_default=lambda: ["class"], validate=KIND_CHOICES,
                                   metadata={"description": "kinds of section where students may write"})
    max_attachment_kb = fields.Integer(load_default=5120, validate=validate.Range(min=16, max=51200))


PLUGIN = PluginInfo(
    name="forum",
    title=_l("Forum"),
    version="1.0.0",
    settings_schema=ForumSettings,
    public_modules=("text",),
    description=_l("The school forum: school, class and methodological association sections, moderated."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("forum.view", _l("Read the forum sections one belongs to"), EVERYONE),
        Permission("forum.post", _l("Write on the forum where the school allows"), EVERYONE),
        Permission("forum.moderate", _l("Moderate the forum section of one's own class"),
                   ("class_teacher", "admin")),
        Permission("forum.moderate.all", _l("Moderate every forum section and read them all"), ("admin",)),
        Permission("forum.section.manage", _l("Create forum sections"), ("admin",)),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.forum.api import bp as api_bp
    from plugins.forum.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Forum"), "forum.index", "forum.view", icon="💬", weight=700)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    """«New messages on the forum»: unseen posts in the topics the user follows (one query)."""
    from core.toolkit import can
    from plugins.forum.views import unseen_by_topic

    if not can(user, "forum.view"):
        return []
    rows = unseen_by_topic(user)
    body = Markup(render_template("forum/_widget.html", rows=rows))
    return [DashboardWidget(_l("New messages on the forum"), body, weight=300, link_endpoint="forum.new_posts")]


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.forum.demo import build

    build(session, school)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    from plugins.forum.revert import revert

    return revert(session, entry)
