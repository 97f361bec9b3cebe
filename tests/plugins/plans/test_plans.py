"""Staff work plans as their users meet them: the deputy plans, an overdue item reaches the responsible
teacher's start page and leaves it once reported done; who sees which plan; stale edits; the report; undo."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import FIXED_TODAY, csrf_token


def _school_plan(session, demo_school):
    from core.models import User
    from plugins.plans.models import Plan

    deputy = session.scalar(select(User).where(User.login == demo_school["accounts"]["deputy"]))
    return session.scalar(select(Plan).where(Plan.school_id == deputy.school_id, Plan.scope == "school"))


def _teacher(session, demo_school):
    from core.models import User

    return session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))


def test_an_item_past_its_due_date_shows_on_the_responsible_teachers_start_page(login_as, session, demo_school):
    plan = _school_plan(session, demo_school)
    teacher = _teacher(session, demo_school)
    deputy = login_as("deputy")
    page = deputy.get(f"/plans/{plan.id}").text
    due = FIXED_TODAY - timedelta(days=3)
    response = deputy.post(f"/plans/{plan.id}/items", data={
        "csrf_token": csrf_token(page), "section": "Контроль", "title": "Сдать анализ ВПР по математике",
        "due_on": due.isoformat(), "responsible_ids": teacher.id, "status": "planned"})
    assert response.status_code == 302
    start = login_as("teacher").get("/").text
    assert "Сдать анализ ВПР по математике" in start and "Просроченных пунктов плана" in start
    assert "Сдать анализ ВПР по математике" not in login_as("class_teacher").get("/").text


def test_reporting_an_item_done_takes_it_off_the_start_page(login_as, session, demo_school):
    from plugins.plans.models import PlanItem

    item = session.scalar(select(PlanItem).where(PlanItem.title.like("Анализ результатов контрольных%")))
    teacher = login_as("teacher")
    assert item.title in teacher.get("/").text  # the demo's overdue item of the maths association
    page = teacher.get("/plans/mine").text
    response = teacher.post(f"/plans/items/{item.id}/report", data={
        "csrf_token": csrf_token(page), "version": item.version, "status": "done", "result": "Анализ на заседании МО",
        "back": "mine"})
    assert response.status_code == 302
    assert item.title not in teacher.get("/").text
    session.refresh(item)
    assert item.status == "done" and item.done_on == FIXED_TODAY and item.result == "Анализ на заседании МО"


def test_year_and_month_views(login_as, session, demo_school):
    plan = _school_plan(session, demo_school)
    client = login_as("teacher")
    year = client.get(f"/plans/{plan.id}").text
    assert "Проверка ведения электронных журналов" in year and "Общешкольное родительское собрание" in year
    month = client.get(f"/plans/{plan.id}?month={FIXED_TODAY.strftime('%Y-%m')}").text
    assert "Проверка ведения электронных журналов" in month  # due on 5 November
    assert "Общешкольное родительское собрание" not in month


def test_a_personal_plan_is_seen_by_its_owner_and_the_administration_only(login_as, session, demo_school):
    from plugins.plans.models import Plan

    teacher = _teacher(session, demo_school)
    personal = session.scalar(select(Plan).where(Plan.scope == "person", Plan.owner_id == teacher.id))
    assert login_as("teacher").get(f"/plans/{personal.id}").status_code == 200
    assert login_as("deputy").get(f"/plans/{personal.id}").status_code == 200
    assert login_as("class_teacher").get(f"/plans/{personal.id}").status_code == 404
    assert login_as("student").get(f"/plans/{personal.id}").status_code == 403
    assert login_as("guardian").get("/plans/").status_code == 403


def test_a_teacher_cannot_make_the_schools_plan(login_as, session, demo_school):
    from plugins.plans.models import Plan

    client = login_as("teacher")
    page = client.get("/plans/").text
    response = client.post("/plans/", data={"csrf_token": csrf_token(page), "scope": "school", "title": "Мой план школы"})
    assert "Планы школы и МО составляет администрация" in client.get(response.headers["Location"]).text
    assert session.scalar(select(Plan.id).where(Plan.title == "Мой план школы")) is None


def test_a_stale_edit_is_refused_with_409_naming_the_newer_values(app, session, demo_school, api_token):
    from core.models import User
    from plugins.plans.models import PlanItem

    plan = _school_plan(session, demo_school)
    item = session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.due_on.desc()))
    deputy = session.scalar(select(User).where(User.login == demo_school["accounts"]["deputy"]))
    headers, client = api_token(deputy), app.test_client()
    body = {"title": "Собрание перенесено", "due_on": item.due_on.isoformat(), "responsible_ids": [deputy.id],
            "version": item.version}
    first = client.patch(f"/api/v1/plans/items/{item.id}", json=body, headers=headers)
    assert first.status_code == 200 and first.json["title"] == "Собрание перенесено"
    second = client.patch(f"/api/v1/plans/items/{item.id}", json={**body, "title": "Другое"}, headers=headers)
    assert second.status_code == 409 and "Собрание перенесено" in second.json["error"]["message"]


def test_the_api_lists_the_callers_overdue_items(app, session, demo_school, api_token):
    teacher = _teacher(session, demo_school)
    titles = [i["title"] for i in app.test_client().get("/api/v1/plans/overdue", headers=api_token(teacher)).json]
    assert titles == ["Анализ результатов контрольных работ за I четверть"]


def test_the_deputys_analysis_of_the_plans_execution_is_a_report(login_as):
    start = (FIXED_TODAY - timedelta(days=60)).isoformat()
    page = login_as("deputy").get(f"/reports/plans_execution?run=1&start={start}&end={FIXED_TODAY.isoformat()}").text
    assert "Выполнение планов работы" in page and "План работы МО учителей математики" in page
    assert "Просрочено" in page


def test_a_created_item_is_cancelled_by_the_undo_of_a_leaked_account(app, session, demo_school):
    from core.models import AuditEntry
    from core.toolkit import hook
    from plugins.plans.services import add_item

    plan = _school_plan(session, demo_school)
    with app.test_request_context():
        item = add_item(session, plan, data={"title": "Подброшенный пункт", "due_on": FIXED_TODAY},
                        responsible=[_teacher(session, demo_school).id], today=FIXED_TODAY)
        session.flush()
        entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "plans.item",
                                                        AuditEntry.object_id == str(item.id)))
        assert hook().revert_change(session=session, entry=entry) == {"status": "cancelled"}
    assert item.status == "cancelled"
