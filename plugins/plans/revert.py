"""Undoing a leaked account's plan changes (the core's ``revert_change``): a created plan item is cancelled,
an edit or a report is put back; a created plan is left (it holds no one's data) and reported as such."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from plugins.plans.models import PlanItem
from plugins.plans.services import ITEM_FIELDS, _set_people


def revert(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type == "plans.plan":
        return {"kept": entry.object_id}
    if entry.object_type != "plans.item":
        return None
    item = session.get(PlanItem, int(entry.object_id))
    if item is None or item.school_id != entry.school_id:
        return {"missing": entry.object_id}
    if entry.action == "plans.item.create":
        item.status = "cancelled"
        item.version += 1
        return {"status": "cancelled"}
    old = dict(entry.old or {})
    for name in ITEM_FIELDS:
        if name in old:
            value = old[name]
            if name in ("starts_on", "due_on", "done_on") and isinstance(value, str):
                value = date.fromisoformat(value)
            setattr(item, name, value)
    if "responsible_ids" in old:
        _set_people(session, item, list(old["responsible_ids"]))
    item.version += 1
    return {name: old[name] for name in (*ITEM_FIELDS, "responsible_ids") if name in old}
