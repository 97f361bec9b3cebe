"""The forum's rules as functions over a Session: sections, topics, posts with quotes and attachments,
moderation (hide with a reason, edit with a visible note, pin, close), subscriptions. Every write is
audited in the same transaction; edits check the ``version`` the user saw."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, CheckedUpload, ServiceError, User, audit, store_file, utcnow
from plugins.forum import text
from plugins.forum.models import KINDS, ForumMember, ForumPost, ForumSection, ForumSubscription, ForumTopic


class ForumError(ServiceError):
    """A refused forum action, shown to the user in Russian."""


class Refused(ForumError):
    status = 403
    code = "forbidden"


class Conflict(ForumError):
    status = 409
    code = "conflict"


MAX_BODY = 20000


def post_state(post: ForumPost) -> dict[str, Any]:
    return {"topic_id": post.topic_id, "author_id": post.author_id, "body": post.body, "hidden": post.hidden,
            "hidden_reason": post.hidden_reason, "moderator_edit": post.moderator_edit, "version": post.version}


def topic_state(topic: ForumTopic) -> dict[str, Any]:
    return {"section_id": topic.section_id, "title": topic.title, "pinned": topic.pinned, "closed": topic.closed,
            "version": topic.version}


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ForumError(N_("Write the message."), field="body")
    if len(body) > MAX_BODY:
        raise ForumError(N_("The message is longer than %(limit)s characters."), field="body", limit=MAX_BODY)
    return body


def create_section(session: Session, *, school_id: int, kind: str, title: str, class_id: int | None = None,
                   description: str = "", member_ids: list[int] | None = None) -> ForumSection:
    title = (title or "").strip()
    if kind not in KINDS:
        raise ForumError(N_("Choose the kind of section."), field="kind")
    if not title:
        raise ForumError(N_("Name the section."), field="title")
    if kind == "class" and not class_id:
        raise ForumError(N_("Choose the class."), field="class_id")
    section = ForumSection(school_id=school_id, kind=kind, class_id=class_id if kind == "class" else None,
                           title=title[:200], description=description[:500],
                           weight={"school": 10, "class": 50, "association": 80}[kind])
    session.add(section)
    session.flush()
    for user_id in sorted(set(member_ids or [])) if kind == "association" else []:
        session.add(ForumMember(school_id=school_id, section_id=section.id, user_id=user_id))
    audit(session, school_id=school_id, action="forum.section.create", object_type="forum.section",
          object_id=section.id, new={"kind": kind, "title": section.title, "class_id": section.class_id,
                                     "members": sorted(set(member_ids or []))})
    return section


def _attach(session: Session, post: ForumPost, upload: CheckedUpload | None) -> None:
    if upload is not None:
        stored = store_file(session, post.school_id, upload)
        post.file_id, post.file_name = stored.id, upload.filename


def create_topic(session: Session, section: ForumSection, *, author: User, title: str, body: str,
                 upload: CheckedUpload | None = None) -> ForumTopic:
    title = (title or "").strip()
    if not title:
        raise ForumError(N_("Name the topic."), field="title")
    body = _clean_body(body)
    now = utcnow()
    topic = ForumTopic(school_id=section.school_id, section_id=section.id, title=title[:200], author_id=author.id,
                       created_at=now, last_post_at=now)
    session.add(topic)
    session.flush()
    audit(session, school_id=topic.school_id, action="forum.topic.create", object_type="forum.topic",
          object_id=topic.id, new=topic_state(topic))
    add_post(session, topic, author=author, body=body, upload=upload)
    subscribe(session, topic, author)
    return topic


def add_post(session: Session, topic: ForumTopic, *, author: User, body: str, quote: ForumPost | None = None,
             upload: CheckedUpload | None = None) -> ForumPost:
    """A reply; ``quote`` adds an excerpt of another visible post of the same topic."""
    if topic.closed:
        raise Refused(N_("The topic is closed: new messages are not accepted."))
    body = _clean_body(body)
    post = ForumPost(school_id=topic.school_id, topic_id=topic.id, author_id=author.id, body=body,
                     created_at=utcnow())
    if quote is not None:
        if quote.topic_id != topic.id or quote.hidden:
            raise ForumError(N_("That message cannot be quoted."), field="quote")
        post.quote_post_id, post.quote_text = quote.id, text.excerpt(quote.body)
    _attach(session, post, upload)
    session.add(post)
    session.flush()
    topic.last_post_at = post.created_at
    audit(session, school_id=post.school_id, action="forum.post.create", object_type="forum.post",
          object_id=post.id, new={**post_state(post), "file_id": post.file_id})
    return post


def _check_version(current: int, seen: int | None, newer: str) -> None:
    if seen is not None and seen != current:
        raise Conflict(N_("Someone changed this while you were editing; it now reads: «%(value)s». "
                          "Reload the page and make your change again."), value=newer[:300])


def edit_post(session: Session, post: ForumPost, *, editor: User, body: str, version: int | None,
              by_moderator: bool) -> ForumPost:
    """The author edits her own post; a moderator edits anyone's, and the post then says so."""
    _check_version(post.version, version, post.body)
    old = post_state(post)
    post.body = _clean_body(body)
    post.edited_at, post.edited_by_id = utcnow(), editor.id
    post.moderator_edit = post.moderator_edit or (by_moderator and editor.id != post.author_id)
    post.version += 1
    audit(session, school_id=post.school_id, action="forum.post.edit", object_type="forum.post", object_id=post.id,
          old=old, new=post_state(post))
    return post


def hide_post(session: Session, post: ForumPost, *, moderator: User, reason: str,
              version: int | None = None) -> ForumPost:
    reason = (reason or "").strip()
    if not reason:
        raise ForumError(N_("Give the reason: the author will see it."), field="reason")
    _check_version(post.version, version, post.body)
    old = post_state(post)
    post.hidden, post.hidden_reason, post.hidden_by_id = True, reason[:500], moderator.id
    post.version += 1
    audit(session, school_id=post.school_id, action="forum.post.hide", object_type="forum.post", object_id=post.id,
          old=old, new=post_state(post))
    return post


def unhide_post(session: Session, post: ForumPost) -> ForumPost:
    old = post_state(post)
    post.hidden, post.hidden_reason, post.hidden_by_id = False, "", None
    post.version += 1
    audit(session, school_id=post.school_id, action="forum.post.unhide", object_type="forum.post",
          object_id=post.id, old=old, new=post_state(post))
    return post


def set_flags(session: Session, topic: ForumTopic, *, pinned: bool | None = None,
              closed: bool | None = None) -> ForumTopic:
    old = topic_state(topic)
    if pinned is not None:
        topic.pinned = pinned
    if closed is not None:
        topic.closed = closed
    topic.version += 1
    action = "forum.topic.pin" if pinned is not None else "forum.topic.close"
    audit(session, school_id=topic.school_id, action=action, object_type="forum.topic", object_id=topic.id,
          old=old, new=topic_state(topic))
    return topic


def subscription(session: Session, topic: ForumTopic, user: User) -> ForumSubscription | None:
    return session.scalar(select(ForumSubscription).where(ForumSubscription.topic_id == topic.id,
                                                          ForumSubscription.user_id == user.id))


def last_post_id(session: Session, topic: ForumTopic) -> int:
    return session.scalar(select(ForumPost.id).where(ForumPost.topic_id == topic.id)
                          .order_by(ForumPost.id.desc()).limit(1)) or 0


def subscribe(session: Session, topic: ForumTopic, user: User) -> ForumSubscription:
    found = subscription(session, topic, user)
    if found is None:
        last = last_post_id(session, topic)
        found = ForumSubscription(school_id=topic.school_id, topic_id=topic.id, user_id=user.id,
                                  seen_post_id=last, notified_post_id=last)
        session.add(found)
        session.flush()
    return found


def unsubscribe(session: Session, topic: ForumTopic, user: User) -> None:
    found = subscription(session, topic, user)
    if found is not None:
        session.delete(found)


def mark_seen(session: Session, topic: ForumTopic, user: User) -> None:
    found = subscription(session, topic, user)
    if found is not None:
        found.seen_post_id = last_post_id(session, topic)


POSTING_FORBIDDEN = N_("The school does not allow you to write in this section.")
