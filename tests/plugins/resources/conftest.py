"""The demo school's 5А maths as the catalogue's stories need it: the maths teacher, the next maths lesson of
5А after today, a student of 5А and a guardian of a 5А student, another class of the same grade."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from core.models import ClassMembership, GuardianLink, SchoolClass, Subject, User
from tests.conftest import FIXED_TODAY

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture
def fifth(session: Any, demo_school: dict[str, Any]) -> SimpleNamespace:
    from plugins.gradebook.models import Lesson

    accounts = demo_school["accounts"]
    teacher = session.scalar(select(User).where(User.login == accounts["teacher"]))
    klass = session.scalar(select(SchoolClass).join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
                           .join(User, User.id == ClassMembership.student_id)
                           .where(User.login == accounts["student"]))
    other = session.scalar(select(SchoolClass).where(SchoolClass.year_id == klass.year_id,
                                                     SchoolClass.grade_level == klass.grade_level,
                                                     SchoolClass.id != klass.id))
    maths = session.scalar(select(Subject).where(Subject.school_id == teacher.school_id, Subject.name == "Математика"))
    lesson = session.scalar(select(Lesson).where(Lesson.class_id == klass.id, Lesson.subject_id == maths.id,
                                                 Lesson.date > FIXED_TODAY, Lesson.subgroup_id.is_(None))
                            .order_by(Lesson.date, Lesson.number).limit(1))
    student = session.scalar(select(User).where(User.login == accounts["student"]))
    kids = set(session.scalars(select(ClassMembership.student_id).where(ClassMembership.class_id == klass.id,
                                                                       ClassMembership.active_on(FIXED_TODAY))))
    guardian_id, kid_id = session.execute(select(GuardianLink.guardian_id, GuardianLink.student_id)
                                          .where(GuardianLink.student_id.in_(kids))
                                          .order_by(GuardianLink.guardian_id).limit(1)).one()
    return SimpleNamespace(teacher=teacher, klass=klass, other=other, maths=maths, lesson=lesson, student=student,
                           guardian=session.get(User, guardian_id), kid=session.get(User, kid_id))


@pytest.fixture
def api_token(session: Any) -> Any:
    """``api_token(user)``: headers with a fresh personal API token of that user."""
    from core.models import ApiToken
    from core.security import new_api_token

    def make(user: User) -> dict[str, str]:
        token_value, digest = new_api_token()
        session.add(ApiToken(school_id=user.school_id, user_id=user.id, name="test", token_hash=digest))
        session.commit()
        return {"Authorization": f"Bearer {token_value}"}

    return make
