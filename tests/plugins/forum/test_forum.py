"""The forum as its users meet it: a guardian posts in the class section, the class teacher hides the post
with a reason the author sees, the audit shows it; who may read and write where; text and files checked."""
from __future__ import annotations

import io

from sqlalchemy import select

from core.models import AuditEntry
from plugins.forum.models import ForumPost, ForumSection, ForumTopic
from tests.conftest import csrf_token


def _topic_of(session, section):
    return session.scalars(select(ForumTopic).where(ForumTopic.section_id == section.id)
                           .order_by(ForumTopic.id)).first()


def _reply(client, topic_id, body, **extra):
    page = client.get(f"/forum/topic/{topic_id}")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "body": body, **extra}
    return client.post(f"/forum/topic/{topic_id}/posts", data=data, content_type="multipart/form-data")


def _last_post(session):
    session.expire_all()
    return session.scalars(select(ForumPost).order_by(ForumPost.id.desc())).first()


def test_guardian_posts_class_teacher_hides_with_reason_and_audit_shows_it(login_as, session, forum):
    topic = _topic_of(session, forum.section)
    parent = login_as(forum.guardian.login)
    assert forum.section.title in parent.get("/forum/").text
    assert _reply(parent, topic.id, "Когда *сдавать* деньги на экскурсию?").status_code == 302
    post = _last_post(session)
    assert post.author_id == forum.guardian.id
    assert "Когда <em>сдавать</em> деньги на экскурсию?" in parent.get(f"/forum/topic/{topic.id}").text

    lead = login_as(forum.lead.login)
    page = lead.get(f"/forum/topic/{topic.id}").text
    response = lead.post(f"/forum/post/{post.id}/hide", data={"csrf_token": csrf_token(page), "version": post.version,
                                                              "reason": "Вопросы о деньгах — в личной переписке"})
    assert response.status_code == 302
    # another member of the class sees only that a message was hidden
    other_reader = login_as(forum.student.login).get(f"/forum/topic/{topic.id}").text
    assert "Сообщение скрыто модератором" in other_reader and "деньги на экскурсию" not in other_reader
    # the author sees her text and the reason
    own = parent.get(f"/forum/topic/{topic.id}").text
    assert "Вопросы о деньгах — в личной переписке" in own and "деньги на экскурсию" in own

    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "forum.post",
                                                    AuditEntry.action == "forum.post.hide",
                                                    AuditEntry.object_id == str(post.id)))
    assert entry.actor_id == forum.lead.id and entry.new["hidden_reason"].startswith("Вопросы о деньгах")
    audit_page = login_as("admin").get("/audit/?object_type=forum.post").text
    assert "forum.post.hide" in audit_page


def test_moderator_edit_is_marked_and_a_stale_edit_is_refused(login_as, session, forum):
    topic = _topic_of(session, forum.section)
    parent = login_as(forum.guardian.login)
    _reply(parent, topic.id, "Первый вариант")
    post = _last_post(session)
    lead = login_as(forum.lead.login)
    form = lead.get(f"/forum/post/{post.id}/edit").text
    lead.post(f"/forum/post/{post.id}/edit", data={"csrf_token": csrf_token(form), "version": post.version,
                                                   "body": "Исправленный вариант"})
    assert "изменено модератором" in parent.get(f"/forum/topic/{topic.id}").text
    own_form = parent.get(f"/forum/topic/{topic.id}").text
    stale = parent.post(f"/forum/post/{post.id}/edit", data={"csrf_token": csrf_token(own_form), "version": 1,
                                                             "body": "Мой старый вариант"}, follow_redirects=True)
    assert "Исправленный вариант" in stale.text and "Перезагрузите страницу" in stale.text
    session.expire_all()
    assert session.get(ForumPost, post.id).body == "Исправленный вариант"


def test_guardian_of_another_class_cannot_read_the_class_section(login_as, session, forum):
    outsider = login_as(forum.other_guardian.login)
    topic = _topic_of(session, forum.section)
    assert outsider.get(f"/forum/section/{forum.section.id}").status_code == 404
    assert outsider.get(f"/forum/topic/{topic.id}").status_code == 404
    assert outsider.get(f"/api/v1/forum/topics/{topic.id}/posts").status_code == 404
    assert forum.section.id not in [s["id"] for s in outsider.get("/api/v1/forum/sections").json]
    assert forum.section.title not in outsider.get("/forum/").text


def test_student_cannot_post_where_the_school_forbids(login_as, session, forum, api_token):
    topic = _topic_of(session, forum.school_section)
    before = session.scalar(select(ForumPost.id).order_by(ForumPost.id.desc()))
    student = login_as(forum.student.login)
    assert f'action="/forum/topic/{topic.id}/posts"' not in student.get(f"/forum/topic/{topic.id}").text
    page = student.get(f"/forum/topic/{topic.id}")
    refused = student.post(f"/forum/topic/{topic.id}/posts", data={"csrf_token": csrf_token(page.text),
                                                                   "body": "Привет всем"}, follow_redirects=True)
    assert "Школа не разрешает вам писать в этом разделе" in refused.text
    api = student.post(f"/api/v1/forum/topics/{topic.id}/posts", json={"body": "Привет всем"},
                       headers=api_token(forum.student))
    assert api.status_code == 403
    session.expire_all()
    assert session.scalar(select(ForumPost.id).order_by(ForumPost.id.desc())) == before


def test_the_school_may_forbid_students_even_their_class_section(app, login_as, session, forum, api_token):
    app.extensions["klass"].plugins["forum"].settings["students_post_in"] = []
    client = login_as(forum.student.login)
    topic = _topic_of(session, forum.section)
    page = client.get(f"/forum/topic/{topic.id}")
    assert page.status_code == 200 and "Ответить" not in page.text
    answer = client.post(f"/api/v1/forum/topics/{topic.id}/posts", json={"body": "Можно?"},
                         headers=api_token(forum.student))
    assert answer.status_code == 403 and "Школа не разрешает" in answer.json["error"]["message"]


def test_script_in_a_post_is_neutralised(login_as, session, forum):
    topic = _topic_of(session, forum.section)
    parent = login_as(forum.guardian.login)
    _reply(parent, topic.id, '<script>alert(1)</script> [ссылка](javascript:alert(2)) <img src=x onerror=alert(3)>')
    page = parent.get(f"/forum/topic/{topic.id}").text
    body_html = page.split(f'id="post-{_last_post(session).id}"')[1].split("</article>")[0]
    assert "<script" not in body_html and 'href="javascript:' not in body_html and "<img" not in body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body_html  # shown as text, not run


def test_a_disguised_attachment_is_refused(login_as, session, forum):
    topic = _topic_of(session, forum.section)
    before = session.scalar(select(ForumPost.id).order_by(ForumPost.id.desc()))
    parent = login_as(forum.guardian.login)
    response = _reply(parent, topic.id, "Справка во вложении",
                      file=(io.BytesIO(b"MZ\x90\x00 not a pdf at all" * 50), "spravka.pdf"))
    assert response.status_code == 302
    assert "spravka.pdf" not in parent.get(f"/forum/topic/{topic.id}").text
    session.expire_all()
    assert session.scalar(select(ForumPost.id).order_by(ForumPost.id.desc())) == before


def test_a_real_pdf_is_attached_and_downloaded_by_members_only(login_as, session, forum):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    topic = _topic_of(session, forum.section)
    parent = login_as(forum.guardian.login)
    assert _reply(parent, topic.id, "Справка", file=(io.BytesIO(pdf), "spravka.pdf")).status_code == 302
    post = _last_post(session)
    assert post.file_name == "spravka.pdf"
    assert login_as(forum.lead.login).get(f"/forum/post/{post.id}/file").data == pdf
    assert login_as(forum.other_guardian.login).get(f"/forum/post/{post.id}/file").status_code == 404


def test_quote_subscription_notice_and_widget(app, login_as, session, forum, smtp_server):
    app.extensions["klass"].settings["mail"].update(smtp_server.settings)
    forum.lead.email = "lead@school.example"
    session.commit()
    topic = _topic_of(session, forum.section)
    lead = login_as(forum.lead.login)
    page = lead.get(f"/forum/topic/{topic.id}").text
    lead.post(f"/forum/topic/{topic.id}/subscription", data={"csrf_token": csrf_token(page), "on": "1"})
    first = session.scalars(select(ForumPost).where(ForumPost.topic_id == topic.id).order_by(ForumPost.id)).first()
    parent = login_as(forum.guardian.login)
    _reply(parent, topic.id, "Согласна с классным руководителем", quote_id=str(first.id))
    post = _last_post(session)
    assert post.quote_post_id == first.id and "краеведческий музей" in post.quote_text
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["To"] == "lead@school.example"
    assert "Согласна с классным руководителем" in smtp_server.messages[0].get_content()
    dashboard = lead.get("/").text
    assert "Новые сообщения на форуме" in dashboard and topic.title in dashboard
    lead.get(f"/forum/topic/{topic.id}")  # reading the topic clears it
    assert topic.title not in lead.get("/forum/new-posts").text


def test_pin_and_close_are_audited_and_a_closed_topic_takes_no_replies(login_as, session, forum, api_token):
    topic = _topic_of(session, forum.section)
    lead = login_as(forum.lead.login)
    page = lead.get(f"/forum/topic/{topic.id}").text
    lead.post(f"/forum/topic/{topic.id}/flags", data={"csrf_token": csrf_token(page), "what": "pin"})
    lead.post(f"/forum/topic/{topic.id}/flags", data={"csrf_token": csrf_token(page), "what": "close"})
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "forum.topic",
                                                              AuditEntry.object_id == str(topic.id))).all()
    assert {"forum.topic.pin", "forum.topic.close"} <= set(actions)
    parent = login_as(forum.guardian.login)
    assert "Тема закрыта" in parent.get(f"/forum/topic/{topic.id}").text
    answer = parent.post(f"/api/v1/forum/topics/{topic.id}/posts", json={"body": "Ещё вопрос"},
                         headers=api_token(forum.guardian))
    assert answer.status_code == 403 and "Тема закрыта" in answer.json["error"]["message"]


def test_a_teacher_outside_the_association_cannot_read_it(login_as, session, forum):
    association = session.scalar(select(ForumSection).where(ForumSection.kind == "association"))
    assert association is not None
    assert login_as(forum.guardian.login).get(f"/forum/section/{association.id}").status_code == 404
    assert login_as("teacher").get(f"/forum/section/{association.id}").status_code == 200  # the maths teacher


def test_revert_change_hides_a_leaked_accounts_post(app, login_as, session, forum):
    topic = _topic_of(session, forum.section)
    _reply(login_as(forum.guardian.login), topic.id, "Написано злоумышленником")
    post = _last_post(session)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "forum.post.create",
                                                    AuditEntry.object_id == str(post.id)))
    result = app.extensions["klass"].pm.hook.revert_change(session=session, entry=entry)
    assert result == {"hidden": True}
    assert session.get(ForumPost, post.id).hidden


def test_the_three_plugins_api_routes_are_in_the_openapi_document(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path in ("/forum/sections", "/forum/topics/{topic_id}/posts",
                 "/forum/posts/{post_id}/hide", "/news/items", "/news/items/{item_id}/reads",
                 "/class_events/classes/{class_id}/events"):
        assert path in paths, path
    assert "post" in paths["/class_events/classes/{class_id}/events"]
