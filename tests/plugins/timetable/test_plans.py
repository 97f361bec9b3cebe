"""Lesson plans (КТП): typed or uploaded (XLSX, CSV) into gradebook's LessonPlanItem, topics flowing into
lessons by position, and the deputy's view of how far each class is behind."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select, update

from plugins.gradebook.public import Lesson, LessonPlanItem
from plugins.timetable.plans import parse_file, parse_text, plan_progress
from tests.conftest import csrf_token
from tests.plugins.timetable.tt_helpers import class_id, subject_id


def _url(session):
    return (f"/timetable/plans/edit?class_id={class_id(session, '5А')}&subject_id={subject_id(session, 'Математика')}"
            "&subgroup_id=")


def _upload(client, url, filename, data):
    token = csrf_token(client.get(url).text)
    return client.post(url, data={"csrf_token": token, "action": "import", "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lessons(session):
    return list(session.execute(select(Lesson.id, Lesson.date, Lesson.topic).where(
        Lesson.class_id == class_id(session, "5А"), Lesson.subject_id == subject_id(session, "Математика"))
        .order_by(Lesson.date, Lesson.number, Lesson.id)))


def test_a_teacher_uploads_an_xlsx_plan_and_topics_flow_into_lessons(app, session, login_as):
    teacher = login_as("teacher")
    assert "Математика" in teacher.get("/timetable/plans").text
    lessons = _lessons(session)
    rows = [["№", "Тема урока", "Часы"]] + [[n, f"Тема {n}", 2 if n == 1 else 1] for n in range(1, len(lessons) + 5)]
    response = _upload(teacher, _url(session), "ktp.xlsx", _xlsx(rows))
    assert response.status_code == 302
    items = list(session.scalars(select(LessonPlanItem).where(
        LessonPlanItem.class_id == class_id(session, "5А"), LessonPlanItem.subject_id == subject_id(session, "Математика"))
        .order_by(LessonPlanItem.position)))
    assert [(i.position, i.topic, i.hours) for i in items[:2]] == [(1, "Тема 1", 2), (2, "Тема 2", 1)]
    # Future lessons had no topic: they get the plan's topic by position (topic 1 takes two lessons).
    expanded = ["Тема 1", "Тема 1"] + [f"Тема {n}" for n in range(2, len(lessons) + 5)]
    for k, lesson in enumerate(_lessons(session)):
        if lesson.date > date.today():
            assert lesson.topic == expanded[k]
    assert "КТП сохранено" in teacher.get(_url(session)).text


def test_csv_in_windows_1251_and_a_typed_plan(app, session, login_as):
    teacher = login_as("teacher")
    csv_data = "№;Тема;Часы\n1;Натуральные числа;3\n2;Дроби;2\n".encode("cp1251")
    assert _upload(teacher, _url(session), "plan.csv", csv_data).status_code == 302
    assert [i.topic for i in session.scalars(select(LessonPlanItem).where(
        LessonPlanItem.class_id == class_id(session, "5А"),
        LessonPlanItem.subject_id == subject_id(session, "Математика")).order_by(LessonPlanItem.position))] == \
        ["Натуральные числа", "Дроби"]
    url = _url(session)
    token = csrf_token(teacher.get(url).text)
    assert teacher.post(url, data={"csrf_token": token, "text": "1. Повторение\nПроценты; 4\n"}).status_code == 302
    assert [(i.topic, i.hours) for i in session.scalars(select(LessonPlanItem).where(
        LessonPlanItem.class_id == class_id(session, "5А"),
        LessonPlanItem.subject_id == subject_id(session, "Математика")).order_by(LessonPlanItem.position))] == \
        [("Повторение", 1), ("Проценты", 4)]


def test_a_bad_file_is_refused_and_the_plan_kept(app, session, login_as):
    teacher = login_as("teacher")
    before = session.scalar(select(LessonPlanItem.topic).where(
        LessonPlanItem.class_id == class_id(session, "5А"), LessonPlanItem.subject_id == subject_id(session, "Математика"),
        LessonPlanItem.position == 1))
    response = _upload(teacher, _url(session), "plan.docx", b"PK\x03\x04 not a table")
    assert response.status_code == 422 and "Загрузите файл XLSX или CSV." in response.text
    response = _upload(teacher, _url(session), "plan.xlsx", b"not really xlsx")
    assert response.status_code == 422 and "Файл не удаётся прочитать как таблицу XLSX." in response.text
    assert session.scalar(select(LessonPlanItem.topic).where(
        LessonPlanItem.class_id == class_id(session, "5А"), LessonPlanItem.subject_id == subject_id(session, "Математика"),
        LessonPlanItem.position == 1)) == before


def test_a_teacher_cannot_edit_another_teachers_plan(app, session, login_as):
    teacher = login_as("teacher")
    url = f"/timetable/plans/edit?class_id={class_id(session, '9А')}&subject_id={subject_id(session, 'История')}&subgroup_id="
    assert teacher.get(url).status_code == 404
    assert login_as("student").get("/timetable/plans").status_code == 403


def test_the_deputy_sees_how_far_a_class_is_behind(app, session, login_as, demo_school):
    c5a, maths = class_id(session, "5А"), subject_id(session, "Математика")
    today = date.today()
    past = [r.id for r in session.execute(select(Lesson.id).where(
        Lesson.class_id == c5a, Lesson.subject_id == maths, Lesson.date <= today).order_by(Lesson.date.desc()).limit(2))]
    session.execute(update(Lesson).where(Lesson.id.in_(past)).values(topic=""))
    session.commit()
    year_start, year_end = date(today.year - 1, 1, 1), date(today.year + 1, 12, 31)
    row = next(r for r in plan_progress(session, demo_school["school_id"], [c5a], year_start, year_end, today)
               if r.subject_id == maths)
    assert row.behind == 2 and row.planned_total > 0
    page = login_as("deputy").get(f"/timetable/plans/progress?class_id={c5a}")
    assert page.status_code == 200 and "Отставание классов от КТП" in page.text
    assert login_as("teacher").get("/timetable/plans/progress").status_code == 403


def test_parsers():
    assert parse_text("1. Введение\nДроби;2\n\n  Проценты\t3 ") == [
        type(parse_text("x")[0])("Введение", 1), type(parse_text("x")[0])("Дроби", 2),
        type(parse_text("x")[0])("Проценты", 3)]
    data = "Тема\nОдна\nДве\n".encode()
    assert [line.topic for line in parse_file("a.csv", data)] == ["Одна", "Две"]
