"""The plugin as a whole: hooks it implements, its menu and start-page widgets, who sees what, its
catalog, and the gradebook working without it."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from core.models import SchoolClass, User
from plugins.gradebook.public import Lesson
from plugins.timetable.lesson_changes import substitute
from plugins.timetable.models import Assessment, LessonChange, TimetableEntry, TimetableVersion
from tests.conftest import sign_in
from tests.plugins.timetable.tt_helpers import class_id, user_id


def test_switching_the_plugin_off_leaves_the_gradebook_with_hand_made_lessons(make_app, demo_school):
    app = make_app(plugins=["gradebook", "attendance"])
    with app.app_context():
        session = app.extensions["klass"].session()
        c5a = session.scalar(select(SchoolClass.id).where(SchoolClass.letter == "А", SchoolClass.grade_level == 5))
        teacher = session.scalar(select(User.id).where(User.login == demo_school["accounts"]["teacher"]))
        lesson = Lesson(school_id=demo_school["school_id"], class_id=c5a, subject_id=1, teacher_id=teacher,
                        date=date.today(), number=9, topic="Урок, созданный вручную")
        session.add(lesson)
        session.commit()
        assert session.scalar(select(Lesson.topic).where(Lesson.teacher_id == teacher, Lesson.number == 9)) == \
            "Урок, созданный вручную"
        client = sign_in(app.test_client(), demo_school["accounts"]["deputy"])
        for url in ("/timetable/", "/timetable/versions", "/timetable/workload", "/api/v1/timetable/workload"):
            assert client.get(url).status_code == 404, url
        home = client.get("/")
        assert home.status_code == 200 and "Конфликты в расписании" not in home.text


def test_hook_register_demo_data(app, session, demo_school):
    """The demo timetable is the gradebook demo's first full week; changes and tests exist this term."""
    school_id = demo_school["school_id"]
    version = session.scalar(select(TimetableVersion).where(TimetableVersion.school_id == school_id))
    c5a = class_id(session, "5А")
    entries = {(e.weekday, e.number, e.subject_id, e.subgroup_id, e.teacher_id) for e in session.scalars(
        select(TimetableEntry).where(TimetableEntry.version_id == version.id, TimetableEntry.class_id == c5a))}
    first_day = session.scalar(select(Lesson.date).where(Lesson.class_id == c5a).order_by(Lesson.date).limit(1))
    monday = first_day + timedelta(days=(7 - first_day.weekday()) % 7)
    week = {(r.date.weekday(), r.number, r.subject_id, r.subgroup_id, r.teacher_id) for r in session.execute(
        select(Lesson).where(Lesson.class_id == c5a, Lesson.date.between(monday, monday + timedelta(days=4)))).scalars()}
    assert entries == week and len(entries) > 20
    kinds = sorted(c.kind for c in session.scalars(select(LessonChange).where(LessonChange.school_id == school_id)))
    assert kinds == ["cancel", "substitution", "substitution"]
    assert session.scalar(select(Assessment.id).where(Assessment.school_id == school_id).limit(1)) is not None


def test_hook_register_menu_items(app, login_as):
    teacher = login_as("teacher").get("/").text
    assert "Моё расписание" in teacher and ">Замены<" not in teacher.replace(" ", "")
    deputy = login_as("deputy").get("/").text
    assert "Замены" in deputy and "Нагрузка" in deputy
    student = login_as("student").get("/").text
    assert "Расписание" in student and "Нагрузка" not in student


def test_hook_register_dashboard_widgets(app, session, login_as, demo_school):
    school_id = demo_school["school_id"]
    teacher_id = user_id(session, demo_school["accounts"]["teacher"])
    other = session.scalar(select(User.id).where(User.login == demo_school["accounts"]["class_teacher"]))
    lesson = Lesson(school_id=school_id, class_id=class_id(session, "5Б"), subject_id=1, teacher_id=other,
                    date=date.today(), number=9)
    session.add(lesson)
    session.flush()
    substitute(session, school_id, lesson, teacher_id, "Больничный")
    session.commit()
    page = login_as("teacher").get("/").text
    assert "Мои замены сегодня" in page and "вместо:" in page
    deputy = login_as("deputy").get("/").text
    assert "Конфликты в расписании" in deputy and "Предупреждения в графике контрольных" in deputy


def test_hook_register_permissions(app):
    registry = app.extensions["klass"].permissions
    assert registry.roles_with("timetable.manage") == {"deputy", "admin"}
    assert "guardian" in registry.roles_with("timetable.view")


def test_hook_register_blueprints(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/timetable/" in rules and "/api/v1/timetable/classes/<int:class_id>/week" in rules


def test_families_and_staff_see_the_week(app, session, login_as, demo_school):
    c5a, c9a = class_id(session, "5А"), class_id(session, "9А")
    student = login_as("student")
    page = student.get("/timetable/")
    assert page.status_code == 200 and "Расписание 5А" in page.text and "08:30–09:15" in page.text
    assert "Педагоги, работающие с классом" in page.text
    assert student.get(f"/timetable/?class_id={c9a}").status_code == 404
    assert student.get(f"/api/v1/timetable/classes/{c9a}/week").status_code == 404
    week = student.get(f"/api/v1/timetable/classes/{c5a}/week").json
    assert len(week) == 5 and all("slots" in d for d in week)
    # A student sees only their own English group.
    groups = {s["subgroup"] for d in week for s in d["slots"] if s["subgroup"]}
    assert len(groups) <= 1
    guardian = login_as("guardian")
    assert guardian.get(f"/timetable/?class_id={c9a}").status_code == 200
    assert "Учебные периоды и каникулы" in guardian.get("/timetable/calendar").text
    assert app.test_client().get("/timetable/").status_code == 302


def test_every_message_has_a_russian_translation():
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[3] / "plugins" / "timetable"
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
    found = {m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in extract_from_dir(
        str(root), [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")], keywords=keywords)}
    with (root / "translations/ru/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_hook_register_cli_commands(app):
    from plugins.timetable.cli import generate_command

    commands = [c for cs in app.extensions["klass"].pm.hook.register_cli_commands() for c in cs]
    assert generate_command in commands
    runner = app.test_cli_runner()
    result = runner.invoke(generate_command, ["--start", "2000-01-03", "--end", "2000-01-07"])
    assert result.exit_code == 0, result.output
    assert "новых 0" in result.output
