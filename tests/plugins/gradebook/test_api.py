"""The API under /api/v1/gradebook: same rules as the pages, JSON errors (422 fields, 403, 404, 409 current)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import ApiToken
from core.security import token_digest
from plugins.gradebook.models import Mark
from tests.conftest import csrf_token

API = "/api/v1/gradebook"


def _json_client(login_as, role):
    """A signed-in browser client that sends the CSRF token in a header, as journal.js does."""
    client = login_as(role)
    token = csrf_token(client.get("/account/tokens").text)
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


def test_teacher_creates_updates_and_deletes_a_mark(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    client = _json_client(login_as, "teacher")
    response = client.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                                 "value": "4", "work_type": "test", "comment": "к/р"})
    assert response.status_code == 201, response.json
    mark = response.json
    assert (mark["value"], mark["numeric"], mark["work_type"], mark["version"]) == ("4", 4.0, "test", 1)
    response = client.patch(f"{API}/marks/{mark['id']}", json={"version": 1, "value": "5-"})
    assert response.status_code == 200 and response.json["value"] == "5-" and response.json["version"] == 2
    stale = client.patch(f"{API}/marks/{mark['id']}", json={"version": 1, "value": "3"})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "conflict" and "«5-»" in stale.json["error"]["message"]
    assert stale.json["current"]["value"] == "5-"
    assert client.delete(f"{API}/marks/{mark['id']}?version=1").status_code == 409
    assert client.delete(f"{API}/marks/{mark['id']}?version=2").status_code == 204
    assert demo.session.get(Mark, mark["id"]) is None


def test_invalid_value_answers_422_with_the_field_in_russian(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    client = _json_client(login_as, "teacher")
    response = client.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id, "value": "6"})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"value": ["«6»: отметка должна быть от 1 до 5."]}
    missing = client.post(f"{API}/marks", json={"lesson_id": lesson.id})
    assert missing.status_code == 422 and set(missing.json["error"]["fields"]) == {"student_id", "value"}
    assert demo.marks_of(lesson, demo.student) == []


def test_lesson_of_another_teacher_answers_403(demo, login_as, today, other_teacher):
    lesson = demo.new_lesson(day=today, teacher=other_teacher)
    client = _json_client(login_as, "teacher")
    response = client.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id, "value": "5"})
    assert response.status_code == 403
    assert "только учитель, который его ведёт" in response.json["error"]["message"]


def test_after_the_edit_window_answers_403_with_the_date(demo, login_as, today):
    lesson = demo.new_lesson(day=today - timedelta(days=demo.settings["edit_window_days"] + 3))
    client = _json_client(login_as, "teacher")
    response = client.put(f"{API}/cells", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                                "values": ["5"], "known": []})
    assert response.status_code == 403
    assert lesson.date.strftime("%d.%m.%Y") in response.json["error"]["message"]
    deputy = _json_client(login_as, "deputy")
    response = deputy.put(f"{API}/cells", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                                "values": ["5"], "known": []})
    assert response.status_code == 200 and response.json["marks"][0]["value"] == "5"


def test_cells_endpoint_reports_conflicts_with_current_marks(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    client = _json_client(login_as, "teacher")
    first = client.put(f"{API}/cells", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                             "values": ["4"], "known": []})
    assert first.status_code == 200
    again = client.put(f"{API}/cells", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                             "values": ["5"], "known": []})
    assert again.status_code == 409 and [m["value"] for m in again.json["current"]] == ["4"]
    mark = first.json["marks"][0]
    ok = client.put(f"{API}/cells", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                          "values": ["4", "5"], "known": [[mark["id"], mark["version"]]]})
    assert ok.status_code == 200 and [m["value"] for m in ok.json["marks"]] == ["4", "5"]


def test_class_teacher_and_students_cannot_write(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    body = {"lesson_id": lesson.id, "student_id": demo.student.id, "values": ["5"], "known": []}
    assert _json_client(login_as, "class_teacher").put(f"{API}/cells", json=body).status_code == 403
    for role in ("student", "guardian"):
        client = _json_client(login_as, role)
        assert client.put(f"{API}/cells", json=body).status_code == 403
        assert client.get(f"{API}/marks?lesson_id={lesson.id}").status_code == 403


def test_post_without_the_csrf_header_is_refused(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    client = login_as("teacher")
    response = client.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id, "value": "5"})
    assert response.status_code == 400
    assert demo.marks_of(lesson, demo.student) == []


def test_bearer_token_clients_need_no_csrf(demo, app, today):
    lesson = demo.new_lesson(day=today)
    demo.session.add(ApiToken(school_id=demo.school_id, user_id=demo.teacher.id, name="test",
                              token_hash=token_digest("klass_test_token")))
    demo.session.flush()
    client = app.test_client()
    response = client.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id, "value": "5"},
                           headers={"Authorization": "Bearer klass_test_token"})
    assert response.status_code == 201


def test_journal_and_marks_lists(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("teacher")
    grid = client.get(f"{API}/journal?class_id={demo.class_5a.id}&subject_id={demo.math.id}&term_id={term.id}")
    assert grid.status_code == 200
    assert len(grid.json["students"]) == len(demo.students) and grid.json["lessons"]
    marks = client.get(f"{API}/marks?class_id={demo.class_5a.id}&subject_id={demo.math.id}&term_id={term.id}")
    assert marks.status_code == 200
    assert len(marks.json) == sum(len(v) for v in grid.json["marks"].values())
    lesson = demo.past_lesson()
    one = client.get(f"{API}/marks?lesson_id={lesson.id}")
    assert one.status_code == 200 and all(m["lesson_id"] == lesson.id for m in one.json)
    assert client.get(f"{API}/marks").status_code == 422


def test_lessons_list_create_and_update(demo, login_as):
    client = _json_client(login_as, "teacher")
    term = demo.terms[0]
    listed = client.get(f"{API}/lessons?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
                        f"&date_from={term.starts_on}&date_to={term.ends_on}")
    assert listed.status_code == 200 and listed.json
    assert all(term.starts_on.isoformat() <= x["date"] <= term.ends_on.isoformat() for x in listed.json)
    created = client.post(f"{API}/lessons", json={"class_id": demo.class_5a.id, "subject_id": demo.math.id,
                                                  "date": term.starts_on.isoformat(), "number": 7,
                                                  "topic": "Резерв", "homework": "№ 1"})
    assert created.status_code == 201, created.json
    assert created.json["teacher_id"] == demo.teacher.id and created.json["homework"] == "№ 1"
    assert created.json["version"] == 1
    updated = client.patch(f"{API}/lessons/{created.json['id']}", json={"topic": "Решение задач",
                                                                        "homework": "№ 2", "version": 1})
    assert updated.status_code == 200 and updated.json["topic"] == "Решение задач"
    assert updated.json["homework"] == "№ 2" and updated.json["version"] == 2
    stale = client.patch(f"{API}/lessons/{created.json['id']}", json={"homework": "№ 3", "version": 1})
    assert stale.status_code == 409 and "«№ 2»" in stale.json["error"]["message"]
    bad = client.patch(f"{API}/lessons/{created.json['id']}", json={"control_work_type": "essay", "version": 2})
    assert bad.status_code == 422 and "control_work_type" in bad.json["error"]["fields"]
    assert client.get(f"{API}/lessons/{created.json['id']}").json["topic"] == "Решение задач"


def test_final_marks_read_and_set(demo, login_as):
    from datetime import date

    term = demo.terms[1]
    term.closes_on = date.today() + timedelta(days=30)
    demo.session.commit()
    client = _json_client(login_as, "teacher")
    student = demo.students[0]
    response = client.put(f"{API}/final-marks", json={"class_id": demo.class_5a.id, "subject_id": demo.math.id,
                                                      "student_id": student.id, "term_id": term.id, "value": "5"})
    # Weeks before the term ends its closing window has not opened yet.
    assert response.status_code == 403 and "ставятся с" in response.json["error"]["message"]
    term.ends_on = date.today() + timedelta(days=3)
    demo.session.commit()
    response = client.put(f"{API}/final-marks", json={"class_id": demo.class_5a.id, "subject_id": demo.math.id,
                                                      "student_id": student.id, "term_id": term.id, "value": "5"})
    if response.status_code == 422:  # the forecast is not 5: a reason is asked for
        assert response.json["error"]["fields"]["reason"]
        response = client.put(f"{API}/final-marks", json={
            "class_id": demo.class_5a.id, "subject_id": demo.math.id, "student_id": student.id, "term_id": term.id,
            "value": "5", "reason": "олимпиада"})
    assert response.status_code == 200, response.json
    listed = client.get(f"{API}/final-marks?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
                        f"&period=term&term_id={term.id}")
    assert any(f["student_id"] == student.id and f["value"] == "5" for f in listed.json)
    other = _json_client(login_as, "class_teacher")
    refused = other.put(f"{API}/final-marks", json={"class_id": demo.class_5a.id, "subject_id": demo.math.id,
                                                    "student_id": student.id, "term_id": term.id, "value": "4",
                                                    "reason": "x", "version": response.json["version"]})
    assert refused.status_code == 403


def test_explain_api_for_a_guardian(demo, login_as):
    from core.models import GuardianLink

    guardian = demo.user_of("guardian")
    child = next(s for s in demo.students if demo.session.get(GuardianLink, (guardian.id, s.id)))
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("guardian")
    response = client.get(f"{API}/explain?student_id={child.id}&subject_id={demo.math.id}&term_id={term.id}")
    assert response.status_code == 200
    body = response.json
    assert body["kind"] == "marks" and body["rule"].startswith("пороги")
    if body["average"] is not None:
        assert body["formula"].endswith(f"{body['forecast']}")
        assert round(body["weighted_sum"] / body["total_weight"], 2) == body["average"]
    stranger = next(s for s in demo.students if not demo.session.get(GuardianLink, (guardian.id, s.id)))
    assert client.get(f"{API}/explain?student_id={stranger.id}&subject_id={demo.math.id}").status_code == 404


def test_api_routes_are_in_the_openapi_document(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path in ("/gradebook/marks", "/gradebook/marks/{mark_id}", "/gradebook/cells", "/gradebook/lessons",
                 "/gradebook/final-marks", "/gradebook/explain", "/gradebook/journal"):
        assert path in paths
    assert select  # keep the import used by other tests' style
