"""Timetable entries and their conflicts: the same teacher, class, pupils or room twice at one time."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, SubgroupMember, TeachingAssignment
from plugins.timetable.models import TimetableEntry, TimetableVersion
from plugins.timetable.naming import Names
from plugins.timetable.refusals import Problem, TimetableError, fail


@dataclass(frozen=True)
class Draft:
    """A weekly lesson before it is saved (or a saved entry, for the pairwise checks)."""

    class_id: int
    subgroup_id: int | None
    subject_id: int
    teacher_id: int
    weekday: int
    number: int
    room: str = ""
    id: int | None = None


def draft_from_assignment(session: Session, school_id: int, class_id: int, assignment_id: int, weekday: int,
                          number: int, room: str = "") -> Draft:
    """The deputy picks «subject — teacher (group)» from the class's нагрузка, not three loose fields."""
    assignment = session.get(TeachingAssignment, assignment_id)
    if assignment is None or assignment.school_id != school_id or assignment.class_id != class_id:
        raise fail("assignment", N_("Choose a subject and teacher of this class."))
    return Draft(class_id, assignment.subgroup_id, assignment.subject_id, assignment.teacher_id, weekday, number,
                 room.strip())


def subgroup_members(session: Session, subgroup_ids: Iterable[int | None]) -> dict[int, set[int]]:
    ids = {s for s in subgroup_ids if s}
    out: dict[int, set[int]] = defaultdict(set)
    if ids:
        for sg, student in session.execute(select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
                                           .where(SubgroupMember.subgroup_id.in_(ids))):
            out[sg].add(student)
    return out


def draft_clashes(a: Draft, b: Draft, names: Names, members: dict[int, set[int]], shared_rooms: set[str]) -> list[Problem]:
    """Why ``a`` cannot take place together with ``b`` (same weekday and number), if it cannot."""
    found: list[Problem] = []
    room = a.room.strip().lower()
    if a.teacher_id != b.teacher_id and a.class_id != b.class_id and (not room or room != b.room.strip().lower()):
        return found  # the common case, decided without building any text
    where = {"day": a.weekday, "number": a.number}
    other = names.what(b.class_id, b.subject_id, b.subgroup_id)
    if a.teacher_id == b.teacher_id:
        found.append(Problem("teacher", N_("Teacher %(teacher)s already has a lesson at this time: %(other)s "
                                           "(%(day)s, lesson %(number)s)."),
                             {**where, "teacher": names.person(a.teacher_id), "other": other}))
    if room and room == b.room.strip().lower() and room not in shared_rooms:
        found.append(Problem("room", N_("Room %(room)s is taken at this time: %(other)s, %(teacher)s "
                                        "(%(day)s, lesson %(number)s)."),
                             {**where, "room": a.room, "other": other, "teacher": names.person(b.teacher_id)}))
    if a.class_id == b.class_id:
        cls = names.classes.get(a.class_id, "?")
        subject = names.subjects.get(b.subject_id, "?")
        if b.subgroup_id is None:
            found.append(Problem("class", N_("Class %(class)s already has a whole-class lesson at this time: "
                                             "%(subject)s (%(day)s, lesson %(number)s)."),
                                 {**where, "class": cls, "subject": subject}))
        elif a.subgroup_id is None:
            found.append(Problem("class", N_("Class %(class)s has a subgroup lesson at this time: %(subject)s "
                                             "(%(subgroup)s); a whole-class lesson clashes with it "
                                             "(%(day)s, lesson %(number)s)."),
                                 {**where, "class": cls, "subject": subject,
                                  "subgroup": names.subgroups.get(b.subgroup_id, "?")}))
        elif a.subgroup_id == b.subgroup_id:
            found.append(Problem("subgroup", N_("Subgroup %(subgroup)s already has a lesson at this time: "
                                                "%(subject)s (%(day)s, lesson %(number)s)."),
                                 {**where, "subgroup": names.subgroups.get(a.subgroup_id, "?"), "subject": subject}))
        else:
            shared = members.get(a.subgroup_id, set()) & members.get(b.subgroup_id, set())
            if shared:
                found.append(Problem("students", N_("Subgroups %(subgroup)s and %(other)s share %(count)s students: "
                                                    "they cannot have lessons at the same time (%(day)s, lesson "
                                                    "%(number)s)."),
                                     {**where, "subgroup": names.subgroups.get(a.subgroup_id, "?"),
                                      "other": names.subgroups.get(b.subgroup_id, "?"), "count": len(shared)}))
    return found


ENTRY_COLUMNS = (TimetableEntry.id, TimetableEntry.class_id, TimetableEntry.subgroup_id, TimetableEntry.subject_id,
                 TimetableEntry.teacher_id, TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.room)


def _entry_draft(e: Any) -> Draft:
    return Draft(e.class_id, e.subgroup_id, e.subject_id, e.teacher_id, e.weekday, e.number, e.room or "", e.id)


def find_conflicts(session: Session, school_id: int, version_id: int, draft: Draft,
                   shared_rooms: Iterable[str] = (), names: Names | None = None) -> list[Problem]:
    """Everything the draft would clash with in its version (the entry itself excluded when editing)."""
    names = names or Names(session, school_id)
    others = [_entry_draft(e) for e in session.execute(select(*ENTRY_COLUMNS).where(
        TimetableEntry.version_id == version_id, TimetableEntry.weekday == draft.weekday,
        TimetableEntry.number == draft.number)) if e.id != draft.id]
    names.people([draft.teacher_id] + [o.teacher_id for o in others])
    members = subgroup_members(session, [draft.subgroup_id] + [o.subgroup_id for o in others])
    rooms = {r.strip().lower() for r in shared_rooms}
    problems = []
    for other in others:
        problems += draft_clashes(draft, other, names, members, rooms)
    return problems


def add_entry(session: Session, school_id: int, version: TimetableVersion, draft: Draft, *,
              shared_rooms: Iterable[str] = (), days_per_week: int = 5, lessons_per_day: int = 8) -> TimetableEntry:
    """Save a weekly lesson, or refuse it (409) naming every clash."""
    if not 0 <= draft.weekday < days_per_week:
        raise fail("weekday", N_("The school works %(days)s days a week."), days=days_per_week)
    if not 1 <= draft.number <= lessons_per_day:
        raise fail("number", N_("The lesson number must be from 1 to %(max)s."), max=lessons_per_day)
    problems = find_conflicts(session, school_id, version.id, draft, shared_rooms)
    if problems:
        raise TimetableError(problems, 409)
    entry = TimetableEntry(school_id=school_id, version_id=version.id, class_id=draft.class_id,
                           subgroup_id=draft.subgroup_id, subject_id=draft.subject_id, teacher_id=draft.teacher_id,
                           weekday=draft.weekday, number=draft.number, room=draft.room)
    session.add(entry)
    session.flush()
    return entry


def version_conflicts(session: Session, school_id: int, version_id: int, shared_rooms: Iterable[str] = ()
                      ) -> list[tuple[Draft, Problem]]:
    """Every clash inside a version (each pair once): what the deputy's start page counts."""
    names = Names(session, school_id)
    entries = [_entry_draft(e) for e in session.execute(select(*ENTRY_COLUMNS).where(
        TimetableEntry.version_id == version_id))]
    names.people(e.teacher_id for e in entries)
    members = subgroup_members(session, [e.subgroup_id for e in entries])
    rooms = {r.strip().lower() for r in shared_rooms}
    by_slot: dict[tuple[int, int], list[Draft]] = defaultdict(list)
    for e in entries:
        by_slot[(e.weekday, e.number)].append(e)
    out = []
    for slot in sorted(by_slot):
        group = by_slot[slot]
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                out += [(a, p) for p in draft_clashes(a, b, names, members, rooms)]
    return out

