"""The timetable's answers to the diary's hooks (``plugins/diary/hookspecs.py``): bell times and lesson
changes for a family's week, planned tests for the marks page.

The diary's week page costs four SQL statements of its own and allows five, so bells and changes come
back in one statement here.
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    Time,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from core.toolkit import Subject, User, read_rows
from plugins.timetable.models import Assessment, Bell, BellSchedule, ClassBells, LessonChange

_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("n", Integer()), ("t1", Time()), ("t2", Time()), ("kind", String()), ("d", Date()), ("nd", Date()),
    ("nn", Integer()), ("reason", String()), ("subject", String()), ("old_last", String()),
    ("old_first", String()), ("old_middle", String()), ("new_last", String()), ("new_first", String()),
    ("new_middle", String()),
)


def _row(row_kind: str, **values: Any) -> list[Any]:
    columns = [literal_column(f"'{row_kind}'", String()).label("k")]
    for name, type_ in _COLUMNS:
        value = values.pop(name, None)
        columns.append((value if value is not None else cast(null(), type_)).label(name))
    return columns


def _short(last: str | None, first: str | None, middle: str | None) -> str:
    if not last:
        return ""
    return last + "".join(f" {p[0]}." for p in (first, middle) if p)


_STATEMENT: list[Any] = []  # built once, run with parameters: building it costs more than running it


def _week_statement() -> Any:
    if _STATEMENT:
        return _STATEMENT[0]
    class_id, school_id = bindparam("class_id", type_=Integer()), bindparam("school_id", type_=Integer())
    start, end = bindparam("start", type_=Date()), bindparam("end", type_=Date())
    schedule = func.coalesce(
        select(ClassBells.schedule_id).where(ClassBells.class_id == class_id).scalar_subquery(),
        select(BellSchedule.id).where(BellSchedule.school_id == school_id, BellSchedule.is_default.is_(True))
        .order_by(BellSchedule.id).limit(1).scalar_subquery())
    old, new = aliased(User), aliased(User)
    _STATEMENT.append(union_all(
        select(*_row("bell", n=Bell.number, t1=Bell.starts_at, t2=Bell.ends_at)).where(Bell.schedule_id == schedule),
        select(*_row("change", n=LessonChange.number, kind=LessonChange.kind, d=LessonChange.date,
                     nd=LessonChange.new_date, nn=LessonChange.new_number, reason=LessonChange.reason,
                     subject=Subject.name, old_last=old.last_name, old_first=old.first_name,
                     old_middle=old.middle_name, new_last=new.last_name, new_first=new.first_name,
                     new_middle=new.middle_name))
        .join(Subject, Subject.id == LessonChange.subject_id)
        .join(old, old.id == LessonChange.teacher_id)
        .outerjoin(new, new.id == LessonChange.new_teacher_id)
        .where(LessonChange.class_id == class_id, LessonChange.school_id == school_id,
               LessonChange.revoked_at.is_(None),
               or_(LessonChange.date.between(start, end), LessonChange.new_date.between(start, end)),
               or_(LessonChange.subgroup_id.is_(None),
                   LessonChange.subgroup_id.in_(bindparam("subgroup_ids", expanding=True)))),
    ))
    return _STATEMENT[0]


def diary_week(session: Session, school_id: int, class_id: int, week_start: date, week_end: date,
               subgroup_ids: frozenset[int]) -> dict[str, Any]:
    """``{"bells": {number: ("08:30", "09:15")}, "changes": [{"date", "number", "kind", "text"}]}``: the same
    for every student of the class in these subgroups, so each process keeps it per class, week, subgroups
    and language until the school's timetable, bells, subjects or people change (``cached_for_content``;
    the change notes name subjects and teachers). Read-only: other requests get the same dict."""
    from flask_babel import get_locale

    from core.toolkit import cached_for_content

    return cached_for_content(
        school_id, ("timetable.diary", class_id, week_start, week_end, subgroup_ids, str(get_locale())),
        lambda: _diary_week(session, school_id, class_id, week_start, week_end, subgroup_ids))


def _diary_week(session: Session, school_id: int, class_id: int, week_start: date, week_end: date,
                subgroup_ids: frozenset[int]) -> dict[str, Any]:
    from plugins.timetable.ui import change_note

    rows = read_rows(session, _week_statement(), {"class_id": class_id, "school_id": school_id,
                                               "subgroup_ids": sorted(subgroup_ids), "start": week_start,
                                               "end": week_end}).all()
    bells = {r.n: (r.t1.strftime("%H:%M"), r.t2.strftime("%H:%M")) for r in rows if r.k == "bell"}
    changes = []
    for r in rows:
        if r.k != "change":
            continue
        info = SimpleNamespace(kind=r.kind, teacher=_short(r.old_last, r.old_first, r.old_middle),
                               new_teacher=_short(r.new_last, r.new_first, r.new_middle), date=r.d, number=r.n,
                               new_date=r.nd, new_number=r.nn, reason=r.reason or "")
        note = change_note(info)
        if r.kind == "substitution":
            changes.append({"date": r.d, "number": r.n, "kind": "substitution", "text": note})
        elif r.kind == "move":
            if r.nd is not None and week_start <= r.nd <= week_end:
                changes.append({"date": r.nd, "number": r.nn, "kind": "moved_in", "text": note})
            if week_start <= r.d <= week_end:
                changes.append({"date": r.d, "number": r.n, "kind": "moved_out", "text": f"{r.n}. {r.subject}: {note}"})
        else:
            changes.append({"date": r.d, "number": r.n, "kind": "cancelled", "text": f"{r.n}. {r.subject}: {note}"})
    return {"bells": bells, "changes": changes}


def planned_tests(session: Session, school_id: int, class_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """The class's test calendar between two dates."""
    from core.toolkit import plugin_settings
    from plugins.gradebook.averages import work_type_titles

    titles = work_type_titles(plugin_settings("gradebook"))
    return [{"date": day, "subject": subject, "title": title or titles.get(kind, kind), "number": number}
            for day, subject, title, kind, number in session.execute(
                select(Assessment.date, Subject.name, Assessment.title, Assessment.kind, Assessment.number)
                .join(Subject, Subject.id == Assessment.subject_id)
                .where(Assessment.school_id == school_id, Assessment.class_id == class_id,
                       Assessment.date.between(start, end))
                .order_by(Assessment.date, Assessment.number))]
