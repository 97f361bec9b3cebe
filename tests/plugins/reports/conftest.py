"""Fixtures of the reports tests: the demo school's ids and a small hand-made class whose figures were
computed by hand (readers of pages and files are in ``reports_helpers``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import count
from typing import Any

import pytest
from sqlalchemy import select

from core.models import (
    AcademicYear,
    ClassMembership,
    Role,
    RoleGrant,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
)
from core.toolkit import school_today
from plugins.gradebook.models import FinalMark, Lesson, Mark

_numbers = count(1)


@dataclass
class Demo:
    school_id: int
    classes: dict[str, int]
    users: dict[str, User]
    term_id: int
    term_start: date
    today: date


@pytest.fixture
def demo(session: Any, demo_school: dict[str, Any]) -> Demo:
    from plugins.reports import data

    school_id = demo_school["school_id"]
    classes = {c.name: c.id for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))}
    users = {role: session.scalar(select(User).where(User.login == login))
             for role, login in demo_school["accounts"].items()}
    today = school_today(school_id, session=session)
    term = data.current_term(session, school_id, today)
    return Demo(school_id, classes, users, term.id, term.starts_on, today)


@dataclass
class Crafted:
    """A class built by a test, with marks whose figures are known by hand."""

    session: Any
    school_id: int
    year_id: int
    class_id: int
    teacher: User
    subjects: dict[str, int]
    students: dict[str, User] = field(default_factory=dict)

    def student(self, key: str, last_name: str, starts_on: date | None = None) -> User:
        n = next(_numbers)
        user = User(school_id=self.school_id, login=f"rep-{key}-{n}", last_name=last_name, first_name="Тест",
                    middle_name="", must_change_password=False)
        self.session.add(user)
        self.session.flush()
        year = self.session.get(AcademicYear, self.year_id)
        self.session.add(ClassMembership(school_id=self.school_id, class_id=self.class_id, student_id=user.id,
                                         starts_on=starts_on or year.starts_on))
        self.session.add(RoleGrant(school_id=self.school_id, user_id=user.id, role=Role.student))
        self.session.flush()
        self.students[key] = user
        return user

    def lesson(self, subject: str, day: date, **extra: Any) -> Lesson:
        lesson = Lesson(school_id=self.school_id, class_id=self.class_id, subject_id=self.subjects[subject],
                        teacher_id=self.teacher.id, date=day, number=1, topic=extra.pop("topic", "Тема"), **extra)
        self.session.add(lesson)
        self.session.flush()
        return lesson

    def mark(self, lesson: Lesson, student: str, value: str, work_type: str = "answer", **extra: Any) -> Mark:
        numeric = None if not value[0].isdigit() else float(value[0]) + (0.25 if value.endswith("+") else
                                                                         -0.25 if value.endswith("-") else 0)
        mark = Mark(school_id=self.school_id, lesson_id=lesson.id, student_id=self.students[student].id,
                    value=value, numeric=numeric, work_type=work_type, **extra)
        self.session.add(mark)
        self.session.flush()
        return mark

    def final(self, student: str, subject: str, term_id: int, value: str) -> None:
        numeric = float(value) if value.isdigit() else None
        self.session.add(FinalMark(school_id=self.school_id, class_id=self.class_id,
                                   subject_id=self.subjects[subject], student_id=self.students[student].id,
                                   term_id=term_id, value=value, numeric=numeric))
        self.session.flush()


@pytest.fixture
def crafted(session: Any, demo: Demo) -> Crafted:
    """Class 10Я with a teacher of mathematics, Russian and history, and no students yet."""
    from plugins.reports import data

    year_id = data.current_year_id(session, demo.school_id)
    school_class = SchoolClass(school_id=demo.school_id, year_id=year_id, grade_level=10, letter="Я")
    session.add(school_class)
    teacher = User(school_id=demo.school_id, login=f"rep-teacher-{next(_numbers)}", last_name="Проверкина",
                   first_name="Вера", middle_name="Ивановна", must_change_password=False)
    session.add(teacher)
    session.flush()
    session.add(RoleGrant(school_id=demo.school_id, user_id=teacher.id, role=Role.teacher))
    subjects = {}
    for key, name in (("math", "Математика"), ("russian", "Русский язык"), ("history", "История")):
        subjects[key] = session.scalar(select(Subject.id).where(Subject.school_id == demo.school_id,
                                                                 Subject.name == name))
        session.add(TeachingAssignment(school_id=demo.school_id, teacher_id=teacher.id, subject_id=subjects[key],
                                       class_id=school_class.id))
    session.flush()
    return Crafted(session, demo.school_id, year_id, school_class.id, teacher, subjects)
