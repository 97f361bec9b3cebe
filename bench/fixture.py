"""The benches' own journal: exactly 30 students × 40 lessons with about 1,200 marks.

Why not a demo journal: the demo classes hold 25 students and a term 37-46 lessons of a subject, so a
picked journal changed size whenever the demo builder did (the old bench measured 603 marks). This adds
students to the biggest class of a grade that is given marks (not the gradebook's ``unmarked_grades``:
a first grade refuses every mark, so the mark-save figure would measure a refusal) up to 30, a subject "Замер" taught by one of its teachers, 40 lessons over the
second term (the last one on the pinned day, so it is editable) and one mark per cell with a few gaps and
doubles. It goes through the models, as the demo builders do, on the bench's private copy of the school.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from common import AS_OF
from sqlalchemy import func, insert, select

STUDENTS, LESSONS = 30, 40


@dataclass
class Journal:
    school_id: int
    class_id: int
    subject_id: int
    term_id: int
    teacher_id: int
    teacher_login: str
    lesson_ids: list[int]
    student_ids: list[int]
    marks: int
    term_starts_on: Any = None
    term_ends_on: Any = None


def add_journal(app: Any) -> Journal:
    from core.calendar import lesson_days
    from core.db import session_scope
    from core.models import (
        ClassMembership,
        Holiday,
        Role,
        RoleGrant,
        SchoolClass,
        Subject,
        TeachingAssignment,
        Term,
        User,
    )
    from plugins.gradebook.models import Lesson, Mark

    rng = random.Random(20)
    unmarked = app.extensions["klass"].plugins["gradebook"].settings["unmarked_grades"]
    with app.app_context(), session_scope(app.extensions["klass"].engine) as session:
        term = session.scalar(select(Term).where(Term.starts_on <= AS_OF, Term.ends_on >= AS_OF))
        # A marked grade: the first grade is taught without marks (``unmarked_grades``), and a save there is refused.
        sizes = session.execute(select(ClassMembership.class_id, func.count(ClassMembership.id))
                                .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
                                .where(SchoolClass.grade_level.not_in(unmarked))
                                .group_by(ClassMembership.class_id).order_by(func.count(ClassMembership.id).desc(),
                                                                             ClassMembership.class_id)).all()
        class_id, size = sizes[0]
        school_class = session.get(SchoolClass, class_id)
        school_id = school_class.school_id
        students = list(session.scalars(select(ClassMembership.student_id).where(ClassMembership.class_id == class_id)))
        model = session.get(User, students[0])
        starts = session.scalar(select(func.min(ClassMembership.starts_on)).where(ClassMembership.class_id == class_id))
        for n in range(STUDENTS - size):
            pupil = User(school_id=school_id, login=f"bench-pupil-{n}", password_hash=model.password_hash,
                         last_name="Замеров", first_name="АБВГДЕЖЗИК"[n % 10] + "ирилл", middle_name="", email="", phone="",
                         is_active_account=True, must_change_password=False, failed_logins=0, session_version=1)
            session.add(pupil)
            session.flush()
            session.add(RoleGrant(school_id=school_id, user_id=pupil.id, role=Role.student))
            session.add(ClassMembership(school_id=school_id, class_id=class_id, student_id=pupil.id, starts_on=starts))
            students.append(pupil.id)
        teacher_id = session.scalar(select(TeachingAssignment.teacher_id).where(
            TeachingAssignment.class_id == class_id, TeachingAssignment.subgroup_id.is_(None))
            .order_by(TeachingAssignment.hours_per_week.desc(), TeachingAssignment.id).limit(1))
        subject = Subject(school_id=school_id, name="Замер", short_name="Зам")
        session.add(subject)
        session.flush()
        session.add(TeachingAssignment(school_id=school_id, teacher_id=teacher_id, subject_id=subject.id,
                                       class_id=class_id, hours_per_week=5.0))
        holidays = list(session.scalars(select(Holiday).where(Holiday.school_id == school_id)))
        days = lesson_days(term.starts_on, AS_OF, holidays)
        days = (days * 2)[:LESSONS] if len(days) < LESSONS else days[-LESSONS:]
        days = sorted(days[:LESSONS - 1]) + [AS_OF]
        lesson_ids = []
        seen: dict[Any, int] = {}
        for day in days:
            seen[day] = seen.get(day, 6) + 1
            lesson = Lesson(school_id=school_id, class_id=class_id, subject_id=subject.id, teacher_id=teacher_id,
                            date=day, number=seen[day], topic=f"Тема {len(lesson_ids) + 1}", summary="")
            session.add(lesson)
            session.flush()
            lesson_ids.append(lesson.id)
        rows = []
        for lesson_id in lesson_ids[:-1]:  # the pinned day's lesson stays empty: the save bench writes there
            for student_id in students:
                count = 0 if rng.random() < 0.04 else 2 if rng.random() < 0.07 else 1
                for _ in range(count):
                    value = rng.choice("2345")
                    rows.append({"school_id": school_id, "lesson_id": lesson_id, "student_id": student_id,
                                 "value": value, "numeric": float(value), "work_type": "answer", "comment": "",
                                 "created_by": teacher_id, "updated_by": teacher_id})
        session.execute(insert(Mark), rows)
        login = session.get(User, teacher_id).login
        return Journal(school_id, class_id, subject.id, term.id, teacher_id, login, lesson_ids, students, len(rows),
                       term.starts_on, term.ends_on)

