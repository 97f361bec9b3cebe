"""The hook the plugin offers (``register_reports``) and the core hook it implements (``on_periodic_tick``)."""
from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.plugins import hookimpl
from plugins.reports.models import Delivery, Subscription
from tests.plugins.reports.reports_helpers import workbook


def _usage_plugin():
    """What a diary plugin would add: guardians' use of the diary, per class."""
    from plugins.reports.params import ReportParams, class_field
    from plugins.reports.registry import ReportDefinition
    from plugins.reports.result import INT, TEXT, Column, ReportResult, Row

    class UsageParams(ReportParams):
        class_id = class_field()

    def run(session, values, user):
        return ReportResult.single("Использование дневника родителями",
                                   [Column("guardian", "Родитель", TEXT), Column("visits", "Входов за неделю", INT)],
                                   [Row({"guardian": "Романова М. А.", "visits": 3}),
                                    Row({"guardian": "Козлова Е. В.", "visits": 0}, styles={"visits": "bad"})])

    @hookimpl(optionalhook=True)
    def register_reports():
        return [ReportDefinition(key="diary_guardians_usage", title=_l("Guardians' use of the diary"), run=run,
                                 params=UsageParams, category="families", weight=90)]

    return types.SimpleNamespace(register_reports=register_reports)


def test_hook_register_reports(app, login_as, demo):
    app.extensions["klass"].pm.register(_usage_plugin(), name="fake_diary")
    client = login_as("class_teacher")
    listing = client.get("/reports/")
    assert "Guardians' use of the diary" in listing.text  # the other plugin's own catalog would translate it
    page = client.get(f"/reports/diary_guardians_usage?run=1&class_id={demo.classes['5А']}")
    assert page.status_code == 200 and "Романова М. А." in page.text
    # the registry's scope rule holds for the other plugin's report too
    assert client.get("/reports/diary_guardians_usage?run=1").status_code == 403
    book = workbook(client.get(f"/reports/diary_guardians_usage/export.xlsx?class_id={demo.classes['5А']}").data)
    assert [c.value for c in book.worksheets[1][5]] == ["Романова М. А.", 3]
    api = client.get("/api/v1/reports/")
    assert "diary_guardians_usage" in [r["key"] for r in api.json]


def test_guardians_usage_report_exists_only_when_a_plugin_provides_it(login_as):
    assert login_as("deputy").get("/reports/diary_guardians_usage").status_code == 404


def _monday_after(day):
    return day + timedelta(days=(7 - day.weekday()) % 7 or 7)


def test_hook_on_periodic_tick(make_app, smtp_server, session, demo):
    app = make_app(plugins=["gradebook", "attendance", "reports"], settings={"mail": smtp_server.settings})
    with app.app_context():
        db = app.extensions["klass"].session()
        sub = db.scalar(select(Subscription).where(Subscription.report_key == "journal_timeliness"))
        assert sub is not None and sub.weekday == 0  # the demo deputy's Monday report
        monday = _monday_after(demo.today)
        early = datetime(monday.year, monday.month, monday.day, 3, 0, tzinfo=UTC)  # 06:00 in Moscow
        app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=early)
        assert smtp_server.messages == []  # before the delivery hour
        morning = early + timedelta(hours=5)  # 11:00 in Moscow
        app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=morning)
        db.commit()
        assert len(smtp_server.messages) == 1
        message = smtp_server.messages[0]
        assert message["To"] == sub.email
        assert "Своевременность заполнения журнала" in message["Subject"]
        assert "Проверено уроков" in message.get_body(("plain",)).get_content()
        attachment = next(message.iter_attachments())
        assert attachment.get_filename().endswith(".xlsx")
        book = workbook(attachment.get_content())
        assert book.worksheets[0].cell(1, 1).value == "Своевременность заполнения журнала"
        # idempotent: called again the same week (even days later), nothing more goes out
        for later in (morning + timedelta(minutes=5), morning + timedelta(days=2)):
            app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=later)
        assert len(smtp_server.messages) == 1
        delivery = db.scalar(select(Delivery).where(Delivery.subscription_id == sub.id))
        assert delivery.status == "sent" and delivery.run_id is not None
        # the next week is a new period
        app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=morning + timedelta(days=7))
        assert len(smtp_server.messages) == 2


def test_a_missed_monday_is_caught_up_later_in_the_week_and_failures_retry(make_app, demo):
    settings = {"mail": {"host": "127.0.0.1", "port": 9, "timeout": 2}}  # nothing listens there
    app = make_app(plugins=["gradebook", "attendance", "reports"], settings=settings)
    with app.app_context():
        db = app.extensions["klass"].session()
        sub = db.scalar(select(Subscription).where(Subscription.report_key == "journal_timeliness"))
        wednesday = _monday_after(demo.today) + timedelta(days=2)
        now = datetime(wednesday.year, wednesday.month, wednesday.day, 9, 0, tzinfo=UTC)
        app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=now)
        delivery = db.scalar(select(Delivery).where(Delivery.subscription_id == sub.id))
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=now + timedelta(minutes=5))
        assert delivery.attempts == 1  # waits an hour before trying again
        app.extensions["klass"].pm.hook.on_periodic_tick(session=db, now=now + timedelta(hours=2))
        assert delivery.attempts == 2


def test_subscription_stops_when_the_subscriber_loses_the_right(make_app, smtp_server, session, demo):
    from plugins.reports import services

    app = make_app(plugins=["gradebook", "attendance", "reports"], settings={"mail": smtp_server.settings})
    with app.app_context():
        db = app.extensions["klass"].session()
        teacher = demo.users["teacher"]
        sub = services.subscribe(db, school_id=demo.school_id, user_id=teacher.id, report_key="objectivity",
                                 params={}, weekday=0, email="t@example.org")
        db.commit()
        monday = _monday_after(demo.today)
        app.extensions["klass"].pm.hook.on_periodic_tick(
            session=db, now=datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC))
        assert all(m["To"] != "t@example.org" for m in smtp_server.messages)
        assert sub.active is False
