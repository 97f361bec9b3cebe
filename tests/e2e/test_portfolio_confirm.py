"""In Chromium: a student adds an olympiad diploma (PDF) to his portfolio, the class teacher returns it with a
comment, the student corrects it, the class teacher confirms it, and the student sees it confirmed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.mark.e2e
def test_student_diploma_returned_fixed_and_confirmed(live_server, page, tmp_path, browser):
    from core.models import User
    from plugins.portfolio.models import Entry

    live = live_server
    diploma = tmp_path / "диплом.pdf"
    diploma.write_bytes(PDF)
    with live.session() as db:
        student = db.scalar(select(User).where(User.login == live.accounts["student"]))

    sign_in(page, live, "student")
    page.goto(f"{live.url}/portfolio/")
    form = page.locator("#add-entry")
    form.locator("select[name=section]").select_option("Олимпиады и конкурсы")
    form.locator("input[name=title]").fill("Диплом олимпиады по физике")
    form.locator("input[name=happened_on]").fill("2026-11-10")
    form.locator("select[name=result]").select_option("winner")
    form.locator("input[name=file]").set_input_files(str(diploma))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "ждёт подтверждения" in page.content()

    teacher_page = page.context.browser.new_context(locale="ru-RU").new_page()
    sign_in(teacher_page, live, "class_teacher")
    teacher_page.goto(f"{live.url}/portfolio/review")
    row = teacher_page.locator("tr", has_text="Диплом олимпиады по физике")
    row.locator("input[name=comment]").fill("Укажите этап олимпиады")
    row.locator("button[value=return]").click()
    teacher_page.wait_for_load_state()

    page.goto(f"{live.url}/portfolio/student/{student.id}")
    assert "Укажите этап олимпиады" in page.content()
    entry = page.locator(".entry", has_text="Диплом олимпиады по физике")
    entry.locator("summary").click()
    entry.locator("form.edit input[name=title]").fill("Диплом олимпиады по физике, муниципальный этап")
    entry.locator("form.edit button[type=submit]").click()
    page.wait_for_load_state()

    teacher_page.goto(f"{live.url}/portfolio/review")
    teacher_page.locator("tr", has_text="муниципальный этап").locator("button[value=confirm]").click()
    teacher_page.wait_for_load_state()

    page.goto(f"{live.url}/portfolio/student/{student.id}")
    confirmed = page.locator(".entry", has_text="муниципальный этап")
    assert "подтверждено" in confirmed.locator(".badge").inner_text()
    with live.session() as db:
        saved = db.scalar(select(Entry).where(Entry.title == "Диплом олимпиады по физике, муниципальный этап"))
        assert saved.status == "confirmed"
    teacher_page.context.close()
