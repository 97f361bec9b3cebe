"""The JSON API under /api/v1/attendance: the journal grid's saves, a lesson's marks, summaries, notes."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import AuditEntry
from plugins.attendance.marking import lesson_pupils
from plugins.attendance.models import AttendanceMark, LessonRollCall

SAVE = "/api/v1/attendance/marks"


def _present_pupil(session, lesson):
    marked = set(session.scalars(select(AttendanceMark.student_id).where(AttendanceMark.lesson_id == lesson.id)))
    return next(p for p in lesson_pupils(session, lesson) if p.id not in marked)


def test_teacher_marks_an_absence_through_the_grid_api(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today)
    pupil = _present_pupil(session, lesson)
    client = login_as("teacher")

    reply = post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"})
    assert reply.status_code == 200, reply.json
    assert reply.json["code"] == "н" and reply.json["cell"] == "н"
    mark = session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                       AttendanceMark.student_id == pupil.id))
    assert mark.code == "н" and mark.updated_by == demo.user("teacher").id
    assert session.get(LessonRollCall, lesson.id) is not None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_id == f"{lesson.id}:{pupil.id}")
                           .order_by(AuditEntry.id.desc()))
    assert entry.action == "attendance.mark.update" and entry.old["code"] == "" and entry.new["code"] == "н"
    assert entry.actor_id == demo.user("teacher").id

    # A late arrival with minutes, typed with the Latin layout by mistake (J is о).
    reply = post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "j", "minutes_late": 7})
    assert reply.json["code"] == "о" and reply.json["cell"] == "о" and reply.json["minutes_late"] == 7

    # An empty code clears the cell: present again.
    reply = post_json(client, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": ""})
    assert reply.status_code == 200 and reply.json["code"] == ""
    assert session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                       AttendanceMark.student_id == pupil.id)) is None
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.object_id == f"{lesson.id}:{pupil.id}")
                          .where(AuditEntry.action == "attendance.mark.update")) is not None

    listing = client.get(f"/api/v1/attendance/lessons/{lesson.id}/marks").json
    assert listing["roll_call_taken"] and listing["editable"]
    assert pupil.id in {s["id"] for s in listing["students"]}


def test_a_bad_code_is_refused_in_russian_and_nothing_is_saved(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today)
    pupil = _present_pupil(session, lesson)
    reply = post_json(login_as("teacher"), SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "5"})
    assert reply.status_code == 422
    assert "не обозначение посещаемости" in reply.json["error"]["message"]
    assert "code" in reply.json["error"]["fields"]
    assert session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                       AttendanceMark.student_id == pupil.id)) is None

    reply = post_json(login_as("teacher"), SAVE, {"lesson_id": lesson.id, "student_id": "x"})
    assert reply.status_code == 422 and reply.json["error"]["fields"]


def test_a_student_of_another_class_is_refused(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today)
    stranger = demo.pupils(demo.five_b.id)[0]
    reply = post_json(login_as("teacher"), SAVE, {"lesson_id": lesson.id, "student_id": stranger, "code": "н"})
    assert reply.status_code == 422
    assert reply.json["error"]["message"] == "Этот учащийся не занимается на этом уроке."


def test_only_people_with_a_say_over_the_lesson_may_mark(login_as, demo, session, today, post_json, app):
    lesson = demo.teacher_lesson(today)
    pupil = _present_pupil(session, lesson)
    stranger = demo.other_teacher()
    from tests.conftest import sign_in

    other = sign_in(app.test_client(), stranger.login)
    reply = post_json(other, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"})
    assert reply.status_code == 404  # never reveals another teacher's lesson
    assert other.get(f"/api/v1/attendance/lessons/{lesson.id}/marks").status_code == 404
    guardian = login_as("guardian")
    assert post_json(guardian, SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"}).status_code == 403
    assert session.scalar(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id,
                                                       AttendanceMark.student_id == pupil.id)) is None
    # The deputy may correct any lesson.
    reply = post_json(login_as("deputy"), SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "б"})
    assert reply.status_code == 200


def test_old_lessons_go_to_the_class_teacher(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today, min_age=20)
    pupil = _present_pupil(session, lesson)
    reply = post_json(login_as("teacher"), SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"})
    assert reply.status_code == 403
    assert "классный руководитель" in reply.json["error"]["message"]
    reply = post_json(login_as("class_teacher"), SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"})
    assert reply.status_code == 200


def test_future_lessons_cannot_be_marked(login_as, demo, session, today, post_json):
    from plugins.gradebook.public import Lesson

    lesson = session.scalar(select(Lesson).where(Lesson.class_id == demo.five_a.id, Lesson.date > today + timedelta(days=1),
                                                 Lesson.teacher_id == demo.user("teacher").id).limit(1))
    pupil = lesson_pupils(session, lesson)[0]
    reply = post_json(login_as("teacher"), SAVE, {"lesson_id": lesson.id, "student_id": pupil.id, "code": "н"})
    assert reply.status_code == 422
    assert "в день урока или позже" in reply.json["error"]["message"]


def test_roll_call_api_records_a_lesson_where_everyone_was_present(login_as, demo, session, today, post_json):
    lesson = demo.teacher_lesson(today)
    session.query(AttendanceMark).filter(AttendanceMark.lesson_id == lesson.id).delete()
    session.query(LessonRollCall).filter(LessonRollCall.lesson_id == lesson.id).delete()
    session.flush()
    reply = post_json(login_as("teacher"), f"/api/v1/attendance/lessons/{lesson.id}/roll-call", {"marks": []})
    assert reply.status_code == 200 and reply.json["absent"] == 0
    assert reply.json["present"] == len(lesson_pupils(session, lesson))
    assert session.get(LessonRollCall, lesson.id).taken_by == demo.user("teacher").id


def test_summary_api(login_as, demo, session, today):
    start = today - timedelta(days=40)
    url = f"/api/v1/attendance/summary?class_id={demo.five_a.id}&start={start}&end={today}"
    reply = login_as("class_teacher").get(url)
    assert reply.status_code == 200
    data = reply.json
    assert len(data["students"]) == len(demo.pupils(demo.five_a.id))
    assert data["total"]["missed"] == sum(s["missed"] for s in data["students"]) > 0
    assert all(s["excused"] + s["unexcused"] == s["missed"] for s in data["students"])
    assert login_as("teacher").get(url).status_code == 404  # a subject teacher sees no class summaries
    assert login_as("deputy").get(url).status_code == 200
    bad = login_as("class_teacher").get(f"/api/v1/attendance/summary?class_id={demo.five_a.id}&start={today}&end={start}")
    assert bad.status_code == 422


def test_notes_api_guardian_and_class_teacher(login_as, demo, session, today, post_json):
    guardian = login_as("guardian")
    child = demo.family_child
    reply = post_json(guardian, "/api/v1/attendance/notes",
                      {"student_id": child, "starts_on": str(today), "ends_on": str(today), "kind": "illness",
                       "text": "Температура"})
    assert reply.status_code == 201, reply.json
    note_id = reply.json["id"]
    assert note_id in {n["id"] for n in guardian.get("/api/v1/attendance/notes").json}
    stranger = demo.pupils(demo.five_b.id)[0]
    reply = post_json(guardian, "/api/v1/attendance/notes",
                      {"student_id": stranger, "starts_on": str(today), "ends_on": str(today), "kind": "illness"})
    assert reply.status_code == 404

    teacher = login_as("class_teacher")
    pending = teacher.get(f"/api/v1/attendance/classes/{demo.five_a.id}/notes?status=pending").json
    assert note_id in {n["id"] for n in pending}
    assert teacher.get(f"/api/v1/attendance/classes/{demo.five_b.id}/notes").status_code == 404
    reply = post_json(teacher, f"/api/v1/attendance/notes/{note_id}/decision", {"accept": False})
    assert reply.status_code == 422  # a rejection needs a word to the family
    reply = post_json(teacher, f"/api/v1/attendance/notes/{note_id}/decision", {"accept": True})
    assert reply.status_code == 200 and reply.json["status"] == "accepted"
    reply = post_json(teacher, f"/api/v1/attendance/notes/{note_id}/decision", {"accept": True})
    assert reply.status_code == 409
