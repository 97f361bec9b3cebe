"""App passwords: created on the account page and shown once, stored only as the digests their protocols
need, listed with their last use, and ended by revoking, a password change, an administrator's reset, a
leak report and any other bump of the session version."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from core import app_passwords
from core.models import AppPassword, User
from tests.conftest import DEMO_PASSWORD, post_form, sign_in


def _create(client, name: str = "Бот в Телеграме") -> str:
    page = post_form(client, "/account/app-passwords", {"name": name}, page="/account/")
    return re.search(r'data-testid="app-password">([^<]+)<', page.text).group(1)


def _challenge(secret: str, salt: str = "123456789") -> tuple[str, str]:
    return salt, hashlib.md5((salt + hashlib.md5(secret.encode()).hexdigest()).encode()).hexdigest()


def _user(session, login: str) -> User:
    return session.scalar(select(User).where(User.login == login))


def test_created_shown_once_stored_as_digests_and_listed_with_last_use(app, session, demo_school):
    login = demo_school["accounts"]["guardian"]
    client = sign_in(app.test_client(), login)
    secret = _create(client)
    assert len(secret) >= 20
    page = client.get("/account/").text
    assert secret not in page  # shown once
    listed = page.split('data-testid="app-passwords"')[1].split("</table>")[0]
    assert "Бот в Телеграме" in listed and "Отозвать" in listed and "—" in listed  # never used yet
    session.expire_all()
    row = session.scalar(select(AppPassword).where(AppPassword.name == "Бот в Телеграме"))
    assert secret not in (row.md5_hex, row.sha256_hex)
    assert row.md5_hex == hashlib.md5(secret.encode()).hexdigest()
    user = _user(session, login)
    assert app_passwords.check_challenge(session, user, *_challenge(secret)) is not None
    assert app_passwords.check_challenge(session, user, *_challenge("wrong-password")) is None
    assert app_passwords.check_secret(session, user, secret) is not None
    # The main password is no app password.
    assert app_passwords.check_challenge(session, user, *_challenge(DEMO_PASSWORD)) is None
    session.commit()
    listed = client.get("/account/").text.split('data-testid="app-passwords"')[1].split("</table>")[0]
    assert "—" not in listed  # last use shown


def test_revoked_from_the_account_page(app, session, demo_school):
    login = demo_school["accounts"]["guardian"]
    client = sign_in(app.test_client(), login)
    secret = _create(client)
    revoke = re.search(r'/account/app-passwords/(\d+)/revoke', client.get("/account/").text).group(0)
    assert post_form(client, revoke, {}, page="/account/").status_code == 302
    session.expire_all()
    assert app_passwords.check_challenge(session, _user(session, login), *_challenge(secret)) is None
    listed = client.get("/account/").text.split('data-testid="app-passwords"')[1].split("</table>")[0]
    assert "отозван" in listed and "Отозвать" not in listed
    # Someone else's app password cannot be revoked.
    other = sign_in(app.test_client(), demo_school["accounts"]["student"])
    _create(other, "Календарь")
    theirs = re.search(r'/account/app-passwords/(\d+)/revoke', other.get("/account/").text).group(0)
    assert post_form(client, theirs, {}, page="/account/").status_code == 404


def test_password_change_reset_and_any_version_bump_end_app_passwords(app, session, demo_school):
    client = sign_in(app.test_client(), "zavuch")
    first = _create(client, "Первый")
    post_form(client, "/account/password", {"current": DEMO_PASSWORD, "new": "другой-пароль-1",
                                             "repeat": "другой-пароль-1"})
    session.expire_all()
    user = _user(session, "zavuch")
    assert app_passwords.check_challenge(session, user, *_challenge(first)) is None
    listed = client.get("/account/").text.split('data-testid="app-passwords"')[1].split("</table>")[0]
    assert "отозван" in listed

    second = _create(client, "Второй")
    admin = sign_in(app.test_client(), "admin")
    post_form(admin, f"/staff/{user.id}/password", {}, page="/staff/")
    session.expire_all()
    assert app_passwords.check_secret(session, _user(session, "zavuch"), second) is None

    # A plugin that bumps the version by hand (the office's new slip) ends them as well.
    guardian = sign_in(app.test_client(), demo_school["accounts"]["guardian"])
    third = _create(guardian, "Третий")
    session.expire_all()
    parent = _user(session, demo_school["accounts"]["guardian"])
    parent.session_version += 1
    session.flush()
    assert app_passwords.check_secret(session, parent, third) is None


def test_a_leak_report_ends_app_passwords(app, session, demo_school):
    from core import leaks
    from core.db import utcnow

    login = demo_school["accounts"]["guardian"]
    secret = _create(sign_in(app.test_client(), login))
    session.expire_all()
    user = _user(session, login)
    leaks.report_leak(session, user, user, utcnow(), utcnow())
    session.flush()
    assert app_passwords.check_challenge(session, user, *_challenge(secret)) is None
    assert session.scalar(select(AppPassword).where(AppPassword.user_id == user.id)).revoked_at is not None
