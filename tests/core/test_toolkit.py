"""The plugins' toolkit (core.toolkit): the school's clock, memberships between dates, ownership checks,
refused changes answered by the core's one handler, and the old name core.api."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Blueprint
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from core import toolkit
from core.config import ConfigError
from core.models import ClassMembership, School, SchoolClass, Subject, User
from tests.conftest import FIXED_TODAY, all_plugins


def _school(session, demo_school) -> School:
    return session.get(School, demo_school["school_id"])


# --- the old name -------------------------------------------------------------------------------------

def test_core_api_is_the_toolkit_under_its_old_name():
    import core.api

    assert core.api.__all__ == toolkit.__all__
    assert all(getattr(core.api, name) is getattr(toolkit, name) for name in toolkit.__all__)
    assert "one release" in core.api.__doc__
    assert {"school_today", "school_now", "week_start", "today_in", "now_in", "get_owned_or_404", "ServiceError",
            "N_", "engine"} <= set(toolkit.__all__)


def test_n_marks_without_translating_and_engine_is_the_apps(app):
    assert toolkit.N_("Not found.") == "Not found."
    assert toolkit.engine() is app.extensions["klass"].engine


# --- the school's clock ---------------------------------------------------------------------------------

def test_the_suite_runs_on_the_fixed_clock():
    assert date.today() == FIXED_TODAY == date(2026, 11, 25)
    assert FIXED_TODAY.weekday() == 2  # a Wednesday


def test_today_is_the_schools_own_zone_not_the_configs(app, session, demo_school, time_machine):
    school = _school(session, demo_school)
    school.timezone = "Asia/Kamchatka"  # UTC+12; the config still says Europe/Moscow
    session.flush()
    time_machine.move_to(datetime(2026, 11, 25, 13, 0, tzinfo=ZoneInfo("UTC")), tick=False)
    assert app.extensions["klass"].settings["school"]["timezone"] == "Europe/Moscow"
    # Background work names the school (no request, no signed-in user).
    assert toolkit.school_today(school.id, session=session) == date(2026, 11, 26)
    now = toolkit.school_now(school.id, session=session)
    assert (now.hour, now.utcoffset().total_seconds()) == (1, 12 * 3600)
    assert toolkit.today_in("Europe/Moscow") == date(2026, 11, 25)
    assert toolkit.now_in(ZoneInfo("Europe/Kaliningrad")).hour == 15
    # In a request: the signed-in user's school.
    user = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    with app.test_request_context():
        login_user(user)
        assert toolkit.school_today() == date(2026, 11, 26)
        assert toolkit.week_start() == date(2026, 11, 23)


def test_outside_a_request_the_school_must_be_named(app):
    with pytest.raises(LookupError, match="pass school_id"):
        toolkit.school_today()
    with app.test_request_context(), pytest.raises(LookupError, match="pass school_id"):
        toolkit.school_today()  # nobody signed in


def test_week_start_is_the_monday():
    assert toolkit.week_start(date(2026, 11, 29)) == date(2026, 11, 23)  # Sunday
    assert toolkit.week_start(date(2026, 11, 23)) == date(2026, 11, 23)  # Monday itself
    assert toolkit.week_start(date(2027, 1, 1)) == date(2026, 12, 28)  # across the year


def test_local_to_utc_reads_the_wall_clock_of_the_zone():
    moment = toolkit.local_to_utc(datetime(2026, 11, 25, 9, 0), "Asia/Yekaterinburg")
    assert moment == datetime(2026, 11, 25, 4, 0, tzinfo=ZoneInfo("UTC"))


def test_an_unknown_config_zone_stops_start_up(make_app):
    with pytest.raises(ConfigError) as refused:
        make_app(plugins=[], settings={"school": {"timezone": "Europe/Moskva"}})
    assert "Неизвестный часовой пояс «Europe/Moskva»" in refused.value.ru
    assert "Unknown time zone 'Europe/Moskva'" in refused.value.en and "[school] timezone" in refused.value.en


def test_an_unknown_school_zone_stops_start_up(make_app, connection, demo_school):
    from sqlalchemy import update

    connection.execute(update(School).where(School.id == demo_school["school_id"]).values(timezone="Mars/Olympus"))
    with pytest.raises(ConfigError) as refused:
        make_app(plugins=[])
    assert "«Mars/Olympus»" in refused.value.ru and "СОШ № 7" in refused.value.ru
    assert f"school {demo_school['school_id']}" in refused.value.en


@pytest.mark.parametrize("name", ["Europe/Moscow", "Asia/Vladivostok", "UTC"])
def test_valid_zones(name):
    assert toolkit.valid_zone(name)


@pytest.mark.parametrize("name", ["", "Moscow", "Europe/Moskva", "../etc/passwd", " Europe/Moscow"])
def test_invalid_zones(name):
    assert not toolkit.valid_zone(name)


# --- memberships between dates ---------------------------------------------------------------------------

def test_active_between_matches_in_sql_and_in_python(session, demo_school):
    school_id = demo_school["school_id"]
    five_a = next(c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))
                  if c.name == "5А")
    student = session.scalar(select(ClassMembership.student_id).where(ClassMembership.class_id == five_a.id))
    closed = ClassMembership(school_id=school_id, class_id=five_a.id, student_id=student,
                             starts_on=date(2026, 9, 10), ends_on=date(2026, 10, 5))
    session.add(closed)
    session.flush()
    cases = {
        (date(2026, 9, 1), date(2026, 9, 9)): False,  # before it started
        (date(2026, 9, 1), date(2026, 9, 10)): True,  # its first day counts
        (date(2026, 10, 5), date(2026, 10, 20)): True,  # its last day counts
        (date(2026, 10, 6), date(2026, 12, 1)): False,  # after it ended
    }
    for (start, end), expected in cases.items():
        assert closed.active_between(start, end) is expected
        found = session.scalar(select(ClassMembership.id).where(ClassMembership.id == closed.id,
                                                                ClassMembership.active_between(start, end)))
        assert (found == closed.id) is expected, (start, end)
    assert closed.active_on(date(2026, 10, 5)) and not closed.active_on(date(2026, 10, 6))
    open_ones = session.scalars(select(ClassMembership.id).where(
        ClassMembership.class_id == five_a.id, ClassMembership.active_on(FIXED_TODAY))).all()
    assert closed.id not in open_ones and len(open_ones) == 12  # the demo's twelve 5А pupils, still there


# --- one row of the current school ---------------------------------------------------------------------------

def test_get_owned_or_404(app, session, demo_school):
    school_id = demo_school["school_id"]
    other = School(name="Другая школа", short_name="СОШ № 8", timezone="Asia/Omsk")
    session.add(other)
    session.flush()
    theirs = Subject(school_id=other.id, name="Астрономия")
    ours = session.scalar(select(Subject).where(Subject.school_id == school_id, Subject.name == "Физика"))
    session.add(theirs)
    session.flush()
    assert toolkit.get_owned_or_404(Subject, ours.id, school_id) is ours
    assert toolkit.get_owned_or_404(Subject, str(ours.id), school_id) is ours
    for bad in (theirs.id, 10**9, 0, -1, 2**63, 10**30, "abc", None, 1.5, True):
        with pytest.raises(NotFound):
            toolkit.get_owned_or_404(Subject, bad, school_id)
    assert toolkit.get_owned_or_404(Subject, theirs.id, other.id) is theirs
    assert toolkit.find_owned(Subject, ours.id, school_id, session=session) is ours
    assert toolkit.find_owned(Subject, theirs.id, school_id, session=session) is None
    assert toolkit.find_owned(Subject, 2**63, school_id, session=session) is None


def test_acting_user_is_the_tokens_or_the_signed_in_one(app, session, demo_school):
    from flask import g

    teacher = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    deputy = session.scalar(select(User).where(User.login == demo_school["accounts"]["deputy"]))
    with app.test_request_context():
        assert not toolkit.acting_user().is_authenticated
        login_user(teacher)
        assert toolkit.acting_user().id == teacher.id
        g.api_user = deputy
        assert toolkit.acting_user() is deputy and toolkit.current_school_id() == deputy.school_id


def test_a_huge_id_in_a_url_is_404_not_500(login_as):
    from tests.conftest import post_form

    client = login_as("admin")
    for url in (f"/jobs/{2**63}", f"/jobs/{2**64}"):
        answer = client.get(url)
        assert answer.status_code == 404 and "Страница не найдена" in answer.text
    assert client.get(f"/api/v1/jobs/{2**63}").json["error"]["code"] == "not_found"
    assert post_form(client, f"/staff/{2**63}/active", {}, page="/staff/").status_code == 404


# --- refused changes -----------------------------------------------------------------------------------------

class DemoRefusal(toolkit.ServiceError):
    status = 409
    code = "conflict"


@pytest.fixture
def refusing_app(make_app):
    """An app with two routes that save a row, then are refused: a page and an API route."""
    application = make_app(plugins=all_plugins())
    bp = Blueprint("refusing", __name__)

    def save_then_refuse(field=None):
        from core.db import db

        db().add(Subject(school_id=toolkit.current_school_id(), name="Не должна сохраниться"))
        db().flush()
        raise DemoRefusal(toolkit.N_("No such user in this school."), field=field)

    @bp.post("/refusing/page")
    @toolkit.requires_permission("core.profile.edit")
    def page():
        save_then_refuse()

    @bp.post("/api/v1/refusing")
    @toolkit.requires_permission("core.profile.edit")
    def api():
        save_then_refuse(field="login")

    application.register_blueprint(bp)
    application.config["WTF_CSRF_ENABLED"] = False
    with application.app_context():
        yield application


def _saved(app) -> int:
    session = app.extensions["klass"].session()
    return len(session.scalars(select(Subject).where(Subject.name == "Не должна сохраниться")).all())


def test_a_refused_page_change_rolls_back_and_flashes_in_russian(refusing_app, demo_school):
    from tests.conftest import sign_in

    client = sign_in(refusing_app.test_client(), demo_school["accounts"]["teacher"])
    answer = client.post("/refusing/page", headers={"Referer": "http://localhost/account/tokens"})
    assert answer.status_code == 302 and answer.headers["Location"] == "http://localhost/account/tokens"
    page = client.get("/account/tokens").text
    assert '<div class="flash error" role="status">В этой школе нет такого пользователя.</div>' in page
    assert _saved(refusing_app) == 0
    # No usable referrer (another site): back to the page that was posted to.
    answer = client.post("/refusing/page", headers={"Referer": "https://evil.example/x"})
    assert answer.headers["Location"] == "/refusing/page"


def test_a_refused_api_change_answers_the_json_error(refusing_app, demo_school):
    from tests.conftest import sign_in

    client = sign_in(refusing_app.test_client(), demo_school["accounts"]["teacher"])
    answer = client.post("/api/v1/refusing")
    assert answer.status_code == 409
    message = "В этой школе нет такого пользователя."
    assert answer.json == {"error": {"code": "conflict", "message": message, "fields": {"login": [message]}}}
    assert _saved(refusing_app) == 0


def test_service_error_keeps_its_msgid_and_params(app):
    error = toolkit.ServiceError("Changes undone: %(n)d; not undoable (sign-ins and the like): %(m)d. "
                                 "The account must set a new password.", n=3, m=1)
    assert (error.status, error.code, error.field, error.params) == (422, "validation_error", None, {"n": 3, "m": 1})
    assert str(error).startswith("Changes undone: 3;")
    with app.test_request_context():
        assert error.translated().startswith("Отменено изменений: 3; не подлежат отмене (входы в систему и т. п.): 1.")
    assert toolkit.ServiceError("x", status=404).code == "not_found"


def test_every_toolkit_name_is_documented():
    import re
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = docs.split("## The toolkit", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in toolkit.__all__ if not re.search(rf"`{re.escape(name)}\b", section)]
    assert not missing, f"docs/plugins.md, 'The toolkit', does not list {missing}"
