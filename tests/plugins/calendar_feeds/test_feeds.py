"""A guardian subscribes to a child's calendar: the feed parses as iCalendar with the week's lessons
(teacher, bell times), homework due dates, tests and holidays; a substitution the deputy makes appears in
the next download; a new address stops the old one, and so does a change of the owner's credentials."""
from __future__ import annotations

import re
from datetime import date

from icalendar import Calendar
from sqlalchemy import select

from core.models import GuardianLink, User
from plugins.gradebook.public import Lesson
from tests.conftest import post_form


def _address(client, student_id: int) -> str:
    page = post_form(client, f"/calendar/{student_id}/regenerate", {}, page="/calendar/").text
    url = re.search(r'data-testid="feed-url">([^<]+)<', page).group(1)
    return url.replace("http://localhost", "")


def _events(app, path: str) -> list:
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return list(calendar.walk("VEVENT"))


def test_feed_validates_and_shows_a_substitution_made_by_the_deputy(app, session, login_as, demo_school):
    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    child_id = session.scalar(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)
                              .order_by(GuardianLink.student_id))
    parent = login_as("guardian")
    assert "Календарь" in parent.get("/calendar/").text
    path = _address(parent, child_id)

    events = _events(app, path)
    summaries = [str(e["summary"]) for e in events]
    lessons = [e for e in events if str(e["uid"]).startswith("lesson-")]
    assert lessons and all("Учитель:" in str(e["description"]) for e in lessons)
    timed = [e for e in lessons if hasattr(e["dtstart"].dt, "hour")]
    assert timed  # bell times from the timetable
    assert any(s.startswith("Сдать: ") for s in summaries)  # homework due dates

    # The deputy gives Thursday's lesson of the child's class to another teacher.
    thursday = date(2026, 11, 26)
    uid_lessons = {str(e["uid"]).split("-")[1] for e in lessons if e["dtstart"].dt.date() == thursday}
    lesson = session.scalar(select(Lesson).where(Lesson.id.in_([int(i) for i in uid_lessons]),
                                                 Lesson.subgroup_id.is_(None)).order_by(Lesson.number).limit(1))
    busy = set(session.scalars(select(Lesson.teacher_id).where(Lesson.date == thursday,
                                                               Lesson.number == lesson.number)))
    from core.models import RoleGrant

    substitute = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.role == "teacher", User.id.not_in(busy)).order_by(User.id).limit(1))
    done = post_form(login_as("deputy"), f"/timetable/lessons/{lesson.id}/substitute",
                     {"teacher_id": substitute.id, "reason": "Больничный"},
                     page=f"/timetable/changes?date={thursday.isoformat()}&class_id={lesson.class_id}")
    assert done.status_code == 302
    after = next(e for e in _events(app, path) if str(e["uid"]).startswith(f"lesson-{lesson.id}-"))
    assert "(изменение)" in str(after["summary"])
    assert substitute.last_name in str(after["description"])  # the teacher who actually comes

    # A new address stops the old one.
    newer = _address(parent, child_id)
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get(newer).status_code == 200
    # So does any change of the guardian's credentials (here: what the office's new slip does).
    guardian = session.get(User, guardian.id)
    guardian.session_version += 1
    session.commit()
    assert app.test_client().get(newer).status_code == 404


def test_only_own_family_members_get_an_address(app, session, login_as, demo_school):
    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    children = set(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)))
    stranger = session.scalar(select(GuardianLink.student_id).where(GuardianLink.student_id.not_in(children)))
    response = post_form(login_as("guardian"), f"/calendar/{stranger}/regenerate", {}, page="/calendar/")
    assert response.status_code == 404
    assert app.test_client().get("/calendar/feed/nonsense.ics").status_code == 404


def test_calendar_apps_that_sign_in_use_an_app_password_never_the_main_one(app, session, demo_school):
    import base64

    from core import app_passwords
    from tests.conftest import DEMO_PASSWORD

    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    child_id = session.scalar(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id))
    row, secret = app_passwords.create(session, guardian, "Календарь")
    session.commit()

    def get(password: str, student_id: int = child_id):
        basic = base64.b64encode(f"{guardian.login}:{password}".encode()).decode()
        return app.test_client().get(f"/calendar/app/{student_id}.ics", headers={"Authorization": f"Basic {basic}"})

    good = get(secret)
    assert good.status_code == 200 and Calendar.from_ical(good.data).walk("VEVENT")
    assert get(DEMO_PASSWORD).status_code == 401
    children = select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)
    stranger = session.scalar(select(GuardianLink.student_id).where(GuardianLink.student_id.not_in(children)))
    assert get(secret, stranger).status_code == 404
    app_passwords.revoke(session.get(type(row), row.id))
    session.commit()
    assert get(secret).status_code == 401
