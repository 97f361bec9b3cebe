"""The diary's JSON API (``/api/v1/diary``): the same pages for apps, with the same access rules.

Another student's id answers 404 exactly like an id that does not exist.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _

from core.toolkit import (
    acting_user,
    api_error,
    api_view,
    current_school_id,
    db,
    hook,
    is_guardian_of,
    plugin_settings,
)
from plugins.diary import marks as marks_page
from plugins.diary import services, visits
from plugins.diary.access import children, resolve_student, viewer_of
from plugins.diary.schemas import (
    AckBodySchema,
    AckOutSchema,
    DiaryRemarkSchema,
    DiaryStudentSchema,
    MarksOutSchema,
    MarksQuerySchema,
    WeekOutSchema,
    WeekQuerySchema,
)
from plugins.diary.week import apply_timetable, load_week, week_start_of

bp = Blueprint("diary_api", __name__, url_prefix="/api/v1/diary")


def _log(student: Any, page: str) -> None:
    from flask import current_app

    from core.toolkit import school_today

    visits.log_view(current_app, db(), current_school_id(), acting_user().id, student, page, school_today())


@bp.get("/students")
@api_view("diary.view", response=DiaryStudentSchema, many=True)
def students() -> Any:
    """The students whose diary the caller opens as family: themself, or their children."""
    from core.toolkit import school_today

    v = viewer_of(acting_user())
    ids = [i for i, _n in children(db(), v)] + ([v.id] if v.is_student else [])
    out = []
    for student_id in ids:
        s = resolve_student(db(), v, student_id, school_today())
        if s is not None:
            out.append({"id": s.id, "full_name": s.full_name, "class_name": s.class_name})
    return out


@bp.get("/<int:student_id>/week")
@api_view("diary.view", query=WeekQuerySchema, response=WeekOutSchema)
def week(student_id: int, query: dict[str, Any]) -> Any:
    """A student's week: lessons with time, topic, homework and files, marks, attendance, remarks."""
    from core.toolkit import school_today
    from plugins.diary.views import _attendance_codes, _work_types

    session = db()
    v = viewer_of(acting_user())
    today = school_today()
    data = load_week(session, v, student_id, week_start_of(query["week"] or today), today,
                     school_days=plugin_settings("diary")["school_days"], work_types=_work_types(),
                     attendance_codes=_attendance_codes())
    if data is None:
        abort(404)
    if data.class_id is not None:
        apply_timetable(data, hook().extra_diary_timetable(
            session=session, school_id=v.school_id, class_id=data.class_id, student_id=data.student.id,
            week_start=data.week_start, week_end=data.week_end,
            subgroup_ids=data.subgroup_ids))
    _log(data.student, "api")
    return {
        "student": {"id": data.student.id, "full_name": data.student.full_name, "class_name": data.student.class_name},
        "week_start": data.week_start, "week_end": data.week_end, "term": data.term,
        "acknowledged_at": data.acknowledged_at,
        "days": [{"date": d.date, "holiday": d.holiday,
                  "lessons": [{**lesson.__dict__, "files": [
                      {**f.__dict__, "url": url_for("diary.homework_file", file_id=f.id)} for f in lesson.files],
                      "marks": [m.__dict__ for m in lesson.marks]} for lesson in d.lessons],
                  "remarks": [r.__dict__ for r in d.remarks]} for d in data.days],
    }


@bp.get("/<int:student_id>/marks")
@api_view("diary.view", query=MarksQuerySchema, response=MarksOutSchema)
def marks(student_id: int, query: dict[str, Any]) -> Any:
    """All marks of a term by subject with the weighted average, the forecast and final marks."""
    from core.toolkit import school_today

    session = db()
    today = school_today()
    student = resolve_student(session, viewer_of(acting_user()), student_id, today)
    if student is None:
        abort(404)
    term = services.current_term(session, current_school_id(), today, query["term_id"])
    if term is None:
        return api_error(422, "validation_error", _("There is no such term."), {"term_id": [_("There is no such term.")]})
    o = marks_page.marks_overview(session, current_school_id(), student.id, student.class_id, term,
                                plugin_settings("gradebook"), today)
    _log(student, "api")
    return {
        "student": {"id": student.id, "full_name": student.full_name, "class_name": student.class_name},
        "term_id": term.id, "term": term.title,
        "subjects": [{"subject_id": s.subject_id, "subject": s.subject, "teachers": s.teachers,
                      "marks": [{"date": m.date.isoformat(), "value": m.value, "work_type": m.work_type,
                                 "work_type_title": m.work_type_title, "weight": m.weight, "comment": m.comment}
                                for m in s.marks],
                      "average": s.average.value if s.average else None,
                      "forecast": s.forecast, "final": s.final, "year_final": s.year_final} for s in o.subjects],
    }


@bp.get("/<int:student_id>/remarks")
@api_view("diary.view", response=DiaryRemarkSchema, many=True)
def remarks(student_id: int) -> Any:
    """Teachers' remarks, praise and recommendations for the student, newest first."""
    from core.toolkit import school_today
    from plugins.diary.models import Remark

    session = db()
    student = resolve_student(session, viewer_of(acting_user()), student_id, school_today())
    if student is None:
        abort(404)
    rows = services.remarks_query(session, Remark.student_id == student.id, viewer_id=acting_user().id)
    return [{"id": r.id, "kind": r.kind, "text": r.text, "author": r.author, "subject": r.subject, "day": r.day,
             "acknowledged": r.acknowledged_by_me} for r in rows]


@bp.post("/<int:student_id>/acknowledgements")
@api_view("diary.acknowledge", body=AckBodySchema, response=AckOutSchema)
def acknowledge(student_id: int, body: dict[str, Any]) -> Any:
    """The guardian confirms having seen the week (any day of it)."""
    session = db()
    user = acting_user()
    if not is_guardian_of(session, user.id, student_id):
        abort(404)
    ack = services.acknowledge_week(session, current_school_id(), user.id, student_id, week_start_of(body["week"]))
    session.commit()
    return {"student_id": student_id, "week_start": ack.week_start, "acknowledged_at": ack.created_at}
