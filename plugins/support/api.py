"""The support desk's JSON API under /api/v1/support: the same visibility rules as the pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.toolkit import acting_user, api_error, api_view, can, current_school_id, db, plugin_settings
from plugins.support import services
from plugins.support.models import SupportRequest
from plugins.support.views import load_visible

bp = Blueprint("support_api", __name__, url_prefix="/api/v1/support")


class RequestSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    page = fields.String()
    text = fields.String()
    status = fields.String()
    author_id = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    answer = fields.String()
    created_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    has_screenshot = fields.Function(lambda r: bool(r.screenshot_type))


class RequestCreateSchema(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=100))
    page = fields.String(load_default="", validate=validate.Length(max=300))
    text = fields.String(required=True, validate=validate.Length(min=5, max=10000))


class ListQuerySchema(Schema):
    status = fields.String(load_default="all", validate=validate.OneOf(["all", "open", "new", "forwarded",
                                                                         "answered", "closed"]))



@bp.get("/requests")
@api_view("support.request.view", query=ListQuerySchema, response=RequestSchema, many=True)
def list_requests(query: dict[str, Any]) -> Any:
    """Own and forwarded requests; the whole queue for its handlers."""
    user = acting_user()
    stmt = select(SupportRequest).where(SupportRequest.school_id == current_school_id())
    if not can(user, "support.queue.handle"):
        stmt = stmt.where((SupportRequest.author_id == user.id) | (SupportRequest.assignee_id == user.id))
    if query["status"] == "open":
        stmt = stmt.where(SupportRequest.status != "closed")
    elif query["status"] != "all":
        stmt = stmt.where(SupportRequest.status == query["status"])
    return db().scalars(stmt.order_by(SupportRequest.created_at.desc()).limit(500)).all()


@bp.get("/requests/<int:request_id>")
@api_view("support.request.view", response=RequestSchema)
def get_request(request_id: int) -> Any:
    """One request the caller may see (404 otherwise)."""
    return load_visible(request_id, acting_user())


@bp.post("/requests")
@api_view("support.request.create", body=RequestCreateSchema, response=RequestSchema)
def create_request(body: dict[str, Any]) -> Any:
    """File a request (the screenshot is attached through the page)."""
    if body["category"] not in plugin_settings("support")["categories"]:
        return api_error(422, "validation_error", _("Some fields are invalid."),
                         {"category": [_("Choose a category.")]})
    session = db()
    req = services.create(session, school_id=current_school_id(), author=acting_user(), category=body["category"],
                          page=body["page"], text=body["text"].strip())
    session.commit()
    return req
