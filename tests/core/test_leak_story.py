"""The leak story of issue 14, played through the real pages and API: a teacher's password leaks, the
intruder changes marks, creates a lesson (with a mark in it) and rewrites a homework; the deputy then
genuinely corrects one of the forged marks; the teacher reports the leak to the second; the password and
every token stop working; the administrator reverts: the intruder's lesson is gone, his other changes are
undone, the teacher's own earlier work is intact, the deputy's correction survives and is shown as a
conflict with both values; the audit log records every step."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import AuditEntry, ClassMembership, SchoolClass, Subject, User
from plugins.gradebook.models import Homework, Lesson, Mark
from tests.conftest import DEMO_PASSWORD, csrf_token, post_form, sign_in

API = "/api/v1/gradebook"
MSK = ZoneInfo("Europe/Moscow")
LEAK = datetime(2026, 11, 25, 10, 35, 7, tzinfo=MSK)  # the moment the password leaked, to the second


def _api(client):
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/account/tokens").text)
    return client


def _at(time_machine, seconds_after_leak: int) -> None:
    time_machine.move_to(LEAK + timedelta(seconds=seconds_after_leak), tick=False)


def test_the_leak_story(app, session, demo_school, time_machine):
    accounts = demo_school["accounts"]
    teacher_user = session.scalar(select(User).where(User.login == accounts["teacher"]))
    school_class = next(c for c in session.scalars(select(SchoolClass).where(
        SchoolClass.school_id == demo_school["school_id"])) if c.name == "5А")
    math = session.scalar(select(Subject).where(Subject.school_id == demo_school["school_id"],
                                                Subject.name == "Математика"))
    pupils = list(session.scalars(select(User.id).join(ClassMembership, ClassMembership.student_id == User.id)
                                  .where(ClassMembership.class_id == school_class.id).order_by(User.id)))[:5]

    # Before the leak the teacher works genuinely: a lesson with homework and three marks.
    _at(time_machine, -120)
    teacher = _api(sign_in(app.test_client(), teacher_user.login))
    lesson = teacher.post(f"{API}/lessons", json={"class_id": school_class.id, "subject_id": math.id,
                                                  "date": "2026-11-25", "number": 7, "topic": "Дроби",
                                                  "homework": "№ 101"})
    assert lesson.status_code == 201, lesson.json
    lesson_id = lesson.json["id"]
    genuine = {}
    for pupil, value in zip(pupils[:3], ("4", "3", "5"), strict=True):
        made = teacher.post(f"{API}/marks", json={"lesson_id": lesson_id, "student_id": pupil, "value": value})
        assert made.status_code == 201, made.json
        genuine[pupil] = made.json

    # After the leak the intruder signs in with the leaked password and forges.
    _at(time_machine, 60)
    intruder = _api(sign_in(app.test_client(), teacher_user.login, DEMO_PASSWORD))
    token = re.search(r'data-testid="token">([^<]+)<',
                      post_form(intruder, "/account/tokens", {"name": "скрипт"}).text).group(1)
    _at(time_machine, 70)
    m1, m2 = genuine[pupils[0]], genuine[pupils[1]]
    assert intruder.patch(f"{API}/marks/{m1['id']}", json={"version": m1["version"], "value": "2"}).status_code == 200
    forged2 = intruder.patch(f"{API}/marks/{m2['id']}", json={"version": m2["version"], "value": "2"})
    assert forged2.status_code == 200
    new_mark = intruder.post(f"{API}/marks", json={"lesson_id": lesson_id, "student_id": pupils[3], "value": "2"})
    assert new_mark.status_code == 201
    fake_lesson = intruder.post(f"{API}/lessons", json={"class_id": school_class.id, "subject_id": math.id,
                                                        "date": "2026-11-25", "number": 8, "topic": "Фальшивый",
                                                        "homework": "Выучить всё"})
    assert fake_lesson.status_code == 201
    fake_id = fake_lesson.json["id"]
    mark_in_fake = intruder.post(f"{API}/marks", json={"lesson_id": fake_id, "student_id": pupils[4], "value": "2"})
    assert mark_in_fake.status_code == 201
    version = intruder.get(f"{API}/lessons/{lesson_id}").json["version"]
    assert intruder.patch(f"{API}/lessons/{lesson_id}",
                          json={"homework": "Ничего не задано", "version": version}).status_code == 200

    # The deputy genuinely corrects one of the forged marks.
    _at(time_machine, 200)
    deputy = _api(sign_in(app.test_client(), accounts["deputy"]))
    corrected = deputy.patch(f"{API}/marks/{m2['id']}", json={"version": forged2.json["version"], "value": "4"})
    assert corrected.status_code == 200, corrected.json

    # The teacher reports the leak, exact to the second.
    _at(time_machine, 300)
    reported = post_form(teacher, "/account/leak", {"login": teacher_user.login,
                                                    "leaked_at": LEAK.strftime("%Y-%m-%dT%H:%M:%S")},
                         page="/account/leak")
    assert reported.status_code == 302
    # The leaked password, the intruder's session and his token all fail now.
    again = app.test_client()
    page = again.get("/login").text
    assert again.post("/login", data={"login": teacher_user.login, "password": DEMO_PASSWORD,
                                      "csrf_token": csrf_token(page)}).status_code == 401
    assert intruder.get(f"{API}/lessons/{lesson_id}").status_code == 401
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    late = app.test_client().post(f"{API}/marks", json={"lesson_id": lesson_id, "student_id": pupils[4], "value": "2"},
                                  headers={"Authorization": f"Bearer {token}"})
    assert late.status_code in (400, 401)  # the revoked token is no credential: the write is refused
    assert session.scalar(select(Mark).where(Mark.lesson_id == lesson_id, Mark.student_id == pupils[4])) is None

    # The administrator reverts from the report's moment.
    _at(time_machine, 400)
    admin = sign_in(app.test_client(), "admin")
    result = post_form(admin, "/audit/revert", {"login": teacher_user.login,
                                                "since": LEAK.strftime("%Y-%m-%dT%H:%M:%S")}, page="/audit/")
    assert result.status_code == 200
    undone = result.text.split('id="undone"')[1].split("</section>")[0]
    conflicts = result.text.split('id="conflicts"')[1].split("</section>")[0]
    assert "Отменено: 5" in undone
    assert f"gradebook.lesson #{fake_id}" in undone and f"gradebook.mark #{new_mark.json['id']}" in undone
    assert f"gradebook.mark #{m1['id']}" in undone and f"gradebook.lesson #{lesson_id}" in undone
    assert f"gradebook.mark #{mark_in_fake.json['id']}" in undone
    assert f"gradebook.mark #{m2['id']}" in conflicts
    assert '"value": "2"' in conflicts and '"value": "4"' in conflicts

    session.expire_all()
    # The intruder's lesson is gone (with his mark in it), his mark in the real lesson too.
    assert session.get(Lesson, fake_id) is None
    assert session.scalar(select(Homework).where(Homework.lesson_id == fake_id)) is None
    assert session.get(Mark, new_mark.json["id"]) is None and session.get(Mark, mark_in_fake.json["id"]) is None
    # His change of a genuine mark and of the homework are undone; the teacher's own work is intact.
    assert session.get(Mark, m1["id"]).value == "4"
    assert session.get(Mark, genuine[pupils[2]]["id"]).value == "5"
    assert session.get(Lesson, lesson_id).topic == "Дроби"
    assert session.scalar(select(Homework).where(Homework.lesson_id == lesson_id)).text == "№ 101"
    # The deputy's correction survives.
    assert session.get(Mark, m2["id"]).value == "4"

    # The audit log shows each step.
    steps = [(e.action, e.object_id) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.at >= LEAK - timedelta(minutes=3)).order_by(AuditEntry.id))]
    actions = [a for a, _ in steps]
    assert actions.index("core.user.leak_report") < actions.index("core.user.leak_reported")
    assert ("gradebook.lesson.revert", str(fake_id)) in steps
    assert ("gradebook.mark.revert", str(m1["id"])) in steps
    assert ("core.revert.conflict", str(m2["id"])) in steps
    assert ("gradebook.mark.revert", str(m2["id"])) not in steps
    summary = session.scalar(select(AuditEntry).where(AuditEntry.action == "core.user.leak_reported"))
    assert summary.new["reverted"] == 5 and summary.new["conflicts"] == 1
    assert [c["object_id"] for c in summary.new["conflict"]] == [str(m2["id"])]
    assert summary.new["conflict"][0]["current"]["value"] == "4"
    forged = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == teacher_user.id,
                                                      AuditEntry.at >= LEAK,
                                                      AuditEntry.action.like("gradebook.%"))).all()
    assert {e.reverted_by_id is not None for e in forged if e.object_id != str(m2["id"])} == {True}
    # Nothing before the leak was touched.
    before = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == teacher_user.id,
                                                      AuditEntry.at < LEAK)).all()
    assert before and all(e.reverted_by_id is None for e in before)
