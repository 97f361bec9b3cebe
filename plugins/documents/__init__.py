"""The school's document store and workflow (duties C05, D08, A06, D10, A08): folders with access by role,
documents with versions, approval configured per document kind, the director's approval, the register of
orders, and acquaintance (лист ознакомления) — the one acquaintance mechanism, which the office's regulation
on the electronic journal uses too."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, School, User, can, db, hookimpl
from plugins.documents import models  # noqa: F401  (the tables must be known to migrations)

DEFAULT_KINDS = [
    {"key": "order", "title": "Приказ", "numbered": True, "prefix": "", "approval": "sequential", "director": True},
    {"key": "local_act", "title": "Локальный акт", "numbered": False, "prefix": "", "approval": "parallel",
     "director": True},
    {"key": "instruction", "title": "Инструкция", "numbered": False, "prefix": "", "approval": "parallel",
     "director": True},
    {"key": "material", "title": "Методический или аналитический материал", "numbered": False, "prefix": "",
     "approval": "none", "director": False},
]


class KindSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{2,40}$"))
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    numbered = fields.Boolean(load_default=False)
    prefix = fields.String(load_default="", validate=validate.Length(max=10))
    approval = fields.String(load_default="sequential", validate=validate.OneOf(["sequential", "parallel", "none"]))
    director = fields.Boolean(load_default=True)


class DocumentsSettings(Schema):
    kinds = fields.List(fields.Nested(KindSchema), load_default=lambda: [dict(k) for k in DEFAULT_KINDS],
                        validate=validate.Length(min=1))
    max_file_mb = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    reminder_days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=60))


PLUGIN = PluginInfo(
    name="documents",
    title=_l("Documents"),
    version="1.0.0",
    settings_schema=DocumentsSettings,
    public_modules=("public", "acquaintance"),
    description=_l("The school's documents: folders, versions, approval, the register of orders and acquaintance."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")
STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")
ADMINISTRATION = ("admin", "principal", "deputy")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("documents.view", _l("Read the school's documents open to you"), EVERYONE),
        Permission("documents.create", _l("Draft documents and file materials"), STAFF),
        Permission("documents.approve", _l("Approve documents sent to you"), STAFF),
        Permission("documents.director", _l("Approve documents as the director"), ("principal",)),
        Permission("documents.manage", _l("Manage folders and acquaintance lists"), ADMINISTRATION),
        Permission("documents.acknowledge", _l("Confirm acquaintance with a document"), EVERYONE),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.documents.api import bp as api_bp
    from plugins.documents.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Documents"), "documents.index", "documents.view", icon="🗂", weight=340)]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    if not can(user, "documents.view"):
        return []
    from plugins.documents.tasks import counts

    approve, read = counts(db(), user)
    if not (approve or read):
        return []
    body = Markup(render_template("documents/_widget.html", approve=approve, read=read))
    return [DashboardWidget(_l("Documents"), body, weight=120, link_endpoint="documents.index")]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.documents.demo import build

    build(session, school, size)


@hookimpl
def on_periodic_tick(session: Session, now: datetime) -> None:
    """Mark unconfirmed acquaintance requests as reminded (shown on the start page and the sheet)."""
    from core.toolkit import school_settings, schools_with_plugin
    from plugins.documents.acquaintance import due_reminders

    for school_id in schools_with_plugin(session, "documents"):  # each school's own reminder interval
        days = school_settings(school_id, session=session).plugin("documents")["reminder_days"]
        due_reminders(session, now, days, school_id=school_id)


@hookimpl
def revert_change(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type == "documents.document":
        from plugins.documents.workflow import revert

        return revert(session, entry)
    if entry.object_type == "documents.acquaintance":
        from plugins.documents.acquaintance import revert as revert_ack

        return revert_ack(session, entry)
    if entry.object_type == "documents.folder":
        from plugins.documents.public import revert_folder

        return revert_folder(session, entry)
    return None


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    """The document workflow's steps and codes as the audit log names them."""
    from core.toolkit import N_

    return {
        "actions": {"documents.document": N_("Document"), "documents.create": N_("Document drafted"),
                    "documents.version": N_("New version of a document"),
                    "documents.submit": N_("Document sent for approval"), "documents.approve": N_("Document approved"),
                    "documents.return": N_("Document returned with a comment"),
                    "documents.director_approve": N_("Document approved by the director"),
                    "documents.director_return": N_("Document returned by the director"),
                    "documents.folder": N_("Folder"), "documents.folder.create": N_("Folder created"),
                    "documents.acquaintance": N_("Acquaintance"),
                    "documents.acquaintance.request": N_("Acquaintance requested"),
                    "documents.acquaintance.confirm": N_("Acquaintance confirmed")},
        "fields": {"status": N_("Status"), "comment": N_("Comment"), "audience": N_("Who sees it"),
                   "number": N_("Number"), "title": N_("Title"), "summary": N_("What changed")},
        "values": {"staff": N_("all staff"), "administration": N_("administration"),
                   "association": N_("methodological association"), "families": N_("families"),
                   "draft": N_("draft"), "approval": N_("in approval"), "director": N_("awaiting the director"),
                   "published": N_("published")},
    }
