"""The order's whole story through the pages: the deputy drafts it, the first approver returns it once with a
comment, the deputy revises, two approvers approve in order, the director approves, it gets the register's
number, three teachers confirm acquaintance; the audit shows every step. And who may not see what."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from core.models import AuditEntry, RoleGrant, User
from plugins.documents.models import Document, Folder
from tests.conftest import csrf_token, sign_in


def _post(client, page_url, url, data, **kw):
    return client.post(url, data={**data, "csrf_token": csrf_token(client.get(page_url).text)}, **kw)


def _waiting(client, label="На согласовании у вас"):
    found = re.search(label + r": (\d+)", client.get("/").text)
    return int(found.group(1)) if found else 0


def _teachers(session, school_id, n):
    ids = select(RoleGrant.user_id).where(RoleGrant.role == "teacher")
    return list(session.scalars(select(User).where(User.school_id == school_id, User.id.in_(ids)).order_by(User.id)))[:n]


def _admin_folder(session):
    return session.scalar(select(Folder).where(Folder.audience == "administration"))


def test_order_drafted_returned_approved_numbered_and_acknowledged(app, login_as, session, demo_school):
    deputy, admin, director = login_as("deputy"), login_as("admin"), login_as("principal")
    folder = _admin_folder(session)
    before = session.scalars(select(Document.number).where(Document.kind == "order", Document.number.is_not(None))).all()
    r = _post(deputy, f"/documents/folders/{folder.id}", f"/documents/folders/{folder.id}/documents",
              {"kind": "order", "title": "О дежурстве по школе", "body": "Назначить дежурных."})
    assert r.status_code == 302
    doc = session.scalar(select(Document).where(Document.title == "О дежурстве по школе"))
    approvers = [session.scalar(select(User).where(User.login == demo_school["accounts"][r]))
                 for r in ("admin", "class_teacher")]
    second = login_as("class_teacher")
    page = f"/documents/{doc.id}"
    waiting = _waiting(admin)
    _post(deputy, page, f"{page}/submit", {"approvers": [a.id for a in approvers], "version": doc.version})
    assert _waiting(admin) == waiting + 1
    assert 'id="decide"' not in second.get(page).text  # in order: not her turn yet
    session.refresh(doc)
    _post(admin, page, f"{page}/decide", {"decision": "return", "comment": "Добавьте график дежурств",
                                          "version": doc.version})
    shown = deputy.get(page).text
    assert "черновик" in shown and "Добавьте график дежурств" in shown
    session.refresh(doc)
    _post(deputy, page, f"{page}/versions", {"summary": "Добавлен график", "body": "График в приложении.",
                                             "version": doc.version})
    session.refresh(doc)
    _post(deputy, page, f"{page}/submit", {"approvers": [a.id for a in approvers], "version": doc.version})
    for client in (admin, second):
        session.refresh(doc)
        assert _post(client, page, f"{page}/decide", {"decision": "approve", "version": doc.version}).status_code == 302
    session.refresh(doc)
    assert doc.status == "director" and doc.number is None
    assert _waiting(director) >= 1 and "О дежурстве по школе" in director.get("/documents/").text
    _post(director, page, f"{page}/director", {"decision": "approve", "version": doc.version})
    session.refresh(doc)
    assert doc.status == "published" and doc.number == max(before, default=0) + 1
    assert f"№ {doc.number} от 25.11.2026" in deputy.get(page).text

    teachers = _teachers(session, doc.school_id, 3)
    _post(deputy, page, f"{page}/acquaintance", {"people": [t.id for t in teachers]})
    for t in teachers:
        client = sign_in(app.test_client(), t.login)
        to_read = _waiting(client, "Ознакомьтесь")
        assert to_read >= 1
        _post(client, page, f"{page}/acknowledge", {})
        assert _waiting(client, "Ознакомьтесь") == to_read - 1
    sheet = deputy.get(page).text
    for t in teachers:
        assert re.search(re.escape(t.full_name) + r"</td><td>25\.11\.2026", sheet)
    pdf = deputy.get(f"{page}/sheet.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"

    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "documents.document",
                                                              AuditEntry.object_id == str(doc.id))
                              .order_by(AuditEntry.id)).all()
    assert actions == ["documents.create", "documents.submit", "documents.return", "documents.version",
                       "documents.submit", "documents.approve", "documents.approve", "documents.director_approve"]
    confirms = session.scalars(select(AuditEntry).where(AuditEntry.action == "documents.acquaintance.confirm")
                               .where(AuditEntry.actor_id.in_([t.id for t in teachers]))).all()
    assert len(confirms) == 3


def test_stale_page_is_refused_with_the_newer_state(app, login_as, session):
    deputy = login_as("deputy")
    folder = _admin_folder(session)
    _post(deputy, f"/documents/folders/{folder.id}", f"/documents/folders/{folder.id}/documents",
          {"kind": "order", "title": "Об отпуске", "body": ""})
    doc = session.scalar(select(Document).where(Document.title == "Об отпуске"))
    old = doc.version
    _post(deputy, f"/documents/{doc.id}", f"/documents/{doc.id}/versions", {"summary": "Уточнены даты", "version": old})
    r = _post(deputy, f"/documents/{doc.id}", f"/documents/{doc.id}/versions", {"summary": "Ещё раз", "version": old},
              follow_redirects=True)
    assert "Пока вы смотрели документ, его изменили" in r.text


def test_teacher_cannot_read_the_administrations_folder(login_as, session):
    folder = _admin_folder(session)
    doc = session.scalar(select(Document).where(Document.folder_id == folder.id, Document.status == "published"))
    teacher = login_as("class_teacher")
    assert folder.name not in teacher.get("/documents/").text
    assert teacher.get(f"/documents/folders/{folder.id}").status_code == 404
    assert teacher.get(f"/api/v1/documents/folders/{folder.id}/documents").status_code == 404
    assert login_as("guardian").get(f"/documents/{doc.id}").status_code == 404


def test_anonymous_visitor_gets_nothing(app, session):
    folder = _admin_folder(session)
    client = app.test_client()
    assert client.get(f"/documents/folders/{folder.id}").status_code == 302
    assert client.get("/api/v1/documents/folders").status_code == 401


def test_oversized_and_disguised_uploads_are_refused(app, login_as, session):
    deputy = login_as("deputy")
    folder = _admin_folder(session)
    url = f"/documents/folders/{folder.id}"
    disguised = _post(deputy, url, f"{url}/documents", {"kind": "order", "title": "Скрытый exe",
                                                        "file": (io.BytesIO(b"MZ\x90\x00" + b"\0" * 100), "приказ.pdf")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "Скрытый exe" not in disguised.text or "не" in disguised.text
    assert session.scalar(select(Document).where(Document.title == "Скрытый exe")) is None
    app.extensions["klass"].plugins["documents"].settings["max_file_mb"] = 1
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    refused = _post(deputy, url, f"{url}/documents", {"kind": "order", "title": "Большой", "file": (io.BytesIO(big),
                                                                                                    "big.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert session.scalar(select(Document).where(Document.title == "Большой")) is None
    assert "МБ" in refused.text or "больше" in refused.text
