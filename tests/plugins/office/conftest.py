"""Fixtures of the office tests: the demo school's classes and people by name, clients for any login."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.models import ClassMembership, GuardianLink, Role, RoleGrant, SchoolClass, User

DEMO_PASSWORD = "demo-pass-2026"


def token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def today() -> date:
    return datetime.now(ZoneInfo("Europe/Moscow")).date()


@pytest.fixture
def demo(session: Any, today: date) -> dict[str, Any]:
    """Classes 5А, 5Б, 9А with their students (journal order) and class teachers."""
    out: dict[str, Any] = {}
    for cls in session.scalars(select(SchoolClass)):
        key = f"c{cls.grade_level}{'a' if cls.letter == 'А' else 'b'}"
        out[key] = cls
        out[f"{key}_students"] = list(session.scalars(
            select(User).join(ClassMembership, ClassMembership.student_id == User.id)
            .where(ClassMembership.class_id == cls.id, ClassMembership.ends_on.is_(None))
            .order_by(User.last_name, User.first_name, User.id)))
        out[f"{key}_teacher"] = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.role == Role.class_teacher, RoleGrant.class_id == cls.id))
    return out


@pytest.fixture
def client_for(app: Any) -> Any:
    """``client_for("login")``: a test client signed in with the demo password."""

    def factory(login: str, password: str = DEMO_PASSWORD) -> Any:
        client = app.test_client()
        page = client.get("/login")
        response = client.post("/login", data={"login": login, "password": password, "csrf_token": token(page.text)})
        assert response.status_code == 302, f"sign-in of {login} failed"
        return client

    return factory


@pytest.fixture
def submit() -> Any:
    """``submit(client, url, data, page)``: POST like a browser, with the CSRF token of the form's page."""

    def post(client: Any, url: str, data: dict[str, Any], page: str, **kwargs: Any) -> Any:
        html = client.get(page).text
        return client.post(url, data={**data, "csrf_token": token(html)}, **kwargs)

    return post


@pytest.fixture
def guardians_of(session: Any) -> Any:
    def find(student_id: int) -> list[User]:
        return list(session.scalars(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                    .where(GuardianLink.student_id == student_id).order_by(User.id)))

    return find


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
