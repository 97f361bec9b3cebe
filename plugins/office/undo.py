"""Undo after a reported credentials leak: restore what an office audit entry replaced."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.toolkit import AuditEntry, GuardianLink, SchoolClass, Subgroup, SubgroupMember, User, utcnow
from plugins.office.models import (
    GUARDIAN_INFO_FIELDS,
    GUARDIAN_USER_FIELDS,
    Consent,
    Document,
    FileVerification,
    GuardianInfo,
    PersonalFile,
)


def _parse_value(model_field: str, value: Any) -> Any:
    if model_field in ("birth_date", "signed_on") and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def revert_entry(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """Undo one of the office's audited changes; None for object types the office does not own."""
    old = entry.old or {}
    kind = entry.object_type
    if entry.action in ("office.import.student", "office.import.staff"):
        # An imported account is switched off, not deleted: marks or links may already point at it.
        user = session.get(User, int(entry.object_id))
        if user is not None:
            user.is_active_account = False
        led = (session.get(SchoolClass, int((entry.new or {}).get("class_id") or 0))
               if entry.action == "office.import.staff" else None)
        if led is not None and led.school_id == entry.school_id and led.class_teacher_id == int(entry.object_id):
            led.class_teacher_id = (entry.new or {}).get("previous_class_teacher_id")  # the class is led as before
        return {"is_active_account": False}
    if entry.action == "office.import.load":
        from core.toolkit import TeachingAssignment

        load = session.get(TeachingAssignment, int(entry.object_id))
        if load is not None:
            session.delete(load)
        return {"deleted": True}
    if kind == "office.student":
        user = session.get(User, int(entry.object_id))
        if user is None:
            return {}
        for name, value in old.items():
            setattr(user, name, _parse_value(name, value))
        return dict(old)
    if kind == "office.personal_file":
        record = session.get(PersonalFile, int(entry.object_id))
        if record is None:
            return {}
        for name, value in old.items():
            setattr(record, name, value)
        record.version += 1  # a form opened before the revert must not write the leaked values back
        return dict(old)
    if kind == "office.guardian":
        guardian_id, _, student_id = entry.object_id.partition(":")
        if entry.action == "office.guardian.create":
            link = session.get(GuardianLink, (int(guardian_id), int(student_id)))
            if link is not None:
                session.delete(link)
            return {"link": None}
        guardian = session.get(User, int(guardian_id))
        info = session.get(GuardianInfo, int(guardian_id))
        link = session.get(GuardianLink, (int(guardian_id), int(student_id)))
        for name, value in old.items():
            if name in GUARDIAN_USER_FIELDS and guardian is not None:
                setattr(guardian, name, value)
            elif name in GUARDIAN_INFO_FIELDS and info is not None:
                setattr(info, name, value)
            elif name == "relation" and link is not None:
                link.relation = value
        return dict(old)
    if kind == "office.consent":
        consent = session.get(Consent, int(entry.object_id))
        if consent is None:
            return {}
        if entry.old is None:  # created by the leaked account: the answers were never given
            session.delete(consent)
            return {"deleted": True}
        for name, value in old.items():
            setattr(consent, name, _parse_value(name, value))
        return dict(old)
    if kind == "office.document":
        doc = session.get(Document, int(entry.object_id))
        if doc is None:
            return {}
        doc.deleted_at = None if entry.action == "office.document.delete" else utcnow()
        return {"deleted_at": doc.deleted_at}
    if kind == "office.file_verification":
        row = session.get(FileVerification, int(entry.object_id))
        if row is not None:
            session.delete(row)
        return {"verification": None}
    if kind == "office.subgroup_member":
        student_id = int(entry.object_id)
        new_groups = (entry.new or {}).get("subgroups", [])
        if new_groups:
            session.execute(delete(SubgroupMember).where(SubgroupMember.student_id == student_id,
                                                         SubgroupMember.subgroup_id.in_(new_groups)))
        for sid in old.get("subgroups", []):
            if session.get(Subgroup, sid) is not None and session.get(SubgroupMember, (sid, student_id)) is None:
                session.add(SubgroupMember(subgroup_id=sid, student_id=student_id))
        return {"subgroups": old.get("subgroups", [])}
    return None

