"""Every hook the plugin implements or offers: the journal column (one query), undo after a leak, the
notification it offers, the gradebook's substitutes, menus, widgets, permissions, blueprints, demo data."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user
from sqlalchemy import event, select

from core.audit import entries_to_revert
from core.models import AuditEntry, Subject
from core.toolkit import class_students, hookimpl, term_on
from plugins.attendance import excuses, marking, totals, undo, unmarked, weekly
from plugins.attendance.context import actor_for, settings
from plugins.attendance.models import AbsenceNote, AbsenceReason, AttendanceMark
from plugins.gradebook.public import Journal, JournalLesson, JournalStudent, Lesson


def _journal(session, demo, today):
    term = term_on(session, demo.school_id, today)
    subject_id = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
    lessons = session.scalars(select(Lesson).where(Lesson.class_id == demo.five_a.id, Lesson.subject_id == subject_id,
                                                   Lesson.date >= term.starts_on - timedelta(days=60),
                                                   Lesson.date <= today).order_by(Lesson.date, Lesson.number)).all()
    students = class_students(session, demo.five_a.id, term.starts_on, term.ends_on)
    return Journal(demo.school_id, demo.five_a.id, subject_id, term.id, None,
                   [JournalStudent(s.id, s.short_name) for s in students],
                   [JournalLesson(ls.id, ls.date, ls.number, ls.topic, ls.teacher_id) for ls in lessons])


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        self.statements.append(statement)


def test_hook_extra_journal_columns(app, session, engine, demo, today):
    """Benchmark note: attendance adds exactly one SQL query to a journal page, whatever its size."""
    journal = _journal(session, demo, today)
    assert len(journal.lessons) > 20 and len(journal.students) >= 10
    pm = app.extensions["klass"].pm
    with app.test_request_context(), QueryCounter(engine) as counter:
        contributions = pm.hook.extra_journal_columns(session=session, journal=journal)
    assert len(counter.statements) == 1, counter.statements
    extra = next(e for group in contributions for e in group if e.key == "attendance")
    assert extra.save_url == "/api/v1/attendance/marks"
    assert {"н", "б", "у", "о"} <= set(extra.codes)
    stored = {(m.student_id, m.lesson_id): m.code for m in session.scalars(
        select(AttendanceMark).where(AttendanceMark.lesson_id.in_(journal.lesson_ids)))}
    assert stored and extra.cells == stored  # the codes themselves: the grid sends them back
    someone = next(iter(stored))[0]
    assert extra.totals[someone]

    empty = Journal(demo.school_id, demo.five_a.id, journal.subject_id, journal.term_id, None, journal.students, [])
    with app.test_request_context(), QueryCounter(engine) as counter:
        pm.hook.extra_journal_columns(session=session, journal=empty)
    assert counter.statements == []


def test_hook_extra_journal_columns_totals_text(app):
    from plugins.attendance.journal import totals_text

    with app.test_request_context():
        assert totals_text(totals.AttendanceSummary(1, missed=3, excused=1, late=2)) == "3 (1 ув.), опозд. 2"
        assert totals_text(totals.AttendanceSummary(1)) == ""


def test_hook_revert_change(app, session, demo, today):
    """After a leak is reported, the teacher's attendance changes and a class teacher's reason are undone."""
    pm = app.extensions["klass"].pm
    lesson = demo.teacher_lesson(today)
    pupil = next(p for p in marking.lesson_pupils(session, lesson)
                 if session.scalar(select(AttendanceMark.id).where(AttendanceMark.lesson_id == lesson.id,
                                                                   AttendanceMark.student_id == p.id)) is None)
    teacher = actor_for(demo.user("teacher"))
    from core.db import utcnow

    moment = utcnow() - timedelta(seconds=1)
    marking.save_mark(session, settings(), teacher, lesson.id, pupil.id, "н", today=today)
    marking.save_mark(session, settings(), teacher, lesson.id, pupil.id, "о", today=today, minutes_late=4)
    told = []

    class Listener:
        @hookimpl
        def on_attendance_batch_saved(self, changes):
            told.extend((c["student_id"], c["action"], c["old"]["code"], c["new"]["code"]) for c in changes)

    pm.register(Listener(), name="test-attendance-revert-listener")
    for entry in entries_to_revert(session, demo.school_id, teacher.user_id, moment):
        assert pm.hook.revert_change(session=session, entry=entry) is not None
    pm.unregister(name="test-attendance-revert-listener")
    assert session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                       AttendanceMark.student_id == pupil.id)) is None
    # Newest first: "о" goes back to "н", then "н" back to present; the family hears both as reverted.
    assert told == [(pupil.id, "reverted", "о", "н"), (pupil.id, "reverted", "н", "")]

    class_teacher = actor_for(demo.user("class_teacher"))
    away = demo.family_child
    before = {m.id: m.code for m in session.scalars(select(AttendanceMark).where(AttendanceMark.student_id == away))}
    result = excuses.set_reason(session, settings(), class_teacher, away, today - timedelta(days=30), today, "illness")
    assert result.excused
    for entry in entries_to_revert(session, demo.school_id, class_teacher.user_id, moment):
        pm.hook.revert_change(session=session, entry=entry)
    session.flush()
    session.expire_all()
    after = {m.id: m.code for m in session.scalars(select(AttendanceMark).where(AttendanceMark.student_id == away))}
    assert after == before
    assert session.get(AbsenceReason, result.reason.id) is None

    note = session.scalar(select(AbsenceNote).where(AbsenceNote.status == "pending"))
    excuses.decide_note(session, settings(), class_teacher, note.id, False, "нет справки")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.note.decide")
                           .order_by(AuditEntry.id.desc()))
    assert pm.hook.revert_change(session=session, entry=entry) == {"status": "pending"}
    assert note.status == "pending"

    foreign = AuditEntry(school_id=demo.school_id, action="gradebook.mark.update", object_type="gradebook.mark",
                         object_id="1")
    assert undo.revert_entry(session, foreign) is None


def test_hook_on_attendance_batch_saved(app, login_as, demo, session, today, post_json):
    calls = []

    class Listener:
        @hookimpl
        def on_attendance_batch_saved(self, lesson, changes, actor_id):
            calls.extend((lesson.id, c["student_id"], c["action"], c["old"], c["new"], actor_id) for c in changes)

    app.extensions["klass"].pm.register(Listener(), name="test-attendance-listener")
    lesson = demo.teacher_lesson(today)
    pupil = marking.lesson_pupils(session, lesson)[-1]
    teacher = login_as("teacher")
    url, teacher_id = "/api/v1/attendance/marks", demo.user("teacher").id
    for code in ("", "б", "б", "н", ""):  # start from "present"; the repeated "б" changes nothing
        post_json(teacher, url, {"lesson_id": lesson.id, "student_id": pupil.id, "code": code})
    present = {"code": "", "minutes_late": None, "reason": ""}
    ill = {"code": "б", "minutes_late": None, "reason": ""}
    away = {"code": "н", "minutes_late": None, "reason": ""}
    assert [call[1:] for call in calls if call[0] == lesson.id][-3:] == [
        (pupil.id, "created", present, ill, teacher_id),
        (pupil.id, "changed", ill, away, teacher_id),
        (pupil.id, "deleted", away, present, teacher_id),
    ]


def test_hook_register_lesson_editors_lets_a_substitute_mark(app, demo, session, today, post_json):
    """The gradebook's ``register_lesson_editors`` hook names a substitute, who may then mark the lesson."""
    lesson = demo.teacher_lesson(today)
    substitute = demo.other_teacher()

    class Timetable:
        @hookimpl
        def register_lesson_editors(self, session, lesson):
            return [substitute.id]

    from tests.conftest import sign_in

    client = sign_in(app.test_client(), substitute.login)
    pupil = marking.lesson_pupils(session, lesson)[0]
    payload = {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"}
    assert post_json(client, "/api/v1/attendance/marks", payload).status_code == 404
    app.extensions["klass"].pm.register(Timetable(), name="test-substitutes")
    reply = post_json(client, "/api/v1/attendance/marks", payload)
    assert reply.status_code == 200, reply.json


def test_hook_register_permissions(app):
    registry = app.extensions["klass"].permissions
    assert registry.roles_with("attendance.edit") == {"teacher"}
    assert registry.roles_with("attendance.note.submit") == {"guardian"}
    assert "deputy" in registry.roles_with("attendance.view_all")


def test_hook_register_blueprints(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/attendance/lessons/<int:lesson_id>" in rules and "/api/v1/attendance/marks" in rules
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/attendance", "/api/v1/attendance")) and not rule.endpoint.endswith(".static"):
            assert hasattr(app.view_functions[rule.endpoint], "klass_permission"), rule.rule


def test_hook_register_menu_items(app, demo):
    pm = app.extensions["klass"].pm
    with app.test_request_context():
        login_user(demo.user("class_teacher"))
        items = [i for group in pm.hook.register_menu_items(user=demo.user("class_teacher")) for i in group]
    assert "attendance.index" in {i.endpoint for i in items}


def test_hook_register_dashboard_widgets(app, demo):
    pm = app.extensions["klass"].pm
    with app.test_request_context():
        login_user(demo.user("deputy"))  # other plugins' widgets read the signed-in user's school
        widgets = [w for group in pm.hook.register_dashboard_widgets(user=demo.user("deputy")) for w in group]
    assert any(w.link_endpoint == "attendance.monitor" for w in widgets)


@pytest.mark.parametrize("role", ["guardian", "student"])
def test_hook_register_dashboard_widgets_nothing_for_families(app, demo, role):
    pm = app.extensions["klass"].pm
    with app.test_request_context():
        login_user(demo.user(role))
        widgets = [w for group in pm.hook.register_dashboard_widgets(user=demo.user(role)) for w in group]
    assert not [w for w in widgets if str(w.link_endpoint).startswith("attendance.")]


def test_hook_register_demo_data(session, demo, today):
    """The demo has the cases people look for (see plugins/attendance/demo.py)."""
    assert session.scalar(select(AbsenceNote.id).where(AbsenceNote.status == "pending")) is not None
    assert session.scalar(select(AbsenceNote.id).where(AbsenceNote.status == "accepted")) is not None
    weeks = weekly.unverified_weeks(session, demo.school_id, [demo.five_a.id],
                                      today - timedelta(days=60), today)[demo.five_a.id]
    assert weekly.monday(today) - timedelta(days=7) in weeks
    from plugins.attendance.models import WeekVerification

    assert session.scalar(select(WeekVerification.id).where(WeekVerification.class_id == demo.five_a.id)) is not None
    missing = unmarked.missing_roll_calls(session, settings(), demo.school_id, today)
    assert any(m.class_id == demo.five_b.id for m in missing)
