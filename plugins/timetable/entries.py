"""Adding and removing a weekly lesson: the one way the editor page and the API both take.

Why one module: the editor checked СанПиН and wrote the audit log, while the API did neither, so a
lesson added by a script broke the regulation the page enforces and left no trace. Here every add
locks its timetable version first (two deputies adding to one version at once take turns, so the clash
check sees the other's lesson instead of both passing), refuses clashes (409), checks СанПиН by the
school's rule (refused, or added once the person confirms), and is audited with enough to restore it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import AuditEntry, audit
from plugins.timetable import clashes, workload
from plugins.timetable.clashes import Draft
from plugins.timetable.models import TimetableEntry, TimetableVersion
from plugins.timetable.refusals import Problem, TimetableError

ENTRY_FIELDS = ("version_id", "class_id", "subgroup_id", "subject_id", "teacher_id", "weekday", "number", "room")
SANPIN_REFUSED = "The school's settings do not allow it."


class SanpinExcess(TimetableError):
    """The lesson would take the class beyond СанПиН's limits. ``confirmable``: the school lets the
    person add it anyway once confirmed (``sanpin_on_entry = "confirm"``); else it is refused."""

    def __init__(self, problems: list[Problem], confirmable: bool) -> None:
        super().__init__(problems if confirmable else [*problems, Problem("sanpin", SANPIN_REFUSED)], 422)
        self.confirmable = confirmable


def entry_state(entry: TimetableEntry) -> dict[str, Any]:
    """What the audit log keeps of a weekly lesson (enough to restore it)."""
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def add(session: Session, school_id: int, version: TimetableVersion, draft: Draft, settings: Mapping[str, Any], *,
        actor_id: int, confirm_sanpin: bool = False, restored_from: int | None = None) -> TimetableEntry:
    """Add the lesson or raise ``TimetableError`` (409 clashes) / ``SanpinExcess`` (422); the caller
    commits, or rolls back on an error (the lesson is flushed before СанПиН counts it)."""
    session.execute(select(TimetableVersion.id).where(TimetableVersion.id == version.id).with_for_update())
    entry = clashes.add_entry(session, school_id, version, draft, shared_rooms=settings["shared_rooms"],
                              days_per_week=settings["days_per_week"], lessons_per_day=settings["lessons_per_day"])
    excess = workload.sanpin_excess(session, school_id, version.id, draft.class_id, draft.weekday, settings)
    refuse = settings["sanpin_on_entry"] == "refuse"
    if excess and restored_from is None and (refuse or not confirm_sanpin):
        raise SanpinExcess([Problem("sanpin", msgid, params) for msgid, params in excess], confirmable=not refuse)
    new = {**entry_state(entry), **({"sanpin_confirmed": [_(m, **p) for m, p in excess]} if excess else {}),
           **({"restored_from": restored_from} if restored_from else {})}
    audit(session, school_id=school_id, action="timetable.entry.create", object_type="timetable.entry",
          object_id=entry.id, old=None, new=new, actor_id=actor_id)
    return entry


def remove(session: Session, entry: TimetableEntry, *, actor_id: int) -> AuditEntry | None:
    """Remove the lesson; the audit entry returned is what «Вернуть» restores it from."""
    state = entry_state(entry)
    session.delete(entry)
    session.flush()
    return audit(session, school_id=entry.school_id, action="timetable.entry.delete", object_type="timetable.entry",
                 object_id=entry.id, old=state, new=None, actor_id=actor_id)
