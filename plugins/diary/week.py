"""A family's week in one SQL statement.

The diary week is the page families open most, so it is loaded with a single ``UNION ALL`` of
uniformly shaped rows (who the student is, the guardian's children, the class, the week's lessons with
homework, marks, attendance, files, remarks, the acknowledgement, holidays and the term), whatever the
size of the school. With the signed-in user (two statements by the core) and the timetable's bells the
page costs four statements (the visit log writes once a day, ``visits.py``);
``tests/plugins/diary/test_week.py`` counts them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    Holiday,
    SchoolClass,
    SubgroupMember,
    Subject,
    Term,
    User,
    UTCDateTime,
    read_rows,
)
from plugins.attendance.public import AttendanceMark
from plugins.diary.access import StudentInfo, Viewer, accessible, relation_of
from plugins.diary.models import Acknowledgement, Remark
from plugins.gradebook.public import Homework, HomeworkFile, Lesson, Mark


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class WeekMark:
    id: int
    value: str
    work_type: str
    work_type_title: str
    comment: str


@dataclass
class WeekFile:
    id: int
    filename: str
    size: int


@dataclass
class WeekLesson:
    id: int
    date: date
    number: int
    subject: str
    teacher: str
    topic: str
    homework: str | None
    homework_due: date | None
    control_work: str | None
    marks: list[WeekMark] = field(default_factory=list)
    files: list[WeekFile] = field(default_factory=list)
    attendance: str | None = None
    attendance_title: str | None = None
    attendance_kind: str | None = None
    minutes_late: int | None = None
    time: str | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class WeekRemark:
    id: int
    kind: str
    text: str
    author: str
    subject: str | None
    day: date
    acknowledged: bool


@dataclass
class WeekDay:
    date: date
    is_today: bool
    holiday: str | None = None
    lessons: list[WeekLesson] = field(default_factory=list)
    remarks: list[WeekRemark] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # timetable changes not tied to a listed lesson

    @property
    def marks(self) -> list[WeekMark]:
        return [m for lesson in self.lessons for m in lesson.marks]


@dataclass
class DiaryWeek:
    student: StudentInfo
    children: list[tuple[int, str]]
    week_start: date
    week_end: date
    days: list[WeekDay]
    term: str | None
    acknowledged_at: datetime | None
    class_id: int | None
    subgroup_ids: frozenset[int] = frozenset()  # the student's subgroups (the timetable's changes need them)

    @property
    def prev_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)

    @property
    def mark_count(self) -> int:
        return sum(len(d.marks) for d in self.days)


# Every branch of the union has these columns, in this order, with these types (typed NULLs fill the
# gaps: PostgreSQL needs one type per column across branches).
_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("id", Integer()), ("ref", Integer()), ("d", Date()), ("d2", Date()), ("n1", Integer()), ("n2", Integer()),
    ("x", Float()), ("t1", Text()), ("t2", Text()), ("t3", Text()), ("t4", Text()), ("t5", Text()),
    ("t6", Text()), ("t7", Text()), ("ts", UTCDateTime()),
)


def _row(kind: str, **values: Any) -> list[Any]:
    columns = [literal_column(f"'{kind}'", String()).label("k")]
    for name, type_ in _COLUMNS:
        value = values.pop(name, None)
        columns.append((value if value is not None else cast(null(), type_)).label(name))
    if values:
        raise TypeError(f"unknown columns {sorted(values)}")
    return columns


def _student_expr(viewer: Viewer, default: bool) -> ColumnElement[int] | None:
    if not default:
        return bindparam("student_id", type_=Integer())
    if viewer.is_guardian:  # the first child in the switch's order
        return (select(GuardianLink.student_id).join(User, User.id == GuardianLink.student_id)
                .where(GuardianLink.guardian_id == bindparam("viewer_id", type_=Integer()))
                .order_by(User.last_name, User.first_name, User.id).limit(1).scalar_subquery())
    if viewer.is_student:
        return bindparam("viewer_id", type_=Integer())
    return None


# Built once per shape of viewer (student, guardian, class teacher of which classes, administration) and
# executed with parameters: building a statement of this size costs more than running it.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def week_statement(viewer: Viewer, default_student: bool) -> Any:
    """The single SELECT of a week, with parameters ``viewer_id``, ``school_id``, ``student_id``, ``mon``
    and ``sun`` (see ``week_params``)."""
    key = (viewer.is_student, viewer.is_guardian, viewer.led_classes, viewer.school_wide, default_student)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _build_statement(viewer, default_student)
    return _STATEMENTS[key]


def week_params(viewer: Viewer, student_id: int | None, week_start: date) -> dict[str, Any]:
    return {"viewer_id": viewer.id, "school_id": viewer.school_id, "student_id": student_id, "mon": week_start,
            "sun": week_start + timedelta(days=6)}


def _build_statement(viewer: Viewer, default_student: bool) -> Any:
    s = _student_expr(viewer, default_student)
    if s is None:
        return None
    me = bindparam("viewer_id", type_=Integer())
    school = bindparam("school_id", type_=Integer())
    mon, sun = bindparam("mon", type_=Date()), bindparam("sun", type_=Date())
    teacher = aliased(User)
    author = aliased(User)

    wl = (
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.subject_id, Lesson.teacher_id, Lesson.topic,
               Lesson.control_work_type)
        .join(ClassMembership, and_(ClassMembership.class_id == Lesson.class_id, ClassMembership.student_id == s,
                                    ClassMembership.active_on(Lesson.date)))
        .where(Lesson.school_id == school, Lesson.date >= mon, Lesson.date <= sun,
               or_(Lesson.subgroup_id.is_(None),
                   Lesson.subgroup_id.in_(select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == s))))
        .cte("wl")
    )
    is_child = (case((s.in_(select(GuardianLink.student_id).where(GuardianLink.guardian_id == me)), 1),
                     else_=0) if viewer.is_guardian else literal_column("0", Integer()))
    branches = [
        select(*_row("student", id=User.id, n1=is_child, t1=User.last_name, t2=User.first_name,
                     t3=User.middle_name))
        .where(User.id == s, User.school_id == school, accessible(viewer, s, viewer_id=me, school_id=school)),
        select(*_row("member", id=SchoolClass.id, d=ClassMembership.starts_on, d2=ClassMembership.ends_on,
                     n1=SchoolClass.grade_level, t1=SchoolClass.letter))
        .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
        .where(ClassMembership.student_id == s, ClassMembership.active_between(mon, sun)),
        select(*_row("lesson", id=wl.c.id, d=wl.c.date, n1=wl.c.number, t1=Subject.name, t2=teacher.last_name,
                     t3=teacher.first_name, t4=teacher.middle_name, t5=wl.c.topic, t6=Homework.text,
                     t7=wl.c.control_work_type, d2=Homework.due_date))
        .select_from(wl)
        .join(Subject, Subject.id == wl.c.subject_id)
        .join(teacher, teacher.id == wl.c.teacher_id)
        .outerjoin(Homework, Homework.lesson_id == wl.c.id),
        select(*_row("mark", id=Mark.id, ref=Mark.lesson_id, t1=Mark.value, t2=Mark.work_type, t3=Mark.comment,
                     ts=Mark.created_at))
        .join(wl, wl.c.id == Mark.lesson_id).where(Mark.student_id == s),
        select(*_row("absence", id=AttendanceMark.id, ref=AttendanceMark.lesson_id, t1=AttendanceMark.code,
                     n1=AttendanceMark.minutes_late, t2=AttendanceMark.reason))
        .join(wl, wl.c.id == AttendanceMark.lesson_id).where(AttendanceMark.student_id == s),
        select(*_row("file", id=HomeworkFile.id, ref=Homework.lesson_id, t1=HomeworkFile.filename,
                     n1=HomeworkFile.size))
        .join(Homework, Homework.id == HomeworkFile.homework_id).join(wl, wl.c.id == Homework.lesson_id),
        select(*_row("remark", id=Remark.id, d=Remark.day, n1=Acknowledgement.id, t1=Remark.kind, t2=Remark.text,
                     t3=author.last_name, t4=author.first_name, t5=author.middle_name, t6=Subject.name,
                     ts=Remark.created_at))
        .join(author, author.id == Remark.author_id)
        .outerjoin(Subject, Subject.id == Remark.subject_id)
        .outerjoin(Acknowledgement, and_(Acknowledgement.remark_id == Remark.id,
                                         Acknowledgement.guardian_id == me))
        .where(Remark.student_id == s, Remark.day >= mon, Remark.day <= sun),
        select(*_row("ack", id=Acknowledgement.id, ts=Acknowledgement.created_at))
        .where(Acknowledgement.guardian_id == me, Acknowledgement.student_id == s,
               Acknowledgement.week_start == mon),
        select(*_row("holiday", id=Holiday.id, d=Holiday.starts_on, d2=Holiday.ends_on, t1=Holiday.title))
        .where(Holiday.school_id == school, Holiday.starts_on <= sun, Holiday.ends_on >= mon),
        select(*_row("term", id=Term.id, d=Term.starts_on, d2=Term.ends_on, t1=Term.title))
        .where(Term.school_id == school, Term.starts_on <= sun, Term.ends_on >= mon),
    ]
    branches.append(select(*_row("subgroup", id=SubgroupMember.subgroup_id)).where(SubgroupMember.student_id == s))
    if viewer.is_guardian:
        branches.append(
            select(*_row("child", id=User.id, t1=User.last_name, t2=User.first_name))
            .join(GuardianLink, GuardianLink.student_id == User.id)
            .where(GuardianLink.guardian_id == me))
    return union_all(*branches)


def _short(last: str | None, first: str | None, middle: str | None) -> str:
    initials = "".join(f" {p[0]}." for p in (first, middle) if p)
    return f"{last or ''}{initials}"


def load_week(session: Session, viewer: Viewer, student_id: int | None, week_start: date, today: date, *,
              school_days: int, work_types: Mapping[str, str], attendance_codes: Mapping[str, tuple[str, str]]
              ) -> DiaryWeek | None:
    """The student's week if the viewer may see it, else None (the caller answers 404).

    :param work_types: work type code -> title (the gradebook's settings).
    :param attendance_codes: attendance code -> (title, kind) (the attendance settings).
    """
    statement = week_statement(viewer, student_id is None)
    if statement is None:
        return None
    rows = read_rows(session, statement, week_params(viewer, student_id, week_start)).all()
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_kind[row.k].append(row)
    if not by_kind["student"]:
        return None
    me = by_kind["student"][0]
    mon, sun = week_start, week_start + timedelta(days=6)

    members = sorted(by_kind["member"], key=lambda r: r.d)
    current = next((r for r in members if r.d <= mon and (r.d2 is None or r.d2 >= mon)), None) or \
        (members[-1] if members else None)
    student = StudentInfo(me.id, me.t1, me.t2, me.t3 or "", current.id if current else None,
                          f"{current.n1}{current.t1}" if current else None, relation_of(viewer, me.id, bool(me.n1)))

    lessons: dict[int, WeekLesson] = {}
    for r in sorted(by_kind["lesson"], key=lambda r: (r.d, r.n1, r.t1)):
        lessons[r.id] = WeekLesson(
            id=r.id, date=r.d, number=r.n1, subject=r.t1, teacher=_short(r.t2, r.t3, r.t4), topic=r.t5 or "",
            homework=r.t6 or None, homework_due=r.d2, control_work=work_types.get(r.t7, r.t7) if r.t7 else None)
    for r in sorted(by_kind["mark"], key=lambda r: (r.ts or datetime.min, r.id)):
        if r.ref in lessons:
            lessons[r.ref].marks.append(WeekMark(r.id, r.t1, r.t2, work_types.get(r.t2, r.t2), r.t3 or ""))
    for r in by_kind["absence"]:
        if r.ref in lessons:
            title, kind = attendance_codes.get(r.t1, (r.t1, "absent"))
            lesson = lessons[r.ref]
            lesson.attendance, lesson.attendance_title, lesson.attendance_kind = r.t1, title, kind
            lesson.minutes_late = r.n1
    for r in sorted(by_kind["file"], key=lambda r: (r.t1, r.id)):
        if r.ref in lessons:
            lessons[r.ref].files.append(WeekFile(r.id, r.t1, r.n1 or 0))

    holidays = by_kind["holiday"]
    last_day = mon + timedelta(days=school_days - 1)
    lesson_days = {lesson.date for lesson in lessons.values()}
    days: list[WeekDay] = []
    day = mon
    while day <= sun:
        if day <= last_day or day in lesson_days:
            holiday = next((h.t1 for h in holidays if h.d <= day <= h.d2), None)
            days.append(WeekDay(date=day, is_today=day == today, holiday=holiday))
        day += timedelta(days=1)
    by_date = {d.date: d for d in days}
    for lesson in lessons.values():
        by_date[lesson.date].lessons.append(lesson)
    for r in sorted(by_kind["remark"], key=lambda r: (r.d, r.ts or datetime.min)):
        target = by_date.get(r.d) or days[-1]
        target.remarks.append(WeekRemark(r.id, r.t1, r.t2, _short(r.t3, r.t4, r.t5), r.t6, r.d, r.n1 is not None))

    term = next((t.t1 for t in sorted(by_kind["term"], key=lambda t: t.d)), None)
    ack = by_kind["ack"][0].ts if by_kind["ack"] else None
    kids = sorted(((c.id, f"{c.t1} {c.t2}") for c in by_kind["child"]), key=lambda c: (c[1], c[0]))
    return DiaryWeek(student=student, children=kids, week_start=mon, week_end=sun, days=days, term=term,
                     acknowledged_at=ack, class_id=student.class_id,
                     subgroup_ids=frozenset(r.id for r in by_kind["subgroup"]))


def apply_timetable(week: DiaryWeek, timetable: Mapping[str, Any] | None) -> None:
    """Merge what the timetable plugin said (bell times, changes) into the week."""
    if not timetable:
        return
    bells = timetable.get("bells") or {}
    for day in week.days:
        for lesson in day.lessons:
            times = bells.get(lesson.number)
            if times:
                lesson.time = f"{times[0]}–{times[1]}"
    by_date = {d.date: d for d in week.days}
    for change in timetable.get("changes") or []:
        day = by_date.get(change.get("date"))
        if day is None:
            continue
        lesson = next((x for x in day.lessons if x.number == change.get("number")), None)
        (lesson.changes if lesson else day.changes).append(str(change.get("text", "")))
