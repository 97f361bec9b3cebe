"""Undoing a leaked account's changes safely: only rows still as the intruder left them.

Why this shape: the administrator reverts "everything the account did after the leak", but other people
keep working meanwhile. A deputy may have corrected a mark the intruder changed; a teacher may have
reused a lesson slot. Blindly writing the audit entry's ``old`` back destroys their work. So each of the
account's entries, newest first, is undone only when

1. no later audit entry touches the same object (``object_type`` + ``object_id``) except the ones this
   very run has undone — every write is audited (a test walks every plugin's writing services), so the
   audit trail itself says whether anyone came after the intruder; and
2. the owning plugin, comparing the row's current state with the entry's ``new``, agrees
   (``ensure_as_left``; it raises ``RevertConflict`` otherwise).

Everything else is a conflict, listed with both values for a person to decide. Each undo runs in its own
SAVEPOINT, so a plugin that refuses halfway leaves nothing half-undone.

Identity of a created row: audited tables keep their ids for ever in practice because a reused id would
arrive with its own creation entry in the audit log (by whoever created the new row) — rule 1 then
makes it a conflict, never a deletion — and rule 2 compares the row's values with what the intruder
created. We chose this over rebuilding every audited SQLite table with ``AUTOINCREMENT`` (fourteen
plugins' migration branches, table rebuilds under foreign keys) because it also protects rows whose
"identity" is a compound key (an attendance cell ``lesson:student``) where AUTOINCREMENT would not help.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import _jsonable, audit, entries_to_revert
from core.models import AuditEntry

UNDONE, CONFLICT, NOT_UNDOABLE = "undone", "conflict", "not_undoable"


class RevertConflict(Exception):
    """Raised by a plugin's ``revert_change``: the row is no longer as the leaked account left it.

    ``current`` is what the row holds now (None: it is gone), ``expected`` what the intruder left."""

    def __init__(self, current: Mapping[str, Any] | None, expected: Mapping[str, Any] | None = None,
                 reason: str = "changed") -> None:
        super().__init__(reason)
        self.current = dict(current) if current is not None else None
        self.expected = dict(expected) if expected is not None else None
        self.reason = reason


def _same(a: Any, b: Any) -> bool:
    a, b = _jsonable(a), _jsonable(b)
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    if a in (None, "") and b in (None, ""):
        return True
    return bool(a == b)


def ensure_as_left(entry: AuditEntry, current: Mapping[str, Any] | None,
                   fields: Iterable[str] | None = None) -> None:
    """Refuse (``RevertConflict``) unless the row's ``current`` state still holds every value the
    entry's ``new`` wrote (only the ``fields`` given, or every key both share). ``current`` None means
    the row is gone, which is a conflict for an update (someone deleted it)."""
    expected = dict(entry.new or {})
    if current is None:
        raise RevertConflict(None, expected, reason="gone")
    names = list(fields) if fields is not None else [k for k in expected if k in current]
    if any(not _same(current.get(name), expected.get(name)) for name in names):
        raise RevertConflict({k: current.get(k) for k in names}, {k: expected.get(k) for k in names})


@dataclass
class Outcome:
    """What happened to one audit entry of the leaked account."""

    entry: AuditEntry
    status: str
    restored: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    later: list[AuditEntry] = field(default_factory=list)
    reason: str = ""

    def as_audit(self) -> dict[str, Any]:
        return {"entry": self.entry.id, "action": self.entry.action, "object_type": self.entry.object_type,
                "object_id": self.entry.object_id, "intruder": self.entry.new, "restored": self.restored,
                "current": self.current, "later_entries": [e.id for e in self.later], "reason": self.reason}


def later_changes(session: Session, entry: AuditEntry, ignore: set[int]) -> list[AuditEntry]:
    """Entries after ``entry`` on the same object that this run has not undone (oldest first).

    Undo records (``*.revert``) and the revert's own notes (``core.revert.*``) are not changes by people."""
    return [e for e in session.scalars(
        select(AuditEntry).where(
            AuditEntry.school_id == entry.school_id, AuditEntry.object_type == entry.object_type,
            AuditEntry.object_id == entry.object_id, AuditEntry.id > entry.id,
            ~AuditEntry.action.like("%.revert"), ~AuditEntry.action.like("core.revert.%"),
        ).order_by(AuditEntry.id)) if e.id not in ignore]


RevertHook = Callable[..., dict[str, Any] | None]


def revert_account(session: Session, revert_change: RevertHook, *, school_id: int, user_id: int,
                   since: datetime, until: datetime | None = None) -> list[Outcome]:
    """Undo, newest first, every change ``user_id`` made in ``[since, until]`` that is still as left;
    audit each undo and each conflict. The caller audits the summary and commits."""
    outcomes: list[Outcome] = []
    undone_ids: set[int] = set()
    for entry in entries_to_revert(session, school_id, user_id, since, until):
        if entry.object_type.startswith("core."):
            # The core's own records (sign-ins, tokens, sessions, password changes): the leak report has
            # already ended what they opened; nothing here is a school record to restore.
            outcomes.append(Outcome(entry, NOT_UNDOABLE, reason="account record"))
            continue
        later = later_changes(session, entry, undone_ids)
        if later:
            outcomes.append(_conflict(session, entry, later[-1].new, later, "changed later"))
            continue
        savepoint = session.begin_nested()
        try:
            restored = revert_change(session=session, entry=entry)
            session.flush()
        except RevertConflict as refused:
            savepoint.rollback()
            outcomes.append(_conflict(session, entry, refused.current, [], refused.reason))
            continue
        if restored is None:
            savepoint.rollback()
            outcomes.append(Outcome(entry, NOT_UNDOABLE, reason="nothing to undo"))
            continue
        if not restored:  # the plugin found nothing as the intruder left it (the row is gone)
            savepoint.rollback()
            outcomes.append(_conflict(session, entry, None, [], "gone"))
            continue
        savepoint.commit()
        undo = audit(session, school_id=school_id, action=f"{entry.object_type}.revert",
                     object_type=entry.object_type, object_id=entry.object_id, old=entry.new, new=restored)
        session.flush()
        entry.reverted_by_id = undo.id
        undone_ids.add(entry.id)
        outcomes.append(Outcome(entry, UNDONE, restored=_jsonable(restored)))
    return outcomes


def _conflict(session: Session, entry: AuditEntry, current: Mapping[str, Any] | None,
              later: list[AuditEntry], reason: str) -> Outcome:
    """A change left for a person: the audit keeps the intruder's value and the one that stands now."""
    outcome = Outcome(entry, CONFLICT, current=_jsonable(dict(current)) if current is not None else None,
                      later=later, reason=reason)
    audit(session, school_id=entry.school_id, action="core.revert.conflict", object_type=entry.object_type,
          object_id=entry.object_id, old=entry.new, new={"current": outcome.current, "entry": entry.id,
                                                          "later_entries": [e.id for e in later]})
    return outcome


def summary(outcomes: list[Outcome]) -> dict[str, list[dict[str, Any]]]:
    """The outcomes by status, as the summary audit entry keeps them."""
    return {status: [o.as_audit() for o in outcomes if o.status == status]
            for status in (UNDONE, CONFLICT, NOT_UNDOABLE)}
