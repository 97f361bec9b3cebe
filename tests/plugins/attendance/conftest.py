"""Helpers for the attendance tests: the demo's people and lessons, JSON calls with the CSRF token."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.models import ClassMembership, GuardianLink, Role, RoleGrant, SchoolClass, Subject, User


class Demo:
    """Looks up what the tests need in the demo school (built once per worker)."""

    def __init__(self, session: Any, accounts: dict[str, str]) -> None:
        self.session = session
        self.accounts = accounts
        self.users = {role: session.scalar(select(User).where(User.login == login)) for role, login in accounts.items()}
        classes = session.scalars(select(SchoolClass)).all()
        self.classes = {c.name: c for c in classes}
        self.five_a = self.classes["5А"]
        self.five_b = self.classes["5Б"]
        self.school_id = self.five_a.school_id

    def user(self, role: str) -> User:
        return self.users[role]

    def pupils(self, class_id: int) -> list[int]:
        return sorted(self.session.scalars(select(ClassMembership.student_id)
                                           .where(ClassMembership.class_id == class_id)))

    @property
    def family_child(self) -> int:
        """The demo guardian's child in 5А."""
        guardian = self.user("guardian")
        return self.session.scalar(
            select(GuardianLink.student_id).join(ClassMembership, ClassMembership.student_id == GuardianLink.student_id)
            .where(GuardianLink.guardian_id == guardian.id, ClassMembership.class_id == self.five_a.id))

    def teacher_lesson(self, on_or_before: date, *, min_age: int = 0) -> Any:
        """The demo teacher's latest 5А math lesson held at least ``min_age`` days before ``on_or_before``."""
        from plugins.gradebook.public import Lesson

        teacher = self.user("teacher")
        return self.session.scalar(
            select(Lesson).join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.class_id == self.five_a.id, Lesson.teacher_id == teacher.id, Subject.name == "Математика",
                   Lesson.date <= on_or_before - timedelta(days=min_age))
            .order_by(Lesson.date.desc(), Lesson.number.desc()).limit(1))

    def other_teacher(self) -> User:
        """A teacher who does not teach 5А math and does not lead 5А."""
        from core.models import TeachingAssignment

        excluded = {self.user("teacher").id, self.user("class_teacher").id}
        five_a_teachers = set(self.session.scalars(select(TeachingAssignment.teacher_id)
                                                   .where(TeachingAssignment.class_id == self.five_a.id)))
        return self.session.scalar(
            select(User).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.teacher, User.id.notin_(excluded | five_a_teachers)).order_by(User.id).limit(1))


@pytest.fixture
def demo(session: Any, demo_school: dict[str, Any]) -> Demo:
    return Demo(session, demo_school["accounts"])


@pytest.fixture
def today(app: Any, session: Any) -> date:
    """The school's today: the suite's fixed day (a Wednesday mid second quarter), whatever the calendar
    says, so the edit-window tests always have lessons inside and outside the window."""
    from sqlalchemy import select

    from core.toolkit import School, school_today
    from tests.conftest import FIXED_TODAY

    assert school_today(session.scalars(select(School.id)).first(), session=session) == FIXED_TODAY
    return FIXED_TODAY


def page_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def post_json() -> Any:
    """POST JSON as the journal grid does: the session cookie plus the page's CSRF token in a header."""

    def call(client: Any, url: str, payload: Any) -> Any:
        return client.post(url, json=payload, headers={"X-CSRFToken": page_token(client.get("/").text)})

    return call

