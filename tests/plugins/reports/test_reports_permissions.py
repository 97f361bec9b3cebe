"""Who may run what: a teacher never the whole school, a class teacher only their class, families nothing."""
from __future__ import annotations

from sqlalchemy import select

from core.models import SchoolClass, TeachingAssignment
from tests.plugins.reports.reports_helpers import page_tables


def _classes_not_of(session, demo, user_id, led=()):
    taught = set(session.scalars(select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user_id)))
    return [c for name, c in demo.classes.items() if c not in taught and c not in led]


def test_teacher_cannot_run_school_wide_reports(login_as, demo):
    client = login_as("teacher")
    for key in ("class_progress", "class_attendance", "mark_accumulation", "journal_timeliness", "final_forecast"):
        page = client.get(f"/reports/{key}?run=1")
        assert page.status_code == 403, key
        assert "только по вашим классам" in page.text
        assert 'data-table="classes"' not in page.text
    assert client.get("/reports/objectivity?run=1").status_code == 403
    assert client.get("/reports/objectivity").status_code == 403
    assert client.get("/reports/class_progress/export.xlsx").status_code == 403
    assert client.get("/reports/objectivity/export.pdf").status_code == 403


def test_teacher_sees_only_own_subjects_of_own_classes(login_as, session, demo):
    teacher = demo.users["teacher"]
    client = login_as("teacher")
    page = client.get(f"/reports/class_progress?run=1&class_id={demo.classes['5А']}")
    assert page.status_code == 200
    tables, _figures = page_tables(page.text)
    subjects = tables["students"]["head"][2:-2]
    assert "Мат" in subjects
    assert "Рус" not in subjects  # Russian is not theirs
    assert "Показаны и учтены только предметы" in page.text
    for other in _classes_not_of(session, demo, teacher.id):
        assert client.get(f"/reports/class_progress?run=1&class_id={other}").status_code == 403


def test_class_teacher_only_for_their_class(login_as, session, demo):
    class_teacher = demo.users["class_teacher"]
    client = login_as("class_teacher")
    own = demo.classes["5А"]
    page = client.get(f"/reports/class_teacher_report?run=1&class_id={own}")
    assert page.status_code == 200
    assert "Рус" in page.text  # all subjects of their own class
    others = _classes_not_of(session, demo, class_teacher.id, led=(own,))
    assert others
    for other in others:
        for key in ("class_teacher_report", "class_progress", "class_attendance", "final_forecast"):
            denied = client.get(f"/reports/{key}?run=1&class_id={other}")
            assert denied.status_code == 403, key
            assert "не ваш класс" in denied.text
            assert client.get(f"/reports/{key}/export.xlsx?class_id={other}").status_code == 403
    assert client.get("/reports/class_progress?run=1").status_code == 403  # the whole school
    assert client.get("/reports/objectivity?run=1").status_code == 403
    # the class choice offers their classes only
    page = client.get("/reports/class_teacher_report").text
    form = page[page.index('name="class_id"'):]
    form = form[:form.index("</select>")]
    for name, class_id in demo.classes.items():
        if class_id in others:
            assert f'<option value="{class_id}"' not in form, name


def test_student_card_only_for_own_students(login_as, session, demo):
    from core.models import ClassMembership

    client = login_as("class_teacher")
    own_student = demo.users["student"]
    assert client.get(f"/reports/student_card?run=1&student_id={own_student.id}").status_code == 200
    others = _classes_not_of(session, demo, demo.users["class_teacher"].id, led=(demo.classes["5А"],))
    stranger = session.scalar(select(ClassMembership.student_id).where(ClassMembership.class_id == others[0]))
    assert client.get(f"/reports/student_card?run=1&student_id={stranger}").status_code == 403
    # a guardian or a teacher id is not a student: nothing to show
    assert client.get(f"/reports/student_card?run=1&student_id={demo.users['deputy'].id}").status_code == 404


def test_families_have_no_reports(login_as):
    for role in ("student", "guardian"):
        client = login_as(role)
        assert client.get("/reports/").status_code == 403
        assert client.get("/reports/class_progress?run=1").status_code == 403
        assert client.get("/api/v1/reports/").status_code == 403


def test_another_schools_class_is_not_found(login_as, session, demo):
    from core.models import AcademicYear, School

    other = School(name="Другая школа", short_name="Другая")
    session.add(other)
    session.flush()
    year = AcademicYear(school_id=other.id, title="2026/2027", starts_on=demo.term_start.replace(month=9, day=1),
                        ends_on=demo.term_start.replace(year=demo.term_start.year + 1, month=5, day=31))
    session.add(year)
    session.flush()
    foreign = SchoolClass(school_id=other.id, year_id=year.id, grade_level=5, letter="А")
    session.add(foreign)
    session.commit()
    assert login_as("deputy").get(f"/reports/class_progress?run=1&class_id={foreign.id}").status_code == 404


def test_bad_parameters_get_a_russian_message_and_nothing_runs(login_as, demo):
    client = login_as("class_teacher")
    own = demo.classes["5А"]
    page = client.get(f"/reports/class_attendance?run=1&class_id={own}&start=2026-12-01&end=2026-11-01")
    assert page.status_code == 422
    assert "Начало периода должно быть не позже его конца." in page.text
    assert "data-table" not in page.text
    page = client.get(f"/reports/class_attendance?run=1&class_id={own}&start=вчера")
    assert page.status_code == 422 and "Введите дату в виде ДД.ММ.ГГГГ." in page.text
    page = client.get(f"/reports/mark_accumulation?run=1&class_id={own}&lessons=500")
    assert page.status_code == 422 and "Введите целое число от 1 до 60." in page.text
    page = client.get("/reports/class_teacher_report?run=1")
    assert page.status_code == 422 and "Выберите класс из списка." in page.text
    assert client.get("/reports/no_such_report").status_code == 404


def test_every_page_answers_every_role_without_an_error(login_as):
    from plugins.reports.registry import all_reports

    keys = list(all_reports())
    pages = ["/reports/", "/reports/received", "/reports/subscriptions", "/api/v1/reports/",
             "/api/v1/reports/received"]
    for role in ("admin", "principal", "teacher", "student", "guardian"):
        client = login_as(role)
        urls = pages + [f"/reports/{k}" for k in keys]
        if role in ("admin", "teacher", "guardian"):
            urls += [f"/reports/{k}?run=1" for k in keys] + [f"/api/v1/reports/{k}" for k in keys]
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 403, 404, 422), (role, url, status)
            if role in ("student", "guardian"):
                assert status == 403, (role, url)
