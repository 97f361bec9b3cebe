"""Credentials: the class teacher issues personal logins and one-time passwords for the whole class,
prints them as slips, and sees who has activated their account."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from core.db import utcnow
from core.models import AuditEntry, User
from plugins.office.models import CredentialIssue


def _slips(pdf: bytes) -> tuple[int, list[tuple[str, str]], str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    pairs = re.findall(r"Логин:\s*(\S+)\s*\n?\s*Пароль:\s*(\S+)", text)
    return len(reader.pages), pairs, text


def test_class_teacher_issues_whole_class_and_guardian_signs_in_with_a_slip(
        app, session, demo, client_for, submit, guardians_of, demo_school):
    teacher = client_for(demo["c5a_teacher"].login)
    page = teacher.get(f"/office/classes/{demo['c5a'].id}/credentials")
    assert page.status_code == 200
    assert "Выдать всему классу" in page.text

    url = f"/office/classes/{demo['c5a'].id}/credentials"
    response = submit(teacher, url, {"who": "both", "scope": "all"}, url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"

    pages, pairs, text = _slips(response.data)
    students = demo["c5a_students"]
    guardians = {g.id: g for s in students for g in guardians_of(s.id)}
    assert len(pairs) == len(students) + len(guardians)
    assert pages == -(-len(pairs) // 10)  # ten slips to an A4 page
    assert "Доступ к электронному журналу и дневнику" in text
    assert students[0].full_name in text
    logins = [login for login, _pw in pairs]
    assert len(set(logins)) == len(logins), "every slip is a different, personal account"
    assert demo["c5a_teacher"].login not in logins, "no slip ever opens the class teacher's account"
    assert set(logins) == {s.login for s in students} | {g.login for g in guardians.values()}

    # Passwords are not stored in clear text anywhere: only argon2 hashes and the issue log.
    session.expire_all()
    for login, password in pairs:
        user = session.scalar(select(User).where(User.login == login))
        assert user.password_hash.startswith("$argon2") and password not in user.password_hash
        assert user.must_change_password
    assert session.scalar(select(func.count(CredentialIssue.id))) >= len(pairs)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "office.credentials.issue")).all()
    assert entries and all(pw not in str(e.new) for e in entries for _l, pw in pairs[:3])

    # A guardian signs in with the slip, must set a new password, then sees only their own children.
    guardian = next(g for g in guardians.values() if g.login != demo_school["accounts"]["guardian"])
    password = dict(pairs)[guardian.login]
    client = app.test_client()
    login_page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page.text).group(1)
    response = client.post("/login", data={"login": guardian.login, "password": password, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    assert client.get("/").status_code == 302, "nothing opens before the new password is set"
    response = submit(client, "/account/password", {"current": password, "new": "Sv0y-parol-2026",
                                                    "repeat": "Sv0y-parol-2026"}, "/account/password")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, guardian.id).activated_at is not None
    dashboard = client.get("/").text
    own = [s for s in students if guardian.id in {g.id for g in guardians_of(s.id)}]
    for child in own:
        assert child.full_name in dashboard
    others = [s for s in students if s not in own]
    for child in others[:3]:
        assert child.full_name not in dashboard
    assert client.get(f"/office/files/{own[0].id}").status_code == 200
    assert client.get(f"/office/files/{others[0].id}").status_code == 404
    assert client.get(f"/api/v1/office/files/{others[0].id}").status_code == 404

    # The class teacher's list now shows the guardian as activated.
    listing = teacher.get(f"/office/classes/{demo['c5a'].id}/credentials").text
    row = listing.split(guardian.login, 1)[1].split("</tr>", 1)[0]
    assert "активирована" in row and "не активирована" not in row


def test_only_not_activated_accounts_get_new_passwords(session, demo, client_for, submit):
    students = demo["c5a_students"]
    for n, student in enumerate(students):
        student.activated_at = None if n == 0 else utcnow()
        student.must_change_password = False
    session.commit()
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/classes/{demo['c5a'].id}/credentials"
    response = submit(teacher, url, {"who": "students", "scope": "not_activated"}, url)
    _pages, pairs, _text = _slips(response.data)
    assert [login for login, _pw in pairs] == [students[0].login]


def test_class_teacher_cannot_issue_for_another_class_or_a_colleague(session, demo, client_for, submit):
    teacher = client_for(demo["c5a_teacher"].login)
    other = f"/office/classes/{demo['c5b'].id}/credentials"
    assert teacher.get(other).status_code == 404
    own = f"/office/classes/{demo['c5a'].id}/credentials"
    assert submit(teacher, other, {"who": "both", "scope": "all"}, own).status_code == 404
    # Another class's student, and a colleague's account, are out of reach of the re-issue button.
    student_5b = demo["c5b_students"][0]
    assert submit(teacher, f"/office/users/{student_5b.id}/password", {}, own).status_code == 404
    colleague = demo["c5b_teacher"]
    assert submit(teacher, f"/office/users/{colleague.id}/password", {}, own).status_code == 404
    session.expire_all()
    assert not session.get(User, student_5b.id).must_change_password


def test_reissue_one_password_shows_it_once(session, demo, client_for, submit):
    teacher = client_for(demo["c5a_teacher"].login)
    student = demo["c5a_students"][2]
    own = f"/office/classes/{demo['c5a'].id}/credentials"
    response = submit(teacher, f"/office/users/{student.id}/password", {"back": own}, own)
    assert response.status_code == 200
    password = re.search(r'data-testid="password">([^<]+)<', response.text).group(1)
    assert "Пароль показан только сейчас" in response.text
    session.expire_all()
    assert session.get(User, student.id).must_change_password
    assert password not in teacher.get(own).text


def test_guardian_who_is_also_staff_is_skipped(session, demo, client_for, submit, guardians_of):
    from core.services import grant_role

    guardians = {g.id: g for s in demo["c5a_students"] for g in guardians_of(s.id)}
    guardian = guardians_of(demo["c5a_students"][0].id)[0]
    grant_role(session, guardian, "teacher")
    for other in guardians.values():  # everybody else has activated: only the colleague is left
        other.activated_at, other.must_change_password = utcnow(), other.id == guardian.id
    session.commit()
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/classes/{demo['c5a'].id}/credentials"
    response = submit(teacher, url, {"who": "guardians", "scope": "not_activated"}, url)
    assert response.status_code == 302, "no slips: the only candidate is a staff account"
    page = teacher.get(url).text
    assert "только администратор системы" in page and "Новые реквизиты никому не понадобились." in page


def test_admin_issues_staff_slips(session, client_for, submit):
    assert client_for("director").get("/office/staff-credentials").status_code == 403
    from core.models import Role, RoleGrant

    staff = session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(RoleGrant.role.not_in([Role.student, Role.guardian]))).unique().all()
    for user in staff:  # most staff have set their own password already
        user.activated_at, user.must_change_password = utcnow(), user.login in ("director", "zavuch")
    session.commit()
    admin = client_for("admin")
    response = submit(admin, "/office/staff-credentials", {"scope": "not_activated"}, "/office/staff-credentials")
    assert response.mimetype == "application/pdf"
    _pages, pairs, text = _slips(response.data)
    logins = dict(pairs)
    assert set(logins) == {"director", "zavuch"}, "the not activated ones, never the admin themself"
    assert "Сотрудник школы" in text
