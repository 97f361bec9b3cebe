"""In Chromium: the 5А class teacher writes to the class's guardians with a PDF attached; a guardian reads
the letter, opens the attachment and answers; the class teacher sees «Прочитали 1 из N» and the answer."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.e2e
def test_class_teacher_writes_guardian_reads_and_replies(live_server, page, browser, tmp_path):
    from core.models import SchoolClass
    from plugins.mail.models import MailRecipient

    live = live_server
    with live.session() as db:
        klass = db.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    agenda = tmp_path / "повестка.pdf"
    agenda.write_bytes(PDF)

    sign_in(page, live, "class_teacher")
    page.goto(f"{live.url}/mail/compose")
    page.get_by_label(f"Родители {klass.name}").check()
    page.fill("input[name=subject]", "Собрание 3 декабря")
    page.fill("textarea[name=body]", "Уважаемые родители, собрание **в 18:00**.")
    page.set_input_files("input[name=files]", str(agenda))
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_url(re.compile(r".*/mail/message/\d+$"))
    message_id = int(page.url.rsplit("/", 1)[1])
    with live.session() as db:
        total = len(list(db.scalars(select(MailRecipient).where(MailRecipient.message_id == message_id))))
    assert page.get_by_text(f"Прочитали 0 из {total}").is_visible()

    family = browser.new_context(locale="ru-RU").new_page()
    sign_in(family, live, "guardian")
    assert family.get_by_text("Непрочитанных:").first.is_visible()
    family.goto(f"{live.url}/mail/")
    family.get_by_role("link", name="Собрание 3 декабря", exact=True).click()
    assert family.locator(".mail-body strong").inner_text() == "в 18:00"
    link = family.get_by_role("link", name=re.compile("повестка.pdf"))
    assert family.request.get(live.url + link.get_attribute("href")).body() == PDF
    family.get_by_role("link", name="Ответить").click()
    family.fill("textarea[name=body]", "Спасибо, буду.")
    family.get_by_role("button", name="Отправить").click()
    family.wait_for_url(re.compile(r".*/mail/message/\d+$"))
    family.context.close()

    page.reload()
    assert page.get_by_text(f"Прочитали 1 из {total}").is_visible()
    assert page.get_by_text("Спасибо, буду.").is_visible()
