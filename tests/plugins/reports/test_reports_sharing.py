"""Sending a run to a colleague, received reports, weekly subscriptions from the page, the start page."""
from __future__ import annotations

from sqlalchemy import select

from plugins.reports.models import Share, StoredRun, Subscription
from tests.conftest import csrf_token
from tests.plugins.reports.reports_helpers import workbook


def _post(client, url, page, data):
    token = csrf_token(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token})


def test_deputy_sends_the_class_analysis_to_the_class_teacher(make_app, smtp_server, session, demo_school, demo):
    from tests.conftest import sign_in

    app = make_app(settings={"mail": smtp_server.settings})
    with app.app_context():
        db = app.extensions["klass"].session()
        class_teacher = db.get(type(demo.users["class_teacher"]), demo.users["class_teacher"].id)
        class_teacher.email = "klassruk@example.org"
        db.commit()
        deputy = sign_in(app.test_client(), demo_school["accounts"]["deputy"])
        page = f"/reports/class_progress?run=1&class_id={demo.classes['5А']}&term_id={demo.term_id}"
        sent = _post(deputy, f"/reports/class_progress/share?class_id={demo.classes['5А']}&term_id={demo.term_id}",
                     page, {"recipients": [class_teacher.id], "message": "Обсудим в четверг."})
        assert sent.status_code == 302
        flashed = deputy.get(sent.headers["Location"]).text
        assert "Отчёт отправлен" in flashed
        share = db.scalar(select(Share).where(Share.recipient_id == class_teacher.id, Share.message == "Обсудим в четверг."))
        assert share is not None and share.emailed
        assert len(smtp_server.messages) == 1
        mail = smtp_server.messages[0]
        assert mail["To"] == "klassruk@example.org"
        assert "Сводная ведомость успеваемости" in mail["Subject"]
        assert f"/reports/runs/{share.run_id}" in mail.get_body(("plain",)).get_content()

        receiver = sign_in(app.test_client(), demo_school["accounts"]["class_teacher"])
        received = receiver.get("/reports/received")
        assert "Обсудим в четверг." in received.text and "Лебедева И. П." in received.text
        run_page = receiver.get(f"/reports/runs/{share.run_id}")
        assert run_page.status_code == 200 and "Сводная ведомость успеваемости" in run_page.text
        assert db.get(Share, share.id).read_at is not None
        book = workbook(receiver.get(f"/reports/runs/{share.run_id}/export.xlsx").data)
        assert book.worksheets[0].cell(1, 1).value == "Сводная ведомость успеваемости"
        assert receiver.get(f"/reports/runs/{share.run_id}/export.pdf").mimetype == "application/pdf"
        # nobody else opens it
        other = sign_in(app.test_client(), demo_school["accounts"]["teacher"])
        assert other.get(f"/reports/runs/{share.run_id}").status_code == 404


def test_the_demo_class_teacher_has_the_deputys_report(login_as, session, demo):
    page = login_as("class_teacher").get("/reports/received")
    assert "Сводная ведомость успеваемости" in page.text
    assert "обсудим на совещании" in page.text
    start = login_as("class_teacher").get("/")
    assert "Новые отчёты от коллег" in start.text


def test_a_report_cannot_be_sent_to_a_family(login_as, session, demo):
    client = login_as("deputy")
    page = f"/reports/class_progress?run=1&class_id={demo.classes['5А']}"
    before = session.scalar(select(StoredRun.id).order_by(StoredRun.id.desc()).limit(1))
    answer = _post(client, f"/reports/class_progress/share?class_id={demo.classes['5А']}", page,
                   {"recipients": [demo.users["guardian"].id]})
    assert answer.status_code == 302
    assert "Выберите коллег из списка." in client.get(answer.headers["Location"]).text
    assert session.scalar(select(StoredRun.id).order_by(StoredRun.id.desc()).limit(1)) == before
    answer = _post(client, f"/reports/class_progress/share?class_id={demo.classes['5А']}", page, {"recipients": []})
    assert "Выберите хотя бы одного коллегу." in client.get(answer.headers["Location"]).text


def test_subscribe_from_the_report_page_and_cancel(login_as, session, demo):
    client = login_as("deputy")
    page = "/reports/journal_timeliness?run=1&start=2026-11-01&days=2"
    answer = _post(client, "/reports/journal_timeliness/subscribe?start=2026-11-01&days=2", page,
                   {"weekday": 0, "email": "zavuch@example.org"})
    assert answer.status_code == 302
    sub = session.scalar(select(Subscription).where(Subscription.email == "zavuch@example.org"))
    assert sub.params == {"days": "2"}  # the dates are counted anew for each e-mail
    listing = client.get("/reports/subscriptions")
    assert "zavuch@example.org" in listing.text and "понедельник" in listing.text
    bad = _post(client, "/reports/journal_timeliness/subscribe", page, {"weekday": 0, "email": "не почта"})
    assert "Это не похоже на адрес электронной почты." in client.get(bad.headers["Location"]).text
    cancelled = _post(client, f"/reports/subscriptions/{sub.id}/delete", "/reports/subscriptions", {})
    assert cancelled.status_code == 302
    assert session.get(Subscription, sub.id) is None
    # teachers do not subscribe
    assert login_as("teacher").get("/reports/subscriptions").status_code == 403


def test_start_page_widgets(login_as):
    class_teacher = login_as("class_teacher").get("/").text
    assert "Учащиеся в группе риска в этом периоде" in class_teacher
    assert "Прогноз по классу 5А" in class_teacher
    deputy = login_as("deputy").get("/").text
    assert "Своевременность заполнения журнала" in deputy
    assert "с пробелами в журнале за неделю" in deputy
    assert "группе риска" not in login_as("teacher").get("/").text
