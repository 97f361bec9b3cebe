"""The audit log a director can read (issue 15): Russian titles registered by the plugins, old → new as named
fields, search by person, object and text."""
from __future__ import annotations

from datetime import timedelta

from core.audit_text import action_title, all_titles, diff
from plugins.gradebook import mark_saving
from tests.conftest import sign_in


def test_hook_register_audit_titles(app):
    titles = all_titles()  # calls register_audit_titles of every plugin
    with app.test_request_context():
        assert action_title("gradebook.mark.update", titles) == "Отметка изменена"
        assert action_title("core.login", titles) != "core.login"
        assert diff({"value": "4"}, {"value": "5"}, titles) == ["Отметка: 4 → 5"]


def test_audit_log_shows_titles_and_named_changes_and_finds_by_person(demo, app, demo_school):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date + timedelta(days=1))
    mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id,
                                   student_id=demo.students[3].id, value="4")
    mark_saving.update_mark(demo.session, demo.settings, editor, mark.id, version=1, value="5")
    demo.session.flush()
    admin = sign_in(app.test_client(), demo_school["accounts"].get("admin", "admin"))
    page = admin.get("/audit/").text
    assert "Отметка изменена" in page and "Отметка: 4 → 5" in page
    assert "gradebook.mark.update</td>" not in page and "{&#34;value&#34;" not in page
    found = admin.get("/audit/", query_string={"text": demo.teacher.last_name}).text
    assert "Отметка изменена" in found
    found = admin.get("/audit/", query_string={"text": "отметка изменена"}).text
    assert "Отметка: 4 → 5" in found
    nothing = admin.get("/audit/", query_string={"text": "нет такого текста нигде"}).text
    assert "Отметка: 4 → 5" not in nothing



def test_hook_audit_history_scope(demo, app, demo_school):
    """A mark's and a lesson's history pages: the 5А class teacher reads 5А's, not another class's."""
    from sqlalchemy import select

    from core.toolkit import SchoolClass
    from plugins.gradebook.models import Lesson

    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date + timedelta(days=1))
    mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id,
                                   student_id=demo.students[5].id, value="3")
    mark_saving.update_mark(demo.session, demo.settings, editor, mark.id, version=1, value="4")
    demo.session.flush()
    teacher = sign_in(app.test_client(), demo_school["accounts"]["class_teacher"])
    lesson_page = teacher.get(f"/gradebook/lessons/{lesson.id}").text
    assert f"/audit/history/gradebook.mark/{mark.id}" in lesson_page
    assert f"/audit/history/gradebook.lesson/{lesson.id}" in lesson_page
    page = teacher.get(f"/audit/history/gradebook.mark/{mark.id}")
    assert page.status_code == 200 and "Отметка: 3 → 4" in page.text and "Отметка изменена" in page.text
    assert "Отметка: 3 → 4" in teacher.get(f"/audit/history/gradebook.lesson/{lesson.id}").text
    other = demo.session.scalar(select(Lesson).join(SchoolClass, SchoolClass.id == Lesson.class_id)
                                .where(SchoolClass.id != demo.class_5a.id))
    assert teacher.get(f"/audit/history/gradebook.lesson/{other.id}").status_code == 403
    assert teacher.get("/audit/").status_code == 403  # the whole log stays the administration's
