"""Security is a feature: a family sees its own children and nobody else, and a refusal looks exactly
like an id that does not exist."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token, post_form
from tests.plugins.diary.conftest import monday, strip_tokens

FAMILY_PAGES = ["/diary/{id}", "/diary/{id}/marks", "/diary/{id}/remarks"]
API_PAGES = ["/api/v1/diary/{id}/week", "/api/v1/diary/{id}/marks", "/api/v1/diary/{id}/remarks"]


def test_guardian_sees_each_of_two_children(login_as, people):
    client = login_as("guardian")
    assert len(people.kids) == 2
    for kid in people.kids:
        page = client.get(f"/diary/{kid.id}")
        assert page.status_code == 200
        assert kid.full_name in page.text
        other = next(k for k in people.kids if k.id != kid.id)
        assert other.full_name not in page.text  # the switch names the other child, never their full name
        assert f'href="/diary/{other.id}' in page.text
    assert client.get("/diary/").status_code == 200


@pytest.mark.parametrize("template", FAMILY_PAGES)
def test_guardian_gets_the_same_404_for_a_stranger_and_for_nobody(login_as, people, template):
    client = login_as("guardian")
    stranger = client.get(template.format(id=people.stranger.id))
    nobody = client.get(template.format(id=people.missing_id))
    assert stranger.status_code == nobody.status_code == 404
    assert strip_tokens(stranger.text) == strip_tokens(nobody.text)
    assert people.stranger.last_name not in stranger.text


@pytest.mark.parametrize("template", API_PAGES)
def test_api_refuses_strangers_like_missing_ids(login_as, people, template):
    client = login_as("guardian")
    for kid in people.kids:
        assert client.get(template.format(id=kid.id)).status_code == 200
    stranger = client.get(template.format(id=people.stranger.id))
    nobody = client.get(template.format(id=people.missing_id))
    assert stranger.status_code == nobody.status_code == 404
    assert stranger.json == nobody.json == {"error": {"code": "not_found", "message": "Не найдено.", "fields": {}}}


def test_acknowledging_someone_elses_week_is_refused_and_saves_nothing(login_as, people, session):
    from sqlalchemy import func, select

    from plugins.diary.models import Acknowledgement

    client = login_as("guardian")
    before = session.scalar(select(func.count(Acknowledgement.id)))
    page = client.get(f"/diary/{people.kids[0].id}").text
    for target in (people.stranger.id, people.missing_id):
        response = client.post(f"/diary/{target}/acknowledge?week={monday()}", data={"csrf_token": csrf_token(page)})
        assert response.status_code == 404
    api = client.post(f"/api/v1/diary/{people.stranger.id}/acknowledgements", json={"week": str(monday())},
                      headers={"X-CSRFToken": csrf_token(page)})
    assert api.status_code in (400, 404)
    assert session.scalar(select(func.count(Acknowledgement.id))) == before


def test_student_sees_only_themself(login_as, people):
    client = login_as("student")
    assert people.student.full_name in client.get("/diary/").text
    assert client.get(f"/diary/{people.student.id}").status_code == 200
    classmate = next(s for s in people.in_5a if s.id != people.student.id)
    for template in FAMILY_PAGES + API_PAGES:
        assert client.get(template.format(id=classmate.id)).status_code == 404, template
    assert client.get("/api/v1/diary/students").json == [
        {"id": people.student.id, "full_name": people.student.full_name, "class_name": "5А"}]


def test_class_teacher_sees_own_class_only(login_as, people):
    client = login_as("class_teacher")
    assert client.get(f"/diary/{people.stranger.id}").status_code == 200
    assert client.get(f"/diary/{people.far_stranger.id}").status_code == 404
    assert client.get(f"/diary/classes/{people.classes['5Б'].id}").status_code == 404
    assert client.get(f"/diary/classes/{people.classes['5Б'].id}/statements.pdf?start=2026-09-01&end=2026-10-01"
                      ).status_code == 404


def test_subject_teacher_and_deputy(login_as, people):
    assert login_as("teacher").get(f"/diary/{people.stranger.id}").status_code == 403  # the journal is theirs
    deputy = login_as("deputy")
    assert deputy.get(f"/diary/{people.far_stranger.id}").status_code == 200
    assert deputy.get(f"/diary/{people.missing_id}").status_code == 404


def test_homework_file_only_for_the_lessons_families(login_as, people, session):
    from datetime import timedelta

    from sqlalchemy import select

    from plugins.gradebook.models import Homework, HomeworkFile, Lesson

    def file_for(class_id):
        lesson = session.scalar(select(Lesson).where(Lesson.class_id == class_id, Lesson.subgroup_id.is_(None),
                                                     Lesson.date <= monday() + timedelta(days=4))
                                .order_by(Lesson.date.desc()))
        homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
        if homework is None:
            homework = Homework(school_id=lesson.school_id, lesson_id=lesson.id, text="Упражнение 5")
            session.add(homework)
            session.flush()
        file = HomeworkFile(school_id=lesson.school_id, homework_id=homework.id, filename="задание.pdf",
                            content_type="application/pdf", size=9, data=b"%PDF-1.4\n")
        session.add(file)
        session.commit()
        return file

    own = file_for(people.classes["5А"].id)
    other = file_for(people.classes["5Б"].id)
    client = login_as("guardian")
    response = client.get(f"/diary/files/{own.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4\n"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/diary/files/{other.id}").status_code == 404
    assert client.get(f"/diary/files/{people.missing_id}").status_code == 404


def test_remark_acknowledgement_of_a_strangers_remark_is_404(login_as, people, session):
    from datetime import date

    from plugins.diary.models import Remark

    remark = Remark(school_id=people.stranger.school_id, student_id=people.stranger.id,
                    class_id=people.classes["5А"].id, author_id=people.teacher.id, kind="concern", text="Шумел",
                    day=date.today())
    session.add(remark)
    session.commit()
    client = login_as("guardian")
    response = post_form(client, f"/diary/remarks/{remark.id}/acknowledge", {}, page=f"/diary/{people.kids[0].id}")
    assert response.status_code == 404
