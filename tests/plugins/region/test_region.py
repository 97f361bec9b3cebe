"""The municipality level: the coordinator sees each school's figures, computed again here by hand from the
demo school's rows, and never a name; schools are created through the core's service; scoping by
municipality; and no school page that shows people opens to the coordinator."""
from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from core.models import AuditEntry, ClassMembership, GuardianLink, Role, RoleGrant, School, User
from core.security import hash_password
from plugins.attendance.public import summarize
from plugins.diary.models import Visit
from plugins.gradebook.averages import average_of
from plugins.gradebook.public import FinalMark, Lesson, Mark
from plugins.office.models import Consent
from plugins.region import figures, services
from plugins.region.models import Municipality, MunicipalSchool
from tests.conftest import DEMO_PASSWORD, FIXED_NOW, csrf_token, sign_in

COORDINATOR = "region"


@pytest.fixture
def coordinator(login_as):
    return login_as(COORDINATOR)


def _people_names(session, school_id):
    """Every student, guardian and staff member of the school, as a page or a sheet could name them."""
    names = set()
    for user in session.scalars(select(User).where(User.school_id == school_id)):
        names.update({user.full_name, user.short_name, f"{user.last_name} {user.first_name}"})
        names.add(user.last_name)
    return names


def test_region_page_and_xlsx_show_the_demo_school_and_no_names(coordinator, session, demo_school):
    school = session.get(School, demo_school["school_id"])
    page = coordinator.get("/region/")
    assert page.status_code == 200
    html = page.text
    assert school.short_name in html and "Управление образования (демо)" in html
    assert "Успеваемость, %" in html and "Итого по муниципалитету" in html
    assert "2 четверть" in html  # the term each figure covers
    names = _people_names(session, school.id)
    assert len(names) > 100
    leaked = sorted(n for n in names if n in html)
    assert not leaked, f"the region page names people: {leaked[:5]}"

    response = coordinator.get("/region/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    assert school.short_name in text and "Итого по муниципалитету" in text and "Успеваемость, %" in text
    assert not sorted(n for n in names if n in text)
    # The sheet's figures are the page's: the school's progress rate is in its row.
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == school.short_name)
    computed = figures.school_figures(session, school, FIXED_NOW)
    assert row[2] == computed.columns["success"] and row[3] == computed.columns["quality"]


def _expected_progress(session, school_id, term, today):
    """успеваемость and качество by hand: per student and subject the final mark, else the forecast of the
    term's marks (the gradebook's weighted average), then «no result below 3» and «only 4 and 5»."""
    from core.toolkit import plugin_settings

    settings = plugin_settings("gradebook")
    end = min(today, term.ends_on)
    members = session.execute(select(ClassMembership.student_id, ClassMembership.class_id).join(
        Lesson, Lesson.class_id == ClassMembership.class_id, isouter=True).where(
        ClassMembership.active_on(end)).distinct()).all()
    class_of = {s: c for s, c in members if session.get(User, s).school_id == school_id}
    marks = defaultdict(list)
    for mark, lesson in session.execute(select(Mark, Lesson).join(Lesson, Lesson.id == Mark.lesson_id).where(
            Lesson.school_id == school_id, Lesson.date >= term.starts_on, Lesson.date <= end)):
        if class_of.get(mark.student_id) == lesson.class_id:
            marks[(mark.student_id, lesson.subject_id)].append((mark.value, mark.numeric, mark.work_type))
    results = defaultdict(dict)
    for (student, subject), items in marks.items():
        forecast = average_of(items, settings).forecast
        if forecast is not None:
            results[student][subject] = forecast
    for final in session.scalars(select(FinalMark).where(FinalMark.school_id == school_id,
                                                         FinalMark.term_id == term.id)):
        if class_of.get(final.student_id) == final.class_id and final.numeric is not None:
            results[final.student_id][final.subject_id] = round(final.numeric)
    assessed = [r for r in results.values() if r]
    success = sum(1 for r in assessed if min(r.values()) >= 3)
    quality = sum(1 for r in assessed if min(r.values()) >= 4)
    return round(100 * success / len(assessed), 1), round(100 * quality / len(assessed), 1)


def test_figures_match_independent_computations_for_the_demo_school(session, demo_school):
    from core.toolkit import plugin_settings

    school = session.get(School, demo_school["school_id"])
    got = figures.school_figures(session, school, FIXED_NOW)
    today = FIXED_NOW.date()
    term = figures.current_term(session, school.id, today)
    assert got.term == term.title == "2 четверть"

    assert (got.columns["success"], got.columns["quality"]) == _expected_progress(session, school.id, term, today)

    # Attendance: the sum of every class's own totals (the attendance plugin's per-class figures).
    lessons = missed = excused = 0
    class_ids = session.scalars(select(ClassMembership.class_id).join(
        User, User.id == ClassMembership.student_id).where(User.school_id == school.id).distinct()).all()
    for class_id in class_ids:
        students = session.scalars(select(ClassMembership.student_id).where(
            ClassMembership.class_id == class_id)).all()
        for summary in summarize(session, plugin_settings("attendance"), class_id, students, term.starts_on,
                                 today).values():
            lessons, missed, excused = lessons + summary.lessons, missed + summary.missed, excused + summary.excused
    assert lessons > 0 and missed > 0
    assert got.columns["missed"] == round(100 * missed / lessons, 1)
    assert got.columns["excused"] == round(100 * excused / missed, 1)

    # Accounts, diary visits and consents: person by person.
    users = {u.id: u for u in session.scalars(select(User).where(User.school_id == school.id))}
    roles = defaultdict(set)
    for grant in session.scalars(select(RoleGrant).where(RoleGrant.school_id == school.id)):
        roles[grant.role].add(grant.user_id)
    guardians = [users[i] for i in roles[Role.guardian] if users[i].is_active_account]
    students = [users[i] for i in roles[Role.student] if users[i].is_active_account]
    assert got.accounts.guardians == len(guardians) and got.accounts.students == len(students)
    assert got.accounts.guardians_activated == sum(1 for g in guardians if g.activated_at)
    assert got.accounts.students_activated == sum(1 for s in students if s.activated_at)
    visits = session.scalars(select(Visit).where(Visit.school_id == school.id)).all()
    week = {v.viewer_id for v in visits if v.viewer_role == "guardian"
            and FIXED_NOW - timedelta(days=7) <= v.visited_at <= FIXED_NOW}
    month = {v.viewer_id for v in visits if v.viewer_role == "guardian"
             and FIXED_NOW - timedelta(days=30) <= v.visited_at <= FIXED_NOW}
    assert (got.diary.guardians_7, got.diary.guardians_30) == (len(week), len(month))
    consents = session.scalars(select(Consent).where(Consent.school_id == school.id)).all()
    assert got.consents.recorded == sum(1 for c in consents if c.processing is not None)
    assert got.columns["consents"] == round(100 * got.consents.recorded / len(guardians), 1)
    assert got.timeliness is not None and got.timeliness.due > 0
    assert got.timeliness.due == got.timeliness.on_time + got.timeliness.late + got.timeliness.missing


def test_each_school_costs_a_constant_number_of_statements(session, demo_school, app):
    """About twenty statements for a school of 48 students: aggregates, never a query per student."""
    school = session.get(School, demo_school["school_id"])
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        figures.school_figures(session, school, FIXED_NOW)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 25, len(statements)


def test_a_school_without_data_shows_no_data_not_zero(session, app):
    municipality = services.create_municipality(session, name="Управление образования Тестового района")
    created = services.create_school_in(session, municipality, name="МБОУ СОШ № 99", short_name="Школа № 99",
                                        admin_login="admin99")
    row = figures.school_figures(session, created.school, FIXED_NOW)
    assert row.term is None
    assert all(row.columns[k] is None for k in ("success", "quality", "missed", "timely", "consents",
                                                "diary_7", "students_activated"))


def _coordinator_of(session, municipality, login):
    user, _password = services.add_coordinator(session, municipality, last_name="Иванова", first_name="Анна",
                                               login=login)
    user.password_hash = hash_password(DEMO_PASSWORD)
    user.must_change_password = False
    session.commit()
    return user


def test_a_coordinator_sees_only_her_municipality(app, session, coordinator, demo_school):
    other = services.create_municipality(session, name="Управление образования Соседнего района")
    created = services.create_school_in(session, other, name="МБОУ Гимназия № 5", short_name="Гимназия № 5",
                                        admin_login="admin_g5")
    _coordinator_of(session, other, "coord.other")
    demo = session.get(School, demo_school["school_id"])

    mine = coordinator.get("/region/").text
    assert demo.short_name in mine and "Гимназия № 5" not in mine
    theirs = sign_in(app.test_client(), "coord.other").get("/region/").text
    assert "Гимназия № 5" in theirs and demo.short_name not in theirs
    assert created.school.id in {s.id for s in services.schools_of(session, other)}


def test_the_coordinator_creates_a_school_and_its_first_administrator(app, session, coordinator):
    form = coordinator.get("/region/schools/new")
    assert form.status_code == 200 and "Новая школа" in form.text
    response = coordinator.post("/region/schools/new", data={
        "csrf_token": csrf_token(form.text), "name": "МБОУ «Средняя школа № 12»", "short_name": "Школа № 12",
        "region": "Тверская область", "timezone": "Europe/Moscow", "term_system": "trimesters",
        "admin_login": "admin12"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "admin12" in response.text
    password = response.text.split('id="admin-password">', 1)[1].split("<", 1)[0]
    school = session.scalar(select(School).where(School.short_name == "Школа № 12"))
    assert school.kind == "school" and school.term_system == "trimesters"
    municipality = session.scalar(select(Municipality).join(
        MunicipalSchool, MunicipalSchool.municipality_id == Municipality.id).where(
        MunicipalSchool.school_id == school.id))
    assert municipality.name == "Управление образования (демо)"
    assert "Школа № 12" in coordinator.get("/region/").text
    admin = session.scalar(select(User).where(User.login == "admin12"))
    assert admin.school_id == school.id and admin.must_change_password and Role.admin in admin.roles
    assert password and password not in (admin.password_hash or "")
    shown = response.text.split('id="admin-login">', 1)[1].split("<", 1)[0]
    assert shown == f"admin12@{school.slug}" and f"/s/{school.slug}/login" in response.text
    sign_in(app.test_client(), shown, password)  # the shown login and password work
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"core.school.create", "region.school.attach"} <= actions


def test_the_coordinator_is_in_no_school(session, demo_school):
    user = session.scalar(select(User).where(User.login == COORDINATOR))
    office = session.get(School, user.school_id)
    assert office.kind == "office" and office.id != demo_school["school_id"]
    assert user.roles == {Role.region_coordinator}
    assert not session.scalar(select(GuardianLink).where(GuardianLink.guardian_id == user.id))


@pytest.mark.parametrize("url", ["/gradebook/", "/gradebook/journal?class_id=1&subject_id=1", "/diary/",
                                 "/diary/classes", "/diary/classes/1", "/office/", "/office/classes/1",
                                 "/staff/", "/api/v1/gradebook/journal?class_id=1&subject_id=1"])
def test_no_school_page_that_shows_people_opens_to_the_coordinator(coordinator, url):
    response = coordinator.get(url)
    assert response.status_code in (403, 404), (url, response.status_code)
    assert "Координаторова" not in response.text or response.status_code == 403


@pytest.mark.parametrize("role", ["admin", "principal", "deputy", "class_teacher", "teacher", "guardian"])
def test_no_school_role_reaches_the_region_pages(login_as, role):
    client = login_as(role)
    for url in ("/region/", "/region/export.xlsx", "/region/schools/new"):
        assert client.get(url).status_code == 403, (role, url)


def test_a_school_belongs_to_one_municipality(session, demo_school):
    other = services.create_municipality(session, name="Управление образования Соседнего района")
    with pytest.raises(services.RegionError) as refused:
        services.attach_school(session, other, demo_school["school_id"])
    assert refused.value.status == 409


def test_cli_creates_a_municipality_and_a_coordinator(app, session, demo_school):
    from plugins.region.cli import add_coordinator_command, create_command

    runner = app.test_cli_runner()
    result = runner.invoke(create_command, ["--name", "Управление образования г. Твери"])
    assert result.exit_code == 0, result.output
    municipality_id = int(result.output.split("(id ", 1)[1].split(")", 1)[0])
    result = runner.invoke(add_coordinator_command, ["--municipality", str(municipality_id), "--last-name",
                                                     "Петрова", "--first-name", "Ольга", "--login", "petrova.region"])
    assert result.exit_code == 0, result.output
    assert "petrova.region" in result.output and "пароль:" in result.output


def test_a_second_demo_school_joins_the_demo_municipality(session, coordinator, demo_school):
    """``klass demo`` run again builds the next school; the region's demo data put it in the same
    municipality, so the demo coordinator compares two schools (the region issue's "sees both")."""
    from core.school_setup import create_school
    from plugins.region import demo

    created = create_school(session, name="МБОУ «СОШ № 8»", short_name="СОШ № 8 (демо)", slug="school8demo")
    demo.build(session, created.school)
    session.commit()
    page = coordinator.get("/region/").text
    first = session.get(School, demo_school["school_id"])
    assert first.short_name in page and "СОШ № 8 (демо)" in page
    assert session.scalar(select(func.count()).select_from(Municipality)) == 1
