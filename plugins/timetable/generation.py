"""Generating the journal's lessons from the timetable, keeping the lessons that already hold records
(marks, attendance, homework, a teacher's topic).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from core.toolkit import N_, Base, audit, holidays_between, lesson_days, school_today
from plugins.gradebook.public import Lesson, LessonPlanItem
from plugins.timetable.models import LessonChange, TimetableEntry
from plugins.timetable.naming import Names
from plugins.timetable.versioning import versions_between

REASONS = {"gradebook_mark": N_("marks"), "gradebook_homework": N_("homework"), "attendance_mark": N_("attendance"),
           "attendance_roll_call": N_("attendance")}


def _lesson_refs(session: Session) -> list[tuple[str, Any]]:
    """Tables that point at a lesson (marks, homework, attendance, any later plugin's), present in the DB."""
    existing = set(inspect(session.connection()).get_table_names())
    refs = []
    for table in Base.metadata.tables.values():
        if table.name not in existing or table.name.startswith("timetable_"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "gradebook_lesson":
                refs.append((table.name, fk.parent))
    return refs


def lessons_with_records(session: Session, lesson_ids_query: Any) -> dict[int, set[str]]:
    """Lesson id -> what refers to it ("marks", "attendance", ...), for lessons selected by the query."""
    out: dict[int, set[str]] = defaultdict(set)
    for table_name, column in _lesson_refs(session):
        for (lesson_id,) in session.execute(select(column).where(column.in_(lesson_ids_query)).distinct()):
            out[lesson_id].add(REASONS.get(table_name, N_("other records")))
    return out


def plan_topics(session: Session, class_ids: Iterable[int]) -> dict[tuple[int, int, int | None], set[str]]:
    out: dict[tuple[int, int, int | None], set[str]] = defaultdict(set)
    ids = list(class_ids)
    if ids:
        for row in session.execute(select(LessonPlanItem.class_id, LessonPlanItem.subject_id, LessonPlanItem.subgroup_id,
                                          LessonPlanItem.topic).where(LessonPlanItem.class_id.in_(ids))):
            out[(row.class_id, row.subject_id, row.subgroup_id)].add(row.topic)
    return out


def topic_is_teachers(row: Any, today: date, plan: dict[tuple[int, int, int | None], set[str]]) -> bool:
    """A topic counts as the journal's (keep the lesson) unless it is a future lesson's topic copied from
    the КТП and never confirmed by the teacher."""
    if not row.topic:
        return False
    if row.topic_entered_at is not None or row.date <= today:
        return True
    return row.topic not in plan.get((row.class_id, row.subject_id, row.subgroup_id), set())


# --- generating the journal's lessons --------------------------------------------------------------

@dataclass
class KeptLesson:
    lesson_id: int
    date: date
    number: int
    what: str
    reasons: list[str]


@dataclass
class GenerationReport:
    start: date
    end: date
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    topics_filled: int = 0
    kept: list[KeptLesson] = field(default_factory=list)


def active_changes(session: Session, school_id: int, start: date, end: date, class_ids: Iterable[int] | None = None
                   ) -> list[LessonChange]:
    query = select(LessonChange).where(
        LessonChange.school_id == school_id, LessonChange.revoked_at.is_(None),
        or_(LessonChange.date.between(start, end), LessonChange.new_date.between(start, end)))
    if class_ids is not None:
        query = query.where(LessonChange.class_id.in_(list(class_ids)))
    return list(session.scalars(query))


def generate_lessons(session: Session, school_id: int, start: date, end: date, *, class_ids: Iterable[int] | None = None,
                     weekdays: int = 5, today: date | None = None, fill_topics: bool = True,
                     actor_id: int | None = None) -> GenerationReport:
    """Make the journal's lessons between two dates match the timetable, skipping weekends and holidays.

    Lessons with marks, attendance, homework or a teacher's topic are kept even when the timetable no
    longer has them (and reported); lessons moved or substituted by the deputy are left as they are; a
    cancelled or moved-away slot is not created again; empty lessons are moved to their new number or
    removed; nothing is ever created twice. Days no timetable version covers are not touched.
    """
    today = today or school_today(school_id, session=session)
    report = GenerationReport(start, end)
    wanted_classes = set(class_ids) if class_ids is not None else None
    names = Names(session, school_id)
    versions = versions_between(session, school_id, start, end)
    if not versions:
        return report
    days = lesson_days(start, end, holidays_between(session, school_id, start, end), weekdays)
    entries_by_version: dict[int, dict[int, list[Any]]] = {}
    classes_by_version: dict[int, set[int]] = {}
    for version in versions:
        by_day: dict[int, list[Any]] = defaultdict(list)
        covered: set[int] = set()
        for e in session.scalars(select(TimetableEntry).where(TimetableEntry.version_id == version.id)):
            if wanted_classes is None or e.class_id in wanted_classes:
                by_day[e.weekday].append(e)
                covered.add(e.class_id)
        entries_by_version[version.id], classes_by_version[version.id] = by_day, covered

    Key = tuple[int, int | None, int, date, int]
    desired: dict[Key, int] = {}
    covered_days: set[tuple[int, date]] = set()
    for day in days:
        version = next((v for v in versions if v.valid_from <= day <= v.valid_to), None)
        if version is None:
            continue
        covered_days.update((c, day) for c in classes_by_version[version.id])
        for e in entries_by_version[version.id].get(day.weekday(), []):
            desired[(e.class_id, e.subgroup_id, e.subject_id, day, e.number)] = e.teacher_id
    # The deputy's decisions win over the timetable: no lesson where one was cancelled or moved away.
    changes = active_changes(session, school_id, start, end, {c for c, _d in covered_days})
    protected = {c.lesson_id for c in changes if c.lesson_id is not None and c.kind in ("substitution", "move")}
    for c in changes:
        if c.kind in ("cancel", "move"):
            desired.pop((c.class_id, c.subgroup_id, c.subject_id, c.date, c.number), None)

    covered_classes = {c for c, _d in covered_days}
    lesson_filter = and_(Lesson.school_id == school_id, Lesson.date.between(start, end),
                         Lesson.class_id.in_(covered_classes or {-1}))
    rows = [r for r in session.execute(select(
        Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.teacher_id, Lesson.date,
        Lesson.number, Lesson.topic, Lesson.topic_entered_at).where(lesson_filter)) if (r.class_id, r.date) in covered_days]
    records = lessons_with_records(session, select(Lesson.id).where(lesson_filter))
    plan = plan_topics(session, covered_classes)

    def reasons_of(row: Any) -> list[str]:
        found = set(records.get(row.id, set()))
        if topic_is_teachers(row, today, plan):
            found.add(N_("a topic"))
        return sorted(found)

    leftovers: list[Any] = []
    teacher_updates: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda r: r.id):
        key = (row.class_id, row.subgroup_id, row.subject_id, row.date, row.number)
        if row.id in protected:
            desired.pop(key, None)
            report.unchanged += 1
        elif key in desired:
            teacher = desired.pop(key)
            if teacher != row.teacher_id and not reasons_of(row):
                teacher_updates.append({"lesson_id": row.id, "teacher_id": teacher})
            else:
                report.unchanged += 1
        else:
            leftovers.append(row)
    # An empty lesson whose subject moved to another number the same day follows it.
    open_slots: dict[tuple[int, int | None, int, date], list[int]] = defaultdict(list)
    for (class_id, subgroup_id, subject_id, day, number) in sorted(desired, key=lambda k: (k[3], k[4])):
        open_slots[(class_id, subgroup_id, subject_id, day)].append(number)
    moves: list[dict[str, Any]] = []
    removals: list[int] = []
    for row in leftovers:
        reasons = reasons_of(row)
        if reasons:
            report.kept.append(KeptLesson(row.id, row.date, row.number,
                                          names.what(row.class_id, row.subject_id, row.subgroup_id), reasons))
            continue
        slot = open_slots.get((row.class_id, row.subgroup_id, row.subject_id, row.date))
        if slot:
            number = slot.pop(0)
            teacher = desired.pop((row.class_id, row.subgroup_id, row.subject_id, row.date, number))
            moves.append({"lesson_id": row.id, "number": number, "teacher_id": teacher})
        else:
            removals.append(row.id)
    for upd in teacher_updates:
        session.execute(update(Lesson).where(Lesson.id == upd["lesson_id"]).values(teacher_id=upd["teacher_id"]))
    for mv in moves:
        session.execute(update(Lesson).where(Lesson.id == mv["lesson_id"])
                        .values(number=mv["number"], teacher_id=mv["teacher_id"]))
    report.updated = len(teacher_updates) + len(moves)
    for offset in range(0, len(removals), 500):
        session.execute(delete(Lesson).where(Lesson.id.in_(removals[offset:offset + 500])))
    report.removed = len(removals)
    new_rows = [{"school_id": school_id, "class_id": c, "subgroup_id": sg, "subject_id": s, "teacher_id": t,
                 "date": d, "number": n, "topic": "", "summary": ""}
                for (c, sg, s, d, n), t in sorted(desired.items(), key=lambda kv: (kv[0][3], kv[0][4], kv[0][0]))]
    for offset in range(0, len(new_rows), 5000):
        session.execute(insert(Lesson), new_rows[offset:offset + 5000])
    report.created = len(new_rows)
    session.flush()
    if fill_topics and covered_classes:
        from plugins.timetable.plans import apply_plans

        report.topics_filled = apply_plans(session, school_id, covered_classes, today=today)
    audit(session, school_id=school_id, action="timetable.lessons.generate", object_type="timetable.generation",
          object_id=f"{start.isoformat()}..{end.isoformat()}", actor_id=actor_id,
          new={"created": report.created, "updated": report.updated, "removed": report.removed,
               "kept": [k.lesson_id for k in report.kept], "classes": sorted(covered_classes)})
    return report

