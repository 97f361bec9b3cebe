"""Undoing news changes of a leaked account (the core's ``revert_change``): a created item is withdrawn
(its window closed at its start, so read marks stay), an edit is put back."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plugins.news.models import NewsItem


def revert(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type != "news.item":
        return None
    item = session.get(NewsItem, int(entry.object_id))
    if item is None:
        return {"missing": entry.object_id}
    if entry.action == "news.item.create":
        item.publish_to = item.publish_from
        item.version += 1
        return {"withdrawn": item.id}
    old = dict(entry.old or {})
    item.title, item.body = old.get("title", item.title), old.get("body", item.body)
    if old.get("publish_from"):
        item.publish_from = datetime.fromisoformat(old["publish_from"])
    item.publish_to = datetime.fromisoformat(old["publish_to"]) if old.get("publish_to") else None
    item.version += 1
    return {"title": item.title, "publish_from": old.get("publish_from"), "publish_to": old.get("publish_to")}
