"""A mark and an absence in one lesson, in either order; a lesson later today is not marked before it begins."""
from __future__ import annotations

from sqlalchemy import select

from plugins.attendance.marking import lesson_pupils
from plugins.attendance.models import AttendanceMark
from plugins.gradebook.public import Lesson, Mark

SAVE = "/api/v1/attendance/marks"
MARKS = "/api/v1/gradebook/marks"


def _clean_pupil(session, lesson):
    """A pupil with neither an attendance mark nor a mark at the lesson."""
    away = set(session.scalars(select(AttendanceMark.student_id).where(AttendanceMark.lesson_id == lesson.id)))
    marked = set(session.scalars(select(Mark.student_id).where(Mark.lesson_id == lesson.id)))
    return next(p for p in lesson_pupils(session, lesson) if p.id not in away | marked)


def test_a_mark_for_an_absent_student_is_saved_with_a_visible_warning(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today, min_age=1)
    pupil = _clean_pupil(session, lesson)
    client = login_as("teacher")
    assert post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"}).status_code == 200
    reply = post_json(client, MARKS, {"lesson_id": lesson.id, "student_id": pupil.id, "value": "5"})
    assert reply.status_code == 201
    assert reply.json["warnings"] == ["У ученика на этом уроке стоит «н», а теперь и отметка: проверьте, что верно "
                                      "и то и другое."]
    # A mark already there, then an «н»: the same rule, the other way round.
    other = _clean_pupil(session, lesson)
    assert post_json(client, MARKS, {"lesson_id": lesson.id, "student_id": other.id, "value": "4"}).status_code == 201
    reply = post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": other.id, "code": "н"})
    assert reply.status_code == 200 and "уже есть отметка (4)" in reply.json["warnings"][0]
    # A late arrival is no absence: no warning.
    third = _clean_pupil(session, lesson)
    post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": third.id, "code": "о"})
    assert post_json(client, MARKS, {"lesson_id": lesson.id, "student_id": third.id, "value": "5"}).json["warnings"] == []


def test_a_school_may_refuse_a_mark_next_to_an_absence(login_as, demo, session, today, post_json, app,
                                                       monkeypatch):
    monkeypatch.setitem(app.extensions["klass"].plugins["gradebook"].settings, "marks_when_absent", "refuse")
    lesson = demo.teacher_lesson(today, min_age=1)
    pupil = _clean_pupil(session, lesson)
    client = login_as("teacher")
    assert post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"}).status_code == 200
    reply = post_json(client, MARKS, {"lesson_id": lesson.id, "student_id": pupil.id, "value": "5"})
    assert reply.status_code == 422 and "не разрешает ставить отметку" in reply.json["error"]["message"]
    other = _clean_pupil(session, lesson)
    assert post_json(client, MARKS, {"lesson_id": lesson.id, "student_id": other.id, "value": "4"}).status_code == 201
    reply = post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": other.id, "code": "н"})
    assert reply.status_code == 422 and "Сначала уберите отметку" in reply.json["error"]["message"]


def test_attendance_of_a_lesson_later_today_is_refused_before_it_begins(login_as, demo, session, today, post_json):
    """The suite's clock says 10:30: lesson 6 (13:25 by the default bells) has not begun; lesson 1 has."""
    model = demo.teacher_lesson(today, min_age=1)
    later = Lesson(school_id=model.school_id, class_id=model.class_id, subject_id=model.subject_id,
                   teacher_id=model.teacher_id, date=today, number=6, topic="")
    earlier = Lesson(school_id=model.school_id, class_id=model.class_id, subject_id=model.subject_id,
                     teacher_id=model.teacher_id, date=today, number=1, topic="")
    session.add_all([later, earlier])
    session.commit()
    pupil = lesson_pupils(session, later)[0]
    client = login_as("teacher")
    reply = post_json(client, SAVE, {"lesson_id": later.id, "student_id": pupil.id, "code": "н"})
    assert reply.status_code == 422
    assert "Урок 6 начинается в 13:25" in reply.json["error"]["message"]
    assert session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == later.id)) is None
    assert post_json(client, SAVE, {"lesson_id": earlier.id, "student_id": pupil.id, "code": "н"}).status_code == 200


def test_hook_lesson_absences(app, demo, session, today, login_as, post_json):
    """Attendance answers who was away from a lesson: «н» counts, a late arrival does not."""
    lesson = demo.teacher_lesson(today, min_age=1)
    away, late = _clean_pupil(session, lesson), None
    client = login_as("teacher")
    post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": away.id, "code": "н"})
    late = _clean_pupil(session, lesson)
    post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": late.id, "code": "о"})
    answers = app.extensions["klass"].pm.hook.lesson_absences(session=session, lesson_id=lesson.id,
                                                               student_ids=[away.id, late.id])
    assert answers == [{away.id: "н"}]


def test_hook_lesson_starts_at(app, demo, session, today):
    """The timetable gives a lesson's start by the bells: lesson 6 at 13:25 by the default schedule."""
    from datetime import time

    model = demo.teacher_lesson(today, min_age=1)
    lesson = Lesson(school_id=model.school_id, class_id=model.class_id, subject_id=model.subject_id,
                    teacher_id=model.teacher_id, date=today, number=6, topic="")
    assert app.extensions["klass"].pm.hook.lesson_starts_at(session=session, lesson=lesson) == time(13, 25)
