"""Personal-data consents (152-ФЗ), paper statements, and acquaintance with the school's regulation."""
from __future__ import annotations

import io

from sqlalchemy import delete, select

from core.models import AuditEntry, User
from plugins.documents.models import Acquaintance
from plugins.office import consent_rules
from plugins.office.models import Consent, Document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_class_teacher_records_a_refusal_of_electronic_information(session, demo, client_for, submit,
                                                                    guardians_of, today):
    student = demo["c5a_students"][0]
    guardian = guardians_of(student.id)[0]
    session.execute(delete(Consent))
    session.commit()
    teacher = client_for(demo["c5a_teacher"].login)
    page_url = f"/office/consents?class_id={demo['c5a'].id}"
    page = teacher.get(page_url).text
    assert guardian.full_name in page and "Отсутствующие согласия по классам" in page
    p = f"c{guardian.id}-"
    response = submit(teacher, f"/office/consents/{guardian.id}", {
        p + "processing": "yes", p + "electronic": "no", p + "signed_on": today.isoformat(), p + "note": "",
        p + "scan": (io.BytesIO(PDF), "soglasie.pdf"), "class_id": str(demo["c5a"].id)}, page_url,
        content_type="multipart/form-data")
    assert response.status_code == 302
    consent = session.scalar(select(Consent).where(Consent.guardian_id == guardian.id))
    assert (consent.processing, consent.electronic, consent.signed_on) == (True, False, today)
    scan = session.get(Document, consent.document_id)
    assert scan.kind == "consent" and scan.guardian_id == guardian.id
    assert session.scalar(select(AuditEntry).where(AuditEntry.object_type == "office.consent")) is not None

    # The diary asks the office who gets paper statements.
    paper = consent_rules.paper_statement_students(session, student.school_id, demo["c5a"].id, today)
    assert paper == {student.id: [guardian.id]}
    assert guardian.id in consent_rules.guardians_wanting_paper(session, student.school_id)

    # Missing consents per class: everybody else of 5А has no answer now.
    report = {r["class"].name: r for r in consent_rules.missing_consents_by_class(
        session, [demo["c5a"], demo["c5b"]], today)}
    assert report["5А"]["missing"] == report["5А"]["guardians"] - 1
    assert report["5А"]["paper"] == 1
    assert "Бумажные выписки" in teacher.get("/office/consents").text


def test_consent_needs_a_date_and_another_class_is_out_of_reach(session, demo, client_for, submit,
                                                                 guardians_of, today):
    guardian = guardians_of(demo["c5a_students"][1].id)[0]
    teacher = client_for(demo["c5a_teacher"].login)
    page_url = f"/office/consents?class_id={demo['c5a'].id}"
    session.execute(delete(Consent).where(Consent.guardian_id == guardian.id))
    session.commit()
    p = f"c{guardian.id}-"
    submit(teacher, f"/office/consents/{guardian.id}", {p + "processing": "yes", p + "electronic": "yes",
                                                        "class_id": str(demo["c5a"].id)}, page_url)
    assert "Укажите дату подписания документа." in teacher.get(page_url).text
    assert session.scalar(select(Consent).where(Consent.guardian_id == guardian.id)) is None
    stranger = guardians_of(demo["c5b_students"][0].id)[0]
    response = submit(teacher, f"/office/consents/{stranger.id}", {
        f"c{stranger.id}-processing": "no", f"c{stranger.id}-signed_on": today.isoformat()}, page_url)
    assert response.status_code == 404
    assert teacher.get(f"/office/consents?class_id={demo['c5b'].id}").status_code == 404


def test_guardian_reads_the_regulation_and_the_class_teacher_sees_who_has_not(session, demo, client_for, submit,
                                                                              demo_school):
    admin = client_for("admin")
    response = submit(admin, "/office/regulation", {"title": "Положение об ЭЖ, редакция 2", "approved_on": "",
                                                    "file": (io.BytesIO(PDF), "polozhenie.pdf")},
                      "/office/regulation", content_type="multipart/form-data")
    assert response.status_code == 302
    login = demo_school["accounts"]["guardian"]
    me = session.scalar(select(User).where(User.login == login))
    guardian = client_for(login)
    assert "Ознакомьтесь, пожалуйста, с положением" in guardian.get("/").text, "a new version is unread"
    page = guardian.get("/office/regulation").text
    assert "Положение об ЭЖ, редакция 2" in page
    assert guardian.get("/office/regulation/file").data == PDF
    teacher = client_for(demo["c5a_teacher"].login)
    report_url = f"/office/regulation/report?class_id={demo['c5a'].id}"
    assert me.full_name in teacher.get(report_url).text.split('data-testid="not-read"')[1].split("</table>")[0]
    not_read_before = int(teacher.get(report_url).text.split('data-testid="not-read">')[1].split("<")[0])
    response = submit(guardian, "/office/regulation/acknowledge", {}, "/office/regulation")
    assert response.status_code == 302
    assert "Вы подтвердили ознакомление с положением." in guardian.get("/office/regulation").text
    assert session.scalar(select(Acquaintance).where(Acquaintance.user_id == me.id, Acquaintance.subject.startswith("office.regulation:"))) is not None
    not_read_after = int(teacher.get(report_url).text.split('data-testid="not-read">')[1].split("<")[0])
    assert not_read_after == not_read_before - 1
    # Only PDFs are published; guardians cannot publish; another class's report is closed.
    response = submit(admin, "/office/regulation", {"title": "x", "file": (io.BytesIO(b"hello"), "x.txt")},
                      "/office/regulation", content_type="multipart/form-data")
    assert "Положение должно быть файлом PDF." in admin.get("/office/regulation").text
    assert guardian.post("/office/regulation", data={}).status_code in (400, 403)
    assert teacher.get(f"/office/regulation/report?class_id={demo['c5b'].id}").status_code == 404
