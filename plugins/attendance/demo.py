"""Demo attendance: a flu wave, a few chronic absentees, occasional lateness, and some lessons whose
attendance was never entered (so the weekly verification and the deputy's flags have something to show)."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.api import ClassMembership, School, SubgroupMember, insert_with_ids
from plugins.attendance.models import AttendanceMark, LessonRollCall
from plugins.gradebook.models import Lesson


def build(session: Session, school: School, size: str, today: date | None = None) -> dict[str, int]:
    rng = random.Random(23)
    today = today or date.today()
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
            if code:
                mark_rows.append({"school_id": school.id, "lesson_id": lesson_id, "student_id": student_id,
                                  "code": code, "minutes_late": minutes, "reason": "", "updated_by": teacher_id})
    insert_with_ids(session, AttendanceMark, mark_rows)
    for offset in range(0, len(roll_rows), 20000):
        session.execute(insert(LessonRollCall.__table__), roll_rows[offset:offset + 20000])
    return {"attendance_marks": len(mark_rows), "roll_calls": len(roll_rows)}
