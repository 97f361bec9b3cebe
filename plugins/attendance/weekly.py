"""The class teacher's weekly verification: the week's lessons, the discrepancies to clear up with
subject teachers, and which finished weeks still wait for confirmation.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from core.toolkit import (
    N_,
    ClassMembership,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    User,
    audit,
    utcnow,
)
from plugins.attendance.code_rules import code_kinds
from plugins.attendance.errors import AttendanceError
from plugins.attendance.marking import Pupil
from plugins.attendance.models import AttendanceMark, LessonRollCall, WeekVerification
from plugins.attendance.rights import Actor
from plugins.gradebook.public import Lesson, Mark


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
        .where(ClassMembership.class_id == class_id, ClassMembership.active_between(week_start, week_end))
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

