"""The compat API's rules in-process: the challenge is answered only by a live app password and cannot be
replayed, a guardian's app sees only his own children, a stale ``at`` answers 401 (the clients sign in
again on it), and the routes change nothing (GET, or POSTs without a CSRF token that write no data)."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from core import app_passwords
from core.models import GuardianLink, School, User


def _pw2(salt: str, secret: str) -> str:
    return hashlib.md5((salt + hashlib.md5(secret.encode()).hexdigest()).encode()).hexdigest()


def _sign_in(client, school_id: int, login: str, secret: str) -> tuple[int, dict]:
    data = client.post("/webapi/auth/getdata").json
    form = {"loginType": 1, "scid": school_id, "un": login, "pw": "x", "pw2": _pw2(data["salt"], secret),
            "lt": data["lt"], "ver": data["ver"]}
    response = client.post("/webapi/login", data=form)
    return response.status_code, {"json": response.json, "form": form}


def test_guardian_app_sees_only_own_children_and_a_replay_is_refused(app, session, demo_school):
    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    school = session.get(School, guardian.school_id)
    _row, secret = app_passwords.create(session, guardian, "бот")
    session.commit()
    client = app.test_client()
    status, sent = _sign_in(client, school.id, guardian.login, secret)
    assert status == 200, sent
    at = {"at": sent["json"]["at"]}
    # The same signed-in request sent again (a recording) opens nothing.
    assert client.post("/webapi/login", data=sent["form"]).status_code == 409

    init = client.get("/webapi/student/diary/init", headers=at).json
    children = set(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)))
    assert {s["studentId"] for s in init["students"]} == children
    own = init["students"][0]["studentId"]
    week = client.get(f"/webapi/student/diary?studentId={own}&weekStart=2026-11-23&weekEnd=2026-11-27", headers=at)
    assert week.status_code == 200 and week.json["weekDays"]
    stranger = session.scalar(select(User.id).join(GuardianLink, GuardianLink.student_id == User.id)
                              .where(GuardianLink.student_id.not_in(children)).limit(1))
    assert client.get(f"/webapi/student/diary?studentId={stranger}&weekStart=2026-11-23", headers=at).status_code == 404
    assert client.get("/webapi/schools/999/card", headers=at).status_code == 404

    assert client.post("/webapi/auth/logout", headers=at).status_code == 200
    assert client.get("/webapi/student/diary/init", headers=at).status_code == 401


def test_only_live_app_passwords_of_family_members_answer(app, session, demo_school):
    teacher = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    _row, secret = app_passwords.create(session, teacher, "бот")
    session.commit()
    client = app.test_client()
    status, sent = _sign_in(client, teacher.school_id, teacher.login, secret)
    assert status == 409 and "пароль приложения" in sent["json"]["message"]  # staff have no diary here

    student = session.scalar(select(User).where(User.login == demo_school["accounts"]["student"]))
    row, secret = app_passwords.create(session, student, "бот")
    session.commit()
    status, sent = _sign_in(client, student.school_id, student.login, secret)
    assert status == 200
    at = {"at": sent["json"]["at"]}
    assert client.get("/webapi/years/current", headers=at).status_code == 200
    app_passwords.revoke(row)  # revoking the app password ends the sessions opened with it
    session.commit()
    assert client.get("/webapi/years/current", headers=at).status_code == 401
    assert _sign_in(client, student.school_id, student.login, secret)[0] == 409
