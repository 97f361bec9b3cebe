"""Attendance rules: who may mark, saving marks and roll calls, reasons and guardians' notes, the weekly
verification, missing roll calls, and the figures (missed lessons, of them excused, late arrivals).

Plain functions over a ``Session`` and the plugin's settings; no Flask. The journal, the roll-call page,
the API, the diary, the reports and the printed journal all go through these, so their figures agree.
Permission *rules* live here too: the caller states what the user's roles allow in an ``Actor`` (views
build it from ``core.api.can``), and the services decide per lesson, class and child.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.api import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    User,
    audit,
    utcnow,
)
from plugins.attendance.models import (
    AbsenceNote,
    AbsenceReason,
    AttendanceMark,
    LessonRollCall,
    WeekVerification,
)
from plugins.gradebook.models import Lesson, Mark


def N_(message: str) -> str:
    """Mark a msgid for extraction; the view translates it when it shows the error."""
    return message


class AttendanceError(Exception):
    """A refused change. ``message`` is a msgid (translated by the caller) with ``params``; ``status`` is
    one of ``not_found``, ``forbidden``, ``invalid``, ``conflict``; ``field`` names the bad input."""

    def __init__(self, message: str, status: str = "invalid", field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.status, self.field, self.params = message, status, field, params


# --- settings ------------------------------------------------------------------------------------------

def code_kinds(settings: Mapping[str, Any]) -> dict[str, str]:
    """code -> kind ("absent", "excused", "late")."""
    return {c["code"]: c["kind"] for c in settings["codes"]}


def codes_of_kind(settings: Mapping[str, Any], *kinds: str) -> list[str]:
    return [c["code"] for c in settings["codes"] if c["kind"] in kinds]


def roll_call_cycle(settings: Mapping[str, Any]) -> list[str]:
    """The codes one tap cycles through on the roll-call page (present first, then these)."""
    known = code_kinds(settings)
    cycle = [c for c in settings["roll_call_codes"] if c in known]
    return cycle or list(known)


def reason_kinds(settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["kind"]: r for r in settings["reasons"]}


def reason_code(settings: Mapping[str, Any], kind: str) -> str:
    """The excused code a reason gives; a reason naming a code that is not excused falls back to the
    first excused code, so a profile that renames codes never turns a reason into an unexcused miss."""
    wanted = reason_kinds(settings)[kind]["code"]
    excused = codes_of_kind(settings, "excused")
    return wanted if wanted in excused else excused[0]


_LATIN_LAYOUT = str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm,.", "йцукенгшщзхъфывапролджэячсмитьбю")


def normalize_code(settings: Mapping[str, Any], raw: str | None) -> str:
    """What a teacher typed, as one of the school's codes ("" for present). A key typed in the Latin
    layout counts as the Cyrillic letter on the same key (Y → н), the usual slip on a school PC."""
    text = (raw or "").strip().lower()
    if not text:
        return ""
    known = {c.lower(): c for c in code_kinds(settings)}
    if text in known:
        return known[text]
    converted = text.translate(_LATIN_LAYOUT)
    if converted in known:
        return known[converted]
    raise AttendanceError(N_("“%(code)s” is not an attendance code. Allowed: %(codes)s."), "invalid", "code",
                          code=raw.strip() if raw else "", codes=", ".join(code_kinds(settings)))


def cell_text(code: str, minutes_late: int | None) -> str:
    """What the journal cell shows: the code alone. The grid sends a cell's text back when a teacher edits
    it (F2), so it must stay a code; the minutes of a late arrival are on the roll call and in the API."""
    return code


# --- who may do what -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """The user acting and what their permissions allow, stated by the caller (views use ``can``).

    ``edit_own``: attendance.edit (own lessons, and lessons where the gradebook's ``lesson_editors`` hook
    names them, e.g. a substitute); ``edit_any``: attendance.edit_any; ``verify_class_ids``: the classes
    they lead with attendance.verify (they correct any lesson of the class during verification);
    ``view_all``: attendance.view_all (the whole school, read-only unless ``edit_any``).
    """

    user_id: int
    school_id: int
    edit_own: bool = False
    edit_any: bool = False
    view_all: bool = False
    verify_class_ids: frozenset[int] = frozenset()
    # A teacher's own lessons older than this many days are corrected by the class teacher or deputy.
    edit_window_days: int | None = None
    extra_editors: Callable[[Lesson], Iterable[int]] | None = field(default=None, compare=False)

    def is_extra_editor(self, lesson: Lesson) -> bool:
        return self.extra_editors is not None and self.user_id in set(self.extra_editors(lesson))


def edit_refusal(actor: Actor, lesson: Lesson, today: date) -> AttendanceError | None:
    """Why ``actor`` may not mark attendance at ``lesson`` (None when they may)."""
    if lesson.school_id != actor.school_id:
        return AttendanceError(N_("Not found."), "not_found")
    if lesson.date > today:
        return AttendanceError(N_("Attendance of a lesson is marked on its day or later."), "invalid")
    if actor.edit_any or lesson.class_id in actor.verify_class_ids:
        return None
    if actor.edit_own and (lesson.teacher_id == actor.user_id or actor.is_extra_editor(lesson)):
        window = actor.edit_window_days
        if window is not None and (today - lesson.date).days > window:
            return AttendanceError(
                N_("The lesson was more than %(days)d days ago: ask the class teacher or the deputy to correct it."),
                "forbidden", days=window)
        return None
    return AttendanceError(
        N_("Only the lesson's teacher, a substitute, the class teacher or the deputy may mark attendance here."),
        "forbidden")


def can_edit_lesson(actor: Actor, lesson: Lesson, today: date) -> bool:
    return edit_refusal(actor, lesson, today) is None


def can_view_lesson(actor: Actor, lesson: Lesson) -> bool:
    if lesson.school_id != actor.school_id:
        return False
    return (actor.view_all or actor.edit_any or lesson.class_id in actor.verify_class_ids
            or lesson.teacher_id == actor.user_id or actor.is_extra_editor(lesson))


def can_view_class(actor: Actor, school_class: SchoolClass | None) -> bool:
    return school_class is not None and school_class.school_id == actor.school_id and (
        actor.view_all or actor.edit_any or school_class.id in actor.verify_class_ids)


def get_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    """The lesson if the actor may see it; otherwise "not found" (never reveal another class's lessons)."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(actor, lesson):
        raise AttendanceError(N_("Not found."), "not_found")
    return lesson


# --- one lesson ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pupil:
    id: int
    last_name: str
    first_name: str
    middle_name: str

    @property
    def short_name(self) -> str:
        initials = "".join(f" {p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name}{initials}"


def _pupils_query(class_id: int, subgroup_id: int | None, day: date) -> Any:
    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.starts_on <= day,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= day))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
        .distinct()
    )
    if subgroup_id is not None:
        query = query.join(SubgroupMember, and_(SubgroupMember.student_id == User.id,
                                                SubgroupMember.subgroup_id == subgroup_id))
    return query


def lesson_pupils(session: Session, lesson: Lesson) -> list[Pupil]:
    """Students who should attend the lesson: the class (or the subgroup) as it was on the lesson's day."""
    return [Pupil(*row) for row in session.execute(_pupils_query(lesson.class_id, lesson.subgroup_id, lesson.date))]


@dataclass(frozen=True)
class MarkState:
    """A student's attendance at a lesson; ``code`` "" means present."""

    lesson_id: int
    student_id: int
    code: str = ""
    minutes_late: int | None = None
    reason: str = ""

    @property
    def cell(self) -> str:
        return cell_text(self.code, self.minutes_late)

    def as_audit(self) -> dict[str, Any]:
        return {"code": self.code, "minutes_late": self.minutes_late, "reason": self.reason}


def _state(lesson_id: int, student_id: int, mark: AttendanceMark | None) -> MarkState:
    if mark is None:
        return MarkState(lesson_id, student_id)
    return MarkState(lesson_id, student_id, mark.code, mark.minutes_late, mark.reason)


def lesson_marks(session: Session, lesson_id: int) -> dict[int, AttendanceMark]:
    return {m.student_id: m for m in session.scalars(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson_id))}


def _covering_reasons(session: Session, student_ids: Iterable[int], day: date) -> dict[int, AbsenceReason]:
    """The newest reason covering ``day`` for each student (one query)."""
    found: dict[int, AbsenceReason] = {}
    ids = list(student_ids)
    if not ids:
        return found
    for reason in session.scalars(
        select(AbsenceReason)
        .where(AbsenceReason.student_id.in_(ids), AbsenceReason.starts_on <= day, AbsenceReason.ends_on >= day)
        .order_by(AbsenceReason.id)
    ):
        found[reason.student_id] = reason
    return found


def reason_text(settings: Mapping[str, Any], reason: AbsenceReason) -> str:
    title = reason_kinds(settings).get(reason.kind, {}).get("title", reason.kind)
    return f"{title}: {reason.document}" if reason.document else title


Notify = Callable[..., Any]


def _write(session: Session, settings: Mapping[str, Any], actor: Actor, lesson: Lesson, student_id: int,
           existing: AttendanceMark | None, code: str, minutes_late: int | None, reason: str,
           reason_row: AbsenceReason | None, action: str, notify: Notify | None) -> MarkState:
    """Apply one student's new state at one lesson, audit it and notify listeners (no-op when unchanged)."""
    kinds = code_kinds(settings)
    reason_id = None
    if code and kinds.get(code) == "absent" and reason_row is not None:
        # A reason already covers this day: the absence is an excused one.
        code, reason, reason_id = reason_row.code, reason_text(settings, reason_row), reason_row.id
    elif existing is not None and code == existing.code and not reason:
        reason, reason_id = existing.reason, existing.reason_id  # same code again keeps its reason
    if kinds.get(code) != "late":
        minutes_late = None
    old = _state(lesson.id, student_id, existing)
    new = MarkState(lesson.id, student_id, code, minutes_late, reason.strip()[:300] if code else "")
    if old == new:
        return old
    if not code:
        if existing is not None:
            session.delete(existing)
    elif existing is None:
        session.add(AttendanceMark(school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, code=code,
                                   minutes_late=new.minutes_late, reason=new.reason, updated_by=actor.user_id,
                                   updated_at=utcnow(), reason_id=reason_id))
    else:
        existing.code, existing.minutes_late, existing.reason = code, new.minutes_late, new.reason
        existing.reason_id, existing.updated_by, existing.updated_at = reason_id, actor.user_id, utcnow()
    audit(session, school_id=lesson.school_id, action=action, object_type="attendance.mark",
          object_id=f"{lesson.id}:{student_id}", old=old.as_audit(), new=new.as_audit(), actor_id=actor.user_id)
    if notify is not None:
        notify(session=session, lesson=lesson, student_id=student_id, old=old.as_audit(), new=new.as_audit(),
               actor_id=actor.user_id)
    return new


def ensure_roll_call(session: Session, lesson: Lesson, actor_id: int | None) -> LessonRollCall:
    """Record that attendance was taken at the lesson (kept once; a new roll call refreshes who and when)."""
    roll = session.get(LessonRollCall, lesson.id)
    if roll is None:
        roll = LessonRollCall(lesson_id=lesson.id, school_id=lesson.school_id, taken_by=actor_id, taken_at=utcnow())
        session.add(roll)
    else:
        roll.taken_by, roll.taken_at = actor_id, utcnow()
    return roll


def save_mark(session: Session, settings: Mapping[str, Any], actor: Actor, lesson_id: int, student_id: int,
              code: str | None, *, today: date, minutes_late: int | None = None, reason: str = "",
              notify: Notify | None = None) -> MarkState:
    """Set (or with an empty code clear) one student's attendance at one lesson, as the journal grid does.

    Checks the actor may edit the lesson and that the student belongs to it, turns an absence into an
    excused one when the class teacher has a reason on file for that day, audits the change, and records
    that attendance was taken at the lesson. Raises ``AttendanceError``; changes nothing then.
    """
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.school_id != actor.school_id:
        raise AttendanceError(N_("Not found."), "not_found")
    refusal = edit_refusal(actor, lesson, today)
    if refusal is not None:
        if refusal.status == "forbidden" and not can_view_lesson(actor, lesson):
            raise AttendanceError(N_("Not found."), "not_found")
        raise refusal
    normalized = normalize_code(settings, code)
    pupil = session.execute(_pupils_query(lesson.class_id, lesson.subgroup_id, lesson.date)
                            .where(User.id == student_id)).first()
    if pupil is None:
        raise AttendanceError(N_("This student does not attend this lesson."), "invalid", "student_id")
    existing = session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                           AttendanceMark.student_id == student_id))
    reason_row = None
    if normalized and code_kinds(settings)[normalized] == "absent":
        reason_row = _covering_reasons(session, [student_id], lesson.date).get(student_id)
    state = _write(session, settings, actor, lesson, student_id, existing, normalized, minutes_late, reason,
                   reason_row, "attendance.mark.update", notify)
    ensure_roll_call(session, lesson, actor.user_id)
    session.flush()
    return state


@dataclass
class RollCallResult:
    lesson_id: int
    present: int
    absent: int
    late: int
    changed: int


def take_roll_call(session: Session, settings: Mapping[str, Any], actor: Actor, lesson_id: int,
                   entries: Mapping[int, tuple[str, int | None]], *, today: date,
                   notify: Notify | None = None) -> RollCallResult:
    """Save a whole lesson at once (the phone roll-call page): ``entries`` maps student id to (code,
    minutes late); students not named were present. Records the roll call even if everyone was there.
    Every code is checked before anything is written."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(actor, lesson):
        raise AttendanceError(N_("Not found."), "not_found")
    refusal = edit_refusal(actor, lesson, today)
    if refusal is not None:
        raise refusal
    pupils = {p.id for p in lesson_pupils(session, lesson)}
    unknown = set(entries) - pupils
    if unknown:
        raise AttendanceError(N_("This student does not attend this lesson."), "invalid", "student_id")
    wanted = {sid: (normalize_code(settings, code), minutes) for sid, (code, minutes) in entries.items()}
    kinds = code_kinds(settings)
    existing = lesson_marks(session, lesson.id)
    absentees = [sid for sid, (code, _m) in wanted.items() if code and kinds[code] == "absent"]
    reasons = _covering_reasons(session, absentees, lesson.date)
    result = RollCallResult(lesson.id, 0, 0, 0, 0)
    for sid in sorted(pupils):
        code, minutes = wanted.get(sid, ("", None))
        mark = existing.get(sid)
        before = _state(lesson.id, sid, mark)
        after = _write(session, settings, actor, lesson, sid, mark, code, minutes, "", reasons.get(sid),
                       "attendance.mark.update", notify)
        result.changed += before != after
        kind = kinds.get(after.code)
        if not after.code:
            result.present += 1
        elif kind == "late":
            result.late += 1
        else:
            result.absent += 1
    ensure_roll_call(session, lesson, actor.user_id)
    session.flush()
    return result


# --- reasons and guardians' notes ----------------------------------------------------------------------

def student_class_on(session: Session, school_id: int, student_id: int, start: date, end: date) -> int | None:
    """The class the student belonged to during the range (the latest membership overlapping it)."""
    return session.scalar(
        select(ClassMembership.class_id)
        .where(ClassMembership.school_id == school_id, ClassMembership.student_id == student_id,
               ClassMembership.starts_on <= end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start))
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
    the range later become excused as they are saved."""
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
    rows = session.execute(
        select(AttendanceMark, Lesson)
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(AttendanceMark.student_id == student_id, AttendanceMark.school_id == actor.school_id,
               Lesson.date >= starts_on, Lesson.date <= ends_on, AttendanceMark.code.in_(absent))
        .order_by(Lesson.date, Lesson.number)
    ).all()
    excused = [
        _write(session, settings, actor, lesson, student_id, mark, mark.code, None, "", reason,
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
    result = None
    if accept:
        kind = note.kind if note.kind in reason_kinds(settings) else settings["reasons"][0]["kind"]
        document = reason_kinds(settings)[kind].get("document") or ""
        document = f"{document} от {note.created_at:%d.%m.%Y}".strip() if document else ""
        result = set_reason(session, settings, actor, note.student_id, note.starts_on, note.ends_on, kind,
                            document, note_id=note.id, notify=notify)
    old = {"status": note.status, "decision_comment": note.decision_comment}
    note.status = "accepted" if accept else "rejected"
    note.decided_by, note.decided_at, note.decision_comment = actor.user_id, utcnow(), comment
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


# --- the week: verification by the class teacher ------------------------------------------------------

def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class WeekLesson:
    id: int
    date: date
    number: int
    subject: str
    teacher_name: str
    subgroup: str | None
    entered: bool
    absent: int = 0
    late: int = 0


@dataclass
class Discrepancy:
    """Something the class teacher should clear up with the subject teacher."""

    kind: str  # "absent_with_mark": absent and given a mark; "day_without_reason": a whole day, no reason
    student_id: int
    student_name: str
    date: date
    lesson_id: int | None = None
    subject: str = ""
    code: str = ""
    mark: str = ""


@dataclass
class WeekOverview:
    class_id: int
    week_start: date
    lessons: list[WeekLesson]
    discrepancies: list[Discrepancy]
    verification: WeekVerification | None
    verified_by_name: str = ""
    changed_since_verified: int = 0

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    def not_entered(self, today: date) -> list[WeekLesson]:
        return [lesson for lesson in self.lessons if not lesson.entered and lesson.date <= today]

    def open_issues(self, today: date) -> int:
        return len(self.discrepancies) + len(self.not_entered(today))

    @property
    def days(self) -> list[tuple[date, list[WeekLesson]]]:
        by_day: dict[date, list[WeekLesson]] = defaultdict(list)
        for lesson in self.lessons:
            by_day[lesson.date].append(lesson)
        return sorted(by_day.items())


def week_overview(session: Session, settings: Mapping[str, Any], school_id: int, class_id: int,
                  week_start: date) -> WeekOverview:
    """Every lesson of the class in the week with its attendance status, and the discrepancies: a student
    marked absent who got a mark at the same lesson, and a student away all day with no reason.
    Six queries whatever the size of the class."""
    week_start = monday(week_start)
    week_end = week_start + timedelta(days=6)
    kinds = code_kinds(settings)
    teacher = aliased(User)
    lesson_rows = session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.subgroup_id, Subject.name, teacher.last_name,
               teacher.first_name, teacher.middle_name, Subgroup.name, LessonRollCall.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(teacher, teacher.id == Lesson.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == Lesson.subgroup_id)
        .outerjoin(LessonRollCall, LessonRollCall.lesson_id == Lesson.id)
        .where(Lesson.school_id == school_id, Lesson.class_id == class_id,
               Lesson.date >= week_start, Lesson.date <= week_end)
        .order_by(Lesson.date, Lesson.number, Subject.name)
    ).all()
    lessons: dict[int, WeekLesson] = {}
    subgroup_of: dict[int, int | None] = {}
    for lid, day, number, subgroup_id, subject, last, first, middle, subgroup, rolled in lesson_rows:
        teacher_name = Pupil(0, last, first, middle).short_name
        lessons[lid] = WeekLesson(lid, day, number, subject, teacher_name, subgroup, rolled is not None)
        subgroup_of[lid] = subgroup_id
    verification = session.scalar(select(WeekVerification).where(
        WeekVerification.class_id == class_id, WeekVerification.week_start == week_start))
    overview = WeekOverview(class_id, week_start, list(lessons.values()), [], verification)
    if verification is not None and verification.verified_by:
        verifier = session.get(User, verification.verified_by)
        overview.verified_by_name = verifier.short_name if verifier else ""
    if not lessons:
        return overview
    ids = list(lessons)
    marks: dict[tuple[int, int], tuple[str, datetime]] = {}
    for lid, sid, code, updated_at in session.execute(
        select(AttendanceMark.lesson_id, AttendanceMark.student_id, AttendanceMark.code, AttendanceMark.updated_at)
        .where(AttendanceMark.lesson_id.in_(ids))
    ):
        marks[(lid, sid)] = (code, updated_at)
        if kinds.get(code, "absent") == "late":
            lessons[lid].late += 1
        else:
            lessons[lid].absent += 1
    if verification is not None:
        overview.changed_since_verified = sum(1 for _c, at in marks.values() if at > verification.verified_at)
    names: dict[int, str] = {}
    active: dict[int, tuple[date, date | None]] = {}
    for sid, last, first, middle, starts_on, ends_on in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name, ClassMembership.starts_on,
               ClassMembership.ends_on)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.starts_on <= week_end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= week_start))
        .order_by(User.last_name, User.first_name, User.id)
    ):
        names[sid] = Pupil(sid, last, first, middle).short_name
        active[sid] = (starts_on, ends_on)
    in_subgroup = {(sg, sid) for sg, sid in session.execute(
        select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
        .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
        .where(Subgroup.class_id == class_id)
    )}

    # Absent (not late) and yet given a mark at the same lesson.
    for lid, sid, value in session.execute(
        select(Mark.lesson_id, Mark.student_id, Mark.value)
        .join(AttendanceMark, and_(AttendanceMark.lesson_id == Mark.lesson_id,
                                   AttendanceMark.student_id == Mark.student_id))
        .where(Mark.lesson_id.in_(ids))
        .order_by(Mark.lesson_id, Mark.student_id)
    ):
        code = marks.get((lid, sid), ("", None))[0]
        if code and kinds.get(code, "absent") != "late":
            lesson = lessons[lid]
            overview.discrepancies.append(Discrepancy("absent_with_mark", sid, names.get(sid, str(sid)), lesson.date,
                                                      lid, lesson.subject, code, value))

    # Away the whole day, every lesson entered, at least one absence without a reason.
    for sid, (starts_on, ends_on) in active.items():
        for day, day_lessons in overview.days:
            if day < starts_on or (ends_on is not None and day > ends_on):
                continue
            own = [lesson for lesson in day_lessons
                   if subgroup_of[lesson.id] is None or (subgroup_of[lesson.id], sid) in in_subgroup]
            if not own or not all(lesson.entered for lesson in own):
                continue
            codes = [marks.get((lesson.id, sid), ("", None))[0] for lesson in own]
            if all(c and kinds.get(c, "absent") != "late" for c in codes) and any(
                    kinds.get(c, "absent") == "absent" for c in codes):
                overview.discrepancies.append(Discrepancy("day_without_reason", sid, names[sid], day,
                                                          code=", ".join(sorted(set(codes)))))
    overview.discrepancies.sort(key=lambda d: (d.date, d.student_name, d.kind))
    return overview


def verify_week(session: Session, actor: Actor, class_id: int, week_start: date, *, today: date,
                open_issues: int = 0, comment: str = "") -> WeekVerification:
    """The class teacher confirms the week (again, if marks changed after an earlier confirmation)."""
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != actor.school_id or not (
            actor.edit_any or class_id in actor.verify_class_ids):
        raise AttendanceError(N_("Not found."), "not_found")
    week_start = monday(week_start)
    if week_start > today:
        raise AttendanceError(N_("A week can be verified once it has begun."), "invalid", "week")
    row = session.scalar(select(WeekVerification).where(WeekVerification.class_id == class_id,
                                                        WeekVerification.week_start == week_start))
    old = None
    if row is None:
        row = WeekVerification(school_id=actor.school_id, class_id=class_id, week_start=week_start)
        session.add(row)
    else:
        old = {"verified_by": row.verified_by, "verified_at": row.verified_at, "open_issues": row.open_issues,
               "comment": row.comment}
    row.verified_by, row.verified_at, row.open_issues = actor.user_id, utcnow(), open_issues
    row.comment = comment.strip()[:500]
    session.flush()
    audit(session, school_id=actor.school_id, action="attendance.week.verify", object_type="attendance.week",
          object_id=f"{class_id}:{week_start.isoformat()}", old=old,
          new={"verified_by": actor.user_id, "verified_at": row.verified_at, "open_issues": open_issues,
               "comment": row.comment}, actor_id=actor.user_id)
    return row


def unverified_weeks(session: Session, school_id: int, class_ids: Iterable[int], since: date,
                     today: date) -> dict[int, list[date]]:
    """Finished weeks (Mondays) with lessons since ``since`` that the class teacher has not verified yet."""
    ids = list(class_ids)
    result: dict[int, list[date]] = {cid: [] for cid in ids}
    if not ids:
        return result
    this_week = monday(today)
    weeks: dict[int, set[date]] = defaultdict(set)
    for cid, day in session.execute(
        select(Lesson.class_id, Lesson.date).distinct()
        .where(Lesson.school_id == school_id, Lesson.class_id.in_(ids), Lesson.date >= since, Lesson.date < this_week)
    ):
        weeks[cid].add(monday(day))
    done = {(cid, week) for cid, week in session.execute(
        select(WeekVerification.class_id, WeekVerification.week_start).where(WeekVerification.class_id.in_(ids)))}
    for cid in ids:
        result[cid] = sorted(w for w in weeks[cid] if (cid, w) not in done)
    return result


# --- lessons without attendance -----------------------------------------------------------------------

@dataclass
class LessonStatus:
    lesson_id: int
    date: date
    number: int
    class_id: int
    class_name: str
    subject: str
    teacher_id: int
    teacher_name: str
    subgroup: str | None
    entered: bool


def _status_query(school_id: int) -> Any:
    teacher = aliased(User)
    return (
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.class_id, SchoolClass.grade_level, SchoolClass.letter,
               Subject.name, Lesson.teacher_id, teacher.last_name, teacher.first_name, teacher.middle_name,
               Subgroup.name, LessonRollCall.lesson_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(teacher, teacher.id == Lesson.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == Lesson.subgroup_id)
        .outerjoin(LessonRollCall, LessonRollCall.lesson_id == Lesson.id)
        .where(Lesson.school_id == school_id)
    )


def _status(row: Any) -> LessonStatus:
    lid, day, number, cid, grade, letter, subject, tid, last, first, middle, subgroup, rolled = row
    return LessonStatus(lid, day, number, cid, f"{grade}{letter}", subject, tid,
                        Pupil(tid, last, first, middle).short_name, subgroup, rolled is not None)


def teacher_lessons_on(session: Session, school_id: int, teacher_id: int, day: date) -> list[LessonStatus]:
    """A teacher's lessons of one day with whether attendance was taken (the "today" page)."""
    query = _status_query(school_id).where(Lesson.teacher_id == teacher_id, Lesson.date == day)
    return [_status(r) for r in session.execute(query.order_by(Lesson.number, SchoolClass.grade_level))]


def missing_roll_calls(session: Session, settings: Mapping[str, Any], school_id: int, today: date,
                       since: date | None = None, teacher_id: int | None = None,
                       class_ids: Iterable[int] | None = None) -> list[LessonStatus]:
    """Lessons held more than ``missing_after_days`` ago with no attendance entered (flagged to the deputy),
    from ``since`` (default: the start of the current academic year). One query."""
    until = today - timedelta(days=settings["missing_after_days"])
    if since is None:
        since = session.scalar(select(AcademicYear.starts_on).where(
            AcademicYear.school_id == school_id, AcademicYear.is_current.is_(True))) or until - timedelta(days=366)
    query = _status_query(school_id).where(Lesson.date >= since, Lesson.date < until,
                                           LessonRollCall.lesson_id.is_(None))
    if teacher_id is not None:
        query = query.where(Lesson.teacher_id == teacher_id)
    if class_ids is not None:
        query = query.where(Lesson.class_id.in_(list(class_ids)))
    teacher = query.selected_columns[8]
    return [_status(r) for r in session.execute(query.order_by(teacher, Lesson.teacher_id, Lesson.date, Lesson.number))]


def by_teacher(statuses: Iterable[LessonStatus]) -> list[tuple[str, int, list[LessonStatus]]]:
    """Group lessons per teacher: (name, id, lessons), teachers by name."""
    groups: dict[int, list[LessonStatus]] = defaultdict(list)
    for status in statuses:
        groups[status.teacher_id].append(status)
    return sorted(((ls[0].teacher_name, tid, ls) for tid, ls in groups.items()), key=lambda g: (g[0], g[1]))


# --- figures -------------------------------------------------------------------------------------------

@dataclass
class AttendanceSummary:
    student_id: int
    lessons: int = 0  # lessons the student should have attended in the range
    missed: int = 0  # absent for any reason
    excused: int = 0  # of the missed, for a valid reason
    late: int = 0
    late_minutes: int = 0

    @property
    def unexcused(self) -> int:
        return self.missed - self.excused

    @property
    def missed_percent(self) -> float:
        return round(100.0 * self.missed / self.lessons, 1) if self.lessons else 0.0

    def add(self, other: AttendanceSummary) -> None:
        self.lessons += other.lessons
        self.missed += other.missed
        self.excused += other.excused
        self.late += other.late
        self.late_minutes += other.late_minutes


def _lesson_counts(session: Session, class_id: int, ids: list[int], start: date, end: date,
                   subject_id: int | None, by_subject: bool) -> list[tuple[int, int | None, int]]:
    """(student, subject or None, lessons) rows: whole-class lessons while a member, plus own subgroups'."""
    lesson_filter = [Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end]
    if subject_id is not None:
        lesson_filter.append(Lesson.subject_id == subject_id)
    group = [Lesson.subject_id] if by_subject else []
    whole_class = (
        select(ClassMembership.student_id, *group, func.count(Lesson.id))
        .join(Lesson, and_(Lesson.class_id == ClassMembership.class_id, Lesson.subgroup_id.is_(None),
                           Lesson.date >= ClassMembership.starts_on,
                           or_(ClassMembership.ends_on.is_(None), Lesson.date <= ClassMembership.ends_on)))
        .where(ClassMembership.student_id.in_(ids), *lesson_filter)
        .group_by(ClassMembership.student_id, *group)
    )
    in_subgroups = (
        select(SubgroupMember.student_id, *group, func.count(Lesson.id))
        .join(Lesson, Lesson.subgroup_id == SubgroupMember.subgroup_id)
        .where(SubgroupMember.student_id.in_(ids), *lesson_filter)
        .group_by(SubgroupMember.student_id, *group)
    )
    rows: list[tuple[int, int | None, int]] = []
    for query in (whole_class, in_subgroups):
        for row in session.execute(query):
            rows.append((row[0], row[1], row[2]) if by_subject else (row[0], None, row[1]))
    return rows


def lessons_per_student(session: Session, class_id: int, student_ids: Iterable[int], start: date, end: date,
                        subject_id: int | None = None) -> dict[int, int]:
    """How many lessons each student had in the range: whole-class lessons while a member of the class,
    plus the lessons of their own subgroups (two queries, whatever the number of students)."""
    ids = list(student_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    for student_id, _subject, n in _lesson_counts(session, class_id, ids, start, end, subject_id, False):
        counts[student_id] += n
    return counts


def _count_marks(summary: AttendanceSummary, kind: str, n: int, minutes: int | None) -> None:
    if kind == "late":
        summary.late += n
        summary.late_minutes += int(minutes or 0)
    else:
        summary.missed += n
        if kind == "excused":
            summary.excused += n


def summarize(session: Session, settings: Mapping[str, Any], class_id: int, student_ids: Iterable[int],
              start: date, end: date, subject_id: int | None = None) -> dict[int, AttendanceSummary]:
    """Per-student attendance of a class's lessons between two dates (three queries in all)."""
    ids = list(student_ids)
    kinds = code_kinds(settings)
    result = {s: AttendanceSummary(s, lessons=n)
              for s, n in lessons_per_student(session, class_id, ids, start, end, subject_id).items()}
    if not ids:
        return result
    query = (
        select(AttendanceMark.student_id, AttendanceMark.code, func.count(), func.sum(AttendanceMark.minutes_late))
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end,
               AttendanceMark.student_id.in_(ids))
        .group_by(AttendanceMark.student_id, AttendanceMark.code)
    )
    if subject_id is not None:
        query = query.where(Lesson.subject_id == subject_id)
    for student_id, code, n, minutes in session.execute(query):
        summary = result.setdefault(student_id, AttendanceSummary(student_id))
        # A code removed from the settings still counts as a miss.
        _count_marks(summary, kinds.get(code, "absent"), n, minutes)
    return result


def summarize_by_subject(session: Session, settings: Mapping[str, Any], class_id: int, student_ids: Iterable[int],
                         start: date, end: date) -> dict[int, dict[int, AttendanceSummary]]:
    """subject id -> student id -> figures, for the per-subject tables of reports (three queries)."""
    ids = list(student_ids)
    kinds = code_kinds(settings)
    result: dict[int, dict[int, AttendanceSummary]] = defaultdict(dict)
    if not ids:
        return {}
    for student_id, subject_id, n in _lesson_counts(session, class_id, ids, start, end, None, True):
        assert subject_id is not None
        summary = result[subject_id].setdefault(student_id, AttendanceSummary(student_id))
        summary.lessons += n
    for student_id, subject_id, code, n, minutes in session.execute(
        select(AttendanceMark.student_id, Lesson.subject_id, AttendanceMark.code, func.count(),
               func.sum(AttendanceMark.minutes_late))
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end,
               AttendanceMark.student_id.in_(ids))
        .group_by(AttendanceMark.student_id, Lesson.subject_id, AttendanceMark.code)
    ):
        summary = result[subject_id].setdefault(student_id, AttendanceSummary(student_id))
        _count_marks(summary, kinds.get(code, "absent"), n, minutes)
    return dict(result)


@dataclass
class ClassSummary:
    class_id: int
    start: date
    end: date
    rows: list[tuple[Pupil, AttendanceSummary]]
    total: AttendanceSummary


def class_summary(session: Session, settings: Mapping[str, Any], class_id: int, start: date, end: date,
                  subject_id: int | None = None) -> ClassSummary:
    """Every student who was in the class during the range, with their figures, and the class total
    (the total's ``student_id`` is 0). Four queries."""
    pupils = [Pupil(*row) for row in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.starts_on <= end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
        .distinct()
    )]
    figures = summarize(session, settings, class_id, [p.id for p in pupils], start, end, subject_id)
    total = AttendanceSummary(0)
    rows = []
    for pupil in pupils:
        summary = figures.get(pupil.id, AttendanceSummary(pupil.id))
        total.add(summary)
        rows.append((pupil, summary))
    return ClassSummary(class_id, start, end, rows, total)


def student_summary(session: Session, settings: Mapping[str, Any], student_id: int, start: date,
                    end: date) -> AttendanceSummary:
    """One student's figures over a range, across every class they were in (a transfer keeps both parts):
    for the diary and the parent letter."""
    total = AttendanceSummary(student_id)
    class_ids = session.scalars(
        select(ClassMembership.class_id).distinct()
        .where(ClassMembership.student_id == student_id, ClassMembership.starts_on <= end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start))
    ).all()
    for class_id in class_ids:
        total.add(summarize(session, settings, class_id, [student_id], start, end).get(
            student_id, AttendanceSummary(student_id)))
    return total


# --- undo (a reported credentials leak) -------------------------------------------------------------------

def revert_entry(session: Session, entry: Any) -> dict[str, Any] | None:
    """Restore what an audit entry of this plugin replaced; None for entries of other plugins."""
    old = entry.old or {}
    if entry.object_type == "attendance.mark":
        lesson_id, _, student_id = entry.object_id.partition(":")
        lesson = session.get(Lesson, int(lesson_id))
        if lesson is None:
            return {}
        mark = session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                           AttendanceMark.student_id == int(student_id)))
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
        return {"code": code, "minutes_late": old.get("minutes_late"), "reason": old.get("reason") or ""}
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
