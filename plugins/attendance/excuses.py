"""Why a student was away: reasons the class teacher records and notes guardians send, which turn
absences into excused ones.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.toolkit import N_, ClassMembership, GuardianLink, User, audit, utcnow
from plugins.attendance.code_rules import codes_of_kind, reason_code, reason_kinds
from plugins.attendance.errors import AttendanceError
from plugins.attendance.marking import MarkState, Notify, claim_roll_call, write_mark
from plugins.attendance.models import AbsenceNote, AbsenceReason, AttendanceMark
from plugins.attendance.rights import Actor
from plugins.gradebook.public import Lesson


def student_class_on(session: Session, school_id: int, student_id: int, start: date, end: date) -> int | None:
    """The class the student belonged to during the range (the latest membership overlapping it)."""
    return session.scalar(
        select(ClassMembership.class_id)
        .where(ClassMembership.school_id == school_id, ClassMembership.student_id == student_id,
               ClassMembership.active_between(start, end))
        .order_by(ClassMembership.starts_on.desc())
        .limit(1)
    )


@dataclass
class ReasonResult:
    reason: AbsenceReason
    excused: list[MarkState]  # the marks it turned into excused ones


def set_reason(session: Session, settings: Mapping[str, Any], actor: Actor, student_id: int, starts_on: date,
               ends_on: date, kind: str, document: str = "", *, note_id: int | None = None,
               notify: Notify | None = None) -> ReasonResult:
    """The class teacher records why a student was away for a day or a range: every unexcused absence
    in the range becomes excused with the reason's code (each change audited), and absences entered in
    the range later become excused as they are saved. The lessons it changes get a new roll-call version,
    as any attendance save does, so nobody's older view of them overwrites the excuse unnoticed."""
    if kind not in reason_kinds(settings):
        raise AttendanceError(N_("Choose a reason from the list."), "invalid", "kind")
    if starts_on > ends_on:
        raise AttendanceError(N_("The first day must not be after the last one."), "invalid", "ends_on")
    if (ends_on - starts_on).days > 366:
        raise AttendanceError(N_("A reason covers at most a year."), "invalid", "ends_on")
    class_id = student_class_on(session, actor.school_id, student_id, starts_on, ends_on)
    if class_id is None or not (actor.edit_any or class_id in actor.verify_class_ids):
        raise AttendanceError(N_("Not found."), "not_found")
    reason = AbsenceReason(school_id=actor.school_id, student_id=student_id, class_id=class_id, starts_on=starts_on,
                           ends_on=ends_on, kind=kind, code=reason_code(settings, kind),
                           document=document.strip()[:300], note_id=note_id, created_by=actor.user_id,
                           created_at=utcnow())
    session.add(reason)
    session.flush()
    audit(session, school_id=actor.school_id, action="attendance.reason.create", object_type="attendance.reason",
          object_id=reason.id, old=None, new={"student_id": student_id, "starts_on": starts_on, "ends_on": ends_on,
                                              "kind": kind, "code": reason.code, "document": reason.document,
                                              "note_id": note_id}, actor_id=actor.user_id)
    absent = codes_of_kind(settings, "absent")
    query = (
        select(AttendanceMark, Lesson)
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(AttendanceMark.student_id == student_id, AttendanceMark.school_id == actor.school_id,
               Lesson.date >= starts_on, Lesson.date <= ends_on, AttendanceMark.code.in_(absent))
        .order_by(Lesson.date, Lesson.number)
    )
    # Each lesson whose mark changes is claimed as a roll-call save claims it (its version + 1, its row
    # locked), in id order so two excuses never deadlock: a roll call saved meanwhile from an older view is
    # refused (409) instead of overwriting the excuse, one being saved now is waited for, and the marks are
    # read again after the claims, so a mark it just changed (present, late) is never overwritten.
    lessons = sorted({lesson.id: lesson for _mark, lesson in session.execute(query)}.values(), key=lambda row: row.id)
    for lesson in lessons:
        claim_roll_call(session, lesson, actor.user_id, None, stamp=False)
    rows = session.execute(query.where(Lesson.id.in_([lesson.id for lesson in lessons]))
                           .execution_options(populate_existing=True)).all() if lessons else []
    excused = [
        write_mark(session, settings, actor, lesson, student_id, mark, mark.code, None, "", reason,
               "attendance.mark.excuse", notify)
        for mark, lesson in rows
    ]
    session.flush()
    return ReasonResult(reason, excused)


@dataclass(frozen=True)
class NoteFile:
    name: str
    content_type: str
    data: bytes


_SIGNATURES = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def scan_type(data: bytes) -> str | None:
    """The content type by the file's own first bytes (never trust the browser's word)."""
    for magic, content_type in _SIGNATURES.items():
        if data.startswith(magic):
            return content_type
    return None


def submit_note(session: Session, settings: Mapping[str, Any], school_id: int, guardian_id: int, student_id: int,
                starts_on: date, ends_on: date, kind: str, text: str = "", scan: NoteFile | None = None) -> AbsenceNote:
    """A guardian explains a child's absence; the class teacher decides. Only for the guardian's own child."""
    link = session.get(GuardianLink, (guardian_id, student_id))
    if link is None or link.school_id != school_id:
        raise AttendanceError(N_("Not found."), "not_found")
    if kind not in reason_kinds(settings):
        raise AttendanceError(N_("Choose a reason from the list."), "invalid", "kind")
    if starts_on > ends_on:
        raise AttendanceError(N_("The first day must not be after the last one."), "invalid", "ends_on")
    if (ends_on - starts_on).days + 1 > settings["note_max_days"]:
        raise AttendanceError(N_("A note covers at most %(days)d days."), "invalid", "ends_on",
                              days=settings["note_max_days"])
    class_id = student_class_on(session, school_id, student_id, starts_on, ends_on)
    if class_id is None:
        raise AttendanceError(N_("The child was not in any class on these days."), "invalid", "starts_on")
    note = AbsenceNote(school_id=school_id, student_id=student_id, class_id=class_id, submitted_by=guardian_id,
                       starts_on=starts_on, ends_on=ends_on, kind=kind, text=text.strip()[:1000], status="pending",
                       created_at=utcnow())
    if scan is not None and scan.data:
        if len(scan.data) > settings["note_max_kb"] * 1024:
            raise AttendanceError(N_("The file is larger than %(kb)d KB."), "invalid", "scan", kb=settings["note_max_kb"])
        content_type = scan_type(scan.data)
        if content_type is None:
            raise AttendanceError(N_("Attach a PDF, JPEG or PNG file."), "invalid", "scan")
        note.file_name = (scan.name or "scan").replace("/", "_").replace("\\", "_")[-255:]
        note.content_type, note.file_size, note.file_data = content_type, len(scan.data), scan.data
    session.add(note)
    session.flush()
    audit(session, school_id=school_id, action="attendance.note.create", object_type="attendance.note",
          object_id=note.id, old=None, new={"student_id": student_id, "starts_on": starts_on, "ends_on": ends_on,
                                            "kind": kind, "file": note.file_name}, actor_id=guardian_id)
    return note


def decide_note(session: Session, settings: Mapping[str, Any], actor: Actor, note_id: int, accept: bool,
                comment: str = "", *, notify: Notify | None = None) -> ReasonResult | None:
    """The class teacher accepts a note (its days' absences become excused, as with ``set_reason``) or
    rejects it with a word to the family. Returns the reason made on acceptance."""
    note = session.get(AbsenceNote, note_id)
    if note is None or note.school_id != actor.school_id or not (
            actor.edit_any or note.class_id in actor.verify_class_ids):
        raise AttendanceError(N_("Not found."), "not_found")
    if note.status != "pending":
        raise AttendanceError(N_("This note has already been decided."), "conflict")
    comment = comment.strip()[:500]
    if not accept and not comment:
        raise AttendanceError(N_("Say why the note is rejected: the family will see it."), "invalid", "comment")
    old = {"status": note.status, "decision_comment": note.decision_comment}
    status, decided_at = ("accepted" if accept else "rejected"), utcnow()
    # Claim the note before anything is written: two class teachers deciding it at once both read
    # "pending", and each would make a reason (or one accept while the other rejects). The conditional
    # UPDATE lets one through; the other waits for its commit (PostgreSQL's row lock; SQLite's write lock)
    # and then matches no row: "already decided", nothing written.
    claimed = session.execute(
        update(AbsenceNote).where(AbsenceNote.id == note.id, AbsenceNote.status == "pending")
        .values(status=status, decided_by=actor.user_id, decided_at=decided_at, decision_comment=comment)
        .execution_options(synchronize_session=False))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise AttendanceError(N_("This note has already been decided."), "conflict")
    for name, value in (("status", status), ("decided_by", actor.user_id), ("decided_at", decided_at),
                        ("decision_comment", comment)):
        set_committed_value(note, name, value)  # the row says so already: no second UPDATE at flush
    result = None
    if accept:
        kind = note.kind if note.kind in reason_kinds(settings) else settings["reasons"][0]["kind"]
        document = reason_kinds(settings)[kind].get("document") or ""
        document = f"{document} от {note.created_at:%d.%m.%Y}".strip() if document else ""
        result = set_reason(session, settings, actor, note.student_id, note.starts_on, note.ends_on, kind,
                            document, note_id=note.id, notify=notify)
    audit(session, school_id=actor.school_id, action="attendance.note.decide", object_type="attendance.note",
          object_id=note.id, old=old, new={"status": note.status, "decision_comment": comment},
          actor_id=actor.user_id)
    session.flush()
    return result


def notes_query(school_id: int) -> Any:
    """Notes with the child's name, newest first; callers narrow it (a guardian's children, a class)."""
    return (
        select(AbsenceNote, User)
        .join(User, User.id == AbsenceNote.student_id)
        .where(AbsenceNote.school_id == school_id)
        .order_by(AbsenceNote.created_at.desc(), AbsenceNote.id.desc())
    )


def guardian_notes(session: Session, school_id: int, guardian_id: int) -> list[tuple[AbsenceNote, User]]:
    return list(session.execute(
        notes_query(school_id).join(GuardianLink, and_(GuardianLink.student_id == AbsenceNote.student_id,
                                                       GuardianLink.guardian_id == guardian_id))
    ).all())


def class_notes(session: Session, school_id: int, class_ids: Iterable[int],
                status: str | None = None) -> list[tuple[AbsenceNote, User]]:
    query = notes_query(school_id).where(AbsenceNote.class_id.in_(list(class_ids)))
    if status:
        query = query.where(AbsenceNote.status == status)
    return list(session.execute(query).all())


def pending_notes_count(session: Session, school_id: int, class_ids: Iterable[int]) -> int:
    ids = list(class_ids)
    if not ids:
        return 0
    return session.scalar(select(func.count(AbsenceNote.id)).where(
        AbsenceNote.school_id == school_id, AbsenceNote.class_id.in_(ids), AbsenceNote.status == "pending")) or 0


def pending_notes_by_class(session: Session, school_id: int, class_ids: Iterable[int]) -> dict[int, int]:
    """Pending notes per class in one query (the attendance index lists every class)."""
    ids = list(class_ids)
    if not ids:
        return {}
    return {cid: n for cid, n in session.execute(
        select(AbsenceNote.class_id, func.count(AbsenceNote.id))
        .where(AbsenceNote.school_id == school_id, AbsenceNote.class_id.in_(ids), AbsenceNote.status == "pending")
        .group_by(AbsenceNote.class_id))}


def class_reasons(session: Session, school_id: int, class_id: int, start: date, end: date) -> list[tuple[AbsenceReason, User]]:
    return list(session.execute(
        select(AbsenceReason, User)
        .join(User, User.id == AbsenceReason.student_id)
        .where(AbsenceReason.school_id == school_id, AbsenceReason.class_id == class_id,
               AbsenceReason.starts_on <= end, AbsenceReason.ends_on >= start)
        .order_by(AbsenceReason.starts_on.desc(), User.last_name)
    ).all())

