"""My journals, the class teacher's view, a student's card, "how was this computed", lessons, files."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from core.models import ClassMembership, GuardianLink, User
from plugins.gradebook.models import Homework, HomeworkFile, Lesson, LessonPlanItem
from tests.conftest import csrf_token


def test_teacher_index_lists_own_journals(demo, login_as):
    page = login_as("teacher").get("/gradebook/")
    assert page.status_code == 200
    assert "Мои журналы" in page.text and "Математика" in page.text and "Алгебра" in page.text
    assert "Все журналы школы" not in page.text


def test_class_teacher_index_shows_the_class_and_deputy_every_class(demo, login_as):
    page = login_as("class_teacher").get("/gradebook/")
    assert "Мой класс 5А" in page.text and "Все предметы класса" in page.text
    page = login_as("deputy").get("/gradebook/")
    assert "Все журналы школы" in page.text and "9А" in page.text


def test_class_view_shows_every_subject_read_only(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    page = login_as("class_teacher").get(f"/gradebook/class/{demo.class_5a.id}?period={term.id}")
    assert page.status_code == 200
    for name in ("Математика", "Русский язык", "Английский язык"):
        assert name in page.text
    for student in demo.students:
        assert student.last_name in page.text
    assert "<input" not in page.text.split("<main>")[1]  # nothing to edit
    assert login_as("class_teacher").get(f"/gradebook/class/{demo.class_9a.id}").status_code == 403
    assert login_as("teacher").get(f"/gradebook/class/{demo.class_5a.id}").status_code == 403
    year = login_as("deputy").get(f"/gradebook/class/{demo.class_5a.id}?period=year")
    assert year.status_code == 200 and demo.students[0].last_name in year.text


def test_class_teacher_opens_every_subject_journal_but_cannot_save(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("class_teacher")
    from plugins.gradebook.summaries import class_subjects

    for subject_id, _name in class_subjects(demo.session, demo.class_5a.id):
        response = client.get(f"/gradebook/journal?class_id={demo.class_5a.id}&subject_id={subject_id}"
                              f"&term_id={term.id}", follow_redirects=True)
        assert response.status_code == 200, _name
    lesson = demo.past_lesson()
    page = client.get(f"/gradebook/lessons/{lesson.id}")
    assert page.status_code == 200 and 'name="m' not in page.text
    typed = "5 4 3"  # not what the cell holds: an attempt to change it
    response = client.post(f"/gradebook/lessons/{lesson.id}/marks",
                           data={"csrf_token": csrf_token(page.text), f"m{demo.student.id}": typed})
    assert response.status_code == 422 and "Изменять этот урок может только учитель" in response.text


def test_student_card_for_the_class_teacher(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    url = f"/gradebook/student/{demo.student.id}?class_id={demo.class_5a.id}&period={term.id}"
    page = login_as("class_teacher").get(url)
    assert page.status_code == 200 and demo.student.full_name in page.text and "Математика" in page.text
    assert login_as("teacher").get(url).status_code == 404
    assert login_as("student").get(url).status_code == 403


def _explain(demo, student, term=None):
    url = f"/gradebook/explain?student_id={student.id}&subject_id={demo.math.id}"
    return url + (f"&term_id={term.id}" if term else "")


def test_explanation_for_the_student_themself(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    page = login_as("student").get(_explain(demo, demo.user_of("student"), term))
    assert page.status_code == 200
    assert "Как это посчитано" in page.text and "Σ(отметка·вес)" in page.text
    assert "пороги: ≥ 4,65 → 5" in page.text and "Вес" in page.text
    year = login_as("student").get(_explain(demo, demo.user_of("student")))
    assert year.status_code == 200 and "среднее итоговых отметок" in year.text


def test_explanation_for_guardians_of_the_child_only(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    guardian = demo.user_of("guardian")
    children = set(demo.session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)))
    own = next(s for s in demo.students if s.id in children)
    stranger = next(s for s in demo.students if s.id not in children)
    client = login_as("guardian")
    page = client.get(_explain(demo, own, term))
    assert page.status_code == 200 and own.last_name in page.text and "→" in page.text
    assert client.get(_explain(demo, stranger, term)).status_code == 404
    assert login_as("student").get(_explain(demo, stranger, term)).status_code == 404


def test_explanation_for_staff_who_see_the_class(demo, login_as, other_teacher):
    term = demo.term_of(demo.past_lesson().date)
    url = _explain(demo, demo.student, term)
    for role in ("teacher", "class_teacher", "deputy"):
        page = login_as(role).get(url)
        assert page.status_code == 200 and demo.student.last_name in page.text, role
    assert login_as(other_teacher.login).get(url).status_code == 404


def test_lesson_page_marks_form_saves_and_keeps_refused_values(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    client = login_as("teacher")
    page = client.get(f"/gradebook/lessons/{lesson.id}")
    assert page.status_code == 200 and f'name="m{demo.students[0].id}"' in page.text
    response = client.post(f"/gradebook/lessons/{lesson.id}/marks", data={
        "csrf_token": csrf_token(page.text), f"m{demo.students[0].id}": "5 4", f"m{demo.students[1].id}": "8",
        f"m{demo.students[2].id}": "3"})
    assert response.status_code == 422
    assert "«8»: отметка должна быть от 1 до 5." in response.text
    assert 'value="8"' in response.text
    assert [m.value for m in demo.marks_of(lesson, demo.students[0])] == ["5", "4"]
    assert [m.value for m in demo.marks_of(lesson, demo.students[2])] == ["3"]
    assert demo.marks_of(lesson, demo.students[1]) == []


def test_teacher_adds_a_lesson_with_homework_and_a_file(demo, login_as, today):
    client = login_as("teacher")
    url = f"/gradebook/lessons/new?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
    page = client.get(url)
    assert page.status_code == 200
    day = demo.terms[0].starts_on
    response = client.post(url, data={
        "csrf_token": csrf_token(page.text), "date": day.isoformat(), "number": "8", "topic": "Повторение",
        "summary": "", "control_work_type": "", "homework": "№ 12, 14", "due_date": "",
        "files": (io.BytesIO(b"%PDF-1.4 test"), "Задание 1.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    lesson = demo.session.scalar(select(Lesson).where(Lesson.topic == "Повторение", Lesson.number == 8))
    assert lesson.teacher_id == demo.teacher.id and lesson.date == day
    homework = demo.session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    assert homework.text == "№ 12, 14"
    stored = demo.session.scalar(select(HomeworkFile).where(HomeworkFile.homework_id == homework.id))
    assert stored.filename == "Задание 1.pdf" and stored.data == b"%PDF-1.4 test"
    # The same slot again is refused with the reason, and the form keeps what was typed.
    again = client.post(url, data={"csrf_token": csrf_token(page.text), "date": day.isoformat(), "number": "8",
                                   "topic": "Дубль"})
    assert again.status_code == 422 and "уже есть 8-й урок" in again.text and 'value="Дубль"' in again.text
    # Download: the lesson's students may, a student of another class may not.
    file_url = f"/gradebook/homework/files/{stored.id}"
    download = login_as("student").get(file_url)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    assert "attachment" in download.headers["Content-Disposition"]
    outsider = demo.session.scalar(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                                   .where(ClassMembership.class_id == demo.class_9a.id).order_by(User.id).limit(1))
    assert login_as(outsider.login).get(file_url).status_code == 404


def test_other_teacher_cannot_add_lessons_here(demo, login_as, other_teacher):
    client = login_as(other_teacher.login)
    url = f"/gradebook/lessons/new?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_token(page.text),
                                      "date": demo.terms[0].starts_on.isoformat(), "number": "8"})
    assert response.status_code == 422 and "Добавлять уроки может только учитель" in response.text


def test_fill_topics_from_the_plan_button(demo, login_as):
    term = demo.terms[0]
    lessons = demo.lessons()
    first_in_term = [lsn for lsn in lessons if term.starts_on <= lsn.date <= term.ends_on][:3]
    for lesson in first_in_term:
        lesson.topic = ""
    demo.session.flush()
    client = login_as("teacher")
    url = f"/gradebook/lessons?class_id={demo.class_5a.id}&subject_id={demo.math.id}&term_id={term.id}"
    page = client.get(url)
    assert "Заполнить темы из КТП" in page.text
    response = client.post(f"/gradebook/lessons/fill-topics?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
                           f"&term_id={term.id}", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    plan = {p.position: p.topic for p in demo.session.scalars(select(LessonPlanItem).where(
        LessonPlanItem.class_id == demo.class_5a.id, LessonPlanItem.subject_id == demo.math.id))}
    for lesson in first_in_term:
        demo.session.refresh(lesson)
        assert lesson.topic == plan[lessons.index(lesson) + 1]
    # Future lessons without a topic get theirs from the plan too (the КТП covers the whole year).
    assert "Тем заполнено из КТП: " in client.get(url).text


def test_lesson_topic_and_homework_are_saved_and_audited(demo, login_as, today):
    from core.models import AuditEntry

    lesson = demo.new_lesson(day=today)
    client = login_as("teacher")
    page = client.get(f"/gradebook/lessons/{lesson.id}")
    response = client.post(f"/gradebook/lessons/{lesson.id}", data={
        "csrf_token": csrf_token(page.text), "date": lesson.date.isoformat(), "number": str(lesson.number),
        "topic": "Деление дробей", "summary": "Разобрали правило", "control_work_type": "test",
        "homework": "§ 7", "due_date": ""})
    assert response.status_code == 302
    demo.session.refresh(lesson)
    assert (lesson.topic, lesson.control_work_type) == ("Деление дробей", "test")
    entry = demo.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "gradebook.lesson",
                                                          AuditEntry.object_id == str(lesson.id))).all()[-1]
    assert entry.old["topic"] == "Проверочный урок" and entry.new["topic"] == "Деление дробей"
    assert entry.new["homework"] == "§ 7"


def test_lesson_without_marks_can_be_deleted(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    lesson_id = lesson.id
    client = login_as("teacher")
    page = client.get(f"/gradebook/lessons/{lesson_id}")
    response = client.post(f"/gradebook/lessons/{lesson_id}/delete", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert demo.session.scalar(select(func.count(Lesson.id)).where(Lesson.id == lesson_id)) == 0


def test_dashboard_widget_for_teachers(demo, login_as, today):
    demo.new_lesson(day=today).topic = ""
    demo.session.flush()
    page = login_as("teacher").get("/")
    assert "Уроки сегодня" in page.text and "нет темы" in page.text
    assert "Уроки сегодня" not in login_as("student").get("/").text


def test_menu_has_the_journal_for_staff_only(login_as):
    assert "/gradebook/" in login_as("teacher").get("/").text
    class_teacher_page = login_as("class_teacher").get("/").text
    assert "Мой класс" in class_teacher_page
    assert 'href="/gradebook/"' not in login_as("guardian").get("/").text
