"""Marking one lesson: its pupils, each student's state, saving one cell (the journal grid); the whole
roll call (the phone page) is ``roll_call``. Every change is audited and announced through
``on_attendance_batch_saved``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.toolkit import N_, ClassMembership, SubgroupMember, User, audit, plugin_settings, utcnow
from plugins.attendance.code_rules import cell_text, code_kinds, normalize_code, reason_kinds
from plugins.attendance.errors import AttendanceError
from plugins.attendance.models import AbsenceReason, AttendanceMark, LessonRollCall
from plugins.attendance.rights import Actor, can_view_lesson, edit_refusal
from plugins.gradebook.public import Clash, Lesson, absence_clash


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


def pupils_query(class_id: int, subgroup_id: int | None, day: date) -> Any:
    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.active_on(day))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
        .distinct()
    )
    if subgroup_id is not None:
        query = query.join(SubgroupMember, and_(SubgroupMember.student_id == User.id,
                                                SubgroupMember.subgroup_id == subgroup_id))
    return query


def lesson_pupils(session: Session, lesson: Lesson) -> list[Pupil]:
    """Students who should attend the lesson: the class (or the subgroup) as it was on the lesson's day."""
    return [Pupil(*row) for row in session.execute(pupils_query(lesson.class_id, lesson.subgroup_id, lesson.date))]


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


def mark_state(lesson_id: int, student_id: int, mark: AttendanceMark | None) -> MarkState:
    if mark is None:
        return MarkState(lesson_id, student_id)
    return MarkState(lesson_id, student_id, mark.code, mark.minutes_late, mark.reason)


def lesson_marks(session: Session, lesson_id: int) -> dict[int, AttendanceMark]:
    return {m.student_id: m for m in session.scalars(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson_id))}


def covering_reasons(session: Session, student_ids: Iterable[int], day: date) -> dict[int, AbsenceReason]:
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


def write_mark(session: Session, settings: Mapping[str, Any], actor: Actor, lesson: Lesson, student_id: int,
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
    old = mark_state(lesson.id, student_id, existing)
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
        change = "created" if existing is None else "deleted" if not code else "changed"
        notify(session=session, lesson=lesson, actor_id=actor.user_id, changes=[
            {"student_id": student_id, "action": change, "old": old.as_audit(), "new": new.as_audit()}])
    return new


def claim_roll_call(session: Session, lesson: Lesson, actor_id: int | None, seen: int | None, *,
                    stamp: bool = True) -> int | None:
    """Record the roll call (who, when) and raise its version in ONE statement, only if the version is
    still ``seen`` (0: not taken yet; None: not checked). Returns the new version, or None when someone
    else saved meanwhile (nothing written). ``stamp=False``: a change that is not taking the roll call (an
    absence excused days later by the class teacher) keeps ``taken_at``, which the timeliness report reads
    as the moment attendance was entered; who changed it last and the version still move.

    Why an upsert with RETURNING: it takes the roll call's row lock before the caller reads the marks, so
    two saves of one lesson are serialized on PostgreSQL: the second waits, then finds the version moved
    (refused) or, unchecked, reads the first one's committed marks (no duplicate row, no IntegrityError).
    The first-ever save is covered too (a plain INSERT would fail on the key; the row count of
    ``ON CONFLICT DO NOTHING`` is not reported by every driver, RETURNING is)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    now = utcnow()
    statement = dialect_insert(LessonRollCall).values(
        lesson_id=lesson.id, school_id=lesson.school_id, taken_by=actor_id, taken_at=now, version=1)
    table = LessonRollCall.__table__
    statement = statement.on_conflict_do_update(
        index_elements=["lesson_id"],
        set_={"taken_by": actor_id, "version": table.c.version + 1, **({"taken_at": now} if stamp else {})},
        where=None if seen is None else table.c.version == seen).returning(table.c.version)
    return session.execute(statement.execution_options(synchronize_session=False)).scalar()


def roll_call_version(session: Session, lesson_id: int) -> int:
    """The version a roll-call form or the grid is given (0: attendance not taken yet)."""
    return session.scalar(select(LessonRollCall.version).where(LessonRollCall.lesson_id == lesson_id)) or 0


def check_version(session: Session, lesson: Lesson, version: int | None) -> None:
    """Refuse a save made from an older view of the lesson's attendance, naming who changed it and the
    absences now recorded (None: a service that reads and writes in one go)."""
    current = roll_call_version(session, lesson.id)
    if version is None or version == current:
        return
    raise conflict_error(session, lesson)


def conflict_error(session: Session, lesson: Lesson, version: int | None = None) -> AttendanceError:
    """The refusal of a stale save, read afresh: who took the roll call last and the absences now recorded;
    ``current`` (the API's) holds the version (``version``: the one committed, when known)."""
    roll = session.get(LessonRollCall, lesson.id, populate_existing=True)
    who = session.get(User, roll.taken_by) if roll and roll.taken_by else None
    names = {p.id: p.short_name for p in lesson_pupils(session, lesson)}
    away = [f"{names.get(m.student_id, m.student_id)} — {m.code}" for m in lesson_marks(session, lesson.id).values()]
    error = AttendanceError(
        N_("Someone else has changed this lesson's attendance meanwhile: %(who)s; now marked: %(marks)s. "
           "Nothing was saved; check and save again."), "conflict",
        who=who.full_name if who else "—", marks=", ".join(sorted(away)) or "—")
    current = version if version is not None else roll.version if roll else 0
    error.extra = {"current": {"version": current, "taken_by": who.full_name if who else None}}
    return error


def absences_at(session: Session, lesson_id: int, student_ids: Iterable[int]) -> dict[int, str]:
    """Student id -> absence code at the lesson, for those away (late arrivals are not absences)."""
    kinds = code_kinds(plugin_settings("attendance"))
    ids = list(student_ids)
    if not ids:
        return {}
    return {sid: code for sid, code in session.execute(
        select(AttendanceMark.student_id, AttendanceMark.code)
        .where(AttendanceMark.lesson_id == lesson_id, AttendanceMark.student_id.in_(ids)))
        if kinds.get(code, "absent") != "late"}


def _absence_with_mark(session: Session, settings: Mapping[str, Any], lesson: Lesson, student_id: int,
                       code: str, existing: AttendanceMark | None, warnings: list[Clash] | None) -> None:
    """An absence next to a mark: the gradebook's rule decides (refuse, or save with a warning)."""
    kinds = code_kinds(settings)
    if not code or kinds.get(code) == "late":
        return
    if existing is not None and kinds.get(existing.code) != "late":
        return  # already away: nothing new to warn of
    clash = absence_clash(session, plugin_settings("gradebook"), lesson.id, student_id)
    if clash is None:
        return
    if clash.refused:
        raise AttendanceError(clash.message, "invalid", "code", **clash.params)
    if warnings is not None:
        warnings.append(clash)


def save_mark(session: Session, settings: Mapping[str, Any], actor: Actor, lesson_id: int, student_id: int,
              code: str | None, *, today: date, minutes_late: int | None = None, reason: str = "",
              notify: Notify | None = None, warnings: list[Clash] | None = None,
              version: int | None = None, seen: str | None = None) -> MarkState:
    """Set (or with an empty code clear) one student's attendance at one lesson, as the journal grid does.

    Two guards against a stale overwrite: ``version`` is the lesson's roll-call version the client read
    (an older one is refused, 409), ``seen`` the cell as the grid showed it ("" present, "оп5"...): if the
    cell reads otherwise now, someone changed it meanwhile and the save is refused with what is there.
    The roll call is claimed first (one upsert: who, when, version + 1), which serializes two saves of one
    lesson on PostgreSQL, so the student's row read next is the committed one.
    Checks the actor may edit the lesson and that the student belongs to it, turns an absence into an
    excused one when the class teacher has a reason on file for that day, audits the change.
    Raises ``AttendanceError``; changes nothing then.
    """
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.school_id != actor.school_id:
        raise AttendanceError(N_("Not found."), "not_found")
    refusal = edit_refusal(actor, lesson, today)
    if refusal is not None:
        if refusal.status == 403 and not can_view_lesson(actor, lesson):
            raise AttendanceError(N_("Not found."), "not_found")
        raise refusal
    claimed = claim_roll_call(session, lesson, actor.user_id, version)
    if claimed is None:
        raise conflict_error(session, lesson)
    normalized = normalize_code(settings, code)
    pupil = session.execute(pupils_query(lesson.class_id, lesson.subgroup_id, lesson.date)
                            .where(User.id == student_id)).first()
    if pupil is None:
        raise AttendanceError(N_("This student does not attend this lesson."), "invalid", "student_id")
    existing = session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                           AttendanceMark.student_id == student_id))
    if seen is not None and mark_state(lesson.id, student_id, existing).cell != seen.strip():
        raise _cell_conflict(session, lesson, existing, claimed - 1)  # our own claim is rolled back
    _absence_with_mark(session, settings, lesson, student_id, normalized, existing, warnings)
    reason_row = None
    if normalized and code_kinds(settings)[normalized] == "absent":
        reason_row = covering_reasons(session, [student_id], lesson.date).get(student_id)
    state = write_mark(session, settings, actor, lesson, student_id, existing, normalized, minutes_late, reason,
                   reason_row, "attendance.mark.update", notify)
    session.flush()
    return state


def _cell_conflict(session: Session, lesson: Lesson, mark: AttendanceMark | None, version: int) -> AttendanceError:
    """A grid cell changed by someone else since the grid showed it: who, and what it reads now."""
    who = session.get(User, mark.updated_by) if mark is not None and mark.updated_by else None
    state = mark_state(lesson.id, mark.student_id if mark else 0, mark)
    error = AttendanceError(N_("Someone else has changed this cell meanwhile: now “%(cell)s” (%(who)s). Nothing "
                               "was saved; check and enter it again."), "conflict",
                            cell=state.cell or "—", who=who.full_name if who else "—")
    error.extra = {"current": {"code": state.code, "minutes_late": state.minutes_late, "cell": state.cell,
                               "version": version, "updated_by": who.full_name if who else None}}
    return error


@dataclass
class RollCallResult:
    lesson_id: int
    present: int
    absent: int
    late: int
    changed: int
