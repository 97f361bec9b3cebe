"""Writing to the audit log. Plugins call ``audit()`` in the same transaction as the change they record."""
from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _request_actor() -> tuple[int | None, str]:
    if not has_request_context():
        return None, ""
    user = getattr(g, "api_user", None) or current_user
    actor_id = user.id if getattr(user, "is_authenticated", False) else None
    return actor_id, request.remote_addr or ""


def audit(
    session: Session,
    *,
    school_id: int,
    action: str,
    object_type: str,
    object_id: Any = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    actor_id: int | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Record who changed what, from where, with the old and new values.

    Actor and IP come from the current request unless given (CLI and jobs pass ``actor_id``).
    """
    req_actor, req_ip = _request_actor()
    entry = AuditEntry(
        school_id=school_id,
        actor_id=actor_id if actor_id is not None else req_actor,
        ip=ip if ip is not None else req_ip,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        old=_jsonable(old) if old is not None else None,
        new=_jsonable(new) if new is not None else None,
    )
    session.add(entry)
    return entry


def audit_many(
    session: Session,
    *,
    school_id: int,
    action: str,
    object_type: str,
    items: list[tuple[Any, dict[str, Any] | None, dict[str, Any] | None]],
    actor_id: int | None = None,
    ip: str | None = None,
) -> int:
    """Record many changes of one kind at once, one entry each (``items``: (object_id, old, new)), in ONE
    INSERT: a roll call of 30 absences is one statement, not 30, and the audit page still shows who,
    when, and the old and new state of every student. Returns how many entries were written."""
    if not items:
        return 0
    req_actor, req_ip = _request_actor()
    actor = actor_id if actor_id is not None else req_actor
    address = ip if ip is not None else req_ip
    session.execute(insert(AuditEntry), [
        {"school_id": school_id, "actor_id": actor, "ip": address, "action": action, "object_type": object_type,
         "object_id": str(object_id), "old": _jsonable(old) if old is not None else None,
         "new": _jsonable(new) if new is not None else None}
        for object_id, old, new in items])
    return len(items)


def changes(obj: Any, fields: list[str], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply ``values`` to ``obj`` and return (old, new) for the fields that really changed."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in fields:
        if name in values and getattr(obj, name) != values[name]:
            old[name] = getattr(obj, name)
            new[name] = values[name]
            setattr(obj, name, values[name])
    return old, new


def entries_to_revert(session: Session, school_id: int, actor_id: int, since: dt.datetime,
                      until: dt.datetime | None = None) -> list[AuditEntry]:
    """The actor's changes from ``since`` (to ``until``, when given) not undone yet, newest first."""
    query = select(AuditEntry)
    if until is not None:
        query = query.where(AuditEntry.at <= until)
    return list(
        session.scalars(
            query
            .where(
                AuditEntry.school_id == school_id,
                AuditEntry.actor_id == actor_id,
                AuditEntry.at >= since,
                AuditEntry.reverted_by_id.is_(None),
                ~AuditEntry.action.like("%.revert"),
                ~AuditEntry.action.like("core.revert.%"),
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        )
    )
