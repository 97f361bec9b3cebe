"""The class teacher's weekly page: who opened the diary, who confirmed the week, who has been away for
too long, and the notice to the deputy (seeds 001 and 002)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from core.toolkit import User
from plugins.diary.models import DeputyNotice
from tests.conftest import all_plugins, post_form, sign_in
from tests.plugins.diary.conftest import monday


def test_class_page_shows_visits_and_acknowledgements_from_the_demo(login_as, people):
    client = login_as("class_teacher")
    last_week = monday() - timedelta(days=7)
    page = client.get(f"/diary/classes/{people.classes['5А'].id}?week={last_week}").text
    assert "Как семьи 5А класса пользуются дневником" in page
    summary = re.search(r"открывавших дневник на этой неделе: (\d+) из (\d+); подтвердили ознакомление: (\d+)", page)
    visited, total, acknowledged = map(int, summary.groups())
    assert total == len(people.in_5a) and visited > 0 and acknowledged > 0
    assert page.count('class="good">✓') >= acknowledged
    # Some demo families never open the diary: they are listed for the deputy.
    inactive = page[page.index('data-testid="inactive"'):]
    assert "ни разу не открывал(а)" in inactive or "последний раз" in inactive
    for student in people.in_5a:
        assert student.full_name in page


def test_class_teacher_redirected_to_own_class_and_deputy_lists_all(login_as, people):
    response = login_as("class_teacher").get("/diary/classes")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/diary/classes/{people.classes['5А'].id}")
    page = login_as("deputy").get("/diary/classes").text
    for name in ("1А", "5А", "5Б", "9А"):
        assert f">{name}</a>" in page
    assert login_as("guardian").get("/diary/classes").status_code == 403


def test_notify_the_deputy_by_notice_and_mail(make_app, smtp_server, people):
    app = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    with app.app_context():
        session = app.extensions["klass"].session()
        session.get(User, people.deputy.id).email = "zavuch@school7.example"
        session.commit()
        teacher = sign_in(app.test_client(), people.class_teacher.login)
        url = f"/diary/classes/{people.classes['5А'].id}"
        response = post_form(teacher, f"{url}/notify-deputy?week={monday()}",
                             {"note": "Прошу провести беседу с родителями"}, page=url)
        assert response.status_code == 302
        notice = session.scalar(select(DeputyNotice).order_by(DeputyNotice.id.desc()))
        assert notice.class_id == people.classes["5А"].id and notice.guardians
        assert notice.note == "Прошу провести беседу с родителями"
        mail = [m for m in smtp_server.messages if "zavuch@school7.example" in m["To"]]
        assert len(mail) == 1 and mail[0]["Subject"] == "Родители не заходят в дневник: класс 5А"
        body = mail[0].get_body(("plain",)).get_content()
        assert notice.guardians[0]["name"] in body and "Прошу провести беседу" in body

        deputy = sign_in(app.test_client(), people.deputy.login)
        start = deputy.get("/").text
        assert "Семьи, не открывающие дневник" in start and "непрочитанн" in start
        notices = deputy.get("/diary/notices").text
        assert "Прошу провести беседу с родителями" in notices
        post_form(deputy, f"/diary/notices/{notice.id}/read", {}, page="/diary/notices")
        session.expire_all()
        assert session.get(DeputyNotice, notice.id).read_at is not None


def test_start_pages_show_the_diary(login_as, people):
    teacher_page = login_as("class_teacher").get("/").text
    assert "Семьи и дневник" in teacher_page and "открывал" in teacher_page
    guardian_page = login_as("guardian").get("/").text
    for kid in people.kids:
        assert f'href="/diary/{kid.id}"' in guardian_page
    assert "за 7 дней" in guardian_page


def test_guardians_usage_report_in_the_reports_plugin(login_as, people):
    deputy = login_as("deputy")
    assert "Работа родителей с электронным дневником" in deputy.get("/reports/").text
    page = deputy.get("/reports/diary_usage?run=1").text
    assert "Открывали дневник" in page
    for name in ("1А", "5А", "5Б", "9А"):
        assert f">{name}<" in page
    teacher = login_as("class_teacher")
    page = teacher.get(f"/reports/diary_usage?run=1&class_id={people.classes['5А'].id}").text
    assert people.in_5a[0].last_name in page and "Подтверждено недель" in page
    assert teacher.get(f"/reports/diary_usage?run=1&class_id={people.classes['5Б'].id}").status_code in (403, 404)
    export = deputy.get("/reports/diary_usage/export.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
