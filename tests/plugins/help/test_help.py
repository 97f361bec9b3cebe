"""The help plugin as a user meets it: the «?» on pages, the guide sections, opens, the memo."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from core.models import User
from plugins.help.models import GuideOpen


def _help_href(html: str) -> str:
    match = re.search(r'class="help-link" href="([^"]+)"', html)
    assert match, "no «?» link on the page"
    return match.group(1).replace("&amp;", "&")


def test_help_link_on_the_journal_opens_the_teachers_journal_section(login_as):
    client = login_as("teacher")
    href = _help_href(client.get("/gradebook/").text)
    assert href.startswith("/help/guide/teacher?") and href.endswith("#journal")
    page = client.get(href.split("#")[0]).text
    assert 'id="journal"' in page and "Щёлкните клетку" in page


def test_help_link_for_a_guardian_lands_on_the_diary_and_unknown_pages_on_the_start(login_as):
    client = login_as("guardian")
    assert _help_href(client.get("/diary/").text).endswith("#diary")
    assert "/help/guide/guardian" in _help_href(client.get("/account/tokens").text)
    assert _help_href(client.get("/account/tokens").text).endswith("#password")


def test_class_teacher_credentials_page_points_at_the_credentials_section(app, login_as, demo_school):
    client = login_as("class_teacher")
    html = client.get("/").text
    assert _help_href(html).endswith("#dashboard")
    from plugins.help.guides import target_for

    assert target_for("office.credentials", {"teacher", "class_teacher"}) == ("class_teacher", "credentials")
    assert target_for("no.such_page", {"student"}) == ("student", "start")


def test_guides_escape_raw_html(app):
    from plugins.help import guides

    md = guides._markdown()
    assert "<script>" not in md.render("<script>alert(1)</script> [x](javascript:alert(1))")


def test_guide_opens_are_recorded_and_shown_to_the_class_teacher_of_that_class_only(app, login_as, session):
    guardian = login_as("guardian")
    guardian.get("/help/guide/guardian")
    opens = session.scalars(select(GuideOpen).where(GuideOpen.guide == "guardian")).all()
    assert len(opens) == 1
    opener = session.get(User, opens[0].user_id)
    ct = login_as("class_teacher").get("/help/opens").text
    # the demo guardian's child is in the class teacher's class
    assert opener.full_name in ct
    row = re.search(rf"<tr class=\"help-opened\">(?:(?!</tr>).)*{re.escape(opener.full_name)}", ct, re.S)
    assert row, "the guardian who opened the guide is not marked as such"
    assert "ещё нет" in ct  # other guardians have not
    other = login_as("teacher").get("/help/opens")
    assert other.status_code == 403


def test_memo_pdf_names_the_steps(login_as):
    response = login_as("guardian").get("/help/memo.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    assert "Памятка для родителей" in text and "одноразовый пароль" in text and "localhost" in text
