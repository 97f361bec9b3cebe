"""Demo attendance: a flu wave, a few chronic absentees, occasional lateness, and some lessons whose
attendance was never entered (so the weekly verification and the deputy's flags have something to show).

Nobody is absent at a lesson where the gradebook's demo gave them a mark. The readable demo school
also gets the cases people look for (the few random marks of their whole days away are taken back): in 5А last week one student marked absent who
still got a mark, and one away a whole day without a reason; the demo guardian's child absent three
days with no note yet, a pending note from another family, an accepted one with its reason; verified weeks up to the week before last in every class; and in 5Б a teacher's
lessons left without attendance for the deputy's list."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    School,
    SchoolClass,
    SubgroupMember,
    Term,
    insert_with_ids,
    school_today,
)
from plugins.attendance.models import (
    AbsenceNote,
    AbsenceReason,
    AttendanceMark,
    LessonRollCall,
    WeekVerification,
)
from plugins.gradebook.public import Lesson, Mark


def build(session: Session, school: School, size: str, today: date | None = None) -> dict[str, int]:
    rng = random.Random(23)
    today = today or school_today(school.id, session=session)
    members: dict[int, list[int]] = defaultdict(list)
    for class_id, student_id in session.execute(
        select(ClassMembership.class_id, ClassMembership.student_id).where(ClassMembership.school_id == school.id)
    ):
        members[class_id].append(student_id)
    subgroup_members: dict[int, set[int]] = defaultdict(set)
    for sg, student_id in session.execute(select(SubgroupMember.subgroup_id, SubgroupMember.student_id)):
        subgroup_members[sg].add(student_id)
    lessons = session.execute(
        select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.date, Lesson.teacher_id)
        .where(Lesson.school_id == school.id, Lesson.date <= today)
        .order_by(Lesson.date, Lesson.number)
    ).all()
    all_students = [s for ids in members.values() for s in ids]
    chronic = set(rng.sample(all_students, max(2, len(all_students) // 40)))
    # A flu wave: a quarter of the students ill for 3-6 school days somewhere in a fortnight.
    wave_start = today - timedelta(days=30)
    ill_days: dict[int, set[date]] = defaultdict(set)
    for student_id in rng.sample(all_students, len(all_students) // 4):
        first = wave_start + timedelta(days=rng.randrange(0, 14))
        for d in range(rng.randint(3, 8)):
            ill_days[student_id].add(first + timedelta(days=d))
    family_day: dict[int, date] = {s: today - timedelta(days=rng.randrange(5, 60)) for s in rng.sample(
        all_students, len(all_students) // 10)}

    # A teacher does not mark a pupil who was not there: no absence where the gradebook's demo gave a mark.
    marked = {(lid, sid) for lid, sid in session.execute(
        select(Mark.lesson_id, Mark.student_id).where(Mark.school_id == school.id))}
    mark_rows: list[dict[str, Any]] = []
    roll_rows: list[dict[str, Any]] = []
    for lesson_id, class_id, subgroup_id, day, teacher_id in lessons:
        recent = (today - day).days <= 3
        if recent and rng.random() < 0.15:
            continue  # not entered yet: the verification page and the deputy's flags show it
        roll_rows.append({"lesson_id": lesson_id, "school_id": school.id, "taken_by": teacher_id})
        pupils = subgroup_members[subgroup_id] if subgroup_id else members[class_id]
        for student_id in pupils:
            code, minutes = None, None
            if day in ill_days.get(student_id, ()):
                code = "б"
            elif family_day.get(student_id) == day:
                code = "у"
            elif student_id in chronic and rng.random() < 0.15:
                code = "н"
            elif rng.random() < 0.006:
                code = "н"
            elif rng.random() < 0.01:
                code, minutes = "о", rng.choice([3, 5, 7, 10, 15])
            if code and code != "о" and (lesson_id, student_id) in marked:
                code, minutes = None, None
            if code:
                mark_rows.append({"school_id": school.id, "lesson_id": lesson_id, "student_id": student_id,
                                  "code": code, "minutes_late": minutes, "reason": "", "updated_by": teacher_id})
    insert_with_ids(session, AttendanceMark, mark_rows)
    for offset in range(0, len(roll_rows), 20000):
        session.execute(insert(LessonRollCall.__table__), roll_rows[offset:offset + 20000])
    verified = _verified_weeks(session, school, today)
    if size != "full":
        _showcase(session, school, today, members, subgroup_members)
    return {"attendance_marks": len(mark_rows), "roll_calls": len(roll_rows), "verified_weeks": verified}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _verified_weeks(session: Session, school: School, today: date) -> int:
    """Every class teacher verified the weeks of the current term up to the week before last."""
    term = session.scalar(select(Term).where(Term.school_id == school.id, Term.starts_on <= today,
                                             Term.ends_on >= today))
    if term is None:
        return 0
    until = _monday(today) - timedelta(days=7)
    rows = []
    weeks: dict[int, set[date]] = defaultdict(set)
    for class_id, day in session.execute(
        select(Lesson.class_id, Lesson.date).distinct()
        .where(Lesson.school_id == school.id, Lesson.date >= term.starts_on, Lesson.date < until)
    ):
        weeks[class_id].add(_monday(day))
    teachers = {cid: tid for cid, tid in session.execute(
        select(SchoolClass.id, SchoolClass.class_teacher_id).where(SchoolClass.school_id == school.id))}
    for class_id, mondays in weeks.items():
        for week in sorted(mondays):
            at = datetime.combine(week + timedelta(days=4), time(13, 30), tzinfo=UTC)
            rows.append({"school_id": school.id, "class_id": class_id, "week_start": week,
                         "verified_by": teachers.get(class_id), "verified_at": at, "open_issues": 0, "comment": ""})
    if rows:
        session.execute(insert(WeekVerification.__table__), rows)
    return len(rows)


def _set(session: Session, school_id: int, lesson: Any, student_id: int, code: str, reason: str = "",
         reason_id: int | None = None) -> None:
    session.execute(delete(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                 AttendanceMark.student_id == student_id))
    session.execute(insert(AttendanceMark.__table__), [{
        "school_id": school_id, "lesson_id": lesson.id, "student_id": student_id, "code": code,
        "minutes_late": None, "reason": reason, "updated_by": lesson.teacher_id, "reason_id": reason_id,
        "updated_at": datetime.now(UTC)}])
    if session.get(LessonRollCall, lesson.id) is None:
        session.add(LessonRollCall(lesson_id=lesson.id, school_id=school_id, taken_by=lesson.teacher_id))
        session.flush()


def _showcase(session: Session, school: School, today: date, members: dict[int, list[int]],
              subgroup_members: dict[int, set[int]]) -> None:
    classes = {c.name: c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))}
    five_a, five_b = classes.get("5А"), classes.get("5Б")
    if five_a is None or not members.get(five_a.id):
        return
    lessons = list(session.scalars(select(Lesson).where(Lesson.class_id == five_a.id, Lesson.date < today)
                                   .order_by(Lesson.date, Lesson.number)))
    days = sorted({lesson.date for lesson in lessons})
    if len(days) < 12:
        return
    by_day: dict[date, list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        by_day[lesson.date].append(lesson)
    pupils = sorted(members[five_a.id])
    family_child = pupils[0]  # the demo guardian's child (and the demo student)

    def own(day: date, student_id: int) -> list[Lesson]:
        return [ls for ls in by_day[day] if ls.subgroup_id is None or student_id in subgroup_members[ls.subgroup_id]]

    def away_all_day(student_id: int, day: date, code: str, reason: str = "", reason_id: int | None = None) -> None:
        """A whole day away; the random marks the gradebook's demo gave that day go (nobody marks an absent
        pupil), so the only "absent and yet given a mark" case is the one made on purpose below."""
        day_lessons = [ls.id for ls in own(day, student_id)]
        session.execute(delete(Mark).where(Mark.lesson_id.in_(day_lessons), Mark.student_id == student_id))
        for lesson in own(day, student_id):
            _set(session, school.id, lesson, student_id, code, reason, reason_id)

    # The demo guardian's child: away the last three school days, no note yet.
    for day in days[-3:]:
        away_all_day(family_child, day, "н")
    # Last week: a student away a whole day without a reason, and one marked absent who still got a mark.
    last_week = [d for d in days if _monday(today) - timedelta(days=7) <= d < _monday(today)] or days[-5:]
    away_all_day(pupils[3], last_week[0], "н")
    marked_there = session.execute(
        select(Mark.lesson_id, Mark.student_id)
        .where(Mark.lesson_id.in_([ls.id for d in last_week[1:] for ls in by_day[d]]),
               Mark.student_id.in_(pupils[8:]))
        .order_by(Mark.lesson_id.desc(), Mark.student_id).limit(1)
    ).first()
    if marked_there is not None:
        _set(session, school.id, session.get(Lesson, marked_there.lesson_id), marked_there.student_id, "н")
    # A family's note waiting for the class teacher.
    waiting = pupils[5]
    guardian = session.scalar(select(GuardianLink.guardian_id).where(GuardianLink.student_id == waiting).limit(1))
    note_day = days[-2]
    away_all_day(waiting, note_day, "н")
    session.add(AbsenceNote(school_id=school.id, student_id=waiting, class_id=five_a.id, submitted_by=guardian,
                            starts_on=note_day, ends_on=note_day, kind="family", status="pending",
                            text="Ездили к бабушке в другой город, вернулись поздно вечером."))
    # An accepted note a fortnight ago: its absences are excused ones.
    ill = pupils[7]
    guardian = session.scalar(select(GuardianLink.guardian_id).where(GuardianLink.student_id == ill).limit(1))
    note = AbsenceNote(school_id=school.id, student_id=ill, class_id=five_a.id, submitted_by=guardian,
                       starts_on=days[-11], ends_on=days[-10], kind="illness", status="accepted",
                       text="Температура, были у педиатра.", decided_by=five_a.class_teacher_id,
                       decided_at=datetime.combine(days[-9], time(9, 0), tzinfo=UTC))
    session.add(note)
    session.flush()
    reason = AbsenceReason(school_id=school.id, student_id=ill, class_id=five_a.id, starts_on=days[-11],
                           ends_on=days[-10], kind="illness", code="б", document="заявление родителя",
                           note_id=note.id, created_by=five_a.class_teacher_id)
    session.add(reason)
    session.flush()
    for day in days[-11:-9]:
        away_all_day(ill, day, "б", "болезнь: заявление родителя", reason.id)

    # 5Б: one teacher left three lessons of last week without attendance (the deputy's list).
    if five_b is not None:
        rows = session.execute(
            select(Lesson.id, Lesson.teacher_id)
            .where(Lesson.class_id == five_b.id, Lesson.date >= today - timedelta(days=9),
                   Lesson.date <= today - timedelta(days=4))
            .order_by(Lesson.teacher_id, Lesson.date, Lesson.number)
        ).all()
        if rows:
            teacher = rows[0].teacher_id
            ids = [r.id for r in rows if r.teacher_id == teacher][:3]
            session.execute(delete(AttendanceMark).where(AttendanceMark.lesson_id.in_(ids)))
            session.execute(delete(LessonRollCall).where(LessonRollCall.lesson_id.in_(ids)))
