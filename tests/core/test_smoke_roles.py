"""Each demo role signs in and sees its own start page."""
from __future__ import annotations

import pytest

ROLES = ["admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian"]


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_role_sees_its_dashboard(login_as, role):
    client = login_as(role)
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>" in page.text


def test_guardian_dashboard_lists_both_children(login_as, session, demo_school):
    from sqlalchemy import select

    from core.models import User
    from core.services import children_of

    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    children = children_of(session, guardian.id)
    assert len(children) == 2
    page = login_as("guardian").get("/").text
    for child in children:
        assert child.full_name in page
