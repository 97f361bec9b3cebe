"""Russian wording (issue 15): names declined and gendered through one helper, marshmallow's messages in
Russian, the guardian's slip naming the guardian, dead ends on start pages, the demo obeying the school."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from core.names import agreed, gendered, name_in_case
from core.toolkit import ClassMembership, SchoolClass, User
from tests.conftest import post_form, sign_in
from tests.core.test_api import _token


def test_names_are_declined_and_words_agree_with_the_person():
    assert name_in_case("Борисова А. Р.", "gen") == "Борисовой А. Р."
    assert name_in_case("Борисова Анна Романовна", "gen") == "Борисовой Анны Романовны"
    assert name_in_case("Иванов Пётр Сергеевич", "dat") == "Иванову Петру Сергеевичу"
    assert gendered("Борисова А. Р.", "занят", "занята") == "занята"
    assert gendered("Соколов Иван Ильич", "занят", "занята") == "занят"
    # The patronymic decides for surnames that do not show the gender.
    assert gendered("Дюма Анна Петровна", "занят", "занята") == "занята"
    assert agreed("Активно работал(а) на уроке", "Иванова Мария Олеговна") == "Активно работала на уроке"
    assert agreed("Активно работал(а) на уроке", "Иванов Олег Петрович") == "Активно работал на уроке"


def test_api_validation_messages_are_russian(app):
    admin_token = _token(sign_in(app.test_client(), "admin"))
    answer = app.test_client().post("/api/v1/account/leak-reports", headers={"Authorization": f"Bearer {admin_token}"},
                                    json={"login": "", "leaked_at": "вчера", "colour": "red", "user_id": "x"})
    assert answer.status_code == 422
    details = str(answer.json["error"])
    assert "Неизвестное поле." in details
    assert "Ожидаются дата и время" in details
    assert "Ожидается целое число." in details
    assert "Длина должна быть от 1 до 100." in details
    assert "Unknown field" not in details and "Not a valid" not in details


def test_guardian_slip_names_the_guardian_not_the_child(app, session, demo_school):
    teacher = sign_in(app.test_client(), demo_school["accounts"]["class_teacher"])
    c5a = session.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    url = f"/office/classes/{c5a.id}/credentials"
    response = post_form(teacher, url, {"who": "guardians", "scope": "all"}, url)
    assert response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
    assert f"Родитель: {guardian.full_name}" in text
    kid_names = [u.short_name for u in session.scalars(
        select(User).join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == c5a.id))]
    assert not any(f"Родитель: {n}" in text for n in kid_names), "a child's name after «Родитель:»"
    assert "Ученик: " in text or "Ученица: " in text or "Дети: " in text


def test_deputy_start_page_has_no_link_to_a_refused_page(app, demo_school):
    deputy = sign_in(app.test_client(), demo_school["accounts"]["deputy"])
    start = deputy.get("/").text
    assert "без ответа о согласии" in start
    assert 'href="/office/consents' not in start


def test_class_teachers_my_class_card_is_a_link(app, session, demo_school):
    teacher = sign_in(app.test_client(), demo_school["accounts"]["class_teacher"])
    start = teacher.get("/").text
    card = start.split("Мой класс</h2>")[1].split("</section>")[0]
    assert "<a href=" in card and "5А" in card


def test_demo_obeys_the_school(session, demo_school):
    from plugins.diary.models import Remark
    from plugins.gradebook.models import Lesson, Mark

    first_grade_marks = session.scalar(
        select(func.count(Mark.id)).join(Lesson, Lesson.id == Mark.lesson_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id).where(SchoolClass.grade_level == 1))
    assert first_grade_marks == 0, "first grade is not marked"
    assert not session.scalar(select(func.count(Remark.id)).where(Remark.text.like("%(а)%")))
    printed = session.scalars(select(User).where(User.login.in_(list(demo_school["accounts"].values())))).all()
    assert printed and all(u.activated_at is not None for u in printed)


def test_personal_file_links_its_history_for_the_class_teacher(app, session, demo_school):
    teacher = sign_in(app.test_client(), demo_school["accounts"]["class_teacher"])
    kid = session.scalar(select(User).where(User.login == demo_school["accounts"]["student"]))
    page = teacher.get(f"/office/files/{kid.id}").text
    assert f"/audit/history/office.student/{kid.id}" in page
    history = teacher.get(f"/audit/history/office.student/{kid.id}")
    assert history.status_code == 200 and "История изменений" in history.text


def test_wtforms_messages_are_russian(app):
    from core.forms import ClassForm

    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context(method="POST", data={"grade_level": "99", "letter": ""}):
        form = ClassForm()
        form.class_teacher_id.choices = [(0, "—")]
        assert not form.validate()
        assert form.errors == {"grade_level": ["Значение должно быть между 1 и 11."], "letter": ["Обязательное поле."]}
