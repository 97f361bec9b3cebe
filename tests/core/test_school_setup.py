"""A school from nothing: ``klass school create``, the set-up wizard's steps and the start-page checklist,
and a subgroup's teaching load giving that subgroup its own journal for its own teacher only."""
from __future__ import annotations

import re
from typing import Any

from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from core.cli import cli
from core.models import AcademicYear, Holiday, School, Subgroup, TeachingAssignment, Term, User
from tests.conftest import post_form, sign_in


def _klass(app: Flask, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)


def _create(app: Flask, name: str = "МБОУ «Школа № 7»", short: str = "Школа № 7", *extra: str) -> Any:
    return _klass(app, "school", "create", "--no-upgrade", "--name", name, "--short-name", short,
                  "--region", "Свердловская область", "--timezone", "Asia/Yekaterinburg",
                  "--term-system", "trimesters", *extra)


def _password(output: str) -> tuple[str, str]:
    """The printed ``login@school`` (the form's way to name the school) and the one-time password."""
    login = re.search(r"логин:\s+(\S+)", output)
    password = re.search(r"пароль:\s+(\S+)", output)
    assert login and password, output
    return login.group(1), password.group(1)


def _admin(session: Any, printed: str) -> User:
    login, _, slug = printed.partition("@")
    return session.scalar(select(User).join(School, School.id == User.school_id)
                          .where(User.login == login, School.slug == slug))


def _first_sign_in(app: Flask, login: str, password: str) -> Any:
    """Sign in with the one-time password and set an own one, as the administrator must."""
    client = sign_in(app.test_client(), login, password)
    post_form(client, "/account/password", {"current": password, "new": "own-pass-2026", "repeat": "own-pass-2026"})
    return client


def test_cli_creates_a_school_with_an_administrator_who_can_sign_in(app: Flask, session: Any) -> None:
    result = _create(app)
    assert result.exit_code == 0, result.output
    login, password = _password(result.output)
    school = session.scalar(select(School).where(School.short_name == "Школа № 7"))
    assert (school.region, school.timezone, school.term_system) == ("Свердловская область", "Asia/Yekaterinburg",
                                                                    "trimesters")
    admin = _admin(session, login)
    assert login == f"admin@{school.slug}" and school.slug == "shkola-7"
    assert admin.school_id == school.id and admin.has_role("admin") and admin.must_change_password
    assert password not in (admin.password_hash or "")
    assert sign_in(app.test_client(), login, password).get("/").status_code in (200, 302)


def test_running_create_twice_makes_a_second_school_with_its_own_administrator(app: Flask, session: Any) -> None:
    first = _create(app)
    second = _create(app, "МБОУ «Лицей № 3»", "Лицей № 3")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    (login1, password1), (login2, password2) = _password(first.output), _password(second.output)
    assert (login1, login2) == ("admin@shkola-7", "admin@litsei-3")  # each school's own «admin»
    assert _admin(session, login1).school_id != _admin(session, login2).school_id
    # Each signs in into the own school: the school step of the wizard shows that school's name.
    assert "Лицей № 3" in _first_sign_in(app, login2, password2).get("/setup/school").text
    assert "Школа № 7" in _first_sign_in(app, login1, password1).get("/setup/school").text


def test_a_taken_address_and_a_wrong_time_zone_are_refused_by_name(app: Flask, session: Any) -> None:
    taken = _create(app, "Школа", "Школа", "--slug", "school7")  # the demo school's address
    assert taken.exit_code != 0 and "school7" in taken.output and "уже" in taken.output
    bad = _create(app, "Школа", "Школа", "--slug", "школа 7")
    assert bad.exit_code != 0 and "латин" in bad.output.lower()
    zone = _klass(app, "school", "create", "--no-upgrade", "--name", "Школа", "--short-name", "Школа",
                  "--region", "", "--timezone", "Europe/Nowhere", "--term-system", "quarters")
    assert zone.exit_code != 0 and "Europe/Nowhere" in zone.output
    terms = _klass(app, "school", "create", "--no-upgrade", "--name", "Школа", "--short-name", "Школа",
                   "--region", "", "--timezone", "Europe/Moscow", "--term-system", "decades")
    assert terms.exit_code != 0 and "decades" in terms.output


def test_create_asks_for_what_is_not_given(app: Flask, session: Any) -> None:
    result = _klass(app, "school", "create", "--no-upgrade",
                    input="МБОУ СОШ № 12\nСОШ № 12\nsosh12\nТверская область\nEurope/Moscow\nsemesters\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(School.term_system).where(School.short_name == "СОШ № 12")) == "halves"
    assert session.scalar(select(School.slug).where(School.short_name == "СОШ № 12")) == "sosh12"


def test_the_wizard_resumes_at_the_first_open_step_and_the_checklist_shows_what_is_missing(
        app: Flask, session: Any) -> None:
    login, password = _password(_create(app).output)
    admin = _first_sign_in(app, login, password)
    school_id = _admin(session, login).school_id
    start = admin.get("/").text
    assert "Настройка школы" in start and "Учебный год" in start
    assert admin.get("/setup/next").headers["Location"].endswith("/setup/year")  # school step: done by the CLI
    page = admin.get("/setup/year").text
    assert "2026/2027" in page  # the usual dates of the running year are offered
    post_form(admin, "/setup/year", {"title": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-05-31"})
    year = session.scalar(select(AcademicYear).where(AcademicYear.school_id == school_id))
    terms = session.scalars(select(Term).where(Term.year_id == year.id).order_by(Term.number)).all()
    assert [t.title for t in terms] == ["1 триместр", "2 триместр", "3 триместр"]
    assert session.scalars(select(Holiday).where(Holiday.year_id == year.id)).all()
    # Leave the wizard; coming back continues at the next open step (the bells of the timetable plugin).
    assert admin.get("/setup/next").headers["Location"].endswith("/timetable/bells")
    checklist = admin.get("/setup/").text
    assert checklist.index("Расписание звонков") < checklist.index("Классы") < checklist.index("Списки классов")
    strip = admin.get("/staff/").text
    assert "Настройка школы: шаг" in strip
    # The staff step is typed in on the staff page, or imported: the office offers its import under it.
    assert '<small>или: <a href="/office/import">' in checklist


def test_switching_a_plugin_off_removes_its_steps(make_app: Any, session: Any) -> None:
    app = make_app(plugins=["gradebook"])
    with app.app_context():
        login, password = _password(_create(app).output)
        admin = _first_sign_in(app, login, password)
        page = admin.get("/setup/").text
    assert "Учебный год" in page and "Расписание звонков" not in page and "Списки классов" not in page


def test_a_subgroup_load_gives_the_subgroup_its_own_journal_for_its_teacher_only(
        app: Flask, session: Any, login_as: Any, demo_school: dict[str, Any]) -> None:
    from core.models import SchoolClass, Subject

    school_id = demo_school["school_id"]
    school_class = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                            SchoolClass.grade_level == 9))
    subject = session.scalar(select(Subject).where(Subject.school_id == school_id, Subject.name == "Информатика"))
    teachers = session.scalars(select(User).where(User.school_id == school_id, User.login.in_(
        [demo_school["accounts"]["teacher"], demo_school["accounts"]["class_teacher"]]))).all()
    own, other = teachers[0], teachers[1]
    admin = login_as("admin")
    response = post_form(admin, "/school/assignments", {
        "teacher_id": own.id, "subject_id": subject.id, "class_id": school_class.id, "hours_per_week": 1,
        "subgroup": "Группа Б"}, page="/school/")
    assert response.status_code == 302
    subgroup = session.scalar(select(Subgroup).where(Subgroup.class_id == school_class.id, Subgroup.name == "Группа Б"))
    assert subgroup is not None and subgroup.subject_id == subject.id
    load = session.scalar(select(TeachingAssignment).where(TeachingAssignment.subgroup_id == subgroup.id))
    assert load.teacher_id == own.id
    assert "Группа Б" in admin.get("/school/").text
    url = f"/gradebook/journal?class_id={school_class.id}&subject_id={subject.id}&subgroup_id={subgroup.id}"
    teacher = sign_in(app.test_client(), own.login)
    mine = teacher.get(url, follow_redirects=True)
    assert mine.status_code == 200 and "Группа Б" in mine.text
    assert "(Группа Б)" in teacher.get("/").text  # «I teach» names the subgroup
    plans = teacher.get("/timetable/plans").text  # its own КТП, listed apart from the whole class's
    assert "Группа Б" in plans
    theirs = sign_in(app.test_client(), other.login).get(url, follow_redirects=True)
    assert theirs.status_code in (403, 404)


def test_the_subgroups_tab_explains_what_to_do_when_nothing_is_split(app: Flask, session: Any) -> None:
    login, password = _password(_create(app).output)
    admin = _first_sign_in(app, login, password)
    post_form(admin, "/setup/year", {"title": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-05-31"})
    post_form(admin, "/school/classes", {"grade_level": 5, "letter": "А", "class_teacher_id": 0}, page="/school/")
    from core.models import SchoolClass

    school_id = _admin(session, login).school_id
    class_id = session.scalar(select(SchoolClass.id).where(SchoolClass.school_id == school_id))
    page = admin.get(f"/office/classes/{class_id}/subgroups")
    assert page.status_code == 200
    assert "ни один предмет" in page.text.lower() or "No subject" in page.text


def test_hook_register_setup_steps(app: Flask) -> None:
    """The enabled plugins contribute their steps through the hook, each with a check that answers."""
    steps = [s for contributed in app.extensions["klass"].pm.hook.register_setup_steps() for s in contributed]
    keys = {s.key for s in steps}
    assert {"timetable.bells", "office.class_lists", "office.credentials"} <= keys
    assert all(s.endpoint in app.view_functions for s in steps)
