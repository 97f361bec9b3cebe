"""The rules without HTTP: codes, permissions, saving, reasons, the week's discrepancies, figures."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from plugins.attendance import code_rules, excuses, marking, rights, totals, unmarked, weekly
from plugins.attendance.context import actor_for, settings
from plugins.attendance.errors import AttendanceError
from plugins.attendance.models import AttendanceMark
from plugins.attendance.rights import Actor
from plugins.attendance.schemas import AttendanceSettings


def test_codes_are_read_as_teachers_type_them(app):
    conf = settings()
    assert code_rules.normalize_code(conf, " Н ") == "н"
    assert code_rules.normalize_code(conf, "y") == "н"  # the key of н in the Latin layout
    assert code_rules.normalize_code(conf, "") == ""
    with pytest.raises(AttendanceError) as exc:
        code_rules.normalize_code(conf, "5")
    assert exc.value.field == "code"
    assert code_rules.roll_call_cycle(conf) == ["н", "б", "у", "о"]
    assert code_rules.cell_text("о", 10) == "о"  # the grid sends cells back: a code, never "о10"


def test_settings_refuse_repeated_codes_and_missing_kinds():
    from marshmallow import ValidationError

    with pytest.raises(ValidationError):
        AttendanceSettings().load({"codes": [{"code": "н", "title": "a", "kind": "absent"},
                                             {"code": "н", "title": "b", "kind": "excused"},
                                             {"code": "о", "title": "c", "kind": "late"}]})
    with pytest.raises(ValidationError):
        AttendanceSettings().load({"codes": [{"code": "н", "title": "a", "kind": "absent"}]})
    loaded = AttendanceSettings().load({"codes": [{"code": "Н", "title": "a", "kind": "absent"},
                                                  {"code": "УП", "title": "b", "kind": "excused"},
                                                  {"code": "ОП", "title": "c", "kind": "late"}]})
    assert code_rules.reason_code(loaded, "illness") == "УП"  # a reason never becomes an unexcused miss


def test_who_may_edit_a_lesson(app, demo, session, today):
    lesson = demo.teacher_lesson(today)
    old = demo.teacher_lesson(today, min_age=20)
    teacher = actor_for(demo.user("teacher"))
    class_teacher = actor_for(demo.user("class_teacher"))
    deputy = actor_for(demo.user("deputy"))
    stranger = Actor(user_id=demo.other_teacher().id, school_id=demo.school_id, edit_own=True)
    assert rights.can_edit_lesson(teacher, lesson, today)
    assert not rights.can_edit_lesson(teacher, old, today)
    assert rights.can_edit_lesson(class_teacher, old, today)  # corrects during verification
    assert rights.can_edit_lesson(deputy, old, today)
    assert not rights.can_edit_lesson(stranger, lesson, today)
    assert rights.can_edit_lesson(Actor(stranger.user_id, demo.school_id, edit_own=True,
                                          extra_editors=lambda _lesson: [stranger.user_id]), lesson, today)
    assert not rights.can_edit_lesson(Actor(teacher.user_id, demo.school_id + 1, edit_any=True), lesson, today)
    assert not rights.can_view_lesson(stranger, lesson)
    assert rights.can_view_lesson(actor_for(demo.user("principal")), lesson)


def test_a_reason_on_file_excuses_absences_entered_later(app, demo, session, today):
    lesson = demo.teacher_lesson(today)
    pupil = marking.lesson_pupils(session, lesson)[2]
    excuses.set_reason(session, settings(), actor_for(demo.user("class_teacher")), pupil.id, lesson.date,
                        lesson.date, "illness", "справка № 7")
    state = marking.save_mark(session, settings(), actor_for(demo.user("teacher")), lesson.id, pupil.id, "н",
                               today=today)
    assert state.code == "б" and state.reason == "болезнь: справка № 7"


def test_set_reason_only_for_own_class(app, demo, session, today):
    stranger = demo.pupils(demo.five_b.id)[0]
    with pytest.raises(AttendanceError) as exc:
        excuses.set_reason(session, settings(), actor_for(demo.user("class_teacher")), stranger, today, today,
                            "illness")
    assert exc.value.status == 404 and exc.value.code == "not_found"
    with pytest.raises(AttendanceError):
        excuses.set_reason(session, settings(), actor_for(demo.user("class_teacher")), demo.family_child, today,
                            today, "holiday-at-sea")


def test_week_overview_finds_the_demo_discrepancies(app, demo, session, today):
    week = weekly.monday(today) - timedelta(days=7)
    overview = weekly.week_overview(session, settings(), demo.school_id, demo.five_a.id, week)
    kinds = {d.kind for d in overview.discrepancies}
    assert {"absent_with_mark", "day_without_reason"} <= kinds
    with_mark = next(d for d in overview.discrepancies if d.kind == "absent_with_mark")
    assert with_mark.mark and with_mark.code == "н" and with_mark.subject
    assert overview.lessons and all(lesson.entered for lesson in overview.lessons if lesson.date < today - timedelta(days=3))
    assert overview.verification is None
    earlier = weekly.week_overview(session, settings(), demo.school_id, demo.five_a.id, week - timedelta(days=7))
    assert earlier.verification is not None and earlier.verified_by_name


def test_verify_week_refuses_future_weeks_and_other_classes(app, demo, session, today):
    actor = actor_for(demo.user("class_teacher"))
    with pytest.raises(AttendanceError):
        weekly.verify_week(session, actor, demo.five_a.id, today + timedelta(days=14), today=today)
    with pytest.raises(AttendanceError) as exc:
        weekly.verify_week(session, actor, demo.five_b.id, today, today=today)
    assert exc.value.status == 404 and exc.value.code == "not_found"
    row = weekly.verify_week(session, actor, demo.five_a.id, today, today=today, open_issues=2)
    assert row.week_start == weekly.monday(today) and row.open_issues == 2
    assert weekly.verify_week(session, actor, demo.five_a.id, today, today=today).id == row.id  # again: same row


def test_summaries_agree_with_each_other(app, demo, session, today):
    conf = settings()
    start, end = today - timedelta(days=60), today
    pupils = demo.pupils(demo.five_a.id)
    per_student = totals.summarize(session, conf, demo.five_a.id, pupils, start, end)
    result = totals.class_summary(session, conf, demo.five_a.id, start, end)
    assert sorted(p.id for p, _s in result.rows) == pupils
    assert result.total.missed == sum(s.missed for s in per_student.values()) > 0
    assert result.total.lessons == sum(s.lessons for s in per_student.values())
    by_subject = totals.summarize_by_subject(session, conf, demo.five_a.id, pupils, start, end)
    for sid in pupils:
        assert sum(subj[sid].missed for subj in by_subject.values() if sid in subj) == per_student[sid].missed
        assert sum(subj[sid].lessons for subj in by_subject.values() if sid in subj) == per_student[sid].lessons
    child = demo.family_child
    assert totals.student_summary(session, conf, child, start, end).missed == per_student[child].missed
    assert 0 < per_student[child].missed_percent < 100


def test_many_classes_at_once_agree_with_one_class_at_a_time(app, demo, session, today):
    """The whole-school reports count every class in three queries; the figures must be the ones a
    class's own summary shows, and a class's figures never borrow another class's lessons."""
    from sqlalchemy import event

    conf = settings()
    start, end = today - timedelta(days=60), today
    wanted = {c.id: demo.pupils(c.id) for c in demo.classes.values()}
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        together = totals.summarize_classes(session, conf, wanted, start, end)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 3 and len(wanted) > 1
    missed = 0
    for class_id, pupils in wanted.items():
        alone = totals.summarize(session, conf, class_id, pupils, start, end)
        assert together[class_id] == alone
        missed += sum(s.missed for s in alone.values())
    assert missed > 0


def test_summary_of_a_small_hand_made_case(app, demo, session, today):
    """Two lessons, one absence with a reason, one late arrival: the figures a report would print."""
    lesson = demo.teacher_lesson(today)
    pupil = marking.lesson_pupils(session, lesson)[4]
    session.query(AttendanceMark).filter(AttendanceMark.student_id == pupil.id).delete()
    session.flush()
    teacher = actor_for(demo.user("deputy"))
    marking.save_mark(session, settings(), teacher, lesson.id, pupil.id, "б", today=today)
    other = demo.teacher_lesson(lesson.date - timedelta(days=1))
    marking.save_mark(session, settings(), teacher, other.id, pupil.id, "о", today=today, minutes_late=12)
    figures = totals.summarize(session, settings(), demo.five_a.id, [pupil.id], other.date, lesson.date,
                                 subject_id=lesson.subject_id)[pupil.id]
    assert (figures.missed, figures.excused, figures.unexcused, figures.late, figures.late_minutes) == (1, 1, 0, 1, 12)
    assert figures.lessons >= 2


def test_missing_roll_calls_and_a_teachers_day(app, demo, session, today):
    missing = unmarked.missing_roll_calls(session, settings(), demo.school_id, today)
    assert missing and all(m.date < today - timedelta(days=1) and not m.entered for m in missing)
    groups = unmarked.by_teacher(missing)
    assert sum(len(ls) for _n, _t, ls in groups) == len(missing)
    lesson = demo.teacher_lesson(today)
    day = unmarked.teacher_lessons_on(session, demo.school_id, demo.user("teacher").id, lesson.date)
    assert lesson.id in {d.lesson_id for d in day}


def test_scan_types_are_checked_by_content():
    assert excuses.scan_type(b"%PDF-1.7 ...") == "application/pdf"
    assert excuses.scan_type(b"\xff\xd8\xff\xe0 jpeg") == "image/jpeg"
    assert excuses.scan_type(b"GIF89a") is None
    assert weekly.monday(date(2026, 11, 22)) == date(2026, 11, 16)
