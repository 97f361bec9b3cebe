"""Signing in: personal accounts, argon2, forced password change, lockout, CSRF, cookie flags."""
from __future__ import annotations

from sqlalchemy import select

from core.models import User
from core.security import hash_password
from tests.conftest import DEMO_PASSWORD, csrf_token, post_form, sign_in


def _login(client, login, password):
    page = client.get("/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_token(page.text)})


def test_passwords_are_stored_as_argon2_hashes(session, demo_school):
    user = session.scalar(select(User).where(User.login == "zavuch"))
    assert user.password_hash.startswith("$argon2id$")
    assert DEMO_PASSWORD not in user.password_hash


def test_the_schools_default_hash_is_memory_hard():
    from argon2 import PasswordHasher

    from core.config import load_settings

    security = load_settings("default")["security"]
    assert security["argon2_memory_kib"] >= 65536 and security["argon2_time_cost"] >= 3
    assert PasswordHasher(memory_cost=security["argon2_memory_kib"]).hash("x").startswith("$argon2id$")


def test_wrong_password_is_refused_in_russian(app):
    response = _login(app.test_client(), "zavuch", "не тот пароль")
    assert response.status_code == 401
    assert "Неверный логин или пароль." in response.text


def test_first_sign_in_forces_a_new_password_before_anything_else(app, session):
    user = session.scalar(select(User).where(User.login == "zavuch"))
    user.password_hash = hash_password("slip-pass-1")
    user.must_change_password = True
    session.commit()
    client = app.test_client()
    response = _login(client, "zavuch", "slip-pass-1")
    assert response.headers["Location"].endswith("/account/password")
    assert client.get("/school/").headers["Location"].endswith("/account/password")
    # A too short password is refused with the reason; nothing changes.
    short = post_form(client, "/account/password", {"current": "slip-pass-1", "new": "abc", "repeat": "abc"})
    assert short.status_code == 200 and "Значение должно содержать от 8 до 128 символов." in short.text
    assert "Field must be" not in short.text  # no untranslated WTForms message
    session.expire_all()
    assert session.get(User, user.id).must_change_password
    done = post_form(client, "/account/password",
                     {"current": "slip-pass-1", "new": "Новый-пароль-2026", "repeat": "Новый-пароль-2026"})
    assert done.status_code == 302
    school_page = client.get("/school/")
    assert school_page.status_code == 200 and "5А" in school_page.text  # the structure page, not a redirect
    session.expire_all()
    user = session.get(User, user.id)
    assert user.activated_at is not None and not user.must_change_password


def test_changing_the_password_signs_out_other_sessions(app, session):
    first = sign_in(app.test_client(), "zavuch")
    second = sign_in(app.test_client(), "zavuch")
    post_form(second, "/account/password", {"current": DEMO_PASSWORD, "new": "другой-пароль-1", "repeat": "другой-пароль-1"})
    assert first.get("/").status_code == 302  # back to the sign-in page
    assert "Здравствуйте," in second.get("/").text  # the session that changed it stays signed in


def test_a_form_without_csrf_token_is_refused_and_changes_nothing(app, session):
    client = sign_in(app.test_client(), "zavuch")
    response = client.post("/school/subjects", data={"name": "Астрономия"})
    assert response.status_code == 400
    assert "Обновите страницу" in response.text
    from core.models import Subject

    assert session.scalar(select(Subject).where(Subject.name == "Астрономия")) is None


def test_session_cookie_is_http_only_and_same_site(app):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"login": "zavuch", "password": DEMO_PASSWORD,
                                           "csrf_token": csrf_token(page.text)})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_never_leaves_the_site(app):
    client = app.test_client()
    page = client.get("/login?next=//evil.example/steal")
    response = client.post("/login?next=//evil.example/steal",
                           data={"login": "zavuch", "password": DEMO_PASSWORD, "csrf_token": csrf_token(page.text)})
    assert "evil.example" not in response.headers["Location"]


def test_security_headers(app):
    response = app.test_client().get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_disabled_staff_account_cannot_sign_in(app, login_as, session):
    admin = login_as("admin")
    deputy = session.scalar(select(User).where(User.login == "zavuch"))
    post_form(admin, f"/staff/{deputy.id}/active", {}, page="/staff/")
    assert _login(app.test_client(), "zavuch", DEMO_PASSWORD).status_code == 401
