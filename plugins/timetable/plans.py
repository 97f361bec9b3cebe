"""The calendar-thematic plan (КТП): gradebook's ``LessonPlanItem`` rows typed or imported by the teacher,
flowing into lesson topics by position, and how far each class is behind its plan."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from core.toolkit import N_, school_today
from plugins.gradebook.public import Lesson, LessonPlanItem
from plugins.timetable.models import LessonChange
from plugins.timetable.naming import Names
from plugins.timetable.refusals import Problem, TimetableError

MAX_TOPIC = 500


@dataclass(frozen=True)
class PlanLine:
    topic: str
    hours: int = 1


def parse_text(text: str) -> list[PlanLine]:
    """One topic a line; «Тема; 2» or «Тема<TAB>2» gives it two lessons; a leading «12.» is dropped."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        hours = 1
        for sep in ("\t", ";"):
            if sep in line:
                head, _, tail = line.rpartition(sep)
                if tail.strip().isdigit() and head.strip():
                    line, hours = head.strip(), int(tail.strip())
                break
        line = _strip_number(line)
        if line:
            lines.append(PlanLine(line[:MAX_TOPIC], max(1, min(hours, 20))))
    return lines


def _strip_number(text: str) -> str:
    head, dot, tail = text.partition(".")
    if dot and head.strip().isdigit() and tail.strip():
        return tail.strip()
    return text.strip()


def _rows_to_lines(rows: Iterable[list[Any]]) -> list[PlanLine]:
    """Table rows: find the topic column by its header («Тема») or take the longest text column."""
    rows = [[("" if c is None else str(c)).strip() for c in row] for row in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header = [c.lower() for c in rows[0]]
    topic_col = next((i for i, c in enumerate(header) if "тема" in c or "topic" in c), None)
    hours_col = next((i for i, c in enumerate(header) if "час" in c or "hour" in c), None)
    if topic_col is not None:
        rows = rows[1:]
    else:
        widths = defaultdict(int)
        for r in rows:
            for i, c in enumerate(r):
                if not c.replace(".", "").isdigit():
                    widths[i] += len(c)
        topic_col = max(widths, key=lambda i: widths[i]) if widths else 0
    lines = []
    for r in rows:
        topic = _strip_number(r[topic_col]) if topic_col < len(r) else ""
        if not topic:
            continue
        hours = 1
        if hours_col is not None and hours_col < len(r) and r[hours_col].split(".")[0].isdigit():
            hours = max(1, min(int(r[hours_col].split(".")[0]), 20))
        lines.append(PlanLine(topic[:MAX_TOPIC], hours))
    return lines


def parse_file(filename: str, data: bytes) -> list[PlanLine]:
    """Read a КТП from XLSX (first sheet) or CSV (UTF-8 or Windows-1251, «;» or «,»)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TimetableError([Problem("file", N_("The file is not a readable XLSX table."))]) from exc
        sheet = book.worksheets[0]
        return _rows_to_lines(list(sheet.iter_rows(values_only=True)))
    if name.endswith(".csv") or name.endswith(".txt"):
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise TimetableError([Problem("file", N_("The file's encoding is not UTF-8 or Windows-1251."))])
        dialect = ";" if text.count(";") >= text.count(",") else ","
        return _rows_to_lines(list(csv.reader(io.StringIO(text), delimiter=dialect)))
    raise TimetableError([Problem("file", N_("Upload an XLSX or CSV file."))])


def plan_of(session: Session, class_id: int, subject_id: int, subgroup_id: int | None) -> list[LessonPlanItem]:
    return list(session.scalars(select(LessonPlanItem).where(*_key(class_id, subject_id, subgroup_id))
                                .order_by(LessonPlanItem.position)))


def _key(class_id: int, subject_id: int, subgroup_id: int | None) -> list[Any]:
    return [LessonPlanItem.class_id == class_id, LessonPlanItem.subject_id == subject_id,
            LessonPlanItem.subgroup_id.is_(None) if subgroup_id is None else LessonPlanItem.subgroup_id == subgroup_id]


def replace_plan(session: Session, school_id: int, class_id: int, subject_id: int, subgroup_id: int | None,
                 lines: list[PlanLine]) -> int:
    """The plan becomes ``lines`` (positions 1..n). Returns the number of lines."""
    if not lines:
        raise TimetableError([Problem("empty", N_("The plan has no topics."))])
    session.execute(delete(LessonPlanItem).where(*_key(class_id, subject_id, subgroup_id)))
    session.execute(insert(LessonPlanItem), [
        {"school_id": school_id, "class_id": class_id, "subject_id": subject_id, "subgroup_id": subgroup_id,
         "position": n, "topic": line.topic, "hours": line.hours} for n, line in enumerate(lines, 1)])
    return len(lines)


def _expanded(items: list[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        out += [item.topic] * max(1, item.hours)
    return out


def apply_plans(session: Session, school_id: int, class_ids: Iterable[int], *, subject_id: int | None = None,
                subgroup_id: int | None = None, today: date | None = None) -> int:
    """Fill lesson topics from the plans by position (the k-th lesson of the year gets the k-th planned
    hour). Empty topics are filled; a future lesson's unconfirmed topic from the plan is realigned when
    lessons moved; a topic the teacher wrote is never touched. Returns the number of lessons changed."""
    today = today or school_today(school_id, session=session)
    class_ids = list(class_ids)
    if not class_ids:
        return 0
    plan_q = select(LessonPlanItem.class_id, LessonPlanItem.subject_id, LessonPlanItem.subgroup_id,
                    LessonPlanItem.topic, LessonPlanItem.hours).where(
        LessonPlanItem.school_id == school_id, LessonPlanItem.class_id.in_(class_ids)).order_by(LessonPlanItem.position)
    lesson_q = select(Lesson.id, Lesson.class_id, Lesson.subject_id, Lesson.subgroup_id, Lesson.topic, Lesson.date,
                      Lesson.topic_entered_at).where(Lesson.school_id == school_id, Lesson.class_id.in_(class_ids)
                                                     ).order_by(Lesson.date, Lesson.number, Lesson.id)
    if subject_id is not None:
        plan_q = plan_q.where(LessonPlanItem.subject_id == subject_id)
        lesson_q = lesson_q.where(Lesson.subject_id == subject_id)
        if subgroup_id is not None:
            plan_q = plan_q.where(LessonPlanItem.subgroup_id == subgroup_id)
            lesson_q = lesson_q.where(Lesson.subgroup_id == subgroup_id)
    plans: dict[tuple[int, int, int | None], list[Any]] = defaultdict(list)
    for row in session.execute(plan_q):
        plans[(row.class_id, row.subject_id, row.subgroup_id)].append(row)
    if not plans:
        return 0
    lessons: dict[tuple[int, int, int | None], list[Any]] = defaultdict(list)
    for row in session.execute(lesson_q):
        lessons[(row.class_id, row.subject_id, row.subgroup_id)].append(row)
    updates = []
    for key, items in plans.items():
        topics = _expanded(items)
        known = set(topics)
        for k, lesson in enumerate(lessons.get(key, [])):
            if k >= len(topics):
                break
            planned = topics[k][:500]
            if not lesson.topic:
                updates.append({"lid": lesson.id, "topic": planned})
            elif (lesson.topic != planned and lesson.topic_entered_at is None and lesson.date > today
                  and lesson.topic in known):
                updates.append({"lid": lesson.id, "topic": planned})
    for upd in updates:
        session.execute(update(Lesson).where(Lesson.id == upd["lid"]).values(topic=upd["topic"]))
    return len(updates)


@dataclass
class PlanProgress:
    class_id: int
    class_name: str
    subject_id: int
    subject: str
    subgroup_id: int | None
    subgroup: str | None
    planned_total: int  # hours in the КТП
    year_lessons: int  # lessons the timetable gives in the year (cancelled ones included)
    due: int  # plan hours that should be covered by today
    held: int  # lessons up to today with a topic
    cancelled: int

    @property
    def behind(self) -> int:
        return max(0, min(self.due, self.planned_total) - self.held)

    @property
    def shortfall(self) -> int:
        """Plan hours that do not fit into the year's lessons at all."""
        return max(0, self.planned_total - (self.year_lessons - self.cancelled))


def plan_progress(session: Session, school_id: int, class_ids: Iterable[int], start: date, end: date,
                  today: date | None = None) -> list[PlanProgress]:
    """Lessons held against the КТП for each class, subject and subgroup (three queries in all)."""
    today = today or school_today(school_id, session=session)
    class_ids = list(class_ids)
    if not class_ids:
        return []
    names = Names(session, school_id)
    planned = {(r[0], r[1], r[2]): r[3] for r in session.execute(
        select(LessonPlanItem.class_id, LessonPlanItem.subject_id, LessonPlanItem.subgroup_id,
               func.sum(LessonPlanItem.hours)).where(LessonPlanItem.class_id.in_(class_ids))
        .group_by(LessonPlanItem.class_id, LessonPlanItem.subject_id, LessonPlanItem.subgroup_id))}
    from sqlalchemy import case

    lesson_stats = {(r[0], r[1], r[2]): (r[3], r[4] or 0, r[5] or 0) for r in session.execute(
        select(Lesson.class_id, Lesson.subject_id, Lesson.subgroup_id, func.count(Lesson.id),
               func.sum(case((Lesson.date <= today, 1), else_=0)),
               func.sum(case(((Lesson.date <= today) & (Lesson.topic != ""), 1), else_=0)))
        .where(Lesson.class_id.in_(class_ids), Lesson.date.between(start, end))
        .group_by(Lesson.class_id, Lesson.subject_id, Lesson.subgroup_id))}
    cancelled = {(r[0], r[1], r[2]): (r[3], r[4] or 0) for r in session.execute(
        select(LessonChange.class_id, LessonChange.subject_id, LessonChange.subgroup_id, func.count(LessonChange.id),
               func.sum(case((LessonChange.date <= today, 1), else_=0)))
        .where(LessonChange.class_id.in_(class_ids), LessonChange.kind == "cancel", LessonChange.revoked_at.is_(None),
               LessonChange.date.between(start, end))
        .group_by(LessonChange.class_id, LessonChange.subject_id, LessonChange.subgroup_id))}
    out = []
    for key in sorted(set(planned) | set(lesson_stats),
                      key=lambda k: (names.grades.get(k[0], 0), names.classes.get(k[0], ""),
                                     names.subjects.get(k[1], ""), names.subgroups.get(k[2], "") if k[2] else "")):
        total, to_date, held = lesson_stats.get(key, (0, 0, 0))
        c_total, c_to_date = cancelled.get(key, (0, 0))
        class_id, subject_id, subgroup_id = key
        out.append(PlanProgress(class_id, names.classes.get(class_id, ""), subject_id, names.subjects.get(subject_id, ""),
                                subgroup_id, names.subgroups.get(subgroup_id) if subgroup_id else None,
                                int(planned.get(key, 0) or 0), total + c_total, to_date + c_to_date, held, c_total))
    return out
