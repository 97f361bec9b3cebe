"""Many schools in one deployment: the same login in two schools, finding the school at sign-in, each
school's own settings and modules, and the migration that made logins unique per school."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from core.models import AuditEntry, Role, School, SchoolSetting, User
from core.security import hash_password
from core.services import grant_role
from tests.conftest import DEMO_PASSWORD, csrf_token, post_form, sign_in


def _second_school(session: Any) -> School:
    """School B next to the demo school (school7), each with its own «ivanova»."""
    school = School(name="МБОУ «Лицей № 3»", short_name="Лицей № 3", slug="licei3", timezone="Asia/Yekaterinburg")
    session.add(school)
    session.flush()
    demo = session.scalar(select(School).where(School.slug == "school7"))
    people = [(demo.id, "Иванова", "Анна", "ivanova"), (school.id, "Иванова", "Мария", "ivanova"),
              (school.id, "Козлов", "Пётр", "admin")]
    for school_id, last, first, login in people:
        user = User(school_id=school_id, login=login, password_hash=hash_password(DEMO_PASSWORD), last_name=last,
                    first_name=first, must_change_password=False)
        session.add(user)
        session.flush()
        grant_role(session, user, Role.admin if login == "admin" else Role.teacher)
    session.commit()
    return school


def _post_login(client: Any, url: str, login: str) -> Any:
    page = client.get(url).text
    return client.post(url, data={"login": login, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)})


def _whoami(client: Any) -> str:
    return client.get("/account/").text


def test_the_same_login_in_two_schools_signs_in_to_each_by_login_at_school_and_by_the_schools_address(
        app: Flask, session: Any) -> None:
    _second_school(session)
    anna = sign_in(app.test_client(), "ivanova@school7")
    assert "Анна" in _whoami(anna) and "Мария" not in _whoami(anna)
    maria = sign_in(app.test_client(), "IVANOVA@licei3")
    assert "Мария" in _whoami(maria) and "Анна" not in _whoami(maria)
    # The school's own address fixes the school and names it; the plain login is enough there.
    client = app.test_client()
    page = client.get("/s/licei3/login").text
    assert "МБОУ «Лицей № 3»" in page
    response = _post_login(client, "/s/licei3/login", "ivanova")
    assert response.status_code == 302
    assert "Мария" in _whoami(client)
    assert app.test_client().get("/s/no-such-school/login").status_code == 404
    # The demo's logins exist in one school only: they still sign in without «@школа».
    assert "Лебедева" in _whoami(sign_in(app.test_client(), "zavuch"))


def test_an_ambiguous_plain_login_is_told_to_add_the_school(app: Flask, session: Any) -> None:
    _second_school(session)
    response = _post_login(app.test_client(), "/login", "ivanova")
    assert response.status_code == 401
    text_ = re.sub(r"\s+", " ", response.text)
    assert "есть в нескольких школах" in text_ and "ivanova@school7" in text_
    # A wrong password for a login of one school is the usual answer, not the ambiguity one.
    client = app.test_client()
    page = client.get("/login").text
    wrong = client.post("/login", data={"login": "ivanova@licei3", "password": "nope", "csrf_token": csrf_token(page)})
    assert wrong.status_code == 401 and "нескольких школах" not in wrong.text
    assert "Неверный логин или пароль" in wrong.text


def test_a_school_that_switches_a_module_off_loses_its_menu_and_routes_the_other_keeps_them(
        app: Flask, session: Any) -> None:
    school = _second_school(session)
    admin_b = sign_in(app.test_client(), "admin@licei3")
    assert 'href="/forum/"' in admin_b.get("/").text
    page = admin_b.get("/admin/school/settings").text
    assert "Настройки школы" in page and "forum" in page
    response = post_form(admin_b, "/admin/school/settings", {
        "version": "1", "profile": "default", "term_system": "quarters", "timezone": "Asia/Yekaterinburg",
        "rounding": "standard", "disabled": ["forum"]})
    assert response.status_code == 302
    start = admin_b.get("/").text
    assert 'href="/forum/"' not in start and "Форум" not in start
    assert admin_b.get("/forum/").status_code == 404
    # School A (the demo) is untouched.
    admin_a = sign_in(app.test_client(), "admin@school7")  # plain «admin» is in both schools now
    assert 'href="/forum/"' in admin_a.get("/").text
    assert admin_a.get("/forum/").status_code == 200
    stored = dict(session.execute(select(SchoolSetting.key, SchoolSetting.value)
                                  .where(SchoolSetting.school_id == school.id)).all())
    assert stored["disabled_plugins"] == ["forum"] and stored["plugins.gradebook"] == {"rounding": "standard"}


def test_the_rounding_a_school_chooses_is_what_the_averages_read(app: Flask, session: Any) -> None:
    from core.school_settings import save, school_settings
    from core.toolkit import plugin_settings

    school = _second_school(session)
    with app.test_request_context():
        save(session, school.id, version=1, profile="default", term_system="quarters", timezone="Asia/Yekaterinburg",
             rounding="standard", disabled=[])
        session.commit()
        assert school_settings(school.id).plugin("gradebook")["rounding"] == "standard"
    demo_rule = app.extensions["klass"].plugins["gradebook"].settings["rounding"]
    with app.test_request_context():  # a request of each school's user (as an API token would sign in)
        from flask import g

        g.api_user = session.scalar(select(User).where(User.school_id == school.id, User.login == "admin"))
        assert plugin_settings("gradebook")["rounding"] == "standard"
        g.api_user = session.scalar(select(User).where(User.login == "zavuch"))
        assert plugin_settings("gradebook")["rounding"] == demo_rule


def test_settings_edits_are_audited_and_a_stale_form_is_refused(app: Flask, session: Any) -> None:
    school = _second_school(session)
    first = sign_in(app.test_client(), "admin@licei3")
    second = sign_in(app.test_client(), "admin@licei3")
    page_of_second = second.get("/admin/school/settings").text  # opened before the first one saves
    base = {"profile": "default", "term_system": "quarters", "rounding": "thresholds", "disabled": []}
    assert post_form(first, "/admin/school/settings", {**base, "version": "1", "timezone": "Asia/Omsk"}).status_code == 302
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "core.school.settings",
                                                    AuditEntry.school_id == school.id))
    assert entry.old["timezone"] == "Asia/Yekaterinburg" and entry.new["timezone"] == "Asia/Omsk"
    stale = second.post("/admin/school/settings", data={**base, "version": "1", "timezone": "Europe/Moscow",
                                                        "csrf_token": csrf_token(page_of_second)},
                        follow_redirects=True)
    assert "Кто-то другой сохранил настройки школы" in stale.text
    session.expire_all()
    assert session.get(School, school.id).timezone == "Asia/Omsk"
    assert 'value="Asia/Omsk"' in stale.text  # the page now shows what is saved


def test_a_module_another_needs_cannot_be_switched_off_alone(app: Flask, session: Any) -> None:
    _second_school(session)
    admin_b = sign_in(app.test_client(), "admin@licei3")
    response = post_form(admin_b, "/admin/school/settings", {
        "version": "1", "profile": "default", "term_system": "quarters", "timezone": "Asia/Yekaterinburg",
        "rounding": "thresholds", "disabled": ["gradebook"]})
    assert response.status_code == 422 and "нельзя выключить" in response.text
    assert 'href="/gradebook/' in admin_b.get("/").text or admin_b.get("/gradebook/").status_code != 404


def _fresh_url(tmp_path: Path) -> tuple[str, Any]:
    """An empty database on the engine the tests run on (SQLite file, or a new PostgreSQL database)."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}", None
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database or 'klass'}_tenancy_migration"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), (admin, name)


def test_the_migration_makes_logins_unique_per_school_and_gives_old_schools_an_address(tmp_path: Path) -> None:
    from core import migrate

    url, cleanup = _fresh_url(tmp_path)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate._config(conn, "core", migrate.CORE_VERSIONS), "core_0007")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO core_school (name, short_name, timezone, address, principal_name, region, "
                              "term_system) VALUES ('A', 'A', 'Europe/Moscow', '', '', '', '')"))
            conn.execute(text("INSERT INTO core_school (name, short_name, timezone, address, principal_name, region, "
                              "term_system) VALUES ('B', 'B', 'Europe/Moscow', '', '', '', '')"))
        with engine.begin() as conn:
            command.upgrade(migrate._config(conn, "core", migrate.CORE_VERSIONS), "heads")
        with engine.begin() as conn:
            slugs = conn.execute(text("SELECT id, slug FROM core_school ORDER BY id")).all()
            assert [s for _, s in slugs] == [f"school{i}" for i, _ in slugs]
            row = {"login": "ivanova", "last_name": "Иванова", "first_name": "А", "middle_name": "", "email": "",
                   "phone": "", "is_active_account": True, "must_change_password": True, "failed_logins": 0,
                   "session_version": 1}
            for school_id, _ in slugs:
                conn.execute(insert(User.__table__).values(school_id=school_id, **row))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(User.__table__).values(school_id=slugs[0][0], **row))
        with engine.begin() as conn:  # and back down, while each school still has one «ivanova» only
            conn.execute(text("DELETE FROM core_user WHERE school_id = :s"), {"s": slugs[1][0]})
            command.downgrade(migrate._config(conn, "core", migrate.CORE_VERSIONS), "core_0007")
    finally:
        engine.dispose()
        if cleanup:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
