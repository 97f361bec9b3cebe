"""A real school from nothing, in Chromium: on an EMPTY database ``klass school create`` prints the first
administrator's login; the administrator signs in, goes through the set-up wizard to a class with bells and
a timetable lesson, a subgroup journal with its own teacher, typed students with guardians and issued
credentials; then that teacher marks a student and the guardian reads the mark in the diary."""
from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from pypdf import PdfReader
from sqlalchemy import select

ENGLISH = "Английский язык"


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[Any]:
    """The app over a database with the schema and nothing else, served for real."""
    from werkzeug.serving import make_server

    from core import create_app, migrate
    from core.db import make_engine
    from core.plugins import _order, discover

    plugins = _order(discover())
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    migrate.upgrade(engine, [(n, Path(discover()[n].__file__).parent / "migrations") for n in plugins])
    app = create_app("default", engine=engine, settings_overrides={"klass": {"plugins": plugins}})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="empty-server", daemon=True)
    thread.start()
    yield app, engine, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    engine.dispose()


def _first_sign_in(page: Any, url: str, login: str, password: str, own: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r".*/account/password"))
    page.fill("input[name=current]", password)
    page.fill("input[name=new]", own)
    page.fill("input[name=repeat]", own)
    page.press("input[name=repeat]", "Enter")
    page.wait_for_load_state()


def _sign_out(page: Any) -> None:
    page.click("text=Выйти")
    page.wait_for_load_state()


def _continue(page: Any, url: str, expected: str) -> None:
    """Back to the wizard and on to the first open step, whose page must be at ``expected``."""
    page.goto(f"{url}/setup/")
    page.click("a.button.primary")
    page.wait_for_load_state()
    assert expected in page.url, page.url


def _add_staff(page: Any, url: str, last: str, first: str) -> tuple[str, str]:
    page.goto(f"{url}/staff/")
    page.fill("input[name=last_name]", last)
    page.fill("input[name=first_name]", first)
    page.select_option("select[name=roles]", ["teacher"])
    page.locator("form:has(input[name=last_name]) button[type=submit]").click()
    page.wait_for_selector("[data-testid=password]")
    return page.inner_text("[data-testid=login]"), page.inner_text("[data-testid=password]")


@pytest.mark.e2e
def test_a_school_from_an_empty_database_to_a_mark_in_the_diary(empty_server: Any, page: Any) -> None:
    from core.cli import cli

    app, engine, url = empty_server
    created = CliRunner().invoke(cli, ["school", "create", "--name", "МБОУ «Средняя школа № 7»", "--short-name",
                                       "Школа № 7", "--region", "Тверская область", "--timezone", "Europe/Moscow",
                                       "--term-system", "quarters"], obj=ScriptInfo(create_app=lambda: app))
    assert created.exit_code == 0, created.output
    admin_login = re.search(r"логин:\s+(\S+)", created.output).group(1)
    admin_password = re.search(r"пароль:\s+(\S+)", created.output).group(1)

    _first_sign_in(page, url, admin_login, admin_password, "admin-own-2026")
    page.goto(f"{url}/")
    assert "Настройка школы: что ещё не сделано" in page.content()

    # Year: the usual calendar's dates are offered; accept them.
    _continue(page, url, "/setup/year")
    page.click("button:has-text('Создать учебный год')")
    page.wait_for_selector("text=2 четверть")
    # Bells: the usual times are filled in; save them.
    _continue(page, url, "/timetable/bells")
    page.locator("form[action*='/timetable/bells/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    # Classes and subjects on the school page.
    _continue(page, url, "/school/")
    page.fill("#classes input[name=grade_level]", "5")
    page.fill("#classes input[name=letter]", "А")
    page.locator("#classes button[type=submit]").click()
    page.wait_for_load_state()
    _continue(page, url, "/school/")
    page.fill("#subjects input[name=name]", ENGLISH)
    page.locator("#subjects button[type=submit]").click()
    page.wait_for_load_state()
    # Staff: typed in, each gets a one-time password shown once.
    _continue(page, url, "/staff/")
    teacher_login, teacher_password = _add_staff(page, url, "Смирнова", "Ольга")
    # Teaching load for a subgroup with its own teacher.
    _continue(page, url, "/school/")
    page.select_option("#assignments select[name=teacher_id]", label="Смирнова Ольга")
    page.select_option("#assignments select[name=subject_id]", label=ENGLISH)
    page.fill("#assignments input[name=hours_per_week]", "3")
    page.fill("#assignments input[name=subgroup]", "1 группа")
    page.locator("#assignments button[type=submit]").click()
    page.wait_for_load_state()
    assert "1 группа" in page.locator("#assignments").inner_text()
    # Timetable: a version and the subgroup's lesson on Wednesdays, first lesson.
    _continue(page, url, "/timetable/versions")
    page.locator("form:has(input[name=title]) button[type=submit]").first.click()
    page.wait_for_load_state()
    page.click("a:has-text('5А')")
    page.wait_for_load_state()
    page.select_option("select[name=weekday]", index=date.today().weekday())
    page.select_option("select[name=number]", "1")
    page.select_option("select[name=assignment_id]", label="Английский язык (1 группа) — Смирнова О.")
    page.locator("form:has(select[name=assignment_id]) button[type=submit]").click()
    page.wait_for_selector("text=Урок добавлен в расписание")
    page.goto(f"{url}/timetable/generate")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "Уроки созданы по расписанию" in page.inner_text("main"), page.inner_text("main")
    # Class lists: typed in, with guardians.
    _continue(page, url, "/office/class-lists")
    page.click("text=Ввести учащихся")
    for last, first, g_last, g_first in (("Иванов", "Пётр", "Иванова", "Анна"), ("Петрова", "Мария", "Петров", "Олег")):
        page.fill("input[name=last_name]", last)
        page.fill("input[name=first_name]", first)
        page.fill("input[name=guardian_last_name]", g_last)
        page.fill("input[name=guardian_first_name]", g_first)
        page.locator("form:has(input[name=guardian_last_name]) button[type=submit]").click()
        page.wait_for_selector(f"text={last} {first}")
    # The subgroup's list: Пётр in «1 группа» (the class's «Подгруппы» tab).
    with engine.connect() as conn:
        from core.models import SchoolClass, Subgroup, User

        class_id = conn.scalar(select(SchoolClass.id))
        subgroup_id = conn.scalar(select(Subgroup.id))
        petr_id = conn.scalar(select(User.id).where(User.first_name == "Пётр"))
    page.goto(f"{url}/office/classes/{class_id}/subgroups")
    assert "1 группа" in page.locator(".split-subjects").inner_text()
    page.check(f"input[name=student-{petr_id}][value='{subgroup_id}']")
    page.click("button:has-text('Сохранить списки')")
    page.wait_for_load_state()
    # Credentials: the slips' PDF for students and guardians.
    _continue(page, url, "/office/class-lists")
    page.click(f"main a[href$='/office/classes/{class_id}/credentials']")
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.locator(f"main form[action$='/classes/{class_id}/credentials'] button[type=submit]").click()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)
    slips = dict(re.findall(r"Логин:\s*(\S+)\s*\n?\s*Пароль:\s*(\S+)", text))
    with engine.connect() as conn:
        from core.models import GuardianLink

        guardian_login = conn.scalar(select(User.login).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                     .where(GuardianLink.student_id == petr_id))
    assert guardian_login in slips
    page.goto(f"{url}/setup/")
    assert "Школа настроена" in page.content()
    _sign_out(page)

    # The subgroup's teacher marks Пётр on today's lesson.
    _first_sign_in(page, url, teacher_login, teacher_password, "teacher-own-2026")
    with engine.connect() as conn:
        from core.models import Subject

        english_id = conn.scalar(select(Subject.id).where(Subject.name == ENGLISH))
    page.goto(f"{url}/gradebook/journal?class_id={class_id}&subject_id={english_id}")
    page.wait_for_load_state()
    assert "1 группа" in page.content() and "Иванов" in page.content() and "Петрова" not in page.content()
    with engine.connect() as conn:
        from plugins.gradebook.models import Lesson

        lesson_id = conn.scalar(select(Lesson.id).where(Lesson.subgroup_id == subgroup_id,
                                                        Lesson.date == date.today()))
    page.goto(f"{url}/gradebook/lessons/{lesson_id}")
    page.fill(f"input[name=m{petr_id}]", "5")
    page.click("button:has-text('Сохранить отметки')")
    page.wait_for_load_state()
    _sign_out(page)

    # The guardian reads it in the diary.
    _first_sign_in(page, url, guardian_login, slips[guardian_login], "guardian-own-2026")
    page.goto(f"{url}/diary/")
    page.wait_for_load_state()
    diary = page.content()
    assert ENGLISH in diary and re.search(r">\s*5\s*<", diary)
