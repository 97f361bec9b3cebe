"""The office as a plugin: menu, start page, settings, demo data, periodic work, switching it off."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.config import ConfigError
from core.db import utcnow
from core.models import User
from plugins.office.models import Consent, MovementRequest, PersonalFile, Regulation


def test_menu_and_start_page_per_role(client_for, demo, demo_school):
    teacher = client_for(demo["c5a_teacher"].login)
    page = teacher.get("/").text
    assert "Канцелярия" in page
    assert "не активирован" in page or "Всё в порядке." in page
    admin = client_for("admin").get("/").text
    assert "заявк" in admin and "на движение" in admin  # the demo's waiting withdrawal and admission
    guardian = client_for(demo_school["accounts"]["guardian"]).get("/").text
    assert "Обращения" in guardian and "/office/tickets" in guardian
    student = client_for(demo_school["accounts"]["student"])
    assert student.get("/office/").status_code == 403
    assert "/office/tickets" in student.get("/").text


def test_demo_data_is_realistic(session, demo):
    students = demo["c5a_students"]
    files = session.scalars(select(PersonalFile).where(PersonalFile.student_id.in_([s.id for s in students]))).all()
    assert len(files) == len(students) and all(f.registration_address.startswith("г. Энск") for f in files)
    assert session.scalar(select(func.count(Consent.id)).where(Consent.electronic.is_(False))) > 0
    assert session.scalar(select(Regulation).where(Regulation.is_current.is_(True))).content.startswith(b"%PDF")
    assert session.scalar(select(func.count(MovementRequest.id)).where(MovementRequest.status == "pending")) == 2


def test_withdrawal_ahead_of_its_date_disables_the_account_when_the_day_comes(app, session, demo, today):
    from plugins.office import transfers

    waiting = set(session.scalars(select(MovementRequest.student_id).where(MovementRequest.status == "pending")))
    student = next(s for s in demo["c9a_students"] if s.id not in waiting)
    on_date = today + timedelta(days=5)
    req = MovementRequest(school_id=student.school_id, kind="withdraw", student_id=student.id,
                          from_class_id=demo["c9a"].id, on_date=on_date, status="pending")
    transfers.submit_movement(session, req)
    transfers.perform_movement(session, req, order_number="9-у", order_date=today, decided_by_id=None, today=today)
    session.commit()
    assert session.get(User, student.id).is_active_account, "still at school until the date"
    hook = app.extensions["klass"].pm.hook
    hook.on_periodic_tick(session=session, now=utcnow())
    assert session.get(User, student.id).is_active_account
    hook.on_periodic_tick(session=session, now=utcnow() + timedelta(days=6))
    assert not session.get(User, student.id).is_active_account
    hook.on_periodic_tick(session=session, now=utcnow() + timedelta(days=7))  # idempotent


def test_settings_are_validated(make_app):
    with pytest.raises(ConfigError):
        make_app(plugins=["documents", "office"], settings={"plugins": {"office": {"verify_every_days": 1}}})
    app = make_app(plugins=["documents", "office"], settings={"plugins": {"office": {"verify_every_days": 14}}})
    assert app.extensions["klass"].plugins["office"].settings == {"verify_every_days": 14,
                                                                  "regulation_acknowledgement": True}


def test_switched_off_office_leaves_no_pages(make_app, demo_school):
    app = make_app(plugins=["gradebook", "attendance"])
    rules = [r.rule for r in app.url_map.iter_rules()]
    assert not any(r.startswith(("/office", "/api/v1/office")) for r in rules)


def test_the_office_stylesheet_is_served(client_for, demo):
    teacher = client_for(demo["c5a_teacher"].login)
    page = teacher.get(f"/office/classes/{demo['c5a'].id}").text
    href = page.split('rel="stylesheet" href="')[2].split('"')[0]
    assert href.endswith("office/office.css")
    assert teacher.get(href).status_code == 200
