"""Substitutions, moves and cancellations of single lessons, who may then edit a lesson, and the
lists of changes for a class, a teacher or the school.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.toolkit import N_, AcademicYear, SchoolClass, User, audit, holidays_between, school_today, utcnow
from plugins.gradebook.public import Lesson
from plugins.timetable.clashes import Draft, draft_clashes, subgroup_members
from plugins.timetable.generation import lessons_with_records, plan_topics, topic_is_teachers
from plugins.timetable.models import LessonChange
from plugins.timetable.naming import Names
from plugins.timetable.refusals import Problem, TimetableError, fail


def _lesson_clashes(session: Session, school_id: int, lesson: Lesson, day: date, number: int, teacher_id: int,
                    names: Names) -> list[Problem]:
    """What already happens at (day, number) that this lesson (given by ``teacher_id``) would clash with."""
    others = session.execute(select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id,
                                    Lesson.teacher_id).where(
        Lesson.school_id == school_id, Lesson.date == day, Lesson.number == number, Lesson.id != lesson.id,
        or_(Lesson.teacher_id == teacher_id, Lesson.class_id == lesson.class_id))).all()
    me = Draft(lesson.class_id, lesson.subgroup_id, lesson.subject_id, teacher_id, day.weekday(), number)
    members = subgroup_members(session, [lesson.subgroup_id] + [o.subgroup_id for o in others])
    problems = []
    for o in others:
        other = Draft(o.class_id, o.subgroup_id, o.subject_id, o.teacher_id, day.weekday(), number)
        problems += draft_clashes(me, other, names, members, set())
    return problems


def _active_of(session: Session, lesson_id: int, kind: str) -> LessonChange | None:
    return session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson_id, LessonChange.kind == kind,
                                                     LessonChange.revoked_at.is_(None)))


def _record(session: Session, change: LessonChange, actor_id: int | None) -> LessonChange:
    session.add(change)
    session.flush()
    audit(session, school_id=change.school_id, action="timetable.change.create", object_type="timetable.lesson_change",
          object_id=change.id, actor_id=actor_id,
          old={"lesson_id": change.lesson_id, "teacher_id": change.teacher_id, "date": change.date,
               "number": change.number},
          new={"kind": change.kind, "teacher_id": change.new_teacher_id, "date": change.new_date,
               "number": change.new_number, "reason": change.reason})
    return change


def substitute(session: Session, school_id: int, lesson: Lesson, teacher_id: int, reason: str = "",
               actor_id: int | None = None) -> LessonChange:
    """The substitute gives (and fills the journal of) this one lesson; the regular teacher keeps the right
    to correct it (see the ``register_lesson_editors`` hook)."""
    teacher = session.get(User, teacher_id)
    if teacher is None or teacher.school_id != school_id or not teacher.is_active_account:
        raise fail("teacher", N_("Choose a teacher of this school."))
    names = Names(session, school_id)
    current = _active_of(session, lesson.id, "substitution")
    original = current.teacher_id if current else lesson.teacher_id
    if teacher_id == lesson.teacher_id:
        raise fail("teacher", N_("%(teacher)s already gives this lesson."), teacher=names.person(teacher_id))
    problems = _lesson_clashes(session, school_id, lesson, lesson.date, lesson.number, teacher_id, names)
    problems = [p for p in problems if p.code == "teacher"]
    if problems:
        raise TimetableError(problems, 409)
    if current is not None:
        current.revoked_at, current.revoked_by = utcnow(), actor_id
    lesson.teacher_id = teacher_id
    return _record(session, LessonChange(
        school_id=school_id, kind="substitution", lesson_id=lesson.id, class_id=lesson.class_id,
        subgroup_id=lesson.subgroup_id, subject_id=lesson.subject_id, teacher_id=original, date=lesson.date,
        number=lesson.number, new_teacher_id=teacher_id, reason=reason.strip(), created_by=actor_id), actor_id)


def _school_day_problem(session: Session, school_id: int, day: date, weekdays: int) -> Problem | None:
    if day.weekday() >= weekdays:
        return Problem("date", N_("%(date)s is a day off."), {"date": day.strftime("%d.%m.%Y")})
    for h in holidays_between(session, school_id, day, day):
        return Problem("date", N_("%(date)s falls on the holidays “%(title)s”."),
                       {"date": day.strftime("%d.%m.%Y"), "title": h.title})
    year = session.scalar(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                     AcademicYear.starts_on <= day, AcademicYear.ends_on >= day))
    if year is None:
        return Problem("date", N_("%(date)s is outside the school year."), {"date": day.strftime("%d.%m.%Y")})
    return None


def move(session: Session, school_id: int, lesson: Lesson, new_date: date, new_number: int, *, room: str = "",
         reason: str = "", weekdays: int = 5, lessons_per_day: int = 8, actor_id: int | None = None) -> LessonChange:
    """Move a lesson to another day or number (перенос), refusing a day off or a clash there."""
    if not 1 <= new_number <= lessons_per_day:
        raise fail("number", N_("The lesson number must be from 1 to %(max)s."), max=lessons_per_day)
    if (new_date, new_number) == (lesson.date, lesson.number):
        raise fail("date", N_("The lesson is already at this time."))
    problem = _school_day_problem(session, school_id, new_date, weekdays)
    if problem:
        raise TimetableError([problem])
    problems = _lesson_clashes(session, school_id, lesson, new_date, new_number, lesson.teacher_id,
                               Names(session, school_id))
    if problems:
        raise TimetableError(problems, 409)
    change = LessonChange(school_id=school_id, kind="move", lesson_id=lesson.id, class_id=lesson.class_id,
                          subgroup_id=lesson.subgroup_id, subject_id=lesson.subject_id, teacher_id=lesson.teacher_id,
                          date=lesson.date, number=lesson.number, new_date=new_date, new_number=new_number,
                          new_room=room.strip(), reason=reason.strip(), created_by=actor_id)
    lesson.date, lesson.number = new_date, new_number
    return _record(session, change, actor_id)


def cancel(session: Session, school_id: int, lesson: Lesson, reason: str, actor_id: int | None = None) -> LessonChange:
    """Cancel a lesson that was not held: it leaves the journal, the record stays for families and reports."""
    if not reason.strip():
        raise fail("reason", N_("Give the reason for cancelling the lesson."))
    records = lessons_with_records(session, select(Lesson.id).where(Lesson.id == lesson.id)).get(lesson.id, set())
    if topic_is_teachers(lesson, school_today(school_id, session=session), plan_topics(session, [lesson.class_id])):
        records.add(N_("a topic"))
    if records:
        raise fail("held", N_("The lesson already has %(what)s: it was held and cannot be cancelled."), 409,
                    what=tuple(sorted(records)))
    change = _record(session, LessonChange(
        school_id=school_id, kind="cancel", lesson_id=None, class_id=lesson.class_id, subgroup_id=lesson.subgroup_id,
        subject_id=lesson.subject_id, teacher_id=lesson.teacher_id, date=lesson.date, number=lesson.number,
        reason=reason.strip(), created_by=actor_id), actor_id)
    session.execute(update(LessonChange).where(LessonChange.lesson_id == lesson.id).values(lesson_id=None)
                    .execution_options(content_school_id=school_id))  # this school's cached diary weeks only
    session.delete(lesson)
    session.flush()
    return change


def revoke(session: Session, change: LessonChange, actor_id: int | None = None) -> None:
    """Undo a change: the teacher, the day or the lesson itself come back."""
    if change.revoked_at is not None:
        return
    lesson = session.get(Lesson, change.lesson_id) if change.lesson_id else None
    if change.kind == "substitution" and lesson is not None:
        lesson.teacher_id = change.teacher_id
    elif change.kind == "move" and lesson is not None:
        problems = _lesson_clashes(session, change.school_id, lesson, change.date, change.number, lesson.teacher_id,
                                   Names(session, change.school_id))
        if problems:
            raise TimetableError(problems, 409)
        lesson.date, lesson.number = change.date, change.number
    elif change.kind == "cancel":
        exists = session.scalar(select(Lesson.id).where(
            Lesson.class_id == change.class_id, Lesson.subject_id == change.subject_id, Lesson.date == change.date,
            Lesson.number == change.number, Lesson.subgroup_id.is_(None) if change.subgroup_id is None
            else Lesson.subgroup_id == change.subgroup_id))
        if exists is None:
            session.add(Lesson(school_id=change.school_id, class_id=change.class_id, subgroup_id=change.subgroup_id,
                               subject_id=change.subject_id, teacher_id=change.teacher_id, date=change.date,
                               number=change.number, topic="", summary=""))
    change.revoked_at, change.revoked_by = utcnow(), actor_id
    session.flush()
    audit(session, school_id=change.school_id, action="timetable.change.revoke", object_type="timetable.lesson_change",
          object_id=change.id, actor_id=actor_id, old={"kind": change.kind, "revoked": False}, new={"revoked": True})


def editors_of(session: Session, lesson_id: int) -> list[int]:
    """Who may fill a lesson's journal besides ``Lesson.teacher_id``: the substitute and the regular teacher."""
    out: list[int] = []
    for teacher_id, new_teacher_id in session.execute(select(LessonChange.teacher_id, LessonChange.new_teacher_id).where(
            LessonChange.lesson_id == lesson_id, LessonChange.kind == "substitution",
            LessonChange.revoked_at.is_(None))):
        out += [new_teacher_id, teacher_id]
    return list(dict.fromkeys(i for i in out if i is not None))


@dataclass(frozen=True)
class ChangeInfo:
    """A change as families and the diary see it."""

    id: int
    kind: str  # substitution | move | cancel
    lesson_id: int | None
    class_id: int
    class_name: str
    subgroup_id: int | None
    subgroup: str | None
    subject_id: int
    subject: str
    date: date
    number: int
    teacher_id: int
    teacher: str
    new_teacher_id: int | None
    new_teacher: str | None
    new_date: date | None
    new_number: int | None
    new_room: str
    reason: str
    created_at: datetime
    created_by: str | None


def change_infos(session: Session, school_id: int, changes: list[LessonChange]) -> list[ChangeInfo]:
    names = Names(session, school_id)
    names.people([c.teacher_id for c in changes] + [c.new_teacher_id for c in changes] + [c.created_by for c in changes])
    return [ChangeInfo(
        c.id, c.kind, c.lesson_id, c.class_id, names.classes.get(c.class_id, ""), c.subgroup_id, names.subgroups.get(c.subgroup_id) if c.subgroup_id else None,
        c.subject_id, names.subjects.get(c.subject_id, ""), c.date, c.number, c.teacher_id, names.person(c.teacher_id),
        c.new_teacher_id, names.person(c.new_teacher_id) or None, c.new_date, c.new_number, c.new_room, c.reason,
        c.created_at, names.person(c.created_by) or None) for c in changes]


def changes_for(session: Session, class_id: int, start: date, end: date) -> list[ChangeInfo]:
    """Active substitutions, moves and cancellations of a class's lessons between two dates (inclusive).

    A change is listed when its original date or, for a move, its new date falls in the range: the
    families' diary shows «замена», «перенос» and «отмена» on the days they concern.
    """
    school_id = session.scalar(select(SchoolClass.school_id).where(SchoolClass.id == class_id))
    if school_id is None:
        return []
    changes = list(session.scalars(select(LessonChange).where(
        LessonChange.class_id == class_id, LessonChange.revoked_at.is_(None),
        or_(LessonChange.date.between(start, end), LessonChange.new_date.between(start, end)),
    ).order_by(LessonChange.date, LessonChange.number, LessonChange.id)))
    return change_infos(session, school_id, changes)


def substitutions_of_teacher(session: Session, school_id: int, teacher_id: int, start: date, end: date) -> list[ChangeInfo]:
    """Lessons this teacher gives instead of a colleague between two dates."""
    changes = list(session.scalars(select(LessonChange).where(
        LessonChange.school_id == school_id, LessonChange.new_teacher_id == teacher_id,
        LessonChange.kind == "substitution", LessonChange.revoked_at.is_(None), LessonChange.date.between(start, end),
    ).order_by(LessonChange.date, LessonChange.number)))
    return change_infos(session, school_id, changes)


def recent_changes(session: Session, school_id: int, start: date, end: date) -> list[ChangeInfo]:
    changes = list(session.scalars(select(LessonChange).where(
        LessonChange.school_id == school_id,
        or_(LessonChange.date.between(start, end), LessonChange.new_date.between(start, end)),
    ).where(LessonChange.revoked_at.is_(None)).order_by(LessonChange.date, LessonChange.number)))
    return change_infos(session, school_id, changes)

