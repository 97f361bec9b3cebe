"""``/api/v1/diary``: the week and the marks of a student for apps, with the pages' access rules."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.plugins.diary.conftest import monday, school_today


@pytest.fixture
def token(session, people):
    """A guardian's personal API token (an app signs in with it, no cookies)."""
    from core.models import ApiToken
    from core.security import new_api_token

    raw, digest = new_api_token()
    session.add(ApiToken(school_id=people.guardian.school_id, user_id=people.guardian.id, name="телефон",
                         token_hash=digest))
    session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_students_week_and_acknowledgement_with_a_token(app, session, people, token):
    from plugins.diary.models import Acknowledgement, Visit

    client = app.test_client()
    students = client.get("/api/v1/diary/students", headers=token).json
    assert sorted(s["id"] for s in students) == sorted(k.id for k in people.kids)
    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    session.execute(Visit.__table__.delete().where(Visit.viewer_id == people.guardian.id,
                                                   Visit.day == school_today()))
    session.commit()
    week = client.get(f"/api/v1/diary/{kid.id}/week?week={monday()}", headers=token).json
    assert week["student"] == {"id": kid.id, "full_name": kid.full_name, "class_name": "5А"}
    assert week["week_start"] == str(monday())
    assert len(week["days"]) >= 5 and {"date", "holiday", "lessons", "remarks"} <= set(week["days"][0])
    lessons = [x for d in week["days"] for x in d["lessons"]]
    if lessons:
        assert {"number", "subject", "teacher", "topic", "homework", "marks", "attendance", "files"} <= set(lessons[0])
    # The app's view is the family's day in the visit log, like the site's.
    assert session.execute(select(Visit.student_id, Visit.page).where(
        Visit.viewer_id == people.guardian.id, Visit.day == school_today())).all() == [(kid.id, "api")]

    response = client.post(f"/api/v1/diary/{kid.id}/acknowledgements", json={"week": str(monday())}, headers=token)
    assert response.status_code == 200 and response.json["week_start"] == str(monday())
    assert session.scalar(select(Acknowledgement).where(Acknowledgement.guardian_id == people.guardian.id,
                                                        Acknowledgement.student_id == kid.id,
                                                        Acknowledgement.week_start == monday())) is not None
    bad = client.post(f"/api/v1/diary/{kid.id}/acknowledgements", json={"week": "вчера"}, headers=token)
    assert bad.status_code == 422 and "week" in bad.json["error"]["fields"]
    stranger = client.post(f"/api/v1/diary/{people.stranger.id}/acknowledgements", json={"week": str(monday())},
                           headers=token)
    assert stranger.status_code == 404


def test_api_week_of_a_stranger_with_a_token_is_404(app, people, token):
    client = app.test_client()
    for student_id in (people.stranger.id, people.far_stranger.id, people.missing_id):
        response = client.get(f"/api/v1/diary/{student_id}/week", headers=token)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/diary/students").status_code == 401


def test_api_is_in_the_openapi_document(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert "/diary/{student_id}/week" in paths and "/diary/{student_id}/marks" in paths
