"""Duty C33, the leak report: it locks the door at once (password, sessions, tokens), tells the holder and the
administrators, is audited and leads the administrator to the revert form pre-filled; who may report for
whom."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.models import AuditEntry, ClassMembership, GuardianLink, LeakReport, User
from tests.conftest import DEMO_PASSWORD, all_plugins, csrf_token, post_form, sign_in


def _token(client) -> str:
    page = post_form(client, "/account/tokens", {"name": "Скрипт"})
    return re.search(r'data-testid="token">([^<]+)<', page.text).group(1)


def _bearer(app, token: str):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _login(app, login: str, password: str):
    client = app.test_client()
    page = client.get("/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_token(page.text)})


def _flash(response) -> str:
    return re.search(r'class="flash error"[^>]*>([^<]+)<', response.text).group(1).strip()


@pytest.fixture
def mail_app(make_app, smtp_server):
    application = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    with application.app_context():
        yield application


def test_class_teacher_reports_her_students_leak_and_the_door_is_locked(mail_app, session, demo_school, smtp_server):
    app = mail_app
    accounts = demo_school["accounts"]
    student = session.scalar(select(User).where(User.login == accounts["student"]))
    student.email = "pupil@family.example"
    session.scalar(select(User).where(User.login == "admin")).email = "admin@school7.example"
    session.commit()
    intruder = sign_in(app.test_client(), student.login)  # the intruder signed in with the leaked password
    token = _token(intruder)
    assert _bearer(app, token).status_code == 200

    teacher = sign_in(app.test_client(), accounts["class_teacher"])
    form = teacher.get("/account/leak")
    assert student.login in form.text  # her class's students are offered
    done = post_form(teacher, "/account/leak", {"login": student.login, "leaked_at": "2026-11-25T10:15:07"},
                     page="/account/leak")
    assert done.status_code == 302
    assert "заблокирована" in teacher.get(done.headers["Location"]).text

    # Every session and token of the account fails at once.
    assert intruder.get("/").headers["Location"].startswith("/login")
    assert intruder.get("/api/v1/me").status_code == 401
    assert _bearer(app, token).status_code == 401
    # The leaked password fails exactly like a wrong one: no hint that the account was locked.
    leaked = _login(app, student.login, DEMO_PASSWORD)
    wrong = _login(app, student.login, "не тот пароль")
    assert leaked.status_code == wrong.status_code == 401
    assert _flash(leaked) == _flash(wrong) == "Неверный логин или пароль."

    # The report: exact to the second, stored in UTC (Moscow is UTC+3).
    report = session.scalar(select(LeakReport).where(LeakReport.user_id == student.id))
    assert report.leaked_at.isoformat() == "2026-11-25T07:15:07+00:00"
    assert report.sessions_revoked == 1 and report.tokens_revoked == 1
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "core.user.leak_report",
                                                    AuditEntry.object_id == str(student.id)))
    assert entry.new["leaked_at"] == "2026-11-25T07:15:07+00:00" and entry.new["password"] == "unusable"
    assert entry.actor_id == session.scalar(select(User.id).where(User.login == accounts["class_teacher"]))

    # The holder and the administrators are told by e-mail...
    to = {m["To"]: m for m in smtp_server.messages}
    assert "pupil@family.example" in to
    assert "25.11.2026 10:15:07" in to["pupil@family.example"].get_content()
    assert student.login in to["admin@school7.example"].get_content()
    assert "revert_login=" in to["admin@school7.example"].get_content()
    assert report.notified == len(smtp_server.messages)

    # ...and on the administrator's start page, with a link to the revert form pre-filled to the second.
    admin = sign_in(app.test_client(), "admin")
    start = admin.get("/").text
    notices = start.split('data-testid="leak-reports"')[1].split("</section>")[0]
    assert student.login in notices and "25.11.2026 10:15:07" in notices
    link = re.search(r'href="([^"]*revert_login[^"]*)"', notices).group(1).replace("&amp;", "&")
    audit_page = admin.get(link).text
    assert f'value="{student.login}"' in audit_page
    assert 'value="2026-11-25T10:15:07"' in audit_page
    log = admin.get("/audit/?action=core.user.leak_report").text  # the report itself is in the log
    assert "2026-11-25T07:15:07+00:00" in log and student.login in log


def test_class_teacher_cannot_report_another_classes_student(app, session, demo_school):
    accounts = demo_school["accounts"]
    own_class = session.scalar(select(ClassMembership.class_id).join(User, User.id == ClassMembership.student_id)
                               .where(User.login == accounts["student"]))
    other = session.scalar(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                           .where(ClassMembership.class_id != own_class).order_by(User.id).limit(1))
    teacher = sign_in(app.test_client(), accounts["class_teacher"])
    refused = post_form(teacher, "/account/leak", {"login": other.login, "leaked_at": "2026-11-25T10:00:00"},
                        page="/account/leak")
    assert refused.status_code == 404
    assert _login(app, other.login, DEMO_PASSWORD).status_code == 302  # nothing happened to the account
    assert session.scalar(select(LeakReport).where(LeakReport.user_id == other.id)) is None


def test_guardian_reports_only_for_himself(app, session, demo_school):
    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    child_id = session.scalar(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id))
    child = session.get(User, child_id)
    client = sign_in(app.test_client(), guardian.login)
    refused = post_form(client, "/account/leak", {"login": child.login, "leaked_at": "2026-11-25T10:00:00"},
                        page="/account/leak")
    assert refused.status_code == 404
    own = post_form(client, "/account/leak", {"login": guardian.login, "leaked_at": "2026-11-25T09:59:30"},
                    page="/account/leak")
    assert own.headers["Location"].startswith("/login")
    assert "заблокирована" in client.get("/login").text
    assert client.get("/").headers["Location"].startswith("/login")
    assert _login(app, guardian.login, DEMO_PASSWORD).status_code == 401


def test_a_leak_cannot_be_reported_in_the_future(app, session, demo_school):
    client = sign_in(app.test_client(), "zavuch")
    refused = post_form(client, "/account/leak", {"login": "zavuch", "leaked_at": "2026-11-26T10:00:00"},
                        page="/account/leak")
    assert refused.status_code == 302
    assert "Момент утечки не может быть в будущем." in client.get(refused.headers["Location"]).text
    assert "Здравствуйте" in client.get("/").text  # still signed in: nothing was locked


def test_administrator_reports_through_the_api(app, session, demo_school):
    teacher_login = demo_school["accounts"]["teacher"]
    victim = sign_in(app.test_client(), teacher_login)
    victim_token = _token(victim)
    admin_token = _token(sign_in(app.test_client(), "admin"))
    answer = app.test_client().post("/api/v1/account/leak-reports", headers={"Authorization": f"Bearer {admin_token}"},
                                    json={"login": teacher_login, "leaked_at": "2026-11-25T08:00:00"})
    assert answer.status_code == 201
    assert answer.json["tokens_revoked"] == 1 and answer.json["sessions_revoked"] == 1
    assert answer.json["leaked_at"].startswith("2026-11-25T05:00:00")
    assert _bearer(app, victim_token).status_code == 401
    assert victim.get("/").headers["Location"].startswith("/login")
    # A student may not report a teacher: 404, as if there were no such account.
    student_token = _token(sign_in(app.test_client(), demo_school["accounts"]["student"]))
    refused = app.test_client().post("/api/v1/account/leak-reports",
                                     headers={"Authorization": f"Bearer {student_token}"},
                                     json={"login": "zavuch"})
    assert refused.status_code == 404
