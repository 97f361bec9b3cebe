"""The class events log: the class teacher records an event with participants; the family sees it in the
diary week and on the class page; past events are in the class teacher's report and its XLSX."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from core.models import AuditEntry, ClassMembership, GuardianLink
from plugins.class_events.models import ClassEvent
from tests.conftest import FIXED_TODAY, csrf_token


def _record(client, class_id, **fields):
    page = client.get(f"/class_events/class/{class_id}").text
    return client.post(f"/class_events/class/{class_id}/events", data={"csrf_token": csrf_token(page), **fields})


def _child_in_class(session, forum):
    in_class = set(session.scalars(select(ClassMembership.student_id).where(
        ClassMembership.class_id == forum.class_id)))
    return next(s for s in session.scalars(select(GuardianLink.student_id).where(
        GuardianLink.guardian_id == forum.guardian.id)) if s in in_class)


def test_an_event_entered_by_the_class_teacher_appears_in_the_familys_diary_week(login_as, session, forum):
    child = _child_in_class(session, forum)
    friday = FIXED_TODAY + timedelta(days=2)
    lead = login_as(forum.lead.login)
    response = _record(lead, forum.class_id, kind="excursion", title="Поездка в планетарий", day=friday.isoformat(),
                       starts_at="11:00", place="Планетарий", participants=[str(child)])
    assert response.status_code == 302
    event = session.scalar(select(ClassEvent).where(ClassEvent.title == "Поездка в планетарий"))
    assert event.author_id == forum.lead.id
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "class_events.event",
                                                          AuditEntry.object_id == str(event.id))) \
        == "class_events.event.create"
    parent = login_as(forum.guardian.login)
    week = parent.get(f"/diary/{child}?week={FIXED_TODAY.isoformat()}").text
    assert "Поездка в планетарий" in week and "Планетарий" in week and "(участвует)" in week
    assert "Поездка в планетарий" not in parent.get(
        f"/diary/{child}?week={(FIXED_TODAY + timedelta(days=7)).isoformat()}").text
    class_page = parent.get(f"/class_events/class/{forum.class_id}").text
    assert "Поездка в планетарий" in class_page
    assert login_as(forum.other_guardian.login).get(f"/class_events/class/{forum.class_id}").status_code == 404


def test_only_the_class_teacher_keeps_the_log_and_participants_come_from_the_class(login_as, session, forum):
    assert _record(login_as("teacher"), forum.class_id, kind="other", title="Чужое", day="2026-11-27").status_code == 403
    outsider = session.scalar(select(ClassMembership.student_id).where(ClassMembership.class_id != forum.class_id))
    lead = login_as(forum.lead.login)
    refused = _record(lead, forum.class_id, kind="competition", title="Эстафета", day="2026-11-27",
                      participants=[str(outsider)])
    assert refused.status_code == 302
    assert session.scalar(select(ClassEvent).where(ClassEvent.title == "Эстафета")) is None
    assert "Участников выбирают из учеников класса" in lead.get(f"/class_events/class/{forum.class_id}").text


def test_the_class_teachers_report_lists_past_events_and_exports_them(login_as, session, forum):
    lead = login_as(forum.lead.login)
    _record(lead, forum.class_id, kind="class_hour", title="Классный час о безопасности",
            day=(FIXED_TODAY - timedelta(days=1)).isoformat(), result="Проведена беседа")
    _record(lead, forum.class_id, kind="competition", title="=HYPERLINK(\"http://x\")",
            day=(FIXED_TODAY - timedelta(days=2)).isoformat())
    _record(lead, forum.class_id, kind="parents_meeting", title="Будущее собрание",
            day=(FIXED_TODAY + timedelta(days=3)).isoformat())
    page = lead.get(f"/reports/class_events_log?run=1&class_id={forum.class_id}").text
    assert "Классный час о безопасности" in page and "Проведена беседа" in page
    assert "Экскурсия в краеведческий музей" in page  # the demo's past excursion
    assert "Будущее собрание" not in page
    book = load_workbook(io.BytesIO(lead.get(
        f"/reports/class_events_log/export.xlsx?class_id={forum.class_id}").data))
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "Классный час о безопасности" in cells
    assert '=HYPERLINK("http://x")' in cells  # kept as text, not a formula
    assert login_as(forum.other_guardian.login).get(
        f"/reports/class_events_log?run=1&class_id={forum.class_id}").status_code in (403, 404)


def test_a_stale_edit_is_refused(login_as, session, forum):
    lead = login_as(forum.lead.login)
    _record(lead, forum.class_id, kind="other", title="Субботник", day="2026-11-28")
    event = session.scalar(select(ClassEvent).where(ClassEvent.title == "Субботник"))
    form = lead.get(f"/class_events/{event.id}/edit").text
    data = {"csrf_token": csrf_token(form), "version": 1, "kind": "other", "day": "2026-11-28"}
    lead.post(f"/class_events/{event.id}/edit", data={**data, "title": "Субботник во дворе"})
    stale = lead.post(f"/class_events/{event.id}/edit", data={**data, "title": "Субботник в парке"},
                      follow_redirects=True)
    assert "сейчас это «Субботник во дворе»" in stale.text


def test_a_class_shares_the_weeks_events_but_each_child_sees_only_its_own_participation(login_as, session, forum):
    """The week's events are kept per class until the log is written (core.content_cache); whether the
    child takes part is still each family's own."""
    from core.models import User

    child = _child_in_class(session, forum)
    classmate = session.scalar(select(User).where(User.id.in_(select(ClassMembership.student_id).where(
        ClassMembership.class_id == forum.class_id)), User.id != child).order_by(User.id).limit(1))
    parent, pupil = login_as(forum.guardian.login), login_as(classmate.login)
    week = f"?week={FIXED_TODAY.isoformat()}"
    assert "Турнир по шахматам" not in parent.get(f"/diary/{child}{week}").text
    assert "Турнир по шахматам" not in pupil.get(f"/diary/{week}").text  # the class's cached week
    _record(login_as(forum.lead.login), forum.class_id, kind="competition", title="Турнир по шахматам",
            day=(FIXED_TODAY + timedelta(days=1)).isoformat(), participants=[str(child)])
    mine, theirs = parent.get(f"/diary/{child}{week}").text, pupil.get(f"/diary/{week}").text
    assert "Турнир по шахматам (участвует)" in mine.replace("</strong>", "")
    assert "Турнир по шахматам" in theirs and "(участвует)" not in theirs
