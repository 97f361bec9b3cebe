"""The attendance API under /api/v1/attendance: the journal grid saves its cells here.

Same rules as the pages (the services decide per lesson, class and child); errors are JSON
``{"error": {"code", "message", "fields"}}`` and a refused request changes nothing.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from core.toolkit import N_, SchoolClass, Subject, User, acting_user, api_view, db, hook, school_today
from plugins.attendance import excuses, marking, rights, totals
from plugins.attendance import roll_call as roll_call_sheet
from plugins.attendance.context import current_actor, notifier, settings
from plugins.attendance.errors import AttendanceError
from plugins.attendance.models import AbsenceNote, LessonRollCall
from plugins.attendance.schemas import (
    ClassSummarySchema,
    LessonMarksSchema,
    MarkStateSchema,
    NoteCreateSchema,
    NoteDecisionSchema,
    NoteListQuerySchema,
    NoteSchema,
    RollCallSchema,
    SaveMarkSchema,
    SummaryQuerySchema,
)

bp = Blueprint("attendance_api", __name__, url_prefix="/api/v1/attendance")

def _mark_json(state: marking.MarkState) -> dict[str, Any]:
    return MarkStateSchema().dump({"lesson_id": state.lesson_id, "student_id": state.student_id, "code": state.code,
                                   "minutes_late": state.minutes_late, "reason": state.reason, "cell": state.cell})


@bp.get("/lessons/<int:lesson_id>/marks")
@api_view("attendance.view", response=LessonMarksSchema)
def lesson_marks(lesson_id: int) -> Any:
    """Attendance of one lesson: every student who should attend, with their code (empty: present)."""
    session = db()
    actor = current_actor()
    lesson = rights.get_lesson(session, actor, lesson_id)
    marks = marking.lesson_marks(session, lesson.id)
    roll = session.get(LessonRollCall, lesson.id)
    subject = session.get(Subject, lesson.subject_id)
    return {
        "lesson_id": lesson.id, "date": lesson.date, "number": lesson.number, "class_id": lesson.class_id,
        "subject": subject.name if subject else "", "roll_call_taken": roll is not None,
        "taken_at": roll.taken_at if roll else None, "version": roll.version if roll else 0,
        "editable": rights.can_edit_lesson(actor, lesson, school_today()),
        "codes": settings()["codes"],
        "students": [
            {"id": p.id, "name": p.short_name, "code": marks[p.id].code if p.id in marks else "",
             "minutes_late": marks[p.id].minutes_late if p.id in marks else None,
             "reason": marks[p.id].reason if p.id in marks else ""}
            for p in marking.lesson_pupils(session, lesson)
        ],
    }


@bp.post("/marks")
@api_view("attendance.view", body=SaveMarkSchema, response=MarkStateSchema)
def save_mark(body: dict[str, Any]) -> Any:
    """Set one student's attendance at one lesson (an empty code clears it: present). The journal grid's
    ``save_url``. Allowed to the lesson's teacher, a substitute, the class teacher and the deputy."""
    session = db()
    warnings: list[Any] = []
    state = marking.save_mark(session, settings(), current_actor(), body["lesson_id"], body["student_id"],
                               body["code"], today=school_today(), minutes_late=body["minutes_late"],
                               reason=body["reason"], notify=notifier(), warnings=warnings,
                               version=body["version"], seen=body["seen"])
    session.commit()
    # Saved, but worth a look: an «н» next to a mark in the same lesson (the gradebook's rule).
    return jsonify({**_mark_json(state), "warnings": [_(w.message, **w.params) for w in warnings]})


@bp.post("/lessons/<int:lesson_id>/roll-call")
@api_view("attendance.view", body=RollCallSchema)
def roll_call(lesson_id: int, body: dict[str, Any]) -> Any:
    """Save a whole lesson: the students listed with their codes, everyone else present."""
    session = db()
    actor = current_actor()
    entries = {e["student_id"]: (e["code"], e["minutes_late"]) for e in body["marks"]}
    sheet = roll_call_sheet.load_sheet(session, actor, lesson_id)
    result = roll_call_sheet.save_sheet(session, settings(), actor, sheet, entries, today=school_today(),
                                        hooks=hook(), version=body["version"])
    session.commit()
    return jsonify({"lesson_id": result.lesson_id, "present": result.present, "absent": result.absent,
                    "late": result.late, "changed": result.changed})


@bp.get("/summary")
@api_view("attendance.view", query=SummaryQuerySchema, response=ClassSummarySchema)
def summary(query: dict[str, Any]) -> Any:
    """Per-student figures of a class for a date range (optionally one subject), and the class total."""
    session = db()
    actor = current_actor()
    if not rights.can_view_class(actor, session.get(SchoolClass, query["class_id"])):
        raise AttendanceError(N_("Not found."), "not_found")
    result = totals.class_summary(session, settings(), query["class_id"], query["start"], query["end"],
                                    query["subject_id"])

    def row(name: str, s: totals.AttendanceSummary) -> dict[str, Any]:
        return {"student_id": s.student_id, "name": name, "lessons": s.lessons, "missed": s.missed,
                "excused": s.excused, "unexcused": s.unexcused, "late": s.late, "late_minutes": s.late_minutes,
                "missed_percent": s.missed_percent}

    return {"class_id": result.class_id, "start": result.start, "end": result.end,
            "students": [row(p.short_name, s) for p, s in result.rows], "total": row("", result.total)}


def _note_json(note: AbsenceNote, student: Any) -> dict[str, Any]:
    return {"id": note.id, "student_id": note.student_id, "student_name": student.full_name,
            "class_id": note.class_id, "starts_on": note.starts_on, "ends_on": note.ends_on, "kind": note.kind,
            "text": note.text, "has_file": bool(note.file_size), "status": note.status,
            "decision_comment": note.decision_comment, "created_at": note.created_at}


@bp.get("/notes")
@api_view("attendance.note.submit", response=NoteSchema, many=True)
def my_notes() -> Any:
    """A guardian's notes about their own children."""
    user = acting_user()
    return [_note_json(n, s) for n, s in excuses.guardian_notes(db(), user.school_id, user.id)]


@bp.post("/notes")
@api_view("attendance.note.submit", body=NoteCreateSchema, response=NoteSchema)
def create_note(body: dict[str, Any]) -> Any:
    """A guardian sends a note explaining a child's absence (a scan is uploaded on the page)."""
    session = db()
    user = acting_user()
    note = excuses.submit_note(session, settings(), user.school_id, user.id, body["student_id"],
                                body["starts_on"], body["ends_on"], body["kind"], body["text"])
    session.commit()
    student = session.get(User, note.student_id)
    return jsonify(NoteSchema().dump(_note_json(note, student))), 201


@bp.get("/classes/<int:class_id>/notes")
@api_view("attendance.verify", query=NoteListQuerySchema, response=NoteSchema, many=True)
def class_notes(class_id: int, query: dict[str, Any]) -> Any:
    """Notes about the students of a class the user leads (``status`` to filter: pending...)."""
    actor = current_actor()
    if not (class_id in actor.verify_class_ids or actor.edit_any):
        raise AttendanceError(N_("Not found."), "not_found")
    return [_note_json(n, s) for n, s in excuses.class_notes(db(), actor.school_id, [class_id], query["status"])]


@bp.post("/notes/<int:note_id>/decision")
@api_view("attendance.verify", body=NoteDecisionSchema)
def decide_note(note_id: int, body: dict[str, Any]) -> Any:
    """The class teacher accepts (absences of the days become excused) or rejects a note."""
    session = db()
    result = excuses.decide_note(session, settings(), current_actor(), note_id, body["accept"], body["comment"],
                                  notify=notifier())
    session.commit()
    note = session.get(AbsenceNote, note_id)
    return jsonify({"id": note_id, "status": note.status if note else "",
                    "excused": [_mark_json(s) for s in (result.excused if result else [])]})
