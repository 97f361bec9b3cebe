"""Shared by the forum, news and class events tests. People and sections of the demo school's forum: 5А's section, a guardian of 5А, a guardian whose
children are all in other classes, 5А's class teacher and a student of 5А."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from core.models import ClassMembership, GuardianLink, SchoolClass, User
from plugins.forum.models import ForumSection
from tests.conftest import FIXED_TODAY


@pytest.fixture
def forum(session: Any, demo_school: dict[str, Any]) -> SimpleNamespace:
    accounts = demo_school["accounts"]
    lead = session.scalar(select(User).where(User.login == accounts["class_teacher"]))
    fifth = next(g.class_id for g in lead.grants if g.class_id)
    section = session.scalar(select(ForumSection).where(ForumSection.class_id == fifth))
    school = session.scalar(select(ForumSection).where(ForumSection.kind == "school",
                                                       ForumSection.school_id == lead.school_id))
    in_class = set(session.scalars(select(ClassMembership.student_id).where(
        ClassMembership.class_id == fifth, ClassMembership.active_on(FIXED_TODAY))))
    links = session.execute(select(GuardianLink.guardian_id, GuardianLink.student_id)).all()
    by_guardian: dict[int, set[int]] = {}
    for guardian_id, student_id in links:
        by_guardian.setdefault(guardian_id, set()).add(student_id)
    mine = min(g for g, kids in by_guardian.items() if kids & in_class)
    other = min(g for g, kids in by_guardian.items() if not kids & in_class)
    student = session.scalar(select(User).where(User.id.in_(in_class)).order_by(User.id).limit(1))
    return SimpleNamespace(
        class_id=fifth, section=section, school_section=school, lead=lead,
        guardian=session.get(User, mine), other_guardian=session.get(User, other), student=student,
        class_name=session.get(SchoolClass, fifth).name)


@pytest.fixture
def api_token(session: Any) -> Any:
    """``api_token(user)``: headers with a fresh personal API token of that user (the API takes no cookies
    for writes)."""
    from core.models import ApiToken
    from core.security import new_api_token

    def make(user: User) -> dict[str, str]:
        token_value, digest = new_api_token()
        session.add(ApiToken(school_id=user.school_id, user_id=user.id, name="test", token_hash=digest))
        session.commit()
        return {"Authorization": f"Bearer {token_value}"}

    return make
