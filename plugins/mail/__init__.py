"""Internal mail (duties C06, T01, D09): letters between the school and families and among colleagues,
to people and to groups resolved when sent, under rules the school sets; threads, attachments, drafts,
folders, search, read receipts, acknowledgement, withdrawal before reading, e-mail notices that respect
each person's consent, and the class teacher's list of families to tell on paper."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from core.toolkit import (
    AuditEntry,
    DashboardWidget,
    MenuItem,
    Permission,
    PluginInfo,
    School,
    User,
    db,
    hookimpl,
)
from plugins.mail import models  # noqa: F401  (the tables must be known to migrations)
from plugins.mail.addressing import DEFAULT_RULES, SCOPES


class MailSettings(Schema):
    rules = fields.Dict(keys=fields.String(), values=fields.List(fields.String(validate=validate.OneOf(SCOPES))),
                        load_default=lambda: {k: list(v) for k, v in DEFAULT_RULES.items()})
    all_classes_roles = fields.List(fields.String(), load_default=lambda: ["admin", "principal", "deputy"])
    max_attachment_kb = fields.Integer(load_default=10240, validate=validate.Range(min=16, max=51200))
    max_attachments = fields.Integer(load_default=5, validate=validate.Range(min=0, max=20))
    email_notices = fields.Boolean(load_default=True)
    site_url = fields.String(load_default="")


PLUGIN = PluginInfo(
    name="mail",
    title=_l("Internal mail"),
    version="1.0.0",
    settings_schema=MailSettings,
    public_modules=("plugins.mail.public",),
    description=_l("Letters between the school, families and colleagues, with receipts, acknowledgement "
                   "and notices that respect consent."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("mail.read", _l("Read own internal mail"), EVERYONE),
        Permission("mail.write", _l("Write internal mail to the addressees the school's rules allow"), EVERYONE),
        Permission("mail.paper.view", _l("See who must be told on paper about a message"),
                   ("admin", "principal", "deputy", "class_teacher", "teacher")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.mail.api import bp as api_bp
    from plugins.mail.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Mail"), "mail.folder", "mail.read", icon="✉", weight=20)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    from core.toolkit import can
    from plugins.mail.services import unread_count

    if not can(user, "mail.read"):
        return []
    from plugins.mail.acks import pending_for

    body = Markup(render_template("mail/_widget.html", count=unread_count(db(), user), acks=pending_for(db(), user)))
    return [DashboardWidget(_l("Mail"), body, weight=15, link_endpoint="mail.folder")]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.mail.demo import build

    build(session, school)


@hookimpl
def revert_change(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """A letter sent from a leaked account is withdrawn from every inbox; a move is undone."""
    if not entry.object_type.startswith("mail."):
        return None
    from plugins.mail.models import MailMessage, MailRecipient

    if entry.object_type == "mail.message":
        message = session.get(MailMessage, entry.object_id)
        if message is None:
            return {}
        if entry.action == "send":
            message.status = "withdrawn"
            return {"status": "withdrawn"}
        if entry.action == "withdraw" and entry.old:
            message.status = entry.old.get("status", "sent")
            return {"status": message.status}
        if entry.old and "author_folder" in entry.old:
            message.author_folder = entry.old["author_folder"]
            return {"author_folder": message.author_folder}
        return {}
    copy = session.get(MailRecipient, entry.object_id)
    if copy is not None and entry.old:
        for key in ("folder", "acknowledged_at"):
            if key in entry.old:
                setattr(copy, key, entry.old[key])
    return dict(entry.old or {})
