"""The support desk end to end: filing with a screenshot, the admin's answer by e-mail, forwarding,
closing, audit, the report's XLSX, and who may see what."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from core.models import AuditEntry, User
from plugins.support.models import SupportRequest
from tests.conftest import csrf_token


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _file(client, data, name="shot.png", category="Журнал и отметки", text="Клетка журнала не сохраняется"):
    page = client.get("/support/new?page=/gradebook/journal")
    assert 'value="/gradebook/journal"' in page.text  # prefilled from the «?»
    return client.post("/support/new", data={"csrf_token": csrf_token(page.text), "category": category,
                                             "page": "/gradebook/journal", "text": text,
                                             "screenshot": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_full_cycle_with_answer_by_email(app, login_as, session, smtp_server):
    app.extensions["klass"].settings["mail"].update(smtp_server.settings)
    teacher = login_as("teacher")
    response = _file(teacher, _png())
    assert response.status_code == 302
    req = session.scalars(select(SupportRequest).order_by(SupportRequest.id.desc())).first()
    author = session.get(User, req.author_id)
    author.email = "teacher@school7.example"
    session.commit()
    assert req.screenshot_type == "image/png"
    assert teacher.get(f"/support/{req.id}/screenshot").data == _png()

    admin = login_as("admin")
    queue = admin.get("/support/queue").text
    assert "Клетка журнала" not in queue and f"/support/{req.id}" in queue
    page = admin.get(f"/support/{req.id}").text
    assert admin.post(f"/support/{req.id}/answer", data={"csrf_token": csrf_token(page),
                                                          "answer": "Обновите страницу"}).status_code == 302
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "teacher@school7.example" and "Обновите страницу" in mail.get_content()
    assert "Обновите страницу" in teacher.get(f"/support/{req.id}").text

    deputy = session.scalar(select(User).where(User.login == "zavuch"))
    page = admin.get(f"/support/{req.id}").text
    admin.post(f"/support/{req.id}/forward", data={"csrf_token": csrf_token(page), "assignee_id": deputy.id})
    deputy_page = login_as("deputy").get("/support/").text
    assert f"/support/{req.id}" in deputy_page and "Передано" in deputy_page
    admin.post(f"/support/{req.id}/close", data={"csrf_token": csrf_token(page)})
    session.expire_all()
    assert session.get(SupportRequest, req.id).status == "closed"
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "support.request",
                                                              AuditEntry.object_id == str(req.id))).all()
    assert sorted(actions) == ["answer", "close", "create", "forward"]


def test_a_disguised_upload_is_refused_in_russian(login_as, session):
    before = session.query(SupportRequest).count()
    response = _file(login_as("teacher"), b"MZ\x90\x00 this is an exe" * 20, name="screen.png")
    assert response.status_code == 422
    assert "Файл не является изображением" in response.text
    assert session.query(SupportRequest).count() == before


def test_a_student_cannot_see_another_users_request(login_as, session):
    other = session.scalars(select(SupportRequest)).first()  # a demo request of a teacher or guardian
    student = login_as("student")
    assert student.get(f"/support/{other.id}").status_code == 404
    assert student.get(f"/api/v1/support/requests/{other.id}").status_code == 404
    assert all(r["author_id"] != other.author_id for r in student.get("/api/v1/support/requests").json)


def _bearer(session, login):
    from core.models import ApiToken
    from core.security import new_api_token

    user = session.scalar(select(User).where(User.login == login))
    value, digest = new_api_token()
    session.add(ApiToken(school_id=user.school_id, user_id=user.id, name="test", token_hash=digest))
    session.commit()
    return {"Authorization": f"Bearer {value}"}


def test_api_create_and_list(app, session, demo_school):
    client = app.test_client()
    headers = _bearer(session, demo_school["accounts"]["guardian"])
    created = client.post("/api/v1/support/requests", headers=headers,
                          json={"category": "Вход и пароль", "text": "Не могу войти"})
    assert created.status_code == 200 and created.json["status"] == "new"
    listed = client.get("/api/v1/support/requests", headers=headers).json
    assert created.json["id"] in [r["id"] for r in listed]
    bad = client.post("/api/v1/support/requests", headers=headers, json={"category": "нет такой", "text": "Не могу войти"})
    assert bad.status_code == 422


def test_report_xlsx_neutralises_formulas(app, login_as, session):
    app.extensions["klass"].plugins["support"].settings["categories"].append("=HYPERLINK(\"http://x\")")
    client = login_as("teacher")
    page = client.get("/support/new").text
    client.post("/support/new", data={"csrf_token": csrf_token(page), "category": "=HYPERLINK(\"http://x\")",
                                      "page": "", "text": "формула в категории"})
    admin = login_as("admin")
    html = admin.get("/support/report").text
    assert "Журнал и отметки" in html or "Вход и пароль" in html
    book = load_workbook(io.BytesIO(admin.get("/support/report.xlsx").data))
    sheet = book.active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
