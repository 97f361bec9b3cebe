"""Internal mail's JSON API under /api/v1/mail: folders, messages of a folder, one message (marks it read),
sending (the same address book and rules as the page), marking read."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields, validate

from core.toolkit import acting_user, api_view, db, plugin_settings, school_today
from plugins.mail import services
from plugins.mail.views import folder_names, visible

bp = Blueprint("mail_api", __name__, url_prefix="/api/v1/mail")


class FolderSchema(Schema):
    name = fields.String()
    title = fields.String()
    unread = fields.Integer()


class AddressSchema(Schema):
    key = fields.String()
    label = fields.String()


class MessageSchema(Schema):
    id = fields.Integer()
    thread_id = fields.Integer(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String()
    requires_ack = fields.Boolean()
    addressed = fields.List(fields.Nested(AddressSchema))
    sent_at = fields.DateTime(allow_none=True)


class ListQuerySchema(Schema):
    folder = fields.String(load_default="inbox", validate=validate.OneOf(["inbox", "sent", "drafts", "archive", "trash"]))
    q = fields.String(load_default="", validate=validate.Length(max=100))


class SendSchema(Schema):
    to = fields.List(fields.String(validate=validate.Length(max=60)), required=True, validate=validate.Length(min=1))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    requires_ack = fields.Boolean(load_default=False)
    reply_to = fields.Integer(load_default=None, allow_none=True)


class ReadSchema(Schema):
    id = fields.Integer()
    read = fields.Boolean()


@bp.get("/folders")
@api_view("mail.read", response=FolderSchema, many=True)
def list_folders() -> Any:
    """The caller's folders, with the number of unread letters in the inbox."""
    unread = services.unread_count(db(), acting_user())
    return [{"name": k, "title": v, "unread": unread if k == "inbox" else 0} for k, v in folder_names().items()]


@bp.get("/messages")
@api_view("mail.read", query=ListQuerySchema, response=MessageSchema, many=True)
def list_messages(query: dict[str, Any]) -> Any:
    """Messages of one of the caller's folders, newest first; ``q`` searches subject, text and sender."""
    return db().scalars(services.folder_query(acting_user(), query["folder"], query["q"].strip()).limit(200)).all()


@bp.get("/messages/<int:message_id>")
@api_view("mail.read", response=MessageSchema)
def get_message(message_id: int) -> Any:
    """One message the caller wrote or received (404 otherwise); reading it marks it read."""
    message = visible(message_id)
    if services.mark_read(db(), message, acting_user()):
        db().commit()
    return message


@bp.post("/messages")
@api_view("mail.write", body=SendSchema, response=MessageSchema)
def send_message(body: dict[str, Any]) -> Any:
    """Send a letter to address keys of the caller's book (``g:class_guardians:<id>``, ``u:<id>``...)."""
    session, user = db(), acting_user()
    parent = visible(body["reply_to"]) if body.get("reply_to") else None
    message = services.send(session, user, subject=body["subject"], body=body["body"], to=body["to"],
                            requires_ack=body["requires_ack"], uploads=[], settings=plugin_settings("mail"),
                            today=school_today(), parent=parent)
    session.commit()
    from plugins.mail.notices import wake

    wake(session, message, user.id)
    return message


@bp.post("/messages/<int:message_id>/read")
@api_view("mail.read", response=ReadSchema)
def mark_read(message_id: int) -> Any:
    """Mark a received message read."""
    message = visible(message_id)
    services.mark_read(db(), message, acting_user())
    db().commit()
    return {"id": message.id, "read": True}
