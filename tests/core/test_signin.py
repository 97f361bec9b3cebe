"""Sign-in as an attacker tries it: enumeration, lock-out abuse, weak passwords, the second factor,
and the no-store header on every personal answer."""
from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select

from core.models import AuditEntry, SecondFactor, User
from core.security import hash_password
from tests.conftest import DEMO_PASSWORD, csrf_token, post_form, sign_in


def _login(client, login, password, follow=False):
    page = client.get("/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_token(page.text)},
                       follow_redirects=follow)


def _client(app, address="127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_unknown_and_known_logins_answer_alike_and_both_are_counted(app, session, monkeypatch):
    known = _login(_client(app, "10.1.0.1"), "zavuch", "wrong-password")
    unknown = _login(_client(app, "10.1.0.2"), "nobody-here", "wrong-password")
    assert known.status_code == unknown.status_code == 401

    def same_page(html: str, login: str) -> str:  # the typed login is echoed back; the CSRF token is random
        return re.sub(r'value="[^"]*"', 'value=""', html.replace(login, "LOGIN"))

    assert same_page(known.text, "zavuch") == same_page(unknown.text, "nobody-here")
    assert "Неверный логин или пароль." in unknown.text
    # Both spend the same argon2 work: exactly one verification at the school's cost (counted, not timed).
    from core import security

    checks: list[str] = []

    class CountingHasher:
        def __init__(self, real: object) -> None:
            self.real = real

        def __getattr__(self, name: str) -> object:
            return getattr(self.real, name)

        def verify(self, hashed: str, password: str) -> bool:
            checks.append(hashed.split("$")[3])  # the cost part: m=…,t=…,p=…
            return self.real.verify(hashed, password)

    monkeypatch.setattr(security, "_hasher", CountingHasher(security._hasher))
    costs = {}
    for login in ("zavuch", "nobody-here"):
        client = _client(app, f"10.2.0.{len(costs)}")
        page = client.get("/login")
        checks.clear()
        client.post("/login", data={"login": login, "password": "x" * 12, "csrf_token": csrf_token(page.text)})
        costs[login] = list(checks)
    assert len(costs["zavuch"]) == 1 and costs["nobody-here"] == costs["zavuch"]
    # The limiter counts an unknown login exactly like a known one: the sixth try from one address is refused.
    for login in ("zavuch", "nobody-here"):
        client = _client(app, f"10.3.0.{len(login)}")
        answers = [_login(client, login, "wrong").status_code for _ in range(6)]
        assert answers == [401] * 5 + [429], login


def test_a_strangers_failures_do_not_lock_the_director_out(app, session, demo_school):
    director = demo_school["accounts"]["principal"]
    stranger = _client(app, "203.0.113.7")
    for _ in range(12):
        _login(stranger, director, "guess")
    refused = _login(stranger, director, DEMO_PASSWORD)
    assert refused.status_code == 429
    assert "Слишком много неудачных попыток с этого адреса" in refused.text
    # The director, from the school's own address, signs in at once with the right password.
    response = _login(_client(app, "192.0.2.10"), director, DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    failures = session.scalars(select(AuditEntry).where(AuditEntry.action == "core.login.failed")).all()
    assert len(failures) == 5  # counted (and audited) until the address was stopped


def test_common_and_personal_passwords_are_refused_with_a_russian_explanation(app, session):
    user = session.scalar(select(User).where(User.login == "zavuch"))
    client = sign_in(app.test_client(), "zavuch")
    common = post_form(client, "/account/password",
                       {"current": DEMO_PASSWORD, "new": "12345678", "repeat": "12345678"})
    assert common.status_code == 200
    assert "один из самых распространённых паролей" in common.text
    assert "Выберите фразу из трёх-четырёх не связанных слов" in common.text
    own = f"{user.last_name.lower()}{user.first_name.lower()}"[:20]
    personal = post_form(client, "/account/password", {"current": DEMO_PASSWORD, "new": own, "repeat": own})
    assert "содержит ваше имя, логин или название школы" in personal.text
    session.refresh(user)
    assert user.password_hash and client.post  # unchanged: the old password still signs in
    assert _login(app.test_client(), "zavuch", DEMO_PASSWORD).status_code == 302
    good = post_form(client, "/account/password", {"current": DEMO_PASSWORD, "new": "зелёный утюг поёт басом",
                                                    "repeat": "зелёный утюг поёт басом"})
    assert good.status_code == 302


def _enrol(client):
    page = client.get("/account/second-factor")
    assert 'src="data:image/svg+xml' in page.text
    secret = page.text.split('class="totp-secret">')[1].split("<")[0]
    done = client.post("/account/second-factor",
                       data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page.text)})
    assert done.status_code == 200
    codes = [c.split("</code>")[0] for c in done.text.split("<li><code>")[1:]]
    return secret, codes


def test_totp_enrol_then_sign_in_asks_for_the_code(app, session):
    client = sign_in(app.test_client(), "zavuch")
    secret, codes = _enrol(client)
    assert len(codes) == 10
    user = session.scalar(select(User).where(User.login == "zavuch"))
    assert session.get(SecondFactor, user.id).totp_secret == secret
    fresh = _client(app, "10.9.0.1")
    step = _login(fresh, "zavuch", DEMO_PASSWORD)
    assert step.headers["Location"].endswith("/login/code")
    assert fresh.get("/school/").status_code == 302  # the password alone does not open anything
    page = fresh.get("/login/code")
    wrong = fresh.post("/login/code", data={"code": "000000", "csrf_token": csrf_token(page.text)})
    assert wrong.status_code == 401 and "Код неверный или устарел." in wrong.text
    used = fresh.post("/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page.text)})
    assert used.status_code == 401  # the code just spent on enrolment is never accepted twice
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the next 30 s step, inside the accepted window
    ok = fresh.post("/login/code", data={"code": next_code, "csrf_token": csrf_token(page.text)})
    assert ok.status_code == 302 and fresh.get("/").status_code == 200
    # A recovery code works once.
    other = _client(app, "10.9.0.2")
    _login(other, "zavuch", DEMO_PASSWORD)
    page = other.get("/login/code")
    assert other.post("/login/code", data={"code": codes[0], "csrf_token": csrf_token(page.text)}).status_code == 302
    again = _client(app, "10.9.0.3")
    _login(again, "zavuch", DEMO_PASSWORD)
    page = again.get("/login/code")
    assert again.post("/login/code", data={"code": codes[0], "csrf_token": csrf_token(page.text)}).status_code == 401


def test_administrators_must_enrol_where_the_school_requires_it(make_app, session, demo_school):
    from tests.conftest import all_plugins

    app = make_app(plugins=all_plugins(), settings={"security": {"totp_required_roles": ["admin"]}})
    with app.app_context():
        client = sign_in(app.test_client(), demo_school["accounts"]["admin"])
        assert client.get("/school/").headers["Location"].endswith("/account/second-factor")
        _enrol(client)
        assert client.get("/school/").status_code == 200


def test_every_page_and_api_answer_says_no_store_but_static_files_may_be_cached(app, login_as):
    client = login_as("teacher")
    for url in ("/", "/login", "/api/v1/me", "/api/v1/openapi.json", "/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    static = client.get("/static/core/klass.css")
    if static.status_code == 200:
        assert static.headers.get("Cache-Control") != "no-store"


def test_a_reset_password_still_signs_in_after_the_policy(app, session):
    user = session.scalar(select(User).where(User.login == "zavuch"))
    user.password_hash = hash_password("slip-pass-1")
    session.commit()
    assert _login(app.test_client(), "zavuch", "slip-pass-1").status_code == 302
