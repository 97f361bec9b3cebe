"""School B beside the demo school A, built the way a region builds a second school.

``klass school create`` makes B and its administrator; the administrator signs in, sets an own password,
and goes through the set-up pages (year, subjects, classes); the staff list, the teaching loads and the
class lists come from real CSV and XLSX files through ``klass office import``. Then every enabled plugin
fills B the way it fills a demo school (``register_demo_data``: each plugin's own code, so every plugin
has rows in B), and B's teacher adds marked activity through the real services: a lesson with a topic and
homework, marks, a letter, a forum topic. Everything of B carries a distinctive word (``MARKERS``) that
must never show on a page of school A.

B's people have surnames no demo person has, so their logins differ from A's whatever the login rules are
(unique in the installation today, unique within a school later).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.cli import cli
from core.models import GuardianLink, School, SchoolClass, Subject, User
from tests.conftest import FIXED_TODAY, sign_in

SCHOOL_NAME = "МБОУ «Гимназия Квазар № 99»"
SCHOOL_SHORT = "Квазар-99"
PASSWORD = "kvazar-pass-2026"
# Surnames no demo person carries: any of them on a page of school A is a leak.
STAFF = [  # last, first, middle, roles, class led
    ("Квазаров", "Аполлинарий", "Львович", "директор", ""),
    ("Пульсарова", "Евдокия", "Ивановна", "завуч", ""),
    ("Нейтринов", "Аристарх", "Петрович", "учитель/классный руководитель", "5А"),
    ("Бозонова", "Феврония", "Олеговна", "учитель", ""),
    ("Глюонов", "Евлампий", "Саввич", "учитель/классный руководитель", "5Б"),
]
# Roots of B's students' surnames (Кварков, Лептонова...); the class lists alternate boys and girls.
ROOTS = ["Кварк", "Лептон", "Мезон", "Гравитон", "Тахион", "Барион", "Фермион", "Позитрон", "Нуклон", "Аксион",
         "Дилатон", "Скирмион", "Адрон", "Фотон", "Гиперон", "Каон", "Магнон", "Плазмон"]
BOYS = ["Ипполит", "Варфоломей", "Пафнутий", "Амвросий", "Мефодий", "Евграф", "Феофан", "Поликарп", "Ермолай"]
GIRLS = ["Олимпиада", "Евпраксия", "Милица", "Пелагея", "Домна", "Фекла", "Гликерия", "Агриппина", "Соломония"]
STUDENTS = {  # class -> [(last, first, mother's first name)]
    "5А": [(f"{r}ов" if i % 2 == 0 else f"{r}ова", BOYS[i // 2] if i % 2 == 0 else GIRLS[i // 2], GIRLS[-1 - i // 2])
           for i, r in enumerate(ROOTS[:12])],
    "5Б": [(f"{r}ов" if i % 2 == 0 else f"{r}ова", BOYS[i // 2] if i % 2 == 0 else GIRLS[i // 2], GIRLS[i // 2])
           for i, r in enumerate(ROOTS[12:])],
}
LOADS = [("5А", "Математика", 5, "Нейтринов Аристарх Петрович"), ("5А", "Русский язык", 5, "Бозонова Феврония Олеговна"),
         ("5А", "Английский язык", 3, "Глюонов Евлампий Саввич"), ("5Б", "Математика", 5, "Нейтринов Аристарх Петрович"),
         ("5Б", "Русский язык", 5, "Бозонова Феврония Олеговна"), ("5Б", "Английский язык", 3, "Глюонов Евлампий Саввич")]
TOPIC = "Квазарные числа"
HOMEWORK = "Решить квазар-задачи № 1-7"
LETTER = "Квазар-письмо классу"
FORUM_TOPIC = "Квазар-форум родителей"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MARKERS = ["Квазар", "квазар", "Пульсаров", "Нейтринов", "Бозонов", "Глюонов"] + [f"{r}ов" for r in ROOTS]


@dataclass
class SchoolB:
    school_id: int
    admin_login: str
    logins: dict[str, str] = field(default_factory=dict)  # role -> login in B
    markers: list[str] = field(default_factory=list)  # strings of B that never belong on A's pages


def klass(app: Flask, *args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return result


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # as Excel saves «CSV UTF-8»


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Список учащихся"])  # a title row above the headers, as schools' files have
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_school_b(app: Flask, conn: Connection, tmp: Path) -> SchoolB:
    """Build B through the CLI, the set-up pages, the office imports, the plugins' demo data and services."""
    created = klass(app, "school", "create", "--no-upgrade", "--name", SCHOOL_NAME, "--short-name", SCHOOL_SHORT,
                    "--region", "Квазарская область", "--timezone", "Europe/Moscow", "--term-system", "quarters",
                    "--admin-login", "kvazar-admin")
    school_id = int(re.search(r"\(id (\d+)\)", created.output).group(1))  # type: ignore[union-attr]
    one_time = re.search(r"пароль:\s+(\S+)", created.output).group(1)  # type: ignore[union-attr]
    admin = sign_in(app.test_client(), "kvazar-admin", one_time)
    admin.post("/account/password", data={"current": one_time, "new": PASSWORD, "repeat": PASSWORD})
    admin = sign_in(app.test_client(), "kvazar-admin", PASSWORD)
    assert admin.post("/setup/year", data={"title": "2026/2027", "starts_on": "2026-09-01",
                                           "ends_on": "2027-05-31"}).status_code == 302
    for name, short in (("Математика", "мат"), ("Русский язык", "рус"), ("Английский язык", "англ")):
        assert admin.post("/school/subjects", data={"name": name, "short_name": short}).status_code == 302
    for letter in ("А", "Б"):
        assert admin.post("/school/classes", data={"grade_level": 5, "letter": letter}).status_code == 302

    staff = tmp / "сотрудники.csv"
    staff.write_bytes(_csv([["Фамилия", "Имя", "Отчество", "Роли", "Классное руководство"]]
                           + [list(row) for row in STAFF]))
    klass(app, "office", "import", str(staff), "--school", str(school_id), "--kind", "staff")
    loads = tmp / "нагрузка.csv"
    loads.write_bytes(_csv([["Класс", "Предмет", "Часов в неделю", "Учитель"]]
                           + [[c, s, str(h), t] for c, s, h, t in LOADS]))
    klass(app, "office", "import", str(loads), "--school", str(school_id), "--kind", "loads")
    for class_name, students in STUDENTS.items():
        roster = tmp / f"{class_name}.xlsx"
        roster.write_bytes(_xlsx([["Фамилия", "Имя", "Дата рождения", "Мать: ФИО", "Мать: телефон"]]
                                 + [[last, first, "14.03.2015", f"{last[:-1] if last.endswith('а') else last}а "
                                                                 f"{mother} Ивановна", f"+7 (912) 345-67-{10 + i}"]
                                    for i, (last, first, mother) in enumerate(students)]))
        klass(app, "office", "import", str(roster), "--school", str(school_id), "--class", class_name)

    state = app.extensions["klass"]
    with app.test_request_context():
        session = state.session()
        classes = {c.name: c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))}
        people = {u.last_name: u for u in session.scalars(select(User).where(User.school_id == school_id))}
        # The staff file's «Классное руководство» column made each class's class teacher (no edit needed).
        assert {name: classes[name].class_teacher_id for name in ("5А", "5Б")} == \
            {"5А": people["Нейтринов"].id, "5Б": people["Глюонов"].id}
        state.session.remove()
    _fill(app, school_id)
    from plugins.help.guides import GUIDE_TITLES

    assert admin.get(f"/help/guide/{next(iter(GUIDE_TITLES))}").status_code == 200
    with app.test_request_context():
        session = state.session()
        five_a = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.letter == "А"))
        state.session.remove()
    assert admin.post("/print_archive/generate", data={"scope": "class", "class_id": five_a.id,
                                                       "kind": "both"}).status_code in (302, 303)
    _region_and_sign_in(app, school_id, tmp)
    return _describe(app, school_id)


def _region_and_sign_in(app: Flask, school_id: int, tmp: Path) -> None:
    """B is in the demo municipality already (the region's demo data put every demo-built school there);
    its administrator loads a family's СНИЛС for sign-in through Госуслуги (``klass sso import-snils``,
    logins as ``login@school`` since both schools may share them)."""
    state = app.extensions["klass"]
    with app.test_request_context():
        session = state.session()
        slug = session.scalar(select(School.slug).where(School.id == school_id))
        mother = session.scalar(select(User.login).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                .where(User.school_id == school_id).order_by(User.id))
        state.session.remove()
    nine = "246813579"
    snils = f"{nine[:3]}-{nine[3:6]}-{nine[6:]} {sum(int(d) * (9 - i) for i, d in enumerate(nine)) % 101 % 100:02d}"
    table = tmp / "снилс.csv"
    table.write_text(f"логин;СНИЛС;дата рождения\n{mother}@{slug};{snils};14.03.1984\n", encoding="utf-8")
    klass(app, "sso", "import-snils", str(table))


def _fill(app: Flask, school_id: int) -> None:
    """Every plugin's demo rows for B, then B's own marked activity through the services."""
    from core.models import School
    from core.plugins import call_in_order

    state = app.extensions["klass"]
    with app.test_request_context():
        session = state.session()
        school = session.get(School, school_id)
        # The office's demo makes the personal files the import has already made: its rows come from the
        # import and from the services below instead.
        call_in_order(state.pm, "register_demo_data", [p for p in state.plugins if p != "office"],
                      session=session, school=school, size="demo")
        session.commit()
        _marked_activity(app, session, school_id)
        session.commit()
        state.session.remove()


def _marked_activity(app: Flask, session: Any, school_id: int) -> None:
    from plugins.forum.models import ForumSection
    from plugins.forum.services import create_topic
    from plugins.gradebook.editing import Editor
    from plugins.gradebook.lesson_editing import create_lesson
    from plugins.gradebook.mark_saving import create_mark
    from plugins.mail.public import send_system_message

    state = app.extensions["klass"]
    from core.toolkit import plugin_settings

    settings = plugin_settings("gradebook")
    teacher = session.scalar(select(User).where(User.school_id == school_id, User.last_name == "Нейтринов"))
    five_a = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                      SchoolClass.letter == "А"))
    maths = session.scalar(select(Subject).where(Subject.school_id == school_id, Subject.name == "Математика"))
    editor = Editor(user_id=teacher.id, school_id=school_id, today=FIXED_TODAY, may_edit=True, may_edit_any=True,
                    hooks=state.pm.hook)
    lesson = create_lesson(session, settings, editor, class_id=five_a.id, subject_id=maths.id, date=FIXED_TODAY,
                           number=7, topic=TOPIC, homework=HOMEWORK)
    from core.services import class_students

    for student in class_students(session, five_a.id, FIXED_TODAY):
        create_mark(session, settings, editor, lesson_id=lesson.id, student_id=student.id, value="5",
                    comment="Квазар-комментарий")
    students = class_students(session, five_a.id, FIXED_TODAY)
    send_system_message(session, school_id, [s.id for s in students], LETTER, "Квазар: текст письма",
                        author_id=teacher.id, notify=False)
    section = session.scalar(select(ForumSection).where(ForumSection.school_id == school_id).limit(1))
    create_topic(session, section, author=teacher, title=FORUM_TOPIC, body="Квазар: первое сообщение")
    from plugins.gradebook.lesson_editing import add_homework_file

    add_homework_file(session, settings, editor, lesson.id, "квазар-задачи.pdf", "application/pdf", PDF)
    from core.services import guardians_of
    from plugins.office.liaison import create_ticket
    from plugins.office.personal_files import add_document

    guardian = guardians_of(session, students[0].id)[0]
    from plugins.calendar_feeds.services import regenerate

    regenerate(session, guardian, students[0].id)
    create_ticket(session, guardian, class_id=five_a.id, topic="other",
                  text="Квазар: второй родитель не может войти")
    add_document(session, school_id=school_id, student_id=students[0].id, guardian_id=None, kind="birth_certificate",
                 title="Квазар: свидетельство", filename="kvazar.pdf", content_type="application/pdf", content=PDF,
                 uploaded_by_id=teacher.id)


def _describe(app: Flask, school_id: int) -> SchoolB:
    from core.models import RoleGrant

    state = app.extensions["klass"]
    with app.test_request_context():
        session = state.session()
        rows = session.execute(select(RoleGrant.role, User.login).join(User, User.id == RoleGrant.user_id)
                               .where(RoleGrant.school_id == school_id)).all()
        logins: dict[str, str] = {}
        for role, login in rows:
            logins.setdefault(str(getattr(role, "value", role)), login)
        state.session.remove()
    markers = MARKERS + [login for login in logins.values()]
    return SchoolB(school_id=school_id, admin_login="kvazar-admin", logins=logins, markers=markers)
