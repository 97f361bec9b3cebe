"""The portfolio's hook implementations, each really called: the undo after a reported leak, the dashboard
widget, the report in the registry, the demo data."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.audit import entries_to_revert
from core.db import utcnow
from core.models import User
from plugins.portfolio import services
from plugins.portfolio.models import Entry, Project, ProjectMember, TeacherEntry


def _user(session, demo_school, role):
    return session.scalar(select(User).where(User.login == demo_school["accounts"][role]))


def test_hook_revert_change(app, session, demo_school, login_as):
    """A leaked class teacher account returned an entry and added then deleted another: all is undone."""
    from tests.conftest import csrf_token

    pm = app.extensions["klass"].pm
    student, teacher = _user(session, demo_school, "student"), _user(session, demo_school, "class_teacher")
    first = services.create_entry(session, school_id=student.school_id, student=student, author=student, values={
        "section": "Спорт", "title": "Кросс", "happened_on": date(2026, 10, 1)})
    session.commit()
    moment = utcnow() - timedelta(microseconds=1)
    client = login_as("class_teacher")
    page = f"/portfolio/student/{student.id}"
    token = csrf_token(client.get(page).text)
    client.post(f"/portfolio/entries/{first.id}/review", data={"action": "return", "comment": "Нет диплома",
                                                               "csrf_token": token})
    client.post(f"{page}/entries", data={"section": "Отзывы", "kind": "review", "title": "Отзыв учителя",
                                         "happened_on": "2026-11-20", "csrf_token": token})
    second = session.scalar(select(Entry).where(Entry.title == "Отзыв учителя"))
    assert second.status == "confirmed"  # the class teacher's own entry needs no confirmation
    client.post(f"/portfolio/entries/{second.id}/delete", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Entry, first.id).status == "returned" and session.get(Entry, second.id) is None
    undone = [e for e in entries_to_revert(session, student.school_id, teacher.id, moment)
              if e.object_type.startswith("portfolio.")]
    assert [e.action for e in undone] == ["delete", "create", "return"]
    for entry in undone:
        assert pm.hook.revert_change(session=session, entry=entry) is not None
    session.flush()
    session.expire_all()
    assert session.get(Entry, first.id).status == "pending"
    assert session.get(Entry, second.id) is None  # created and deleted by the leak: gone either way


def test_hook_register_dashboard_widgets(login_as, session, demo_school):
    pending = session.scalar(select(func.count(Entry.id)).where(Entry.status == "pending"))
    pending += session.scalar(select(func.count(TeacherEntry.id)).where(TeacherEntry.status == "pending"))
    assert pending > 0
    page = login_as("deputy").get("/").text
    assert f"{pending} записей ждут подтверждения" in page or f"{pending} записи ждут подтверждения" in page \
        or f"{pending} запись ждёт подтверждения" in page


def test_hook_register_reports(login_as):
    listing = login_as("deputy").get("/reports/").text
    assert "Заполнение портфолио" in listing


def test_hook_register_demo_data(session, demo_school):
    """Every class has a handful of entries, there is a project with a team from several classes and courses."""
    per_student = session.scalar(select(func.count(Entry.id)).where(Entry.school_id == demo_school["school_id"]))
    assert per_student >= 4 * 4
    project = session.scalar(select(Project).where(Project.school_id == demo_school["school_id"]))
    assert session.scalar(select(func.count(ProjectMember.id)).where(ProjectMember.project_id == project.id)) >= 2
    assert session.scalar(select(func.count(TeacherEntry.id)).where(TeacherEntry.kind == "course")) > 0
