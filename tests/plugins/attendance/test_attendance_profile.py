"""Attendance switched off in a profile: its column, pages, API and menu are gone; the journal and the
start page keep working."""
from __future__ import annotations

from sqlalchemy import event, select

from core.models import Subject
from core.toolkit import class_students, term_on
from plugins.gradebook.public import Journal, JournalLesson, JournalStudent, Lesson
from tests.conftest import sign_in


def _journal(session, demo, today):
    term = term_on(session, demo.school_id, today)
    subject_id = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
    lessons = session.scalars(select(Lesson).where(Lesson.class_id == demo.five_a.id, Lesson.subject_id == subject_id,
                                                   Lesson.date >= term.starts_on, Lesson.date <= today)).all()
    students = class_students(session, demo.five_a.id, term.starts_on, term.ends_on)
    return Journal(demo.school_id, demo.five_a.id, subject_id, term.id, None,
                   [JournalStudent(s.id, s.short_name) for s in students],
                   [JournalLesson(ls.id, ls.date, ls.number, ls.topic, ls.teacher_id) for ls in lessons])


def test_attendance_switched_off_removes_column_pages_and_api(make_app, demo, demo_school, session, today):
    journal = _journal(session, demo, today)
    lesson_id = journal.lessons[-1].id
    app = make_app(plugins=["gradebook"])
    assert "attendance" not in app.extensions["klass"].plugins
    with app.app_context():
        pm = app.extensions["klass"].pm
        with app.test_request_context():
            assert pm.hook.extra_journal_columns(session=session, journal=journal) == []  # no column
        client = sign_in(app.test_client(), demo_school["accounts"]["teacher"])
        for url in ("/attendance/today", f"/attendance/lessons/{lesson_id}", "/attendance/notes",
                    f"/attendance/classes/{demo.five_a.id}/week", "/attendance/monitor"):
            assert client.get(url).status_code == 404, url
        reply = client.get(f"/api/v1/attendance/lessons/{lesson_id}/marks")
        assert reply.status_code == 404 and reply.json["error"]["code"] == "not_found"
        start = client.get("/")
        assert start.status_code == 200
        assert "Отметка посещаемости" not in start.text and "Посещаемость сегодня" not in start.text
        # The journal page itself: test_journal_page_with_and_without_attendance below.


def test_attendance_switched_on_contributes_its_column(app, demo, session, today):
    journal = _journal(session, demo, today)
    with app.test_request_context():
        groups = app.extensions["klass"].pm.hook.extra_journal_columns(session=session, journal=journal)
    assert [e.key for group in groups for e in group] == ["attendance"]


class _Counter:
    def __init__(self, engine):
        self.engine, self.n = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.n += 1


def test_journal_page_with_and_without_attendance(make_app, demo, demo_school, session, engine, today):
    """The gradebook's journal page shows the attendance column, renders without it when attendance is
    switched off, and attendance costs it at most one SQL query (the benchmark note)."""
    term = term_on(session, demo.school_id, today)
    subject_id = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
    url = f"/gradebook/journal?class_id={demo.five_a.id}&subject_id={subject_id}&term_id={term.id}"
    counts = {}
    for plugins in (["gradebook", "attendance"], ["gradebook"]):
        app = make_app(plugins=plugins)
        with app.app_context():
            client = sign_in(app.test_client(), demo_school["accounts"]["teacher"])
            client.get(url)  # warm up: catalogs, caches
            with _Counter(engine) as counter:
                page = client.get(url)
            assert page.status_code == 200, plugins
            counts[len(plugins)] = counter.n
            if "attendance" in plugins:
                assert "x-attendance" in page.text and "/api/v1/attendance/marks" in page.text
            else:
                assert "x-attendance" not in page.text and "/api/v1/attendance" not in page.text
    assert counts[2] - counts[1] <= 1, counts
