"""In Chromium: a teacher uploads a test for 5А maths to the catalogue, attaches it to 5А's next maths lesson in
two clicks on the lesson's page, and a guardian of a 5А student sees it in the diary on that day."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n%browser")


@pytest.mark.e2e
def test_teacher_attaches_a_test_to_the_next_lesson_and_the_guardian_sees_it(live_server, page, tmp_path):
    from core.models import ClassMembership, GuardianLink, Subject, User
    from core.toolkit import school_today
    from plugins.gradebook.models import Lesson
    from plugins.resources.models import Material, MaterialUse

    live = live_server
    with live.session() as db:
        student = db.scalar(select(User).where(User.login == live.accounts["student"]))
        class_id = db.scalar(select(ClassMembership.class_id).where(ClassMembership.student_id == student.id))
        maths = db.scalar(select(Subject.id).where(Subject.school_id == live.school_id, Subject.name == "Математика"))
        today = school_today(live.school_id, session=db)
        lesson = db.scalar(select(Lesson).where(Lesson.class_id == class_id, Lesson.subject_id == maths,
                                                Lesson.date > today, Lesson.subgroup_id.is_(None))
                           .order_by(Lesson.date, Lesson.number).limit(1))
        guardian = db.scalar(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                             .where(GuardianLink.student_id == student.id).limit(1))
    test_file = tmp_path / "дроби-тест.pdf"
    test_file.write_bytes(PDF)

    sign_in(page, live, "teacher")
    page.goto(f"{live.url}/resources/new")
    form = page.locator("#material-form")
    form.locator("input[name=title]").fill("Тест «Дроби» для 5А")
    form.locator("select[name=kind]").select_option(label="тест")
    form.locator("input[name=form][value=file]").check()
    form.locator("input[name=file]").set_input_files(str(test_file))
    form.locator("select[name=subject_id]").select_option(label="Математика")
    form.locator("input[name=grades]").fill("5")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Материал сохранён" in page.content()

    page.goto(f"{live.url}/gradebook/lessons/{lesson.id}")
    attach = page.locator("form.attach-material")
    attach.locator("select[name=material_id]").select_option(label="Тест «Дроби» для 5А (тест)")
    attach.locator("button[value=lesson]").click()
    page.wait_for_load_state()
    assert "Материал прикреплён" in page.content()
    assert "Тест «Дроби» для 5А" in page.locator(".lesson-materials").inner_text()

    family = page.context.browser.new_context(locale="ru-RU").new_page()
    sign_in(family, live, guardian.login)
    family.goto(f"{live.url}/diary/{student.id}?week={lesson.date - timedelta(days=lesson.date.weekday())}")
    materials = family.locator(".materials-in-diary")
    assert "Тест «Дроби» для 5А" in materials.inner_text()
    materials.get_by_text("Тест «Дроби» для 5А").click()
    family.wait_for_load_state()
    assert "дроби-тест.pdf" in family.content()
    with live.session() as db:
        uses = db.execute(select(Material.title, MaterialUse.use).join(Material, Material.id == MaterialUse.material_id)
                          .where(MaterialUse.lesson_id == lesson.id)).all()
        assert ("Тест «Дроби» для 5А", "lesson") in uses
    family.context.close()
