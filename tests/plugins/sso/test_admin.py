"""The school administrator's side: a provider set up on the page shows on the sign-in page and lets a
recorded parent in; СНИЛС is checked (checksum, birth date) on the page and in the CLI import; audited."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import all_plugins, post_form, sign_in
from tests.plugins.sso.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider
from tests.plugins.sso.test_sign_in import SNILS, through_provider, valid_snils


def test_a_school_provider_set_up_on_the_page_lets_a_recorded_parent_in(make_app, demo_school):
    from core.models import AuditEntry, User
    from plugins.sso.models import SsoPersonSnils, SsoProvider

    local = LocalProvider()
    try:
        app = make_app(plugins=all_plugins())
        with app.app_context():
            admin = sign_in(app.test_client(), "admin")
            saved = post_form(admin, "/sso/providers/new", {
                "title": "Школьный вход", "issuer": local.issuer, "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET, "scopes": "openid profile", "claim_snils": "snils",
                "claim_birthdate": "birthdate", "claim_family_name": "family_name", "claim_given_name": "given_name",
                "claim_middle_name": "middle_name", "enabled": "y"})
            assert saved.status_code == 302
            session = app.extensions["klass"].session()
            row = session.scalar(select(SsoProvider).where(SsoProvider.title == "Школьный вход"))
            assert row.client_secret == CLIENT_SECRET and CLIENT_SECRET not in admin.get(saved.headers["Location"]).text
            assert "Войти через Школьный вход" in app.test_client().get("/login").text

            guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
            wrong = post_form(admin, "/sso/snils", {"login": guardian.login, "snils": "112-233-445 00",
                                                    "birth_date": "1984-03-14"})
            assert "неверен" in wrong.text and session.get(SsoPersonSnils, guardian.id) is None
            ok = post_form(admin, "/sso/snils", {"login": guardian.login, "snils": SNILS.replace("-", ""),
                                                 "birth_date": "1984-03-14"})
            assert ok.status_code == 302
            assert session.get(SsoPersonSnils, guardian.id).snils == SNILS.replace("-", "").replace(" ", "")
            assert {"sso.provider.create", "sso.snils.set"} <= set(session.scalars(select(AuditEntry.action)))

            local.identity = {"sub": "school-idp-1", "family_name": guardian.last_name,
                              "given_name": guardian.first_name, "birthdate": "1984-03-14", "snils": SNILS}
            client = app.test_client()
            assert through_provider(client, local, key=f"s{row.id}").headers["Location"].endswith("/")
            assert guardian.last_name in client.get("/").text
    finally:
        local.stop()


def test_snils_import_checks_every_row_and_saves_all_or_nothing(app, session, demo_school, tmp_path):
    from core.models import User
    from plugins.sso.models import SsoPersonSnils

    accounts = demo_school["accounts"]
    student = session.scalar(select(User).where(User.login == accounts["student"]))
    bad = tmp_path / "bad.csv"
    bad.write_text(f"логин;СНИЛС;дата рождения\n{accounts['guardian']};{SNILS};14.03.1984\n"
                   f"{accounts['student']};123-456-789 00;01.01.2015\nnobody;{SNILS};01.01.1980\n", encoding="utf-8")
    from plugins.sso.cli import import_snils

    runner = app.test_cli_runner()
    result = runner.invoke(import_snils, [str(bad)])
    assert result.exit_code == 1
    assert "строка 3" in result.output and "неверен" in result.output and "«nobody»" in result.output
    assert session.scalar(select(SsoPersonSnils)) is None

    good = tmp_path / "good.csv"
    birth = student.birth_date or date(2015, 1, 1)
    good.write_text(f"{accounts['guardian']};{SNILS};14.03.1984\n"
                    f"{accounts['student']};{valid_snils('555666777')};{birth:%d.%m.%Y}\n", encoding="utf-8")
    result = runner.invoke(import_snils, [str(good)])
    assert result.exit_code == 0, result.output
    assert "Сохранено СНИЛС: 2" in result.output
