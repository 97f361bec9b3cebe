"""Consent everywhere: each channel that sends e-mail asks ``may_email`` and sends nothing to a person who
refused electronic information in the office's register (152-ФЗ), while a person who agreed still gets it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.models import GuardianLink, User
from core.toolkit import may_email
from plugins.office.consent_rules import set_consent
from tests.conftest import FIXED_TODAY, all_plugins


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    with app.app_context():
        yield app


def _guardians(session, n=2):
    rows = session.execute(select(User, GuardianLink.student_id).join(GuardianLink, GuardianLink.guardian_id == User.id)
                           .order_by(User.id).limit(n)).all()
    out = []
    for user, student_id in rows:
        user.email = f"family{user.id}@example.org"
        out.append((user, student_id))
    return out


def _refuse(session, user):
    set_consent(session, user, {"processing": True, "electronic": False, "signed_on": FIXED_TODAY})


def _agree(session, user):
    set_consent(session, user, {"processing": True, "electronic": True, "signed_on": FIXED_TODAY})


def test_hook_electronic_consent(mail_app):
    session = mail_app.extensions["klass"].session()
    (refuser, _s), (agreer, _t) = _guardians(session)
    _refuse(session, refuser)
    _agree(session, agreer)
    hook = mail_app.extensions["klass"].pm.hook
    assert hook.electronic_consent(session=session, user_id=refuser.id, kind="digest") is False
    assert hook.electronic_consent(session=session, user_id=agreer.id, kind="digest") is True
    assert may_email(session, refuser.id, "mail_notice") is False and may_email(session, agreer.id, "mail_notice")


def _drain(app, session, now):
    from core.toolkit import core_settings, plugin_settings, send_mail
    from plugins.diary import sending

    session.commit()
    return sending.drain(session, now, mail=core_settings()["mail"],
                         settings=plugin_settings("diary"), send=send_mail)


@pytest.mark.parametrize("event", ["remark", "letter"])
def test_diary_notification_and_information_letter_skip_a_refusing_guardian(mail_app, smtp_server, event):
    from plugins.diary import notify
    from plugins.diary.models import Notification

    session = mail_app.extensions["klass"].session()
    (refuser, kid), (agreer, kid2) = _guardians(session)
    _refuse(session, refuser)
    _agree(session, agreer)
    payload = {"student": "Иванов Петя", "student_id": kid, "kind": "praise", "text": "Молодец", "author": "Учитель",
               "subject": "Математика", "date": FIXED_TODAY.isoformat(), "term_id": 0, "term": "I", "class_id": None,
               "note": "", "today": FIXED_TODAY.isoformat()}
    notify.queue_direct(session, refuser.school_id, refuser.id, event, f"t:{event}:{refuser.id}", payload, kid)
    if event == "remark":
        notify.queue_direct(session, agreer.school_id, agreer.id, event, f"t:{event}:{agreer.id}",
                            {**payload, "student_id": kid2}, kid2)
    _drain(mail_app, session, datetime.now(UTC))
    to = [m["To"] for m in smtp_server.messages]
    assert refuser.email not in to
    row = session.scalar(select(Notification).where(Notification.key == f"t:{event}:{refuser.id}"))
    assert row.status == "cancelled" and "consent" in row.error
    if event == "remark":
        assert agreer.email in to  # the channel itself works


def test_digest_skips_a_refusing_guardian(mail_app, smtp_server):
    from plugins.diary import notify
    from plugins.diary.models import Notification

    session = mail_app.extensions["klass"].session()
    (refuser, kid), (agreer, kid2) = _guardians(session)
    _refuse(session, refuser)
    for guardian, student in ((refuser, kid), (agreer, kid2)):
        notify.queue(session, guardian.school_id, "remark", [notify.Recipient(student, guardian.id, "daily")],
                     f"d:{guardian.id}", {"student": "Петя", "student_id": student, "kind": "praise", "text": "Молодец",
                                          "author": "Учитель", "subject": None, "date": FIXED_TODAY.isoformat()})
    session.execute(Notification.__table__.update().where(Notification.key.like("d:%"))
                    .values(created_at=datetime.now(UTC) - timedelta(days=2)))
    _drain(mail_app, session, datetime.now(UTC) + timedelta(days=1))
    to = [m["To"] for m in smtp_server.messages]
    assert refuser.email not in to and agreer.email in to
    row = session.scalar(select(Notification).where(Notification.key == f"d:{refuser.id}:{refuser.id}"))
    assert row.status == "cancelled"


def test_report_subscription_is_not_sent_to_a_refusing_subscriber(mail_app, smtp_server):
    from plugins.reports.models import Delivery, Subscription

    session = mail_app.extensions["klass"].session()
    sub = session.scalar(select(Subscription).where(Subscription.report_key == "journal_timeliness"))
    _refuse(session, session.get(User, sub.user_id))
    session.commit()
    monday = FIXED_TODAY + timedelta(days=(7 - FIXED_TODAY.weekday()) % 7 or 7)
    morning = datetime(monday.year, monday.month, monday.day, 8, 0, tzinfo=UTC)
    from plugins.reports.delivery import send_due

    assert send_due(session, morning) == 0
    session.commit()
    assert smtp_server.messages == []
    delivery = session.scalar(select(Delivery).where(Delivery.subscription_id == sub.id))
    assert delivery.status == "failed" and "consent" in delivery.error


def test_forum_notice_skips_a_guardian_who_refused_and_reaches_one_who_agreed(mail_app, smtp_server):
    """Two guardians subscribed to a school-wide topic; a teacher replies: only the one who agreed to
    electronic information gets the e-mail notice."""
    from core.models import Role, RoleGrant
    from plugins.forum import notices, services

    session = mail_app.extensions["klass"].session()
    (refuser, _s), (agreer, _t) = _guardians(session)
    _refuse(session, refuser)
    _agree(session, agreer)
    teacher = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                             .where(RoleGrant.role == Role.teacher, User.school_id == refuser.school_id)
                             .order_by(User.id).limit(1))
    section = services.create_section(session, school_id=refuser.school_id, kind="school", title="Для родителей")
    topic = services.create_topic(session, section, author=teacher, title="Экскурсия в музей",
                                  body="Собираемся у школы в 9:00.")
    for guardian in (refuser, agreer):
        services.subscribe(session, topic, guardian)
    post = services.add_post(session, topic, author=teacher, body="Автобус задерживается до 9:15.")
    notices.queue(session, post, teacher.id)  # commits; the job runs inline in tests

    to = [m["To"] for m in smtp_server.messages]
    assert agreer.email in to
    assert refuser.email not in to
    notice = next(m for m in smtp_server.messages if m["To"] == agreer.email)
    assert "Экскурсия в музей" in notice["Subject"] and "9:15" in notice.get_content()
