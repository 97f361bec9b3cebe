"""Sign-in through an OpenID Connect provider started by the test itself (tests/plugins/sso/oidc_provider.py):
a guardian is found by СНИЛС + birth date + name, linked, and lands among his children; strangers,
forged tokens and foreign callbacks are refused with a message; passwords can be switched off per role."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.conftest import all_plugins, csrf_token, post_form, sign_in
from tests.plugins.sso.oidc_provider import LocalProvider

BIRTH = date(1984, 3, 14)


def valid_snils(nine: str) -> str:
    total = sum(int(d) * (9 - i) for i, d in enumerate(nine))
    return f"{nine[:3]}-{nine[3:6]}-{nine[6:9]} {total % 101 % 100:02d}"


SNILS = valid_snils("112233445")
OTHER_SNILS = valid_snils("987654321")


@pytest.fixture(scope="module")
def provider():
    local = LocalProvider()
    yield local
    local.stop()


@pytest.fixture
def sso_app(make_app, provider):
    provider.tamper = None
    from plugins.sso import oidc

    oidc._cache.clear()  # each test's provider answers afresh (keys are per run anyway)
    app = make_app(plugins=all_plugins(), settings=provider.settings())
    with app.app_context():
        yield app


@pytest.fixture
def guardian(sso_app, demo_school):
    from core.models import User
    from plugins.sso.services import set_snils

    session = sso_app.extensions["klass"].session()
    user = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    set_snils(session, None, user, SNILS, BIRTH)
    session.commit()  # a savepoint: the test's transaction still rolls everything back
    return user


def _identity(user, snils=SNILS, **changes):
    claims = {"sub": f"esia-{user.id}", "family_name": user.last_name, "given_name": user.first_name,
              "middle_name": user.middle_name, "birthdate": BIRTH.isoformat(), "snils": snils}
    return {**claims, **changes}


def through_provider(client, provider, key="local", state=None, start_url=None):
    """What a browser does: the button (``start_url``, as a sign-in page wrote it), the provider's page
    (consent at once), back to Klass."""
    start = client.get(start_url or f"/sso/start/{key}")
    assert start.status_code == 302 and start.headers["Location"].startswith(provider.issuer + "/authorize")
    query = dict(parse_qsl(urlsplit(start.headers["Location"]).query))
    assert query["code_challenge_method"] == "S256" and query["nonce"] and query["state"]
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    params = dict(parse_qsl(back.query))
    if state is not None:
        params["state"] = state
    return client.get(f"{back.path}?{urlencode(params)}")


def test_hook_extra_login_options(sso_app, make_app):
    page = sso_app.test_client().get("/login").text
    assert "Войти через Госуслуги (тест)" in page and 'href="/sso/start/local"' in page
    without = make_app(plugins=[p for p in all_plugins() if p != "sso"])
    assert "Войти через" not in without.test_client().get("/login").text


def test_guardian_is_linked_by_snils_and_birth_date_and_sees_his_children(sso_app, provider, guardian):
    from core.models import AuditEntry
    from core.services import children_of
    from plugins.sso.models import SsoIdentity

    session = sso_app.extensions["klass"].session()
    provider.identity = _identity(guardian)
    client = sso_app.test_client()
    landed = through_provider(client, provider)
    assert landed.status_code == 302 and urlsplit(landed.headers["Location"]).path == "/"
    assert guardian.last_name in client.get("/").text
    diary = client.get("/diary/", follow_redirects=True).text
    kids = children_of(session, guardian.id)
    assert len(kids) == 2 and all(kid.first_name in diary for kid in kids)
    link = session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == guardian.id))
    assert (link.issuer, link.subject) == (provider.issuer, f"esia-{guardian.id}")
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(guardian.id))))
    assert {"sso.identity.link", "core.login"} <= actions

    # The second time the link decides: the provider no longer sends СНИЛС, the person still gets in.
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    provider.identity = _identity(guardian, snils=None, birthdate=None)
    again = sso_app.test_client()
    assert urlsplit(through_provider(again, provider).headers["Location"]).path == "/"
    assert guardian.last_name in again.get("/").text
    assert len(session.scalars(select(SsoIdentity).where(SsoIdentity.user_id == guardian.id)).all()) == 1


def _button(client, page: str) -> str:
    """The «Войти через» address the sign-in page shows for the test's installation-wide provider."""
    return re.search(r'href="(/sso/start/local[^"]*)"', client.get(page).text).group(1).replace("&amp;", "&")


def test_an_identity_with_no_match_is_refused_with_a_message_and_a_request(sso_app, provider, guardian,
                                                                           login_as):
    from core.models import School
    from plugins.sso.models import SsoIdentity, SsoRequest

    session = sso_app.extensions["klass"].session()
    stranger = {"sub": "esia-stranger", "family_name": "Незнакомцев", "given_name": "Пётр",
                "middle_name": "Ильич", "birthdate": "1979-05-02", "snils": OTHER_SNILS}
    provider.identity = stranger
    client = sso_app.test_client()
    # An installation-wide provider, started from the school's own sign-in page: a deployment of several
    # schools still knows whose administrator must look into the refusal.
    slug = session.get(School, guardian.school_id).slug
    refused = through_provider(client, provider, start_url=_button(client, f"/s/{slug}/login"))
    assert urlsplit(refused.headers["Location"]).path == "/login"
    page = client.get("/login").text
    assert "не нашли вас среди учеников и родителей школы" in page and "администратору школы" in page
    assert client.get("/").status_code == 302  # not signed in
    request_row = session.scalar(select(SsoRequest).where(SsoRequest.subject == "esia-stranger"))
    assert request_row.reason == "no_match" and request_row.birth_date == date(1979, 5, 2)
    assert request_row.school_id == guardian.school_id

    # The right СНИЛС and birth date under another name is no match either: nobody is let in by a number.
    provider.identity = _identity(guardian, family_name="Подставной", sub="esia-impostor")
    other = sso_app.test_client()
    through_provider(other, provider, start_url=_button(other, f"/s/{slug}/login"))
    assert session.scalar(select(SsoIdentity).where(SsoIdentity.subject == "esia-impostor")) is None
    assert session.scalar(select(SsoRequest).where(SsoRequest.subject == "esia-impostor")).reason == "name_mismatch"

    admin = sign_in(sso_app.test_client(), "admin")
    listed = admin.get("/sso/requests").text
    assert "Незнакомцев Пётр Ильич" in listed and "02.05.1979" not in listed and "2 мая 1979" in listed
    assert OTHER_SNILS in listed
    closed = post_form(admin, f"/sso/requests/{request_row.id}/close", {"note": "Не наш родитель"},
                       page="/sso/requests")
    assert closed.status_code == 302 and "Незнакомцев" not in admin.get("/sso/requests").text


@pytest.mark.parametrize("tamper", ["signature", "foreign_key", "nonce", "audience"])
def test_a_forged_or_misdirected_id_token_is_refused(sso_app, provider, guardian, tamper):
    from plugins.sso.models import SsoIdentity

    provider.identity = _identity(guardian)
    provider.tamper = tamper
    client = sso_app.test_client()
    refused = through_provider(client, provider)
    assert urlsplit(refused.headers["Location"]).path == "/login"
    assert "не удалось проверить" in client.get("/login").text
    assert client.get("/").status_code == 302
    session = sso_app.extensions["klass"].session()
    assert session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == guardian.id)) is None


def test_a_callback_with_another_state_or_none_started_is_refused(sso_app, provider, guardian):
    provider.identity = _identity(guardian)
    client = sso_app.test_client()
    refused = through_provider(client, provider, state="forged-state")
    assert urlsplit(refused.headers["Location"]).path == "/login"
    assert "не была начата здесь" in client.get("/login").text and client.get("/").status_code == 302
    fresh = sso_app.test_client()  # a callback nobody started (a link sent to the victim)
    assert urlsplit(fresh.get("/sso/callback?code=x&state=y").headers["Location"]).path == "/login"
    assert fresh.get("/").status_code == 302


def test_passwords_switched_off_for_guardians_send_them_to_the_provider(make_app, provider, demo_school):
    app = make_app(plugins=all_plugins(), settings=provider.settings(password_roles_disabled=["guardian", "student"]))
    client = app.test_client()
    page = client.get("/login").text
    refused = client.post("/login", data={"login": demo_school["accounts"]["guardian"],
                                          "password": demo_school["password"], "csrf_token": csrf_token(page)})
    assert refused.status_code == 302 and client.get("/").status_code == 302
    message = client.get("/login").text
    assert "отключила вход по паролю" in message and "«Госуслуги (тест)»" in message
    # A wrong password is just a wrong password: the refusal never tells a stranger whose login it is.
    wrong = client.post("/login", data={"login": demo_school["accounts"]["guardian"], "password": "nope",
                                        "csrf_token": csrf_token(client.get("/login").text)})
    assert wrong.status_code == 401 and "отключила" not in wrong.text
    sign_in(app.test_client(), demo_school["accounts"]["teacher"])  # teachers keep their passwords

    # The school's own choice on the administrator's page overrides the installation's default.
    admin = sign_in(app.test_client(), "admin")
    with app.app_context():
        saved = post_form(admin, "/sso/policy", {"roles": ["student"]}, page="/sso/")
    assert saved.status_code == 302
    sign_in(app.test_client(), demo_school["accounts"]["guardian"])


def test_a_schools_own_sign_in_page_offers_its_providers_and_the_installations_only(sso_app, guardian):
    from core.models import School
    from plugins.sso.models import SsoProvider

    session = sso_app.extensions["klass"].session()
    other = School(name="МБОУ «Лицей № 3»", short_name="Лицей № 3", slug="licei3")
    session.add(other)
    session.flush()
    session.add(SsoProvider(school_id=other.id, title="Вход лицея", issuer="https://idp.licei3.example/",
                            discovery_url="", client_id="k", client_secret="s", scopes="openid", enabled=True,
                            claims={}, version=1))
    session.commit()
    slug = session.get(School, guardian.school_id).slug
    client = sso_app.test_client()
    own = client.get(f"/s/{slug}/login").text
    assert "Войти через Госуслуги (тест)" in own and "Вход лицея" not in own
    assert f"school={guardian.school_id}" in own  # the installation's button carries the school
    lyceum = client.get("/s/licei3/login").text
    assert "Вход лицея" in lyceum and "Войти через Госуслуги (тест)" in lyceum
    assert "Вход лицея" in client.get("/login").text  # the common page: every school's


def test_an_sso_sign_in_with_a_second_factor_is_not_sent_to_replace_the_slip_password(sso_app, provider,
                                                                                      guardian):
    import pyotp

    from core.models import SecondFactor

    session = sso_app.extensions["klass"].session()
    secret = pyotp.random_base32()
    session.add(SecondFactor(user_id=guardian.id, school_id=guardian.school_id, totp_secret=secret,
                             recovery_digests=[], last_step=0))
    guardian.must_change_password = True  # holds the one-time password of the slip, never typed here
    session.commit()
    provider.identity = _identity(guardian)
    client = sso_app.test_client()
    asked = through_provider(client, provider)
    assert urlsplit(asked.headers["Location"]).path == "/login/code"
    page = client.get("/login/code").text
    done = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)})
    # As without a second factor (complete_login): where the person was going, not the password change.
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/"
    assert client.get("/account/").status_code == 200  # signed in, and not sent to replace the slip
    assert client.get("/login/code").status_code == 302  # the pending sign-in is spent


def test_a_slip_holder_signed_in_through_the_provider_is_not_forced_to_change_the_password(sso_app, provider,
                                                                                           guardian):
    """The provider proved who the person is: pages, menu and children are theirs at once, no detour to
    replace the slip's one-time password they never typed. Signing in with that password still forces the
    change, in another browser and in the same one after signing out."""
    session = sso_app.extensions["klass"].session()
    guardian.must_change_password = True  # holds the one-time password of the slip
    session.commit()
    provider.identity = _identity(guardian)
    client = sso_app.test_client()
    landed = through_provider(client, provider)
    assert landed.status_code == 302 and urlsplit(landed.headers["Location"]).path == "/"
    home = client.get("/")
    assert home.status_code == 200 and guardian.last_name in home.text
    assert 'href="/diary/' in home.text  # the menu is there, not the bare shell of the password page
    diary = client.get("/diary/", follow_redirects=True)
    assert diary.status_code == 200 and urlsplit(diary.request.url).path != "/account/password"
    assert client.get("/account/").status_code == 200

    by_password = sign_in(sso_app.test_client(), guardian.login)
    forced = by_password.get("/diary/")
    assert forced.status_code == 302 and urlsplit(forced.headers["Location"]).path == "/account/password"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    sign_in(client, guardian.login)  # the same browser, now with the password
    forced = client.get("/")
    assert forced.status_code == 302 and urlsplit(forced.headers["Location"]).path == "/account/password"
