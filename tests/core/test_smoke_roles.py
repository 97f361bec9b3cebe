"""Each demo role signs in and sees its own start page: its name, its roles, the year and its sections."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.models import SchoolClass, Subject, TeachingAssignment, User

ROLES = ["admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian"]
BADGES = {"admin": "Администратор системы", "principal": "Директор", "deputy": "Заместитель директора",
          "class_teacher": "Классный руководитель", "teacher": "Учитель-предметник", "student": "Учащийся",
          "guardian": "Родитель (законный представитель)"}
# Sections of the start page and the roles that see them.
SECTIONS = {"Мои дети": {"guardian"}, "Мой класс": {"class_teacher"},
            "Мои классы и предметы": {"teacher", "class_teacher"}, "Пользователей:": {"admin", "principal", "deputy"}}


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_role_sees_its_dashboard(login_as, session, demo_school, role):
    user = session.scalar(select(User).where(User.login == demo_school["accounts"][role]))
    page = login_as(role).get("/")
    assert page.status_code == 200
    assert f"<h1>Здравствуйте, {user.first_name}</h1>" in page.text
    assert f'<span class="badge">{BADGES[role]}</span>' in page.text
    assert "Учебный год 2026/2027" in page.text  # the year of the fixed clock
    for heading, roles in SECTIONS.items():
        assert (heading in page.text) == bool(roles & {g.role.value if hasattr(g.role, "value") else g.role
                                                      for g in user.grants}), (role, heading)


def test_teacher_sees_what_they_teach_and_the_office_sees_counts(login_as, session, demo_school):
    teacher = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    taught = session.execute(select(SchoolClass, Subject.name)
                             .join(TeachingAssignment, TeachingAssignment.class_id == SchoolClass.id)
                             .join(Subject, Subject.id == TeachingAssignment.subject_id)
                             .where(TeachingAssignment.teacher_id == teacher.id)).all()
    page = login_as("teacher").get("/").text
    assert taught and all(f"<td>{cls.name}</td><td>{name}</td>" in page for cls, name in taught)
    school_id = demo_school["school_id"]
    people = session.scalar(select(func.count(User.id)).where(User.school_id == school_id))
    page = login_as("principal").get("/").text
    assert f"Пользователей: {people} · классов: 4 · предметов: 20" in page


def test_guardian_dashboard_lists_both_children(login_as, session, demo_school):
    from core.services import children_of

    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    children = children_of(session, guardian.id)
    assert len(children) == 2
    page = login_as("guardian").get("/").text
    for child in children:
        assert f"<li>{child.full_name}</li>" in page
