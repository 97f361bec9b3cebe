"""Internal mail as a class teacher and the families of 5А use it: a letter to the class's guardians with a
PDF, a guardian reads and answers, the sender sees who read it, a guardian who refused electronic
information gets no e-mail and is on the paper list; a student cannot write to another family."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from core.models import ClassMembership, GuardianLink, RoleGrant, SchoolClass, User
from plugins.mail.models import MailMessage, MailRecipient
from plugins.office.consent_rules import set_consent
from tests.conftest import all_plugins, csrf_token, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _class_5a(session) -> SchoolClass:
    return session.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А")
                          .order_by(SchoolClass.id.desc()))


def _write(client, to, subject="Собрание", body="Текст", files=(), ack=False, reply_to=None):
    page = client.get("/mail/compose" + (f"?reply_to={reply_to}" if reply_to else "")).text
    data = {"csrf_token": csrf_token(page), "subject": subject, "body": body, "to": to, "action": "send",
            "files": [(io.BytesIO(d), n) for n, d in files]}
    if ack:
        data["requires_ack"] = "1"
    if reply_to:
        data["reply_to"] = str(reply_to)
    return client.post("/mail/compose", data=data, content_type="multipart/form-data")


def _latest(session) -> MailMessage:
    session.expire_all()
    return session.scalars(select(MailMessage).order_by(MailMessage.id.desc())).first()


def test_letter_to_guardians_with_pdf_read_reply_receipts_and_paper_list(make_app, smtp_server, demo_school):
    app = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    with app.app_context():
        session = app.extensions["klass"].session()
        cls = _class_5a(session)
        teacher = sign_in(app.test_client(), demo_school["accounts"]["class_teacher"])
        compose = teacher.get("/mail/compose").text
        assert f"Родители {cls.name}" in compose
        key = f"g:class_guardians:{cls.id}"
        assert f'value="{key}"' in compose
        guardian = session.scalar(select(User).where(User.login == demo_school["accounts"]["guardian"]))
        # one guardian refused electronic information; the others have addresses
        from core.toolkit import school_today
        from plugins.mail.addressing import resolve

        ids = resolve(session, guardian.school_id, key, school_today(guardian.school_id, session=session))
        refuser = session.get(User, next(i for i in ids if i != guardian.id))
        for uid in ids:
            session.get(User, uid).email = f"g{uid}@families.example"
        set_consent(session, refuser, {"processing": True, "electronic": False, "signed_on": school_today(
            guardian.school_id, session=session)})
        session.commit()

        response = _write(teacher, [key], subject="Собрание 3 декабря", body="Приходите **в 18:00**",
                          files=[("повестка.pdf", PDF)])
        assert response.status_code == 302
        message = _latest(session)
        total = len(ids)
        assert session.scalar(select(MailRecipient.id).where(MailRecipient.message_id == message.id,
                                                             MailRecipient.user_id == guardian.id))
        # notices went by e-mail to everyone but the guardian who refused
        from core.toolkit import may_email

        to = [m["To"] for m in smtp_server.messages]
        agreed = sorted(session.get(User, i).email for i in ids if may_email(session, i, "mail_notice"))
        assert refuser.email not in to and guardian.email in to and sorted(to) == agreed
        assert len(agreed) < total  # the demo has other families who chose paper too
        assert "Собрание 3 декабря" in smtp_server.messages[0]["Subject"]

        family = sign_in(app.test_client(), demo_school["accounts"]["guardian"])
        assert "Непрочитанных: " in family.get("/").text
        inbox = family.get("/mail/").text  # the inbox names who wrote, and the new letter stands out as unread
        author = session.get(User, message.author_id)
        assert "От кого" in inbox and author.short_name in inbox
        assert re.search(rf'<tr class="unread">\s*<td><a href="/mail/message/{message.id}"', inbox)
        page = family.get(f"/mail/message/{message.id}").text
        assert "<strong>в 18:00</strong>" in page and "повестка.pdf" in page
        attachment = re.search(r'href="(/mail/attachment/\d+)"', page).group(1)
        assert family.get(attachment).data == PDF
        assert _write(family, [f"u:{message.author_id}"], subject="Re: Собрание", body="Буду",
                      reply_to=message.id).status_code == 302
        reply = _latest(session)
        assert reply.thread_id == message.id

        sender_view = teacher.get(f"/mail/message/{message.id}").text
        assert f"Прочитали 1 из {total}" in sender_view
        assert "Буду" in sender_view
        paper = teacher.get(f"/mail/message/{message.id}/paper").text
        assert refuser.full_name in paper and guardian.full_name not in paper


def test_student_cannot_address_another_family(app, login_as, session, demo_school):
    """Not offered (no class groups, no other families in the name search) and refused when posted."""
    student = login_as("student")
    cls = _class_5a(session)
    me = session.scalar(select(User).where(User.login == demo_school["accounts"]["student"]))
    classmate = session.scalar(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                               .where(ClassMembership.class_id == cls.id, User.id != me.id))
    other_parent = session.scalar(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                  .where(GuardianLink.student_id == classmate.id))
    compose = student.get(f"/mail/compose?q={other_parent.last_name}").text
    assert f"g:class_guardians:{cls.id}" not in compose and f'value="u:{other_parent.id}"' not in compose
    assert f'value="u:{classmate.id}"' not in student.get(f"/mail/compose?q={classmate.last_name}").text
    teacher_id = session.scalar(select(RoleGrant.user_id).where(RoleGrant.class_id == cls.id))
    assert f'value="u:{teacher_id}"' in student.get("/mail/compose?q=" + session.get(User, teacher_id).last_name).text
    for key in (f"g:class_guardians:{cls.id}", f"u:{other_parent.id}"):
        response = _write(student, [key])
        assert response.status_code == 302
        assert "Вы не можете писать этому адресату" in student.get(response.headers["Location"]).text
    api = student.post("/api/v1/mail/messages", json={"to": [f"u:{other_parent.id}"], "subject": "x", "body": "y"},
                       headers={"X-CSRFToken": csrf_token(compose)})
    assert api.status_code == 403 and "Вы не можете писать этому адресату" in api.get_json()["error"]["message"]


def test_bad_attachments_and_script_and_withdraw(app, login_as, session):
    teacher = login_as("class_teacher")
    cls = _class_5a(session)
    key = f"g:class_guardians:{cls.id}"
    disguised = _write(teacher, [key], files=[("отчёт.pdf", b"MZ\x90\x00 executable")])
    assert "По содержимому файл не относится к разрешённым видам" in teacher.get(disguised.headers["Location"]).text
    app.extensions["klass"].plugins["mail"].settings["max_attachment_kb"] = 16
    big = _write(teacher, [key], files=[("big.pdf", PDF + b"0" * 20000)])
    assert "Файл слишком большой" in teacher.get(big.headers["Location"]).text
    app.extensions["klass"].plugins["mail"].settings["max_attachment_kb"] = 10240
    _write(teacher, [key], subject="Скрипт", body="<script>alert(1)</script> [x](javascript:alert(2))")
    message = _latest(session)
    page = teacher.get(f"/mail/message/{message.id}").text
    assert "<script>alert(1)" not in page, page[page.find("<script>alert") - 300:page.find("<script>alert") + 50]
    assert "href=\"javascript" not in page and "&lt;script&gt;alert(1)" in page
    page = teacher.get(f"/mail/message/{message.id}").text
    teacher.post(f"/mail/message/{message.id}/withdraw", data={"csrf_token": csrf_token(page)})
    session.expire_all()
    assert session.get(MailMessage, message.id).status == "withdrawn"
    reader = session.scalar(select(MailRecipient.user_id).where(MailRecipient.message_id == message.id))
    login = session.get(User, reader).login
    # the recipient no longer sees it
    from tests.conftest import sign_in as _sign

    assert _sign(app.test_client(), login).get(f"/mail/message/{message.id}").status_code == 404


def test_api_send_list_read(app, login_as, session):
    teacher = login_as("class_teacher")
    token = csrf_token(teacher.get("/mail/compose").text)
    cls = _class_5a(session)
    sent = teacher.post("/api/v1/mail/messages", json={"to": [f"g:class_guardians:{cls.id}"], "subject": "Экскурсия",
                                                       "body": "В пятницу экскурсия", "requires_ack": True},
                        headers={"X-CSRFToken": token})
    assert sent.status_code == 200, sent.text
    message_id = sent.get_json()["id"]
    assert message_id in [m["id"] for m in teacher.get("/api/v1/mail/messages?folder=sent").get_json()]
    family = login_as("guardian")
    folders = family.get("/api/v1/mail/folders").get_json()
    assert [f["name"] for f in folders] == ["inbox", "sent", "drafts", "archive", "trash"] and folders[0]["unread"] >= 1
    assert message_id in [m["id"] for m in family.get("/api/v1/mail/messages?folder=inbox&q=Экскурсия").get_json()]
    assert family.get(f"/api/v1/mail/messages/{message_id}").get_json()["subject"] == "Экскурсия"
    assert "Прочитали 1 из" in teacher.get(f"/mail/message/{message_id}").text
    assert login_as("student").get(f"/api/v1/mail/messages/{message_id}").status_code == 404
