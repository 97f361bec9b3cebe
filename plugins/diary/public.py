"""What other plugins may use of the diary: a student's week exactly as the family sees it (the same
access policy, the same loading, the timetable's bells and changes applied), the students a person may
open, and the homework-file check. The Сетевой Город-compatible API and calendar feeds translate these;
they never read the gradebook's tables with rules of their own."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from core.toolkit import hook, plugin_settings, school_today
from plugins.diary.access import StudentInfo, Viewer, children, resolve_student, viewer_of
from plugins.diary.access import may_open_homework_file as _may_open_file
from plugins.diary.models import Visit
from plugins.diary.week import (
    DiaryWeek,
    WeekDay,
    WeekFile,
    WeekLesson,
    WeekMark,
    apply_timetable,
    load_week,
    week_start_of,
)
from plugins.gradebook.averages import work_type_titles


def student_week(session: Session, user: Any, student_id: int | None, week_start: date) -> DiaryWeek | None:
    """The week of a student the user may see (None: not found or not theirs), as the diary API builds it."""
    v = viewer_of(user)
    today = school_today(user.school_id, session=session)
    data = load_week(session, v, student_id, week_start_of(week_start), today,
                     school_days=plugin_settings("diary")["school_days"],
                     work_types=work_type_titles(plugin_settings("gradebook")),
                     attendance_codes={c["code"]: (c["title"], c["kind"])
                                       for c in plugin_settings("attendance")["codes"]})
    if data is not None and data.class_id is not None:
        apply_timetable(data, hook().extra_diary_timetable(
            session=session, school_id=v.school_id, class_id=data.class_id, student_id=data.student.id,
            week_start=data.week_start, week_end=data.week_end,
            subgroup_ids=data.subgroup_ids))
    return data


def students_of(session: Session, user: Any) -> list[StudentInfo]:
    """The students whose diary is the user's own business: himself (a student) or his children."""
    v = viewer_of(user)
    today = school_today(user.school_id, session=session)
    ids = [user.id] if v.is_student else [sid for sid, _name in children(session, v)]
    found = (resolve_student(session, v, sid, today) for sid in ids)
    return [s for s in found if s is not None]


@dataclass(frozen=True)
class DiaryUsage:
    """How many guardians and students opened a diary page lately, without a name (the municipality)."""

    guardians_7: int
    guardians_30: int
    students_7: int
    students_30: int


def diary_usage(session: Session, school_id: int, now: datetime) -> DiaryUsage:
    """Distinct guardians and students who opened the diary in the 7 and 30 days before ``now``: one
    aggregate query over the visit log, whatever the school's size."""
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    guardian, student = Visit.viewer_role == "guardian", Visit.viewer_role == "student"
    row = session.execute(
        select(func.count(distinct(case((guardian & (Visit.visited_at >= week), Visit.viewer_id)))),
               func.count(distinct(case((guardian, Visit.viewer_id)))),
               func.count(distinct(case((student & (Visit.visited_at >= week), Visit.viewer_id)))),
               func.count(distinct(case((student, Visit.viewer_id)))))
        .where(Visit.school_id == school_id, Visit.visited_at >= month, Visit.visited_at <= now)).one()
    return DiaryUsage(*(int(n or 0) for n in row))


def may_open_homework_file(session: Session, user: Any, file_id: int) -> bool:
    return _may_open_file(session, viewer_of(user), file_id)


__all__ = ["DiaryUsage", "DiaryWeek", "StudentInfo", "Viewer", "WeekDay", "WeekFile", "WeekLesson", "WeekMark",
           "diary_usage", "may_open_homework_file", "student_week", "students_of"]
