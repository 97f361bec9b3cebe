"""The news JSON API under /api/v1/news: what is published for the caller now, one item (marked read),
and the read counts for its author."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields

from core.toolkit import acting_user, api_view, current_school_id, db, school_today, utcnow
from plugins.news import services
from plugins.news.views import load, may_write_school

bp = Blueprint("news_api", __name__, url_prefix="/api/v1/news")


class ItemSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer(allow_none=True)
    title = fields.String()
    body = fields.String()
    author_id = fields.Integer()
    publish_from = fields.DateTime()
    publish_to = fields.DateTime(allow_none=True)
    version = fields.Integer()


class ReadsSchema(Schema):
    item_id = fields.Integer()
    read = fields.Integer()
    audience = fields.Integer()
    readers = fields.List(fields.Integer())


@bp.get("/items")
@api_view("news.view", response=ItemSchema, many=True)
def items() -> Any:
    """Items published now for the caller's school and classes, newest first."""
    session, user = db(), acting_user()
    return services.current_for(session, current_school_id(),
                                services.reader_class_ids(session, user, school_today()), utcnow())


@bp.get("/items/<int:item_id>")
@api_view("news.view", response=ItemSchema)
def item(item_id: int) -> Any:
    """One item; reading it through the API marks it read too."""
    found = load(item_id)
    session = db()
    services.mark_read(session, found, acting_user())
    session.commit()
    return found


@bp.get("/items/<int:item_id>/reads")
@api_view("news.view", response=ReadsSchema)
def reads(item_id: int) -> Any:
    """Read marks of an item, for its author and the school's news writers."""
    found = load(item_id)
    if not (found.author_id == acting_user().id or may_write_school(acting_user())):
        abort(404)
    session = db()
    read, audience = services.read_counts(session, found, school_today())
    return {"item_id": found.id, "read": read, "audience": audience,
            "readers": [u.id for u, _at in services.readers(session, found)]}
