"""The whole roll call of a lesson in a constant number of statements: one read for the page, and for a
save that read, one guarded write of the roll call's version, one write of the students' rows, one audit
batch and one call of ``on_attendance_batch_saved`` (whose listeners add one statement each at most).

Why: the phone page was saved student by student (a lookup, a write, an audit entry and a hook per
student: about 180 statements for a class of 30 marked absent), so the cost grew with the class. Now a
class of 30 all absent costs what a class with nobody absent costs plus three statements.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session

from core.toolkit import N_, ClassMembership, SchoolClass, SubgroupMember, Subject, User, audit_many, utcnow
from plugins.attendance.code_rules import code_kinds, normalize_code
from plugins.attendance.errors import AttendanceError
from plugins.attendance.marking import (
    MarkState,
    Pupil,
    RollCallResult,
    claim_roll_call,
    conflict_error,
    reason_text,
)
from plugins.attendance.models import AbsenceReason, AttendanceMark, LessonRollCall
from plugins.attendance.rights import Actor, can_view_lesson, edit_refusal
from plugins.gradebook.public import Lesson


@dataclass
class Sheet:
    """A lesson's roll call as one statement reads it: the lesson, its class and subject, who took the
    roll call and its version, the pupils with their marks, and the reasons covering the day."""

    lesson: Lesson
    school_class: SchoolClass | None
    subject: Subject | None
    roll: LessonRollCall | None
    pupils: list[Pupil] = field(default_factory=list)
    marks: dict[int, MarkState] = field(default_factory=dict)
    reason_ids: dict[int, int | None] = field(default_factory=dict)  # the mark's reason row, kept on re-save
    reasons: dict[int, AbsenceReason] = field(default_factory=dict)  # the newest reason covering the day

    @property
    def version(self) -> int:
        return self.roll.version if self.roll is not None else 0


def load_sheet(session: Session, actor: Actor, lesson_id: int) -> Sheet:
    """The roll call of a lesson the actor may see, in ONE statement (else "not found", revealing nothing)."""
    in_class = and_(ClassMembership.class_id == Lesson.class_id, ClassMembership.active_on(Lesson.date),
                    or_(Lesson.subgroup_id.is_(None), exists().where(
                        SubgroupMember.subgroup_id == Lesson.subgroup_id,
                        SubgroupMember.student_id == ClassMembership.student_id)))
    rows = session.execute(
        select(Lesson, SchoolClass, Subject, LessonRollCall, User.id, User.last_name, User.first_name,
               User.middle_name, AttendanceMark.code, AttendanceMark.minutes_late, AttendanceMark.reason,
               AttendanceMark.reason_id, AbsenceReason)
        .outerjoin(SchoolClass, SchoolClass.id == Lesson.class_id)
        .outerjoin(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(LessonRollCall, LessonRollCall.lesson_id == Lesson.id)
        .outerjoin(ClassMembership, in_class)
        .outerjoin(User, User.id == ClassMembership.student_id)
        .outerjoin(AttendanceMark, and_(AttendanceMark.lesson_id == Lesson.id, AttendanceMark.student_id == User.id))
        .outerjoin(AbsenceReason, and_(AbsenceReason.student_id == User.id, AbsenceReason.starts_on <= Lesson.date,
                                       AbsenceReason.ends_on >= Lesson.date))
        .where(Lesson.id == lesson_id)
        .order_by(User.last_name, User.first_name, User.middle_name, User.id, AbsenceReason.id)
    ).all()
    if not rows or not can_view_lesson(actor, rows[0][0]):
        raise AttendanceError(N_("Not found."), "not_found")
    lesson, school_class, subject, roll = rows[0][:4]
    sheet = Sheet(lesson, school_class, subject, roll)
    for row in rows:
        sid = row[4]
        if sid is None:
            continue
        if sid not in sheet.marks:
            sheet.pupils.append(Pupil(sid, row[5], row[6], row[7]))
            sheet.marks[sid] = MarkState(lesson.id, sid, row[8] or "", row[9], row[10] or "")
            sheet.reason_ids[sid] = row[11]
        if row[12] is not None:
            sheet.reasons[sid] = row[12]  # ordered by id: the newest wins
    return sheet


def _planned(settings: Mapping[str, Any], sheet: Sheet, sid: int, code: str, minutes: int | None
             ) -> tuple[MarkState, int | None]:
    """A student's state after the save (the rules of ``marking.write_mark``): an absence on a day a
    reason covers becomes an excused one; the same code again keeps its reason; minutes only when late."""
    kinds = code_kinds(settings)
    old = sheet.marks[sid]
    reason, reason_id = "", None
    reason_row = sheet.reasons.get(sid)
    if code and kinds.get(code) == "absent" and reason_row is not None:
        code, reason, reason_id = reason_row.code, reason_text(settings, reason_row), reason_row.id
    elif code and code == old.code:
        reason, reason_id = old.reason, sheet.reason_ids.get(sid)
    if kinds.get(code) != "late":
        minutes = None
    return MarkState(sheet.lesson.id, sid, code, minutes, reason.strip()[:300] if code else ""), reason_id


def _conflict(session: Session, sheet: Sheet) -> AttendanceError:
    """Someone else saved this lesson's attendance after the form was opened: nothing is written; the
    answer names who and what is marked now (read afresh: this path may cost a few statements)."""
    return conflict_error(session, sheet.lesson)


def _write_rows(session: Session, sheet: Sheet, actor_id: int,
                changed: list[tuple[MarkState, MarkState, int | None]]) -> None:
    """The students' new rows in one statement (an upsert) and those back to present in one DELETE."""
    lesson, now = sheet.lesson, utcnow()
    rows = [{"school_id": lesson.school_id, "lesson_id": lesson.id, "student_id": new.student_id, "code": new.code,
             "minutes_late": new.minutes_late, "reason": new.reason, "updated_by": actor_id, "updated_at": now,
             "reason_id": reason_id} for _old, new, reason_id in changed if new.code]
    gone = [new.student_id for _old, new, _r in changed if not new.code]
    if rows:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
        statement = dialect_insert(AttendanceMark.__table__)
        session.execute(statement.on_conflict_do_update(
            index_elements=["lesson_id", "student_id"],
            set_={name: statement.excluded[name] for name in
                  ("code", "minutes_late", "reason", "updated_by", "updated_at", "reason_id")}), rows)
    if gone:
        session.execute(delete(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                     AttendanceMark.student_id.in_(gone))
                        .execution_options(synchronize_session=False))


def save_sheet(session: Session, settings: Mapping[str, Any], actor: Actor, sheet: Sheet,
               entries: Mapping[int, tuple[str, int | None]], *, today: date, hooks: Any = None,
               version: int | None = None) -> RollCallResult:
    """Save the whole lesson at once: ``entries`` maps student id to (code, minutes late); students not
    named were present. Every code is checked before anything is written; ``version`` is the roll-call
    version the form was opened with: after someone else's save it is refused and nothing is written.
    ``hooks`` (the app's relay) hears every change in one ``on_attendance_batch_saved`` call."""
    lesson = sheet.lesson
    refusal = edit_refusal(actor, lesson, today)
    if refusal is not None:
        raise refusal
    if version is not None and version != sheet.version:
        raise _conflict(session, sheet)
    pupils = {p.id for p in sheet.pupils}
    if set(entries) - pupils:
        raise AttendanceError(N_("This student does not attend this lesson."), "invalid", "student_id")
    kinds = code_kinds(settings)
    result = RollCallResult(lesson.id, 0, 0, 0, 0)
    changed: list[tuple[MarkState, MarkState, int | None]] = []
    for p in sheet.pupils:
        code, minutes = entries.get(p.id, ("", None))
        new, reason_id = _planned(settings, sheet, p.id, normalize_code(settings, code), minutes)
        if new != sheet.marks[p.id]:
            changed.append((sheet.marks[p.id], new, reason_id))
        kind = kinds.get(new.code)
        result.present += not new.code
        result.late += bool(new.code) and kind == "late"
        result.absent += bool(new.code) and kind != "late"
    result.changed = len(changed)
    # Who and when, version + 1, only if still the version the form (else this read) saw: one statement.
    if claim_roll_call(session, lesson, actor.user_id, version if version is not None else sheet.version) is None:
        raise _conflict(session, sheet)
    if not changed:
        return result
    _write_rows(session, sheet, actor.user_id, changed)
    audit_many(session, school_id=lesson.school_id, action="attendance.mark.update", object_type="attendance.mark",
               items=[(f"{lesson.id}:{new.student_id}", old.as_audit(), new.as_audit()) for old, new, _r in changed],
               actor_id=actor.user_id)
    if hooks is not None:
        hooks.on_attendance_batch_saved(session=session, lesson=lesson, actor_id=actor.user_id, changes=[
            {"student_id": new.student_id, "old": old.as_audit(), "new": new.as_audit(),
             "action": "created" if not old.code else "deleted" if not new.code else "changed"}
            for old, new, _r in changed])
    return result

