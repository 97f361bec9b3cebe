"""Undoing the forum's audited changes after a leaked account's operations are declared invalid (the core's
``revert_change``): a post or topic it created disappears from view (hidden, never deleted, so replies that
quote it still make sense), an edit or moderation act is put back."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from plugins.forum.models import ForumPost, ForumSection, ForumTopic

OWNED = {"forum.post", "forum.topic", "forum.section"}
REVERT_REASON = "Отменено: действие совершено с утёкшей учётной записью"


def revert(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type not in OWNED:
        return None
    object_id = int(entry.object_id)
    old = dict(entry.old or {})
    if entry.object_type == "forum.post":
        post = session.get(ForumPost, object_id)
        if post is None:
            return {"missing": object_id}
        if entry.action == "forum.post.create":
            post.hidden, post.hidden_reason = True, REVERT_REASON
            post.version += 1
            return {"hidden": True}
        for name in ("body", "hidden", "hidden_reason", "moderator_edit"):
            if name in old:
                setattr(post, name, old[name])
        post.version += 1
        return {k: old[k] for k in ("body", "hidden", "hidden_reason") if k in old}
    if entry.object_type == "forum.topic":
        topic = session.get(ForumTopic, object_id)
        if topic is None:
            return {"missing": object_id}
        if entry.action == "forum.topic.create":
            topic.closed = True
            topic.version += 1
            return {"closed": True}
        topic.pinned, topic.closed = bool(old.get("pinned")), bool(old.get("closed"))
        topic.version += 1
        return {"pinned": topic.pinned, "closed": topic.closed}
    section = session.get(ForumSection, object_id)
    return {"kept": section is not None}
