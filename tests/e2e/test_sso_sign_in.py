"""In Chromium: a guardian presses «Войти через Госуслуги (тест)» on the sign-in page, the local OpenID
Connect provider (started here) vouches for him, and he lands on his start page; his diary lists both
children. A stranger pressing the same button reads the refusal on the sign-in page."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.plugins.sso.oidc_provider import LocalProvider
from tests.plugins.sso.test_sign_in import OTHER_SNILS, SNILS


@pytest.fixture(scope="module")
def provider():
    local = LocalProvider()
    yield local
    local.stop()


@pytest.mark.e2e
def test_guardian_signs_in_through_the_provider_button(make_live_server, provider, page, browser):
    from core.models import User
    from core.services import children_of
    from plugins.sso.services import set_snils

    live = make_live_server(provider.settings())
    with live.app.test_request_context(), live.session() as db:
        guardian = db.scalar(select(User).where(User.login == live.accounts["guardian"]))
        set_snils(db, None, guardian, SNILS, date(1984, 3, 14))
        db.commit()
        kids = [k.first_name for k in children_of(db, guardian.id)]
    provider.identity = {"sub": "e2e-guardian", "family_name": guardian.last_name, "given_name": guardian.first_name,
                         "middle_name": guardian.middle_name, "birthdate": "1984-03-14", "snils": SNILS}

    page.goto(f"{live.url}/login")
    page.get_by_role("link", name="Войти через Госуслуги (тест)").click()
    page.wait_for_url(f"{live.url}/")
    assert guardian.last_name in page.content()
    page.goto(f"{live.url}/diary/")
    assert all(kid in page.content() for kid in kids) and len(kids) == 2

    provider.identity = {"sub": "e2e-stranger", "family_name": "Незнакомцев", "given_name": "Пётр",
                         "birthdate": "1979-05-02", "snils": OTHER_SNILS}
    stranger = browser.new_context(locale="ru-RU").new_page()
    stranger.goto(f"{live.url}/login")
    stranger.get_by_role("link", name="Войти через Госуслуги (тест)").click()
    stranger.wait_for_url(f"{live.url}/login")
    assert stranger.get_by_text("Мы не нашли вас среди учеников и родителей школы", exact=False).is_visible()
    stranger.context.close()
