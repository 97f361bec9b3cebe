"""A school that switches a plugin off loses it everywhere, not only behind its sign-in: its public feeds and
app sign-ins answer 404, its periodic work stops, and lists of schools for school work leave out a region's
education office; background work for a school reads that school's settings."""
from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from core import app_passwords
from core.models import GuardianLink, School, User
from tests.conftest import post_form


def _switch_off(app: Flask, session: Any, school_id: int, names: list[str]) -> None:
    from core.school_settings import save

    school = session.get(School, school_id)
    with app.test_request_context():
        save(session, school_id, version=school.settings_version, profile="default",
             term_system=school.term_system or "quarters", timezone=school.timezone, rounding=None, disabled=names)
        session.commit()


def _pw2(salt: str, secret: str) -> str:
    return hashlib.md5((salt + hashlib.md5(secret.encode()).hexdigest()).encode()).hexdigest()


def _app_sign_in(client: Any, school_id: int, login: str, secret: str) -> Any:
    data = client.post("/webapi/auth/getdata").json
    return client.post("/webapi/login", data={"loginType": 1, "scid": school_id, "un": login, "pw": "x",
                                              "pw2": _pw2(data["salt"], secret), "lt": data["lt"],
                                              "ver": data["ver"]})


def test_feeds_and_app_sign_ins_of_a_school_that_switched_them_off_answer_404(app, session, demo_school, login_as):
    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    school_id = guardian.school_id
    child = session.scalar(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)
                           .order_by(GuardianLink.student_id))
    page = post_form(login_as("guardian"), f"/calendar/{child}/regenerate", {}, page="/calendar/").text
    feed = re.search(r'data-testid="feed-url">([^<]+)<', page).group(1).replace("http://localhost", "")
    _row, secret = app_passwords.create(session, guardian, "телефон")
    session.add(School(name="Управление образования", short_name="УО", slug="uo-test", kind="office"))
    session.commit()
    basic = {"Authorization": "Basic " + base64.b64encode(f"{guardian.login}:{secret}".encode()).decode()}
    app_client = app.test_client()
    signed = _app_sign_in(app_client, school_id, guardian.login, secret)
    at = {"at": signed.json["at"]}
    assert app.test_client().get(feed).status_code == 200
    assert app.test_client().get(f"/calendar/app/{child}.ics", headers=basic).status_code == 200
    assert app_client.get("/webapi/student/diary/init", headers=at).status_code == 200
    listed = [s["id"] for s in app.test_client().get("/webapi/schools/search").json]
    assert school_id in listed and "УО" not in str(app.test_client().get("/webapi/schools/search").json)

    _switch_off(app, session, school_id, ["calendar_feeds", "netschool_compat"])
    assert app.test_client().get(feed).status_code == 404
    assert app.test_client().get(f"/calendar/app/{child}.ics", headers=basic).status_code == 401
    assert app_client.get("/webapi/student/diary/init", headers=at).status_code == 404  # a session made before
    assert _app_sign_in(app.test_client(), school_id, guardian.login, secret).status_code == 404
    assert school_id not in [s["id"] for s in app.test_client().get("/webapi/schools/search").json]


def test_periodic_work_skips_a_school_that_switched_the_plugin_off_and_reads_each_schools_settings(
        app, session, demo_school):
    from core.db import utcnow
    from core.school_settings import save, school_ids, schools_with_plugin, working_for
    from core.toolkit import plugin_settings
    from plugins.documents.models import Acquaintance

    demo_id = demo_school["school_id"]
    office = School(name="Управление образования", short_name="УО", slug="uo-test", kind="office")
    other = School(name="Лицей № 3", short_name="Лицей № 3", slug="licei3")
    session.add_all([office, other])
    session.commit()
    someone = session.scalar(select(User.id).where(User.school_id == demo_id))
    long_ago = utcnow() - timedelta(days=60)
    asked = Acquaintance(school_id=demo_id, subject="Приказ № 1", user_id=someone, requested_at=long_ago)
    session.add(asked)
    session.commit()
    with app.test_request_context():
        assert office.id not in school_ids(session) and {demo_id, other.id} <= set(school_ids(session))
        assert office.id not in schools_with_plugin(session, "documents")
    _switch_off(app, session, demo_id, ["documents", "office", "region"])  # office and region need documents
    hook = app.extensions["klass"].pm.hook
    with app.test_request_context():
        assert demo_id not in schools_with_plugin(session, "documents")
        assert other.id in schools_with_plugin(session, "documents")
        hook.on_periodic_tick(session=session, now=utcnow())
        session.commit()
    session.refresh(asked)
    assert asked.reminded_at is None  # the school switched acquaintance requests off: no reminder
    _switch_off(app, session, demo_id, [])
    with app.test_request_context():
        hook.on_periodic_tick(session=session, now=utcnow())
        session.commit()
    session.refresh(asked)
    assert asked.reminded_at is not None

    # Inside working_for, the settings a plugin reads are the school's, as in its own user's request.
    with app.test_request_context():
        save(session, other.id, version=1, profile="default", term_system="quarters", timezone="Europe/Moscow",
             rounding="standard", disabled=[])
        session.commit()
        deployment = plugin_settings("gradebook")["rounding"]
        with working_for(other.id, session=session):
            assert plugin_settings("gradebook")["rounding"] == "standard"
        assert plugin_settings("gradebook")["rounding"] == deployment
