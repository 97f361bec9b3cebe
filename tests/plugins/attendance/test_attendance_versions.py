"""Attendance is not last-writer-wins: a roll call or a grid cell saved from an older view of the lesson
is refused, naming who changed it and what is marked now, and saves nothing."""
from __future__ import annotations

import re

from sqlalchemy import select

from plugins.attendance.marking import lesson_pupils
from plugins.attendance.models import AttendanceMark


def _form(client, url):
    html = client.get(url).text
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version, "the roll-call form carries no version"
    return {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
            "version": version.group(1)}


def _codes(session, lesson_id):
    session.expire_all()
    return {m.student_id: m.code for m in session.scalars(select(AttendanceMark)
                                                          .where(AttendanceMark.lesson_id == lesson_id))}


def test_a_stale_roll_call_is_refused_naming_who_changed_what(login_as, demo, session, today):
    lesson = demo.teacher_lesson(today)
    pupils = lesson_pupils(session, lesson)
    url = f"/attendance/lessons/{lesson.id}"
    teacher, deputy = login_as("teacher"), login_as("deputy")
    stale = _form(teacher, url)  # the teacher opens the roll call...
    saved = deputy.post(url, data={**_form(deputy, url), f"code_{pupils[0].id}": "н"})  # ...the deputy saves
    assert saved.status_code == 302
    after_deputy = _codes(session, lesson.id)
    reply = teacher.post(url, data={**stale, f"code_{pupils[1].id}": "н"}, follow_redirects=True)
    assert "посещаемость этого урока изменил(а)" in reply.text
    assert demo.user("deputy").full_name in reply.text and f"{pupils[0].short_name} — н" in reply.text
    assert _codes(session, lesson.id) == after_deputy  # nothing of the stale form saved


def test_a_stale_grid_cell_answers_409(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today)
    pupil = lesson_pupils(session, lesson)[0]
    teacher, deputy = login_as("teacher"), login_as("deputy")
    seen = teacher.get(f"/api/v1/attendance/lessons/{lesson.id}/marks").json["version"]
    first = post_json(deputy, "/api/v1/attendance/marks", {"lesson_id": lesson.id, "student_id": pupil.id,
                                                          "code": "б", "version": seen})
    assert first.status_code == 200
    refused = post_json(teacher, "/api/v1/attendance/marks", {"lesson_id": lesson.id, "student_id": pupil.id,
                                                             "code": "", "version": seen})
    assert refused.status_code == 409 and refused.json["current"]["taken_by"] == demo.user("deputy").full_name
    assert _codes(session, lesson.id)[pupil.id] == "б"


def test_an_accepted_note_moves_the_roll_call_version_so_a_stale_roll_call_is_refused(login_as, demo, session,
                                                                                      today, post_json):
    """The class teacher accepting a family's note changes the lessons' attendance (н becomes б): the
    teacher's roll-call form opened before is then refused, naming the class teacher, instead of saving
    over the excuse unnoticed. The roll call keeps the time it was taken (the timeliness report's)."""
    from plugins.attendance import excuses
    from plugins.attendance.context import settings
    from plugins.attendance.models import LessonRollCall

    lesson = demo.teacher_lesson(today)
    child, other = demo.family_child, next(p.id for p in lesson_pupils(session, lesson) if p.id != demo.family_child)
    url = f"/attendance/lessons/{lesson.id}"
    teacher = login_as("teacher")
    assert teacher.post(url, data={**_form(teacher, url), f"code_{child}": "н"}).status_code == 302
    session.expire_all()
    taken = session.get(LessonRollCall, lesson.id)
    version, taken_at = taken.version, taken.taken_at
    stale = _form(teacher, url)  # the teacher looks at the roll call again...
    guardian = demo.user("guardian")
    note = excuses.submit_note(session, settings(), demo.school_id, guardian.id, child, lesson.date, lesson.date,
                               "illness", "болел")
    session.commit()
    decided = post_json(login_as("class_teacher"), f"/api/v1/attendance/notes/{note.id}/decision",
                        {"accept": True, "comment": ""})  # ...the class teacher accepts the family's note
    assert decided.status_code == 200 and [m["code"] for m in decided.json["excused"]] == ["б"]
    session.expire_all()
    roll = session.get(LessonRollCall, lesson.id)
    assert roll.version == version + 1 and roll.taken_by == demo.user("class_teacher").id
    assert roll.taken_at == taken_at  # an excuse is not a late roll call
    reply = teacher.post(url, data={**stale, f"code_{child}": "", f"code_{other}": "н"}, follow_redirects=True)
    assert "посещаемость этого урока изменил(а)" in reply.text
    assert demo.user("class_teacher").full_name in reply.text
    assert _codes(session, lesson.id) == {child: "б"}  # the excuse stands, nothing of the stale form saved
    fresh = teacher.post(url, data={**_form(teacher, url), f"code_{child}": "б", f"code_{other}": "н"})
    assert fresh.status_code == 302 and _codes(session, lesson.id) == {child: "б", other: "н"}
