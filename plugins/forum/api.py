"""The forum's JSON API under /api/v1/forum: the same reading, posting and moderation rules as the pages
(``plugins.forum.access``); hidden posts show their text only to their author and moderators."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.toolkit import acting_user, api_view, db, plugin_settings, render_text
from plugins.forum import notices, services
from plugins.forum.models import ForumPost, ForumTopic
from plugins.forum.views import load_post, load_section, load_topic, reader, visible_sections

bp = Blueprint("forum_api", __name__, url_prefix="/api/v1/forum")


class SectionSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    class_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()


class TopicSchema(Schema):
    id = fields.Integer()
    section_id = fields.Integer()
    title = fields.String()
    author_id = fields.Integer()
    created_at = fields.DateTime()
    last_post_at = fields.DateTime()
    pinned = fields.Boolean()
    closed = fields.Boolean()
    version = fields.Integer()


class PostSchema(Schema):
    id = fields.Integer()
    topic_id = fields.Integer()
    author_id = fields.Integer()
    created_at = fields.DateTime()
    hidden = fields.Boolean()
    hidden_reason = fields.String(allow_none=True)
    moderator_edit = fields.Boolean()
    quote_text = fields.String()
    body = fields.String(allow_none=True, metadata={"description": "Markdown source; null when hidden from you"})
    html = fields.String(allow_none=True, metadata={"description": "sanitised HTML; null when hidden from you"})
    file_name = fields.String()
    version = fields.Integer()


class TopicCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=services.MAX_BODY))


class PostCreateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=services.MAX_BODY))
    quote_id = fields.Integer(load_default=None, allow_none=True)


class HideSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    version = fields.Integer(load_default=None, allow_none=True)


def _shown(post: ForumPost, may_see_hidden: bool) -> dict[str, Any]:
    visible = not post.hidden or may_see_hidden
    return {"id": post.id, "topic_id": post.topic_id, "author_id": post.author_id, "created_at": post.created_at,
            "hidden": post.hidden, "hidden_reason": post.hidden_reason if visible else None,
            "moderator_edit": post.moderator_edit, "quote_text": post.quote_text if visible else "",
            "body": post.body if visible else None, "html": str(render_text(post.body)) if visible else None,
            "file_name": post.file_name if visible else "", "version": post.version}


@bp.get("/sections")
@api_view("forum.view", response=SectionSchema, many=True)
def sections() -> Any:
    """Sections the caller may read."""
    return visible_sections(reader())


@bp.get("/sections/<int:section_id>/topics")
@api_view("forum.view", response=TopicSchema, many=True)
def topics(section_id: int) -> Any:
    """Topics of a readable section, pinned first."""
    sec = load_section(section_id, reader())
    return db().scalars(select(ForumTopic).where(ForumTopic.section_id == sec.id)
                        .order_by(ForumTopic.pinned.desc(), ForumTopic.last_post_at.desc())).all()


@bp.post("/sections/<int:section_id>/topics")
@api_view("forum.post", body=TopicCreateSchema, response=TopicSchema)
def create_topic(section_id: int, body: dict[str, Any]) -> Any:
    """Open a topic with its first message (attachments through the page)."""
    who = reader()
    sec = load_section(section_id, who)
    if not who.may_post(sec, plugin_settings("forum")):
        raise services.Refused(services.POSTING_FORBIDDEN)
    session = db()
    topic = services.create_topic(session, sec, author=acting_user(), title=body["title"], body=body["body"])
    session.commit()
    return topic


@bp.get("/topics/<int:topic_id>/posts")
@api_view("forum.view", response=PostSchema, many=True)
def posts(topic_id: int) -> Any:
    """A readable topic's messages in order."""
    who = reader()
    topic, sec = load_topic(topic_id, who)
    moderator, me = who.may_moderate(sec), acting_user().id
    rows = db().scalars(select(ForumPost).where(ForumPost.topic_id == topic.id).order_by(ForumPost.id)).all()
    return [_shown(p, moderator or p.author_id == me) for p in rows]


@bp.post("/topics/<int:topic_id>/posts")
@api_view("forum.post", body=PostCreateSchema, response=PostSchema)
def create_post(topic_id: int, body: dict[str, Any]) -> Any:
    """Reply, optionally quoting another message of the topic."""
    who = reader()
    topic, sec = load_topic(topic_id, who)
    if not who.may_post(sec, plugin_settings("forum")):
        raise services.Refused(services.POSTING_FORBIDDEN)
    session = db()
    quote = session.get(ForumPost, body["quote_id"]) if body.get("quote_id") else None
    post = services.add_post(session, topic, author=acting_user(), body=body["body"], quote=quote)
    session.commit()
    notices.queue(session, post, acting_user().id)
    return _shown(post, True)


@bp.post("/posts/<int:post_id>/hide")
@api_view("forum.moderate", body=HideSchema, response=PostSchema)
def hide_post(post_id: int, body: dict[str, Any]) -> Any:
    """Hide a message with a reason its author will see (moderators of the section)."""
    who = reader()
    post, _topic, sec = load_post(post_id, who)
    if not who.may_moderate(sec):
        abort(404)
    session = db()
    services.hide_post(session, post, moderator=acting_user(), reason=body["reason"], version=body.get("version"))
    session.commit()
    return _shown(post, True)
