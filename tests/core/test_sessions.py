"""Server-side sessions: logout really ends a session, a saved cookie opens nothing afterwards, a password
change or an administrator's reset ends the other sessions and every token, one session can be ended from
the account page, and a token cannot skip a forced password change."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from core.models import ApiToken, User, UserSession
from tests.conftest import DEMO_PASSWORD, post_form, sign_in

COOKIE = "session"


def _token(client) -> str:
    page = post_form(client, "/account/tokens", {"name": "Скрипт"})
    return re.search(r'data-testid="token">([^<]+)<', page.text).group(1)


def _with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    return client


def _bearer(app, token: str):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_cookie_saved_before_logout_opens_nothing_afterwards(app):
    client = sign_in(app.test_client(), "zavuch")
    saved = client.get_cookie(COOKIE).value
    # The saved cookie works in another browser while the session lives...
    assert "Здравствуйте, Ирина" in _with_cookie(app, saved).get("/").text
    assert _with_cookie(app, saved).get("/api/v1/me").json["login"] == "zavuch"
    post_form(client, "/logout", {}, page="/")
    # ...and not at all once its owner signed out.
    replay = _with_cookie(app, saved)
    page = replay.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = replay.get("/api/v1/me")
    assert api.status_code == 401 and api.json["error"]["code"] == "unauthorized"


def test_the_cookie_carries_only_a_random_key_stored_as_a_hash(app, session):
    client = sign_in(app.test_client(), "zavuch")
    data = app.session_interface.get_signing_serializer(app).loads(client.get_cookie(COOKIE).value)
    key = data["_user_id"]
    user = session.scalar(select(User).where(User.login == "zavuch"))
    # A random key, not the user's id (what Flask-Login keeps by default): another sign-in of the same
    # person gets another key, and neither is the id.
    again = sign_in(app.test_client(), "zavuch")
    other = app.session_interface.get_signing_serializer(app).loads(again.get_cookie(COOKIE).value)["_user_id"]
    assert key.startswith("s.") and len(key) > 40 and other != key
    assert str(user.id) not in (key[2:], other[2:]) and not key[2:].isdigit()
    row = session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None)))
    assert row.key_hash == hashlib.sha256(key[2:].encode()).hexdigest()
    assert key[2:] not in row.key_hash


def test_sign_in_records_who_where_and_when_and_the_account_page_lists_it(app):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Firefox/120 школьный компьютер"
    sign_in(client, "zavuch")
    page = client.get("/account/").text
    table = page.split('data-testid="sessions"')[1].split("</table>")[0]
    assert "Firefox/120 школьный компьютер" in table and "127.0.0.1" in table
    assert "этот сеанс" in table


def test_password_change_ends_other_sessions_and_every_token(app, session):
    first = sign_in(app.test_client(), "zavuch")
    token = _token(first)
    assert _bearer(app, token).status_code == 200
    second = sign_in(app.test_client(), "zavuch")
    post_form(second, "/account/password", {"current": DEMO_PASSWORD, "new": "другой-пароль-1",
                                             "repeat": "другой-пароль-1"})
    assert first.get("/").headers["Location"].startswith("/login")
    assert _bearer(app, token).status_code == 401
    page = second.get("/account/").text
    assert "Здравствуйте" not in page  # the account page, still signed in
    sessions = page.split('data-testid="sessions"')[1].split("</table>")[0]
    assert sessions.count("<tr>") == 2  # header + the one session that changed the password
    tokens = page.split('data-testid="tokens"')[1].split("</table>")[0]
    assert "отозван" in tokens and "Отозвать" not in tokens


def test_ending_one_session_from_the_account_page(app, session):
    office = sign_in(app.test_client(), "zavuch")
    home = sign_in(app.test_client(), "zavuch")
    page = home.get("/account/").text
    ends = re.findall(r'/account/sessions/(\d+)/end', page)
    assert len(ends) == 2
    mine = re.search(r'этот сеанс</span>.*?/account/sessions/(\d+)/end', page, re.S).group(1)
    other = next(e for e in ends if e != mine)
    done = post_form(home, f"/account/sessions/{other}/end", {}, page="/account/")
    assert done.status_code == 302
    assert office.get("/").headers["Location"].startswith("/login")  # the forgotten computer is signed out
    assert "Здравствуйте" in home.get("/").text
    assert len(re.findall(r'/account/sessions/(\d+)/end', home.get("/account/").text)) == 1
    # Someone else's session cannot be ended: 404, and it keeps working.
    stranger = sign_in(app.test_client(), "director")
    theirs = re.findall(r'/account/sessions/(\d+)/end', stranger.get("/account/").text)[0]
    assert post_form(home, f"/account/sessions/{theirs}/end", {}, page="/account/").status_code == 404
    assert "Здравствуйте" in stranger.get("/").text


def test_administrators_reset_and_disable_end_sessions_and_tokens(app, session):
    teacher = session.scalar(select(User).where(User.login == "zavuch"))
    victim = sign_in(app.test_client(), "zavuch")
    token = _token(victim)
    admin = sign_in(app.test_client(), "admin")
    reset = post_form(admin, f"/staff/{teacher.id}/password", {}, page="/staff/")
    assert reset.status_code == 200
    assert victim.get("/").headers["Location"].startswith("/login")
    assert _bearer(app, token).status_code == 401
    session.expire_all()
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == teacher.id)).revoked_at is not None

    director = session.scalar(select(User).where(User.login == "director"))
    signed_in = sign_in(app.test_client(), "director")
    post_form(admin, f"/staff/{director.id}/active", {}, page="/staff/")
    assert signed_in.get("/").headers["Location"].startswith("/login")


def test_a_token_cannot_skip_a_forced_password_change(app, session):
    client = sign_in(app.test_client(), "zavuch")
    token = _token(client)
    user = session.scalar(select(User).where(User.login == "zavuch"))
    user.must_change_password = True  # as after the first sign-in with a slip
    session.commit()
    response = _bearer(app, token)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "password_change_required"
    assert "Смените пароль" in response.json["error"]["message"]


def test_last_seen_is_written_at_most_once_a_minute(app, session, time_machine):
    from datetime import UTC, datetime, timedelta

    client = sign_in(app.test_client(), "zavuch")
    user = session.scalar(select(User).where(User.login == "zavuch"))

    def seen():
        session.expire_all()
        return session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == user.id,
                                                                    UserSession.revoked_at.is_(None)))

    first = seen()
    client.get("/")
    assert seen() == first
    # The suite's clock ticks from its fixed start, so move on from now, never back to the start.
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=2))
    client.get("/")
    assert seen() > first
