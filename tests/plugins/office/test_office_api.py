"""The office API: the same rules and object checks as the pages, JSON errors."""
from __future__ import annotations

from sqlalchemy import select

from core.models import GuardianLink, Subgroup, User
from core.services import class_students
from plugins.office.models import Consent, MovementRequest


def test_accounts_and_reissue(session, demo, app, api_token):
    client = app.test_client()
    headers = api_token(demo["c5a_teacher"])
    rows = client.get(f"/api/v1/office/classes/{demo['c5a'].id}/accounts", headers=headers).json
    assert {r["login"] for r in rows} >= {s.login for s in demo["c5a_students"]}
    assert {r["status"] for r in rows} <= {"none", "issued", "active"}
    assert client.get(f"/api/v1/office/classes/{demo['c5b'].id}/accounts", headers=headers).status_code == 404
    student = demo["c5a_students"][0]
    reply = client.post(f"/api/v1/office/users/{student.id}/password", headers=headers)
    assert reply.status_code == 200 and reply.json["login"] == student.login and len(reply.json["password"]) == 10
    missing = client.post(f"/api/v1/office/users/{demo['c5b_students'][0].id}/password", headers=headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_movement_through_the_api(session, demo, app, api_token, today):
    client = app.test_client()
    teacher = api_token(demo["c5a_teacher"])
    student = demo["c5a_students"][5]
    bad = client.post("/api/v1/office/movements", json={"kind": "teleport", "on_date": "вчера"}, headers=teacher)
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"kind", "on_date"}
    created = client.post("/api/v1/office/movements", headers=teacher, json={
        "kind": "transfer", "student_id": student.id, "to_class_id": demo["c5b"].id, "on_date": today.isoformat()})
    assert created.status_code == 200 and created.json["status"] == "pending"
    again = client.post("/api/v1/office/movements", headers=teacher, json={
        "kind": "withdraw", "student_id": student.id, "on_date": today.isoformat()})
    assert again.status_code == 409 and "уже есть заявка" in again.json["error"]["message"]
    assert any(r["id"] == created.json["id"] for r in client.get("/api/v1/office/movements", headers=teacher).json)
    refused = client.post(f"/api/v1/office/movements/{created.json['id']}/perform", headers=teacher,
                          json={"order_number": "1", "order_date": today.isoformat()})
    assert refused.status_code == 403
    admin = api_token(session.scalar(select(User).where(User.login == "admin")))
    done = client.post(f"/api/v1/office/movements/{created.json['id']}/perform", headers=admin,
                       json={"order_number": "77-у", "order_date": today.isoformat()})
    assert done.status_code == 200 and done.json["status"] == "done"
    assert student.id in {s.id for s in class_students(session, demo["c5b"].id, today)}
    assert session.get(MovementRequest, created.json["id"]).order_number == "77-у"


def test_files_consents_subgroups_regulation_tickets(session, demo, app, api_token, today):
    client = app.test_client()
    headers = api_token(demo["c5a_teacher"])
    student = demo["c5a_students"][0]
    got = client.get(f"/api/v1/office/files/{student.id}", headers=headers).json
    assert got["student_id"] == student.id and got["guardians"]
    patched = client.patch(f"/api/v1/office/files/{student.id}", headers=headers,
                           json={"actual_address": "г. Энск, ул. Api, д. 1", "version": got["version"]})
    assert patched.status_code == 200 and patched.json["actual_address"] == "г. Энск, ул. Api, д. 1"
    bad = client.patch(f"/api/v1/office/files/{student.id}", headers=headers, json={"first_name": "", "version": got["version"]})
    assert bad.status_code == 422
    assert client.post(f"/api/v1/office/files/{student.id}/verify", headers=headers).json == {"verified": 1}

    consents = client.get(f"/api/v1/office/classes/{demo['c5a'].id}/consents", headers=headers).json
    guardian_id = consents[0]["guardian_id"]
    put = client.put(f"/api/v1/office/consents/{guardian_id}", headers=headers,
                     json={"processing": False, "electronic": None, "signed_on": today.isoformat()})
    assert put.status_code == 200 and put.json["paper"] is True
    assert session.scalar(select(Consent.processing).where(Consent.guardian_id == guardian_id)) is False
    no_date = client.put(f"/api/v1/office/consents/{guardian_id}", headers=headers,
                         json={"processing": True, "electronic": True, "signed_on": None})
    assert no_date.status_code == 409

    groups = client.get(f"/api/v1/office/classes/{demo['c5a'].id}/subgroups", headers=headers).json
    english = next(g for g in groups if "Англ" in g["name"])
    other = next(g for g in groups if g["subject_id"] == english["subject_id"] and g["id"] != english["id"])
    moved = client.put(f"/api/v1/office/classes/{demo['c5a'].id}/subgroups/{english['subject_id']}/members",
                       headers=headers, json={"members": {str(english["members"][0]): other["id"]}})
    assert moved.status_code == 200 and moved.json == {"changed": 1}
    assert session.get(Subgroup, other["id"]) is not None

    status = client.get(f"/api/v1/office/classes/{demo['c5a'].id}/regulation", headers=headers).json
    assert status and {"guardian_id", "acknowledged_at"} <= set(status[0])

    guardian = session.get(User, session.scalar(select(GuardianLink.guardian_id).where(
        GuardianLink.student_id == student.id)))
    family = api_token(guardian)
    ticket = client.post("/api/v1/office/tickets", headers=family,
                         json={"class_id": demo["c5a"].id, "topic": "access", "text": "Не открывается дневник"})
    assert ticket.status_code == 200 and ticket.json["status"] == "new"
    wrong = client.post("/api/v1/office/tickets", headers=family,
                        json={"class_id": demo["c9a"].id, "topic": "access", "text": "?"})
    has_child_in_9a = any(g.id == guardian.id for s in demo["c9a_students"]
                          for g in session.scalars(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                                   .where(GuardianLink.student_id == s.id)))
    assert wrong.status_code == (200 if has_child_in_9a else 422)
    closed = client.post(f"/api/v1/office/tickets/{ticket.json['id']}/close", headers=headers,
                         json={"reply": "Пароль выдан заново"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert client.get("/api/v1/office/tickets", headers=family).json[0]["reply"] == "Пароль выдан заново"


def test_every_office_route_states_a_permission(app):
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(("office.", "office_api."))]
    assert len(routes) > 40
    for rule in routes:
        if rule.endpoint.endswith(".static"):
            continue
        permission = getattr(app.view_functions[rule.endpoint], "klass_permission", "missing")
        assert permission and permission.startswith("office."), rule.rule
    openapi = app.test_client().get("/api/v1/openapi.json").json
    assert "/office/movements" in openapi["paths"]
