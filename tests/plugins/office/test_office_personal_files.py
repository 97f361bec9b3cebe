"""Personal files: the class teacher keeps and verifies them; every change is audited with the old
value and can be undone after a reported credentials leak."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from core.db import utcnow
from core.models import AuditEntry, GuardianLink, User
from plugins.office.models import Document, FileVerification, GuardianInfo, PersonalFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file_form(student: User, **changes: str) -> dict[str, str]:
    data = {"last_name": student.last_name, "first_name": student.first_name, "middle_name": student.middle_name,
            "birth_date": student.birth_date.isoformat() if student.birth_date else "", "file_number": "ЛД-1",
            "registration_address": "г. Энск, ул. Мира, д. 1", "actual_address": "г. Энск, ул. Мира, д. 1",
            "phones": "", "notes": ""}
    data.update(changes)
    return data


def test_class_teacher_edits_own_students_file_and_it_is_audited(session, demo, client_for, submit):
    student = demo["c5a_students"][1]
    original = student.first_name
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/files/{student.id}"
    page = teacher.get(url)
    assert page.status_code == 200 and "Личное дело" in page.text
    old_address = session.scalar(select(PersonalFile.registration_address).where(PersonalFile.student_id == student.id))
    response = submit(teacher, url, _file_form(student, first_name="Исправленное",
                                               registration_address="г. Энск, ул. Новая, д. 5"), url)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, student.id).first_name == "Исправленное"
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type.in_(
        ["office.student", "office.personal_file"])).order_by(AuditEntry.id)).all()
    student_entry = next(e for e in entries if e.object_type == "office.student")
    assert student_entry.old == {"first_name": original} and student_entry.new == {"first_name": "Исправленное"}
    file_entry = next(e for e in entries if e.object_type == "office.personal_file")
    assert file_entry.old["registration_address"] == old_address


def test_class_teacher_cannot_edit_another_class_file(session, demo, client_for, submit, api_token):
    stranger = demo["c5b_students"][0]
    teacher = client_for(demo["c5a_teacher"].login)
    own = f"/office/files/{demo['c5a_students'][0].id}"
    assert teacher.get(f"/office/files/{stranger.id}").status_code == 404
    response = submit(teacher, f"/office/files/{stranger.id}", _file_form(stranger, first_name="Чужой"), own)
    assert response.status_code == 404
    guardian = session.scalar(select(GuardianLink.guardian_id).where(GuardianLink.student_id == stranger.id))
    response = submit(teacher, f"/office/files/{stranger.id}/guardians/{guardian}", {
        f"g{guardian}-last_name": "Чужая", f"g{guardian}-first_name": "Мать"}, own)
    assert response.status_code == 404
    response = submit(teacher, f"/office/files/{stranger.id}/verify", {}, own)
    assert response.status_code == 404
    assert teacher.patch(f"/api/v1/office/files/{stranger.id}", json={"first_name": "Чужой", "version": 1},
                         headers=api_token(demo["c5a_teacher"])).status_code == 404
    session.expire_all()
    assert session.get(User, stranger.id).first_name != "Чужой"
    # Nor may the class teacher of 5Б touch 5А.
    assert client_for(demo["c5b_teacher"].login).get(f"/office/files/{demo['c5a_students'][0].id}").status_code == 404


def test_guardian_workplace_and_phone_are_audited(session, demo, client_for, submit, guardians_of):
    student = demo["c5a_students"][0]
    guardian = guardians_of(student.id)[0]
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/files/{student.id}"
    p = f"g{guardian.id}-"
    response = submit(teacher, f"{url}/guardians/{guardian.id}", {
        p + "relation": "мать", p + "last_name": guardian.last_name, p + "first_name": guardian.first_name,
        p + "middle_name": guardian.middle_name, p + "phone": "+7 (900) 000-00-01", p + "email": "",
        p + "workplace": "ООО «Новая работа»", p + "position": "бухгалтер", p + "work_phone": ""}, url)
    assert response.status_code == 302
    session.expire_all()
    info = session.get(GuardianInfo, guardian.id)
    assert info.workplace == "ООО «Новая работа»"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "office.guardian"))
    assert entry.new["workplace"] == "ООО «Новая работа»" and "workplace" in entry.old


def test_monthly_verification(session, demo, client_for, submit):
    teacher = client_for(demo["c5a_teacher"].login)
    students = demo["c5a_students"]
    session.query(FileVerification).delete()
    session.add(FileVerification(school_id=students[0].school_id, student_id=students[0].id,
                                 verified_at=utcnow() - timedelta(days=40)))
    session.add(FileVerification(school_id=students[1].school_id, student_id=students[1].id,
                                 verified_at=utcnow() - timedelta(days=3)))
    session.commit()
    page = teacher.get("/office/verification").text
    assert students[0].full_name in page, "verified 40 days ago: due again"
    assert students[1].full_name not in page, "verified this month"
    assert students[2].full_name in page
    assert demo["c5b_students"][0].full_name not in page, "only the teacher's own class"
    response = submit(teacher, "/office/verification", {"student_id": [str(students[0].id), str(students[2].id)]},
                      "/office/verification")
    assert response.status_code == 302
    session.expire_all()
    assert session.query(FileVerification).filter(FileVerification.student_id == students[2].id).count() == 1
    page = teacher.get("/office/verification").text
    assert students[0].full_name not in page and students[2].full_name not in page
    # Ticking another class's student is refused and records nothing.
    response = submit(teacher, "/office/verification", {"student_id": str(demo["c5b_students"][0].id)},
                      "/office/verification")
    assert response.status_code == 404
    dashboard = teacher.get("/").text
    assert "не сверены в этом месяце" in dashboard


def test_documents_upload_download_and_refusal_of_fakes(session, demo, client_for, submit):
    student = demo["c5a_students"][0]
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/files/{student.id}"
    response = submit(teacher, f"{url}/documents", {"kind": "birth_certificate", "title": "II-РУ 123456",
                                                    "file": (io.BytesIO(PDF), "svidetelstvo.pdf")}, url,
                      content_type="multipart/form-data")
    assert response.status_code == 302
    doc = session.scalar(select(Document).where(Document.student_id == student.id))
    assert doc is not None and doc.size == len(PDF)
    download = teacher.get(f"/office/documents/{doc.id}")
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert client_for(demo["c5b_teacher"].login).get(f"/office/documents/{doc.id}").status_code == 404
    response = submit(teacher, f"{url}/documents", {"kind": "passport",
                                                    "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")},
                      url, content_type="multipart/form-data")
    assert "Загрузите файл PDF, JPEG или PNG." in teacher.get(url).text
    assert session.scalar(select(Document).where(Document.kind == "passport")) is None


def test_hook_revert_change_undoes_a_leaked_accounts_edits(session, demo, client_for, submit, app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    student = demo["c5a_students"][4]
    original = student.first_name
    reported = datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(minutes=1)
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/files/{student.id}"
    submit(teacher, url, _file_form(student, first_name="Подменённое", notes="чужая правка"), url)
    session.expire_all()
    assert session.get(User, student.id).first_name == "Подменённое"
    admin = client_for("admin")
    response = submit(admin, "/audit/revert", {"login": demo["c5a_teacher"].login,
                                               "since": reported.strftime("%Y-%m-%dT%H:%M")}, "/audit/")
    assert response.status_code == 200 and "Отменено:" in response.text and "Отменено: 0" not in response.text
    session.expire_all()
    assert session.get(User, student.id).first_name == original
    record = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    assert record.notes == ""
    reverts = session.scalars(select(AuditEntry).where(AuditEntry.action.like("office.%.revert"))).all()
    assert {e.object_type for e in reverts} >= {"office.student", "office.personal_file"}


def test_guardian_sees_own_childs_file_read_only(session, demo, client_for, demo_school):
    from core.services import children_of

    login = demo_school["accounts"]["guardian"]
    guardian = client_for(login)
    own = children_of(session, session.scalar(select(User.id).where(User.login == login)))
    child = own[0]
    page = guardian.get(f"/office/files/{child.id}")
    assert page.status_code == 200
    assert 'name="last_name"' not in page.text, "read only"
    stranger = next(s for s in demo["c5a_students"] if s.id not in {c.id for c in own})
    assert guardian.get(f"/office/files/{stranger.id}").status_code == 404
    api = guardian.get(f"/api/v1/office/files/{child.id}")
    assert api.status_code == 200 and api.json["student_id"] == child.id


def _version(html: str) -> str:
    import re

    match = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(r'value="(\d+)"[^>]*name="version"', html)
    assert match, "the personal file form carries no version"
    return match.group(1)


def test_stale_personal_file_form_does_not_erase_the_administrators_new_phone(session, demo, client_for, submit):
    student = demo["c5a_students"][2]
    url = f"/office/files/{student.id}"
    teacher = client_for(demo["c5a_teacher"].login)
    admin = client_for("admin")
    stale = _version(teacher.get(url).text)  # the class teacher opens the form...
    saved = submit(admin, url, {**_file_form(student, phones="+7 900 111-22-33"),
                                "version": _version(admin.get(url).text)}, url)  # ...the administrator saves
    assert saved.status_code == 302
    refused = submit(teacher, url, {**_file_form(student, notes="Проверено"), "version": stale}, url)
    assert refused.status_code == 409
    assert "личное дело изменил кто-то другой" in refused.text and "«+7 900 111-22-33»" in refused.text
    assert "Проверено" in refused.text  # what the teacher typed is still in the form to save again
    session.expire_all()
    record = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    assert record.phones == "+7 900 111-22-33" and record.notes != "Проверено"
    again = submit(teacher, url, {**_file_form(student, phones="+7 900 111-22-33", notes="Проверено"),
                                  "version": _version(refused.text)}, url)
    assert again.status_code == 302


def test_stale_personal_file_patch_answers_409_with_the_newer_phone(session, demo, app, api_token):
    student = demo["c5a_students"][3]
    client = app.test_client()
    teacher, admin = api_token(demo["c5a_teacher"]), api_token(session.scalar(select(User).where(User.login == "admin")))
    url = f"/api/v1/office/files/{student.id}"
    seen = client.get(url, headers=teacher).json["version"]
    assert client.patch(url, headers=admin, json={"phones": "+7 900 444-55-66", "version": seen}).status_code == 200
    refused = client.patch(url, headers=teacher, json={"phones": "", "version": seen})
    assert refused.status_code == 409 and refused.json["current"]["phones"] == "+7 900 444-55-66"
    session.expire_all()
    assert session.scalar(select(PersonalFile.phones).where(PersonalFile.student_id == student.id)) == "+7 900 444-55-66"
