"""Student movement: the class teacher requests, the admin carries it out with the order's number and
date; a transfer keeps the student's history with the old class."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.models import ClassMembership, User
from core.plugins import hookimpl
from core.services import class_of_student, class_students
from plugins.office import refusals, transfers
from plugins.office.models import MovementRequest


class Spy:
    """Records the core's on_student_moved calls."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    @hookimpl
    def on_student_moved(self, session, student, from_class, to_class, on_date):  # noqa: ANN001
        assert session.get(User, student.id) is not None, "called inside the transaction"
        self.calls.append({"student": student.id, "from": from_class.name if from_class else None,
                           "to": to_class.name if to_class else None, "on": on_date})


@pytest.fixture
def spy(app):
    spy = Spy()
    app.extensions["klass"].pm.register(spy, name="office-test-spy")
    yield spy
    app.extensions["klass"].pm.unregister(name="office-test-spy")


def test_transfer_from_5a_to_5b_keeps_history(session, demo, client_for, submit, today, spy):
    student = demo["c5a_students"][3]
    on_date = today
    teacher = client_for(demo["c5a_teacher"].login)
    response = submit(teacher, "/office/movement", {
        "kind": "transfer", "student_id": student.id, "to_class_id": demo["c5b"].id,
        "on_date": on_date.isoformat(), "reason": "по заявлению родителей"}, "/office/movement")
    assert response.status_code == 302
    req = session.scalar(select(MovementRequest).where(MovementRequest.student_id == student.id,
                                                       MovementRequest.status == "pending"))
    assert req is not None and req.from_class_id == demo["c5a"].id
    # Nothing moves until the admin carries it out; the class teacher cannot do that.
    assert submit(teacher, f"/office/movement/{req.id}/perform",
                  {"order_number": "1", "order_date": on_date.isoformat()}, "/office/movement").status_code == 403
    assert student.id in {s.id for s in class_students(session, demo["c5a"].id, on_date)}

    admin = client_for("admin")
    page = admin.get("/office/movement").text
    assert student.full_name in page and "Провести" in page
    # The order number is required.
    submit(admin, f"/office/movement/{req.id}/perform", {"order_number": "", "order_date": on_date.isoformat()},
           "/office/movement")
    session.expire_all()
    assert session.get(MovementRequest, req.id).status == "pending"
    response = submit(admin, f"/office/movement/{req.id}/perform",
                      {"order_number": "45-у", "order_date": on_date.isoformat()}, "/office/movement")
    assert response.status_code == 302
    session.expire_all()
    req = session.get(MovementRequest, req.id)
    assert (req.status, req.order_number, req.order_date) == ("done", "45-у", on_date)

    day_before = on_date - timedelta(days=1)
    assert student.id in {s.id for s in class_students(session, demo["c5a"].id, day_before)}
    assert student.id not in {s.id for s in class_students(session, demo["c5a"].id, on_date)}
    assert student.id in {s.id for s in class_students(session, demo["c5b"].id, on_date)}
    assert student.id not in {s.id for s in class_students(session, demo["c5b"].id, day_before)}
    assert class_of_student(session, student.id, on_date).id == demo["c5b"].id
    old = session.scalar(select(ClassMembership).where(ClassMembership.student_id == student.id,
                                                       ClassMembership.class_id == demo["c5a"].id))
    assert old.ends_on == day_before
    # Over the whole year the old class still lists the student for the days they were there.
    year_start = old.starts_on
    assert student.id in {s.id for s in class_students(session, demo["c5a"].id, year_start, on_date)}
    assert spy.calls == [{"student": student.id, "from": "5А", "to": "5Б", "on": on_date}]
    assert "45-у" in admin.get("/office/movement?status=done").text


def test_hook_on_student_moved_is_called_for_admission_and_withdrawal(session, demo, client_for, submit, today,
                                                                       spy):
    admin = client_for("admin")
    response = submit(admin, "/office/movement", {
        "kind": "admit", "to_class_id": demo["c5a"].id, "on_date": today.isoformat(), "last_name": "Новикова",
        "first_name": "Злата", "middle_name": "Игоревна", "birth_date": "2014-02-02", "order_number": "50-у",
        "order_date": today.isoformat(), "perform_now": "1"}, "/office/movement")
    assert response.status_code == 302
    session.expire_all()
    newcomer = session.scalar(select(User).where(User.last_name == "Новикова", User.first_name == "Злата"))
    assert newcomer is not None and newcomer.has_role("student")
    assert newcomer.id in {s.id for s in class_students(session, demo["c5a"].id, today)}

    leaving = demo["c9a_students"][0]
    response = submit(admin, "/office/movement", {
        "kind": "withdraw", "student_id": leaving.id, "on_date": today.isoformat(), "order_number": "51-у",
        "order_date": today.isoformat(), "perform_now": "1", "reason": "переезд"}, "/office/movement")
    assert response.status_code == 302
    session.expire_all()
    assert class_of_student(session, leaving.id, today) is None
    assert class_of_student(session, leaving.id, today - timedelta(days=1)).id == demo["c9a"].id
    assert not session.get(User, leaving.id).is_active_account, "a student who left no longer signs in"
    assert [(c["from"], c["to"]) for c in spy.calls] == [(None, "5А"), ("9А", None)]


def test_class_teacher_cannot_move_another_class(session, demo, client_for, submit, today):
    teacher = client_for(demo["c5a_teacher"].login)
    stranger = demo["c5b_students"][0]
    response = submit(teacher, "/office/movement", {"kind": "withdraw", "student_id": stranger.id,
                                                    "on_date": today.isoformat()}, "/office/movement")
    assert response.status_code in (302, 404)
    assert session.scalar(select(MovementRequest).where(MovementRequest.student_id == stranger.id,
                                                        MovementRequest.status == "pending")) is None
    page = teacher.get("/office/movement").text
    assert stranger.full_name not in page


def test_rules_refuse_impossible_moves(session, demo, today):
    student = demo["c5a_students"][0]
    year_start = session.scalar(select(ClassMembership.starts_on).where(ClassMembership.student_id == student.id))
    req = MovementRequest(school_id=student.school_id, kind="transfer", student_id=student.id,
                          from_class_id=demo["c5a"].id, to_class_id=demo["c5a"].id, on_date=today)
    with pytest.raises(refusals.OfficeError):
        transfers.validate_movement(session, req)  # into the same class
    req.to_class_id, req.on_date = demo["c5b"].id, year_start
    with pytest.raises(refusals.OfficeError):
        transfers.validate_movement(session, req)  # before the student was in the class
    admit = MovementRequest(school_id=student.school_id, kind="admit", student_id=student.id,
                            to_class_id=demo["c5b"].id, on_date=today)
    with pytest.raises(refusals.OfficeError):
        transfers.validate_movement(session, admit)  # still in 5А: that is a transfer
    req.on_date = today
    transfers.submit_movement(session, req)
    twin = MovementRequest(school_id=student.school_id, kind="withdraw", student_id=student.id,
                           from_class_id=demo["c5a"].id, on_date=today)
    with pytest.raises(refusals.OfficeError):
        transfers.submit_movement(session, twin)  # one waiting request per student
    transfers.reject_movement(session, req, note="нет мест", decided_by_id=None)
    with pytest.raises(refusals.OfficeError):
        transfers.perform_movement(session, req, order_number="1", order_date=today, decided_by_id=None, today=today)
