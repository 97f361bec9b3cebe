"""Undo after a reported credentials leak: restore what an attendance audit entry replaced."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.toolkit import utcnow
from plugins.attendance.marking import Notify, mark_state
from plugins.attendance.models import AbsenceNote, AbsenceReason, AttendanceMark, WeekVerification
from plugins.gradebook.public import Lesson


def revert_entry(session: Session, entry: Any, *, notify: Notify | None = None,
                 actor_id: int | None = None) -> dict[str, Any] | None:
    """Restore what an audit entry of this plugin replaced; None for entries of other plugins.

    A restored mark is announced through ``on_attendance_batch_saved`` with ``action="reverted"`` (when
    ``notify`` is given), so that a family told of a forged absence can be told it is gone."""
    old = entry.old or {}
    if entry.object_type == "attendance.mark":
        lesson_id, _, student_id = entry.object_id.partition(":")
        lesson = session.get(Lesson, int(lesson_id))
        if lesson is None:
            return {}
        mark = session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                           AttendanceMark.student_id == int(student_id)))
        before = mark_state(lesson.id, int(student_id), mark).as_audit()
        code = old.get("code") or ""
        if not code:
            if mark is not None:
                session.delete(mark)
        else:
            if mark is None:
                mark = AttendanceMark(school_id=lesson.school_id, lesson_id=lesson.id, student_id=int(student_id))
                session.add(mark)
            mark.code, mark.minutes_late, mark.reason = code, old.get("minutes_late"), old.get("reason") or ""
            mark.reason_id, mark.updated_at = None, utcnow()
        session.flush()
        restored = {"code": code, "minutes_late": old.get("minutes_late"), "reason": old.get("reason") or ""}
        if notify is not None and before != restored:
            notify(session=session, lesson=lesson, actor_id=actor_id, changes=[
                {"student_id": int(student_id), "action": "reverted", "old": before, "new": restored}])
        return restored
    if entry.object_type == "attendance.reason":
        session.execute(delete(AbsenceReason).where(AbsenceReason.id == int(entry.object_id)))
        return {"deleted": True}
    if entry.object_type == "attendance.note":
        note = session.get(AbsenceNote, int(entry.object_id))
        if note is None:
            return {}
        if entry.action == "attendance.note.create":
            session.delete(note)
            return {"deleted": True}
        note.status, note.decision_comment = old.get("status", "pending"), old.get("decision_comment", "")
        note.decided_by = note.decided_at = None
        return {"status": note.status}
    if entry.object_type == "attendance.week":
        class_id, _, week = entry.object_id.partition(":")
        row = session.scalar(select(WeekVerification).where(WeekVerification.class_id == int(class_id),
                                                            WeekVerification.week_start == date.fromisoformat(week)))
        if row is not None and entry.old is None:
            session.delete(row)
            return {"deleted": True}
        if row is not None:
            row.verified_by, row.open_issues, row.comment = old.get("verified_by"), old.get("open_issues", 0), \
                old.get("comment", "")
            if old.get("verified_at"):
                row.verified_at = datetime.fromisoformat(old["verified_at"])
        return {"restored": True}
    return None

