"""The timetable's rules: bells, versions, entries and their conflicts, generating the journal's lessons,
substitutions, moves and cancellations, and a class's or a teacher's day as families and staff see it.

Plain functions over a Session, no Flask. Refusals carry a ``Problem`` (a msgid and its values) that the
page and the API translate, so both say the same Russian sentence.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from core.api import (
    AcademicYear,
    Base,
    Holiday,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    User,
    audit,
    holidays_between,
    lesson_days,
    utcnow,
)
from plugins.gradebook.public import Lesson, LessonPlanItem
from plugins.timetable.models import (
    Assessment,
    Bell,
    BellSchedule,
    ClassBells,
    LessonChange,
    TimetableEntry,
    TimetableVersion,
)


def N_(message: str) -> str:
    """Mark a msgid for the catalog; the page or the API translates it when it shows the problem."""
    return message


WEEKDAYS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday")]
WEEKDAYS_SHORT = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat")]
ON_WEEKDAY = [N_("on Monday"), N_("on Tuesday"), N_("on Wednesday"), N_("on Thursday"), N_("on Friday"),
              N_("on Saturday")]


@dataclass(frozen=True)
class Problem:
    """Why something was refused or flagged: ``msgid % params`` once translated."""

    code: str
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


class TimetableError(Exception):
    """A refused change; ``status`` is what the API answers (409 for a clash, 422 for bad input)."""

    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        super().__init__("; ".join(p.msgid % p.params if p.params else p.msgid for p in problems))
        self.problems, self.status = problems, status


def _fail(code: str, msgid: str, status: int = 422, **params: Any) -> TimetableError:
    return TimetableError([Problem(code, msgid, params)], status)


# --- names ---------------------------------------------------------------------------------------

class Names:
    """Names of the school's classes, subjects, subgroups and people, loaded once per request."""

    def __init__(self, session: Session, school_id: int) -> None:
        self.session, self.school_id = session, school_id
        self.classes = {c.id: c.name for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))}
        self.grades = {c.id: c.grade_level for c in session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id))}
        self.subjects = dict(session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school_id)).all())
        self.subgroups = dict(session.execute(
            select(Subgroup.id, Subgroup.name).where(Subgroup.school_id == school_id)).all())
        self._people: dict[int, str] = {}

    def people(self, ids: Iterable[int | None]) -> dict[int, str]:
        missing = {i for i in ids if i is not None and i not in self._people}
        if missing:
            for row in self.session.execute(select(User.id, User.last_name, User.first_name, User.middle_name)
                                            .where(User.id.in_(missing))):
                initials = "".join(f" {p[0]}." for p in (row.first_name, row.middle_name) if p)
                self._people[row.id] = f"{row.last_name}{initials}"
        return self._people

    def person(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        return self.people([user_id]).get(user_id, "")

    def what(self, class_id: int, subject_id: int, subgroup_id: int | None) -> str:
        """«5А, Математика» or «5А, Английский язык (Англ, группа 1)»."""
        text = f"{self.classes.get(class_id, '?')}, {self.subjects.get(subject_id, '?')}"
        if subgroup_id:
            text += f" ({self.subgroups.get(subgroup_id, '?')})"
        return text


# --- bells ---------------------------------------------------------------------------------------

def parse_time(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def default_schedule(session: Session, school_id: int) -> BellSchedule | None:
    return session.scalar(select(BellSchedule).where(BellSchedule.school_id == school_id)
                          .order_by(BellSchedule.is_default.desc(), BellSchedule.shift, BellSchedule.id).limit(1))


def ensure_bells(session: Session, school_id: int, default_bells: list[dict[str, Any]]) -> BellSchedule:
    """The school's default bell schedule, created from the settings the first time it is needed."""
    schedule = default_schedule(session, school_id)
    if schedule is None:
        schedule = BellSchedule(school_id=school_id, name="1 смена", shift=1, is_default=True)
        session.add(schedule)
        session.flush()
        session.execute(insert(Bell), [{"schedule_id": schedule.id, "number": b["number"],
                                        "starts_at": parse_time(b["starts_at"]), "ends_at": parse_time(b["ends_at"])}
                                       for b in default_bells])
    return schedule


def save_bells(session: Session, schedule: BellSchedule, rows: list[tuple[int, time, time]]) -> None:
    """Replace a schedule's bells; lessons must not overlap and must follow each other in order."""
    rows = sorted(rows)
    numbers = [r[0] for r in rows]
    if len(numbers) != len(set(numbers)):
        raise _fail("bells", N_("Each lesson number may appear only once."))
    for number, start, end in rows:
        if start >= end:
            raise _fail("bells", N_("Lesson %(number)s must end after it starts."), number=number)
    for (n1, _s1, e1), (n2, s2, _e2) in zip(rows, rows[1:], strict=False):
        if s2 < e1:
            raise _fail("bells", N_("Lesson %(second)s starts before lesson %(first)s ends."), first=n1, second=n2)
    session.execute(delete(Bell).where(Bell.schedule_id == schedule.id))
    if rows:
        session.execute(insert(Bell), [{"schedule_id": schedule.id, "number": n, "starts_at": s, "ends_at": e}
                                       for n, s, e in rows])


def bells_of_classes(session: Session, school_id: int, class_ids: Iterable[int]) -> dict[int, dict[int, tuple[time, time]]]:
    """Lesson number -> (start, end) for each class, by its own shift or the school's default."""
    class_ids = list(class_ids)
    attached = dict(session.execute(select(ClassBells.class_id, ClassBells.schedule_id)
                                    .where(ClassBells.class_id.in_(class_ids))).all()) if class_ids else {}
    default = default_schedule(session, school_id)
    wanted = set(attached.values()) | ({default.id} if default else set())
    by_schedule: dict[int, dict[int, tuple[time, time]]] = defaultdict(dict)
    if wanted:
        for bell in session.scalars(select(Bell).where(Bell.schedule_id.in_(wanted))):
            by_schedule[bell.schedule_id][bell.number] = (bell.starts_at, bell.ends_at)
    return {c: by_schedule.get(attached.get(c, default.id if default else -1), {}) for c in class_ids}


# --- versions ------------------------------------------------------------------------------------

def versions_between(session: Session, school_id: int, start: date, end: date) -> list[TimetableVersion]:
    return list(session.scalars(select(TimetableVersion).where(
        TimetableVersion.school_id == school_id, TimetableVersion.valid_from <= end, TimetableVersion.valid_to >= start,
    ).order_by(TimetableVersion.valid_from)))


def version_on(session: Session, school_id: int, day: date) -> TimetableVersion | None:
    found = versions_between(session, school_id, day, day)
    return found[0] if found else None


def create_version(session: Session, school_id: int, year: AcademicYear, title: str, valid_from: date,
                   valid_to: date, copy_from: TimetableVersion | None = None, actor_id: int | None = None
                   ) -> tuple[TimetableVersion, TimetableVersion | None]:
    """A new timetable from ``valid_from``; the version running on that day is closed the day before.

    Returns the new version and the one it closed (if any). Refuses dates outside the year or a range
    that would still overlap another version.
    """
    if valid_from > valid_to:
        raise _fail("dates", N_("The timetable must end after it starts."))
    if valid_from < year.starts_on or valid_to > year.ends_on:
        raise _fail("dates", N_("The dates must lie within the school year %(year)s."), year=year.title)
    closed = None
    running = version_on(session, school_id, valid_from)
    if running is not None and running.valid_from < valid_from:
        running.valid_to = valid_from - timedelta(days=1)
        closed = running
        session.flush()
    for other in versions_between(session, school_id, valid_from, valid_to):
        raise _fail("overlap", N_("The dates overlap the timetable “%(title)s” (%(start)s – %(end)s)."), 409,
                    title=other.title, start=other.valid_from.strftime("%d.%m.%Y"),
                    end=other.valid_to.strftime("%d.%m.%Y"))
    version = TimetableVersion(school_id=school_id, year_id=year.id, title=title, valid_from=valid_from,
                               valid_to=valid_to, created_by=actor_id)
    session.add(version)
    session.flush()
    if copy_from is not None:
        rows = session.execute(select(
            TimetableEntry.class_id, TimetableEntry.subgroup_id, TimetableEntry.subject_id, TimetableEntry.teacher_id,
            TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.room,
        ).where(TimetableEntry.version_id == copy_from.id)).mappings().all()
        if rows:
            session.execute(insert(TimetableEntry), [{**r, "school_id": school_id, "version_id": version.id} for r in rows])
    return version, closed


# --- entries and conflicts -----------------------------------------------------------------------

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
        raise _fail("assignment", N_("Choose a subject and teacher of this class."))
    return Draft(class_id, assignment.subgroup_id, assignment.subject_id, assignment.teacher_id, weekday, number,
                 room.strip())


def _members(session: Session, subgroup_ids: Iterable[int | None]) -> dict[int, set[int]]:
    ids = {s for s in subgroup_ids if s}
    out: dict[int, set[int]] = defaultdict(set)
    if ids:
        for sg, student in session.execute(select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
                                           .where(SubgroupMember.subgroup_id.in_(ids))):
            out[sg].add(student)
    return out


def _clashes(a: Draft, b: Draft, names: Names, members: dict[int, set[int]], shared_rooms: set[str]) -> list[Problem]:
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
    members = _members(session, [draft.subgroup_id] + [o.subgroup_id for o in others])
    rooms = {r.strip().lower() for r in shared_rooms}
    problems = []
    for other in others:
        problems += _clashes(draft, other, names, members, rooms)
    return problems


def add_entry(session: Session, school_id: int, version: TimetableVersion, draft: Draft, *,
              shared_rooms: Iterable[str] = (), days_per_week: int = 5, lessons_per_day: int = 8) -> TimetableEntry:
    """Save a weekly lesson, or refuse it (409) naming every clash."""
    if not 0 <= draft.weekday < days_per_week:
        raise _fail("weekday", N_("The school works %(days)s days a week."), days=days_per_week)
    if not 1 <= draft.number <= lessons_per_day:
        raise _fail("number", N_("The lesson number must be from 1 to %(max)s."), max=lessons_per_day)
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
    members = _members(session, [e.subgroup_id for e in entries])
    rooms = {r.strip().lower() for r in shared_rooms}
    by_slot: dict[tuple[int, int], list[Draft]] = defaultdict(list)
    for e in entries:
        by_slot[(e.weekday, e.number)].append(e)
    out = []
    for slot in sorted(by_slot):
        group = by_slot[slot]
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                out += [(a, p) for p in _clashes(a, b, names, members, rooms)]
    return out


# --- lessons that must be kept --------------------------------------------------------------------

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


def _plan_topics(session: Session, class_ids: Iterable[int]) -> dict[tuple[int, int, int | None], set[str]]:
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
    today = today or date.today()
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
    plan = _plan_topics(session, covered_classes)

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


# --- substitutions, moves, cancellations ---------------------------------------------------------

def _lesson_clashes(session: Session, school_id: int, lesson: Lesson, day: date, number: int, teacher_id: int,
                    names: Names) -> list[Problem]:
    """What already happens at (day, number) that this lesson (given by ``teacher_id``) would clash with."""
    others = session.execute(select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id,
                                    Lesson.teacher_id).where(
        Lesson.school_id == school_id, Lesson.date == day, Lesson.number == number, Lesson.id != lesson.id,
        or_(Lesson.teacher_id == teacher_id, Lesson.class_id == lesson.class_id))).all()
    me = Draft(lesson.class_id, lesson.subgroup_id, lesson.subject_id, teacher_id, day.weekday(), number)
    members = _members(session, [lesson.subgroup_id] + [o.subgroup_id for o in others])
    problems = []
    for o in others:
        other = Draft(o.class_id, o.subgroup_id, o.subject_id, o.teacher_id, day.weekday(), number)
        problems += _clashes(me, other, names, members, set())
    return problems


def _active_of(session: Session, lesson_id: int, kind: str) -> LessonChange | None:
    return session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson_id, LessonChange.kind == kind,
                                                     LessonChange.revoked_at.is_(None)))


def _record(session: Session, change: LessonChange, actor_id: int | None) -> LessonChange:
    session.add(change)
    session.flush()
    audit(session, school_id=change.school_id, action="timetable.change.create", object_type="timetable.lesson_change",
          object_id=change.id, actor_id=actor_id,
          old={"lesson_id": change.lesson_id, "teacher_id": change.teacher_id, "date": change.date,
               "number": change.number},
          new={"kind": change.kind, "teacher_id": change.new_teacher_id, "date": change.new_date,
               "number": change.new_number, "reason": change.reason})
    return change


def substitute(session: Session, school_id: int, lesson: Lesson, teacher_id: int, reason: str = "",
               actor_id: int | None = None) -> LessonChange:
    """The substitute gives (and fills the journal of) this one lesson; the regular teacher keeps the right
    to correct it (see the ``lesson_editors`` hook)."""
    teacher = session.get(User, teacher_id)
    if teacher is None or teacher.school_id != school_id or not teacher.is_active_account:
        raise _fail("teacher", N_("Choose a teacher of this school."))
    names = Names(session, school_id)
    current = _active_of(session, lesson.id, "substitution")
    original = current.teacher_id if current else lesson.teacher_id
    if teacher_id == lesson.teacher_id:
        raise _fail("teacher", N_("%(teacher)s already gives this lesson."), teacher=names.person(teacher_id))
    problems = _lesson_clashes(session, school_id, lesson, lesson.date, lesson.number, teacher_id, names)
    problems = [p for p in problems if p.code == "teacher"]
    if problems:
        raise TimetableError(problems, 409)
    if current is not None:
        current.revoked_at, current.revoked_by = utcnow(), actor_id
    lesson.teacher_id = teacher_id
    return _record(session, LessonChange(
        school_id=school_id, kind="substitution", lesson_id=lesson.id, class_id=lesson.class_id,
        subgroup_id=lesson.subgroup_id, subject_id=lesson.subject_id, teacher_id=original, date=lesson.date,
        number=lesson.number, new_teacher_id=teacher_id, reason=reason.strip(), created_by=actor_id), actor_id)


def _school_day_problem(session: Session, school_id: int, day: date, weekdays: int) -> Problem | None:
    if day.weekday() >= weekdays:
        return Problem("date", N_("%(date)s is a day off."), {"date": day.strftime("%d.%m.%Y")})
    for h in holidays_between(session, school_id, day, day):
        return Problem("date", N_("%(date)s falls on the holidays “%(title)s”."),
                       {"date": day.strftime("%d.%m.%Y"), "title": h.title})
    year = session.scalar(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                     AcademicYear.starts_on <= day, AcademicYear.ends_on >= day))
    if year is None:
        return Problem("date", N_("%(date)s is outside the school year."), {"date": day.strftime("%d.%m.%Y")})
    return None


def move(session: Session, school_id: int, lesson: Lesson, new_date: date, new_number: int, *, room: str = "",
         reason: str = "", weekdays: int = 5, lessons_per_day: int = 8, actor_id: int | None = None) -> LessonChange:
    """Move a lesson to another day or number (перенос), refusing a day off or a clash there."""
    if not 1 <= new_number <= lessons_per_day:
        raise _fail("number", N_("The lesson number must be from 1 to %(max)s."), max=lessons_per_day)
    if (new_date, new_number) == (lesson.date, lesson.number):
        raise _fail("date", N_("The lesson is already at this time."))
    problem = _school_day_problem(session, school_id, new_date, weekdays)
    if problem:
        raise TimetableError([problem])
    problems = _lesson_clashes(session, school_id, lesson, new_date, new_number, lesson.teacher_id,
                               Names(session, school_id))
    if problems:
        raise TimetableError(problems, 409)
    change = LessonChange(school_id=school_id, kind="move", lesson_id=lesson.id, class_id=lesson.class_id,
                          subgroup_id=lesson.subgroup_id, subject_id=lesson.subject_id, teacher_id=lesson.teacher_id,
                          date=lesson.date, number=lesson.number, new_date=new_date, new_number=new_number,
                          new_room=room.strip(), reason=reason.strip(), created_by=actor_id)
    lesson.date, lesson.number = new_date, new_number
    return _record(session, change, actor_id)


def cancel(session: Session, school_id: int, lesson: Lesson, reason: str, actor_id: int | None = None) -> LessonChange:
    """Cancel a lesson that was not held: it leaves the journal, the record stays for families and reports."""
    if not reason.strip():
        raise _fail("reason", N_("Give the reason for cancelling the lesson."))
    records = lessons_with_records(session, select(Lesson.id).where(Lesson.id == lesson.id)).get(lesson.id, set())
    if topic_is_teachers(lesson, date.today(), _plan_topics(session, [lesson.class_id])):
        records.add(N_("a topic"))
    if records:
        raise _fail("held", N_("The lesson already has %(what)s: it was held and cannot be cancelled."), 409,
                    what=tuple(sorted(records)))
    change = _record(session, LessonChange(
        school_id=school_id, kind="cancel", lesson_id=None, class_id=lesson.class_id, subgroup_id=lesson.subgroup_id,
        subject_id=lesson.subject_id, teacher_id=lesson.teacher_id, date=lesson.date, number=lesson.number,
        reason=reason.strip(), created_by=actor_id), actor_id)
    session.execute(update(LessonChange).where(LessonChange.lesson_id == lesson.id).values(lesson_id=None))
    session.delete(lesson)
    session.flush()
    return change


def revoke(session: Session, change: LessonChange, actor_id: int | None = None) -> None:
    """Undo a change: the teacher, the day or the lesson itself come back."""
    if change.revoked_at is not None:
        return
    lesson = session.get(Lesson, change.lesson_id) if change.lesson_id else None
    if change.kind == "substitution" and lesson is not None:
        lesson.teacher_id = change.teacher_id
    elif change.kind == "move" and lesson is not None:
        problems = _lesson_clashes(session, change.school_id, lesson, change.date, change.number, lesson.teacher_id,
                                   Names(session, change.school_id))
        if problems:
            raise TimetableError(problems, 409)
        lesson.date, lesson.number = change.date, change.number
    elif change.kind == "cancel":
        exists = session.scalar(select(Lesson.id).where(
            Lesson.class_id == change.class_id, Lesson.subject_id == change.subject_id, Lesson.date == change.date,
            Lesson.number == change.number, Lesson.subgroup_id.is_(None) if change.subgroup_id is None
            else Lesson.subgroup_id == change.subgroup_id))
        if exists is None:
            session.add(Lesson(school_id=change.school_id, class_id=change.class_id, subgroup_id=change.subgroup_id,
                               subject_id=change.subject_id, teacher_id=change.teacher_id, date=change.date,
                               number=change.number, topic="", summary=""))
    change.revoked_at, change.revoked_by = utcnow(), actor_id
    session.flush()
    audit(session, school_id=change.school_id, action="timetable.change.revoke", object_type="timetable.lesson_change",
          object_id=change.id, actor_id=actor_id, old={"kind": change.kind, "revoked": False}, new={"revoked": True})


def editors_of(session: Session, lesson_id: int) -> list[int]:
    """Who may fill a lesson's journal besides ``Lesson.teacher_id``: the substitute and the regular teacher."""
    out: list[int] = []
    for teacher_id, new_teacher_id in session.execute(select(LessonChange.teacher_id, LessonChange.new_teacher_id).where(
            LessonChange.lesson_id == lesson_id, LessonChange.kind == "substitution",
            LessonChange.revoked_at.is_(None))):
        out += [new_teacher_id, teacher_id]
    return list(dict.fromkeys(i for i in out if i is not None))


@dataclass(frozen=True)
class ChangeInfo:
    """A change as families and the diary see it."""

    id: int
    kind: str  # substitution | move | cancel
    lesson_id: int | None
    class_id: int
    class_name: str
    subgroup_id: int | None
    subgroup: str | None
    subject_id: int
    subject: str
    date: date
    number: int
    teacher_id: int
    teacher: str
    new_teacher_id: int | None
    new_teacher: str | None
    new_date: date | None
    new_number: int | None
    new_room: str
    reason: str
    created_at: datetime
    created_by: str | None


def _infos(session: Session, school_id: int, changes: list[LessonChange]) -> list[ChangeInfo]:
    names = Names(session, school_id)
    names.people([c.teacher_id for c in changes] + [c.new_teacher_id for c in changes] + [c.created_by for c in changes])
    return [ChangeInfo(
        c.id, c.kind, c.lesson_id, c.class_id, names.classes.get(c.class_id, ""), c.subgroup_id, names.subgroups.get(c.subgroup_id) if c.subgroup_id else None,
        c.subject_id, names.subjects.get(c.subject_id, ""), c.date, c.number, c.teacher_id, names.person(c.teacher_id),
        c.new_teacher_id, names.person(c.new_teacher_id) or None, c.new_date, c.new_number, c.new_room, c.reason,
        c.created_at, names.person(c.created_by) or None) for c in changes]


def changes_for(session: Session, class_id: int, start: date, end: date) -> list[ChangeInfo]:
    """Active substitutions, moves and cancellations of a class's lessons between two dates (inclusive).

    A change is listed when its original date or, for a move, its new date falls in the range: the
    families' diary shows «замена», «перенос» and «отмена» on the days they concern.
    """
    school_id = session.scalar(select(SchoolClass.school_id).where(SchoolClass.id == class_id))
    if school_id is None:
        return []
    changes = list(session.scalars(select(LessonChange).where(
        LessonChange.class_id == class_id, LessonChange.revoked_at.is_(None),
        or_(LessonChange.date.between(start, end), LessonChange.new_date.between(start, end)),
    ).order_by(LessonChange.date, LessonChange.number, LessonChange.id)))
    return _infos(session, school_id, changes)


def substitutions_of_teacher(session: Session, school_id: int, teacher_id: int, start: date, end: date) -> list[ChangeInfo]:
    """Lessons this teacher gives instead of a colleague between two dates."""
    changes = list(session.scalars(select(LessonChange).where(
        LessonChange.school_id == school_id, LessonChange.new_teacher_id == teacher_id,
        LessonChange.kind == "substitution", LessonChange.revoked_at.is_(None), LessonChange.date.between(start, end),
    ).order_by(LessonChange.date, LessonChange.number)))
    return _infos(session, school_id, changes)


def recent_changes(session: Session, school_id: int, start: date, end: date) -> list[ChangeInfo]:
    changes = list(session.scalars(select(LessonChange).where(
        LessonChange.school_id == school_id,
        or_(LessonChange.date.between(start, end), LessonChange.new_date.between(start, end)),
    ).where(LessonChange.revoked_at.is_(None)).order_by(LessonChange.date, LessonChange.number)))
    return _infos(session, school_id, changes)


# --- a day as families and staff see it -----------------------------------------------------------

@dataclass
class Slot:
    number: int
    starts_at: time | None
    ends_at: time | None
    class_id: int
    class_name: str
    subject_id: int
    subject: str
    subgroup_id: int | None
    subgroup: str | None
    teacher_id: int
    teacher: str
    room: str = ""
    lesson_id: int | None = None
    # None, "substitution", "moved_in" (moved here), "moved_out" (moved away), "cancel"
    change: str | None = None
    change_info: ChangeInfo | None = None
    assessment: str | None = None


@dataclass
class Day:
    date: date
    holiday: str | None
    slots: list[Slot]


def _student_subgroups(session: Session, student_id: int | None) -> set[int] | None:
    if student_id is None:
        return None
    return set(session.scalars(select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student_id)))


def _build_days(session: Session, school_id: int, start: date, days: int, *, class_id: int | None = None,
                teacher_id: int | None = None, student_id: int | None = None) -> list[Day]:
    end = start + timedelta(days=days - 1)
    names = Names(session, school_id)
    lesson_q = select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.teacher_id, Lesson.date,
                      Lesson.number).where(Lesson.school_id == school_id, Lesson.date.between(start, end))
    change_q = select(LessonChange).where(LessonChange.school_id == school_id, LessonChange.revoked_at.is_(None),
                                          or_(LessonChange.date.between(start, end),
                                              LessonChange.new_date.between(start, end)))
    if class_id is not None:
        lesson_q = lesson_q.where(Lesson.class_id == class_id)
        change_q = change_q.where(LessonChange.class_id == class_id)
    if teacher_id is not None:
        lesson_q = lesson_q.where(Lesson.teacher_id == teacher_id)
        change_q = change_q.where(or_(LessonChange.teacher_id == teacher_id, LessonChange.new_teacher_id == teacher_id))
    lessons = session.execute(lesson_q).all()
    changes = list(session.scalars(change_q))
    infos = {i.id: i for i in _infos(session, school_id, changes)}
    by_lesson: dict[int, list[LessonChange]] = defaultdict(list)
    for c in changes:
        if c.lesson_id:
            by_lesson[c.lesson_id].append(c)
    holidays = holidays_between(session, school_id, start, end)
    versions = versions_between(session, school_id, start, end)
    entry_q = select(TimetableEntry).where(TimetableEntry.version_id.in_([v.id for v in versions] or [-1]))
    if class_id is not None:
        entry_q = entry_q.where(TimetableEntry.class_id == class_id)
    if teacher_id is not None:
        entry_q = entry_q.where(TimetableEntry.teacher_id == teacher_id)
    entries = list(session.scalars(entry_q))
    rooms = {(e.version_id, e.class_id, e.subgroup_id, e.subject_id, e.weekday, e.number): e.room for e in entries}
    class_ids = {r.class_id for r in lessons} | {c.class_id for c in changes} | {e.class_id for e in entries}
    bells = bells_of_classes(session, school_id, class_ids)
    assessments: dict[tuple[int, date, int], str] = {}
    if class_ids:
        for a in session.scalars(select(Assessment).where(Assessment.class_id.in_(class_ids),
                                                          Assessment.date.between(start, end))):
            assessments[(a.class_id, a.date, a.subject_id)] = a.title or a.kind
    lesson_days_with_rows = {(r.class_id, r.date) for r in lessons}
    names.people([r.teacher_id for r in lessons] + [e.teacher_id for e in entries])
    allowed = _student_subgroups(session, student_id)

    def slot(class_id_: int, subgroup_id: int | None, subject_id: int, teacher: int, day: date, number: int, **kw: Any) -> Slot:
        version = next((v for v in versions if v.valid_from <= day <= v.valid_to), None)
        room = rooms.get((version.id if version else -1, class_id_, subgroup_id, subject_id, day.weekday(), number), "")
        start_end = bells.get(class_id_, {}).get(number, (None, None))
        return Slot(number, start_end[0], start_end[1], class_id_, names.classes.get(class_id_, ""), subject_id,
                    names.subjects.get(subject_id, ""), subgroup_id, names.subgroups.get(subgroup_id) if subgroup_id else None,
                    teacher, names.person(teacher), kw.pop("room", None) or room,
                    assessment=assessments.get((class_id_, day, subject_id)), **kw)

    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        holiday = next((h.title for h in holidays if h.starts_on <= day <= h.ends_on), None)
        slots: list[Slot] = []
        for r in lessons:
            if r.date != day:
                continue
            change = None
            info = None
            for c in by_lesson.get(r.id, []):
                if c.kind == "move" and c.new_date == day and c.new_number == r.number:
                    change, info = "moved_in", infos[c.id]
                elif c.kind == "substitution" and change is None:
                    change, info = "substitution", infos[c.id]
            room = info.new_room if info is not None and info.kind == "move" else ""
            slots.append(slot(r.class_id, r.subgroup_id, r.subject_id, r.teacher_id, day, r.number, lesson_id=r.id,
                              change=change, change_info=info, room=room))
        for c in changes:
            if c.date == day and c.kind in ("cancel", "move"):
                slots.append(slot(c.class_id, c.subgroup_id, c.subject_id, c.teacher_id, day, c.number,
                                  change="cancel" if c.kind == "cancel" else "moved_out", change_info=infos[c.id]))
        if holiday is None and day.weekday() < 6:
            version = next((v for v in versions if v.valid_from <= day <= v.valid_to), None)
            # Before the lessons are generated, the timetable itself tells the day.
            for e in entries:
                if version and e.version_id == version.id and e.weekday == day.weekday() \
                        and (e.class_id, day) not in lesson_days_with_rows and not any(
                            c.date == day and c.class_id == e.class_id for c in changes):
                    if teacher_id is not None and any(r.date == day for r in lessons):
                        continue
                    slots.append(slot(e.class_id, e.subgroup_id, e.subject_id, e.teacher_id, day, e.number))
        if allowed is not None:
            slots = [s for s in slots if s.subgroup_id is None or s.subgroup_id in allowed]
        slots.sort(key=lambda s: (s.number, s.class_name, s.subject, s.subgroup or ""))
        out.append(Day(day, holiday, slots))
    return out


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def class_week(session: Session, school_id: int, class_id: int, monday: date, days: int = 5,
               student_id: int | None = None) -> list[Day]:
    """A class's week with bell times, rooms, changes and planned tests (a student's subgroups only)."""
    return _build_days(session, school_id, monday, days, class_id=class_id, student_id=student_id)


def teacher_week(session: Session, school_id: int, teacher_id: int, monday: date, days: int = 5) -> list[Day]:
    return _build_days(session, school_id, monday, days, teacher_id=teacher_id)


def day_schedule(session: Session, class_id: int, day: date, student_id: int | None = None) -> list[Slot]:
    """One day of a class for the diary: lesson number, bell times, subject, teacher, room, and the change
    (substitution, moved in or out, cancelled) with its details. Empty on a holiday."""
    school_id = session.scalar(select(SchoolClass.school_id).where(SchoolClass.id == class_id))
    if school_id is None:
        return []
    return _build_days(session, school_id, day, 1, class_id=class_id, student_id=student_id)[0].slots


def calendar_of_year(session: Session, year_id: int) -> tuple[list[Any], list[Holiday]]:
    """Terms and holidays of a year, for the families' page."""
    from core.api import terms_of_year

    holidays = list(session.scalars(select(Holiday).where(Holiday.year_id == year_id).order_by(Holiday.starts_on)))
    return terms_of_year(session, year_id), holidays


def class_teachers_list(session: Session, class_id: int) -> list[tuple[str, str, str | None]]:
    """(subject, teacher's full name, subgroup) of everyone teaching the class: «педагоги, работающие с классом»."""
    rows = session.execute(select(Subject.name, User.last_name, User.first_name, User.middle_name, Subgroup.name)
                           .select_from(TeachingAssignment)
                           .join(Subject, Subject.id == TeachingAssignment.subject_id)
                           .join(User, User.id == TeachingAssignment.teacher_id)
                           .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
                           .where(TeachingAssignment.class_id == class_id)
                           .order_by(Subject.name, Subgroup.name)).all()
    return [(r[0], " ".join(p for p in (r[1], r[2], r[3]) if p), r[4]) for r in rows]


def lesson_count(session: Session, school_id: int) -> int:
    return session.scalar(select(func.count(Lesson.id)).where(Lesson.school_id == school_id)) or 0
