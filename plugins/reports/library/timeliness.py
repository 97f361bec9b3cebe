"""Своевременность заполнения журнала: lessons whose topic, homework, attendance or marks were not entered
within N days, teacher by teacher, as the deputy controls it, each linking to the page where it is fixed."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import User, school_today, school_zone, utcnow
from plugins.attendance.public import LessonRollCall
from plugins.gradebook.public import Homework, Lesson, Mark
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.params import ReportParams, class_field, date_field, int_field, teacher_field
from plugins.reports.registry import ReportDefinition, user_scope
from plugins.reports.result import (
    DATE,
    INT,
    PERCENT,
    TEXT,
    Chart,
    Column,
    Figure,
    Link,
    ReportResult,
    Row,
    Series,
    Table,
)

ITEM_TITLES = {"topic": _l("Topic"), "homework": _l("Homework"), "attendance": _l("Attendance"),
               "marks": _l("Marks")}
STATUS_TEXT = {figures.LATE: _l("entered late"), figures.MISSING: _l("not filled in")}


class TimelinessParams(ReportParams):
    class_id = class_field()
    teacher_id = teacher_field()
    start = date_field(_l("Period from"), days_ago=13)
    end = date_field(_l("Period to"), days_ago=0)
    days = int_field(_l("Due within days"), minimum=0, maximum=30, setting="timeliness_days")


def _filtered(query: Any, school_id: int, start: Any, end: Any, class_id: int | None,
              teacher_id: int | None) -> Any:
    query = query.where(Lesson.school_id == school_id, Lesson.date >= start, Lesson.date <= end)
    if class_id is not None:
        query = query.where(Lesson.class_id == class_id)
    if teacher_id is not None:
        query = query.where(Lesson.teacher_id == teacher_id)
    return query


def lesson_statuses(session: Session, school_id: int, start: Any, end: Any, days: int, items: list[str], *,
                    class_id: int | None = None, teacher_id: int | None = None, now: Any = None,
                    allowed: Any = None) -> list[tuple[Any, dict[str, str]]]:
    """Each held lesson of the range with the status of each checked item (four queries in all)."""
    now = now or utcnow()
    zone = school_zone(school_id, session=session)
    lessons = session.execute(_filtered(
        select(Lesson.id, Lesson.class_id, Lesson.subject_id, Lesson.teacher_id, Lesson.date, Lesson.topic,
               Lesson.topic_entered_at).order_by(Lesson.date, Lesson.number, Lesson.id),
        school_id, start, end, class_id, teacher_id)).all()
    homework = dict(session.execute(_filtered(
        select(Homework.lesson_id, Homework.created_at).join(Lesson, Lesson.id == Homework.lesson_id),
        school_id, start, end, class_id, teacher_id)).all())
    roll_calls = dict(session.execute(_filtered(
        select(LessonRollCall.lesson_id, LessonRollCall.taken_at).join(Lesson, Lesson.id == LessonRollCall.lesson_id),
        school_id, start, end, class_id, teacher_id)).all())
    first_marks = dict(session.execute(_filtered(
        select(Mark.lesson_id, func.min(Mark.created_at)).join(Lesson, Lesson.id == Mark.lesson_id)
        .group_by(Mark.lesson_id), school_id, start, end, class_id, teacher_id)).all())
    out = []
    for lesson in lessons:
        if allowed is not None and lesson.subject_id not in allowed:
            continue
        deadline = figures.entry_deadline(lesson.date, days, zone)
        entries = {
            "topic": (bool(lesson.topic.strip()), lesson.topic_entered_at),
            "homework": (lesson.id in homework, homework.get(lesson.id)),
            "attendance": (lesson.id in roll_calls, roll_calls.get(lesson.id)),
            "marks": (lesson.id in first_marks, _aware(first_marks.get(lesson.id))),
        }
        statuses = {item: figures.entry_status(*entries[item], deadline, now) for item in items}
        if all(s == figures.PENDING for s in statuses.values()):
            continue  # not due yet
        out.append((lesson, statuses))
    return out


def _aware(value: Any) -> Any:
    """func.min() returns the raw column value: SQLite gives a naive UTC time (or a string)."""
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    settings = common.reports_settings()
    items = list(settings["timeliness_items"])
    today = school_today(school_id, session=session)
    start, end, days = values["start"], min(values["end"], today), values["days"]
    class_id = values.get("class_id")
    allowed = scope.subjects_in(class_id) if class_id else None
    judged = lesson_statuses(session, school_id, start, end, days, items, class_id=class_id,
                             teacher_id=values.get("teacher_id"), allowed=allowed)
    infos = {c.id: c for c in data.classes(session, school_id, [class_id] if class_id else None)}
    subjects = data.subjects(session, school_id)
    people = data.user_names(session, {lesson.teacher_id for lesson, _s in judged})
    terms = data.terms_of_current_year(session, school_id)

    def term_of(day: Any) -> int | None:
        return next((t.id for t in terms if t.starts_on <= day <= t.ends_on), None)

    columns = [Column("date", _("Date"), DATE, width=11), Column("class", _("Class"), TEXT, width=7),
               Column("subject", _("Subject"), TEXT, width=20), Column("teacher", _("Teacher"), TEXT, width=20)]
    columns += [Column(item, str(ITEM_TITLES[item]), TEXT, width=13) for item in items]
    rows = []
    per_teacher: dict[int, Counter[str]] = defaultdict(Counter)
    per_item: dict[str, Counter[str]] = {item: Counter() for item in items}
    for lesson, statuses in judged:
        counter = per_teacher[lesson.teacher_id]
        counter["lessons"] += 1
        problems = {i: s for i, s in statuses.items() if s in (figures.LATE, figures.MISSING)}
        for item, status in statuses.items():
            per_item[item][status] += 1
            if status in (figures.LATE, figures.MISSING):
                counter[f"{item}_{status}"] += 1
        if not problems:
            counter["on_time"] += 1
            continue
        info = infos.get(lesson.class_id)
        row = Row({"date": lesson.date, "class": info.name if info else "", "subject": subjects[lesson.subject_id].name,
                   "teacher": people.get(lesson.teacher_id, "")})
        journal = common.journal_link(lesson.class_id, lesson.subject_id, term_of(lesson.date))
        for item in items:
            status = problems.get(item)
            row.values[item] = str(STATUS_TEXT[status]) if status else ""
            if status:
                row.styles[item] = "bad" if status == figures.MISSING else "warn"
                row.links[item] = Link("roll_call", {"lesson_id": lesson.id}) if item == "attendance" else journal
        rows.append(row)

    teacher_columns = [Column("teacher", _("Teacher"), TEXT, width=24), Column("lessons", _("Lessons"), INT, width=8),
                       Column("problems", _("With gaps"), INT, width=9)]
    for item in items:
        teacher_columns += [Column(f"{item}_late", _("%(item)s: entered late", item=ITEM_TITLES[item]), INT, width=10),
                            Column(f"{item}_missing", _("%(item)s: not filled in", item=ITEM_TITLES[item]), INT, width=10)]
    teacher_columns.append(Column("on_time", _("On time, %"), PERCENT, 1, width=9))
    teacher_rows = []
    for teacher_id, c in per_teacher.items():
        row = Row({"teacher": people.get(teacher_id, ""), "lessons": c["lessons"],
                   "problems": c["lessons"] - c["on_time"], "on_time": figures.percent(c["on_time"], c["lessons"])})
        for item in items:
            row.values[f"{item}_late"] = c[f"{item}_late"]
            row.values[f"{item}_missing"] = c[f"{item}_missing"]
        if row.values["problems"]:
            row.styles["problems"] = "warn"
        teacher_rows.append(row)
    teacher_rows.sort(key=lambda r: (r.values["on_time"] if r.values["on_time"] is not None else 100,
                                     r.values["teacher"]))
    lessons_total = len(judged)
    on_time = sum(c["on_time"] for c in per_teacher.values())
    summary = [Figure("lessons", _("Lessons checked"), lessons_total, INT),
               Figure("problems", _("Lessons with gaps"), lessons_total - on_time, INT),
               Figure("on_time", _("Filled in on time, %"), figures.percent(on_time, lessons_total), PERCENT)]
    chart = Chart("by_item", "stacked", _("Gaps by kind"), [str(ITEM_TITLES[i]) for i in items],
                  [Series(_("entered late"), [float(per_item[i][figures.LATE]) for i in items]),
                   Series(_("not filled in"), [float(per_item[i][figures.MISSING]) for i in items])], unit=_("lessons"))
    where = infos[class_id].name if class_id else _("whole school")
    return ReportResult(
        title=_("Journal timeliness"),
        subtitle=_("%(where)s, %(period)s: due within %(days)s days of the lesson", where=where,
                   period=common.period_text(start, end), days=days),
        tables=[Table("teachers", _("By teacher"), teacher_columns, teacher_rows,
                      empty_text=_("No lessons in this period.")),
                Table("lessons", _("Lessons with gaps"), columns, rows,
                      empty_text=_("Every lesson was filled in on time."))],
        summary=summary, charts=[chart],
        notes=[_("A lesson is checked once its deadline has passed; an entry made later is \"entered late\", one "
                 "still missing is \"not filled in\". Each gap links to the page where it is fixed.")])


DEFINITION = ReportDefinition(
    key="journal_timeliness", title=_l("Journal timeliness"), run=run, params=TimelinessParams,
    category="control", weight=60,
    description=_l("Lessons whose topic, homework, attendance or marks were not entered within N days, by "
                   "teacher; each gap links to where it is fixed."))
