"""The families hear of a roll call and a mark through the audit log: the teacher's requests write nothing
for the diary (no statement on a ``diary_`` table), only wake the sender, and the sender turns the saves'
audit entries into one message each for the guardian who wants them at once, never twice."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, event, select

from core.toolkit import User
from tests.conftest import all_plugins, csrf_token, sign_in
from tests.plugins.diary.conftest import school_today
from tests.plugins.diary.test_notify import _tick, family, mail_app  # noqa: F401 - the fixtures


def _recent_lesson(session: Any, people: Any, teacher_id: int) -> Any:
    """The demo teacher's newest 5А lesson before today (begun by the bells; within the absence window)."""
    from plugins.gradebook.models import Lesson

    return session.scalar(select(Lesson).where(
        Lesson.class_id == people.classes["5А"].id, Lesson.teacher_id == teacher_id, Lesson.subgroup_id.is_(None),
        Lesson.date < school_today()).order_by(Lesson.date.desc(), Lesson.number.desc()))


def test_a_roll_call_and_a_mark_reach_the_family_from_the_audit_log(mail_app, family, people, smtp_server,  # noqa: F811
                                                                    make_app, demo_school, monkeypatch):
    import plugins.diary.jobs
    from plugins.attendance.models import AttendanceMark
    from plugins.diary.models import Notification
    from plugins.gradebook.models import Mark

    kid, mother, grandma = family
    state = mail_app.extensions["klass"]
    session = state.session()
    teacher = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    lesson = _recent_lesson(session, people, teacher.id)
    assert lesson is not None and (school_today() - lesson.date).days <= 2
    session.execute(delete(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id))
    session.execute(delete(Mark).where(Mark.lesson_id == lesson.id, Mark.student_id == kid.id))
    session.commit()
    woken: list[int] = []
    monkeypatch.setattr(plugins.diary.jobs, "wake_sender", woken.append)  # the queue's task, run below by hand
    client = sign_in(mail_app.test_client(), teacher.login)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/account/tokens").text)

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(state.engine, "before_cursor_execute", listener)
    try:
        roll = client.post(f"/api/v1/attendance/lessons/{lesson.id}/roll-call",
                           json={"marks": [{"student_id": kid.id, "code": "н"}]})
        mark = client.put("/api/v1/gradebook/cells", json={"lesson_id": lesson.id, "student_id": kid.id,
                                                           "values": ["5"], "known": []})
    finally:
        event.remove(state.engine, "before_cursor_execute", listener)
    assert roll.status_code == 200 and mark.status_code == 200, (roll.text, mark.text)
    assert not [s for s in statements if "diary_" in s]  # the saves write nothing for the diary
    assert woken == [kid.school_id, kid.school_id]  # each save wakes the sender once it has committed
    assert [m for m in smtp_server.messages if mother.email in m["To"]] == []

    plugins.diary.jobs.send_school(state.session(), kid.school_id)  # what the woken task runs
    to_mother = [m for m in smtp_server.messages if mother.email in m["To"]]
    subjects = sorted(m["Subject"] for m in to_mother)
    assert len(subjects) == 2
    assert subjects[0].startswith(f"Новая оценка: {kid.last_name} {kid.first_name}") and subjects[0].endswith(", 5")
    assert subjects[1].startswith(f"Посещаемость: {kid.last_name} {kid.first_name}")
    mark_id = session.scalar(select(Mark.id).where(Mark.lesson_id == lesson.id, Mark.student_id == kid.id))
    waiting = sorted(session.scalars(select(Notification.key).where(Notification.recipient_id == grandma.id,
                                                                     Notification.status == "pending")))
    assert waiting == sorted([f"absence:{lesson.id}:{kid.id}:н:{grandma.id}", f"mark:{mark_id}:v1:{grandma.id}"])

    # The sender runs again: the next save's task, the periodic tick, a new app after a restart. Nothing more.
    plugins.diary.jobs.send_school(state.session(), kid.school_id)
    _tick(mail_app, datetime.now(UTC))
    _tick(make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings}), datetime.now(UTC))
    assert len([m for m in smtp_server.messages if mother.email in m["To"]]) == 2
