"""Undoing a leaked account's catalogue changes (the core's ``revert_change``): an added material is
withdrawn, an edit or an opening to a class is put back, an attachment is removed and a detachment restored."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.resources.models import Material, MaterialUse
from plugins.resources.services import FIELDS, _set_classes


def revert(session: Session, entry: Any) -> dict[str, Any] | None:
    if entry.object_type == "resources.use":
        return _revert_use(session, entry)
    if entry.object_type != "resources.material":
        return None
    material = session.get(Material, int(entry.object_id))
    if material is None or material.school_id != entry.school_id:
        return {"missing": entry.object_id}
    if entry.action == "resources.material.create":
        material.archived = True
        material.version += 1
        return {"archived": True}
    old = dict(entry.old or {})
    for name in FIELDS:
        if name in old:
            setattr(material, name, old[name])
    if "class_ids" in old:
        _set_classes(session, material, list(old["class_ids"]))
    material.version += 1
    return {name: old[name] for name in FIELDS + ("class_ids",) if name in old}


def _revert_use(session: Session, entry: Any) -> dict[str, Any]:
    if entry.action == "resources.use.attach":
        row = session.get(MaterialUse, int(entry.object_id))
        if row is not None and row.school_id == entry.school_id:
            session.delete(row)
        return {"detached": entry.object_id}
    old = dict(entry.old or {})
    exists = session.scalar(select(MaterialUse.id).where(MaterialUse.material_id == old.get("material_id"),
                                                         MaterialUse.lesson_id == old.get("lesson_id"),
                                                         MaterialUse.use == old.get("use")))
    if exists is None and old.get("material_id") and old.get("lesson_id"):
        session.add(MaterialUse(school_id=entry.school_id, material_id=old["material_id"],
                                lesson_id=old["lesson_id"], use=old.get("use", "lesson")))
    return old

