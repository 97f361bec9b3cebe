"""Families' requests to the system administrator through the class teacher; subgroups of a class."""
from __future__ import annotations

from sqlalchemy import select

from core.models import Subgroup, SubgroupMember, Subject, TeachingAssignment, User
from core.services import children_of, subgroup_students
from plugins.office.models import Ticket


def test_lost_password_request_goes_through_the_class_teacher_to_the_admin(session, demo, client_for, submit,
                                                                             demo_school):
    login = demo_school["accounts"]["guardian"]
    me = session.scalar(select(User).where(User.login == login))
    child_5a = next(c for c in children_of(session, me.id) if c.id in {s.id for s in demo["c5a_students"]})
    assert child_5a
    guardian = client_for(login)
    response = submit(guardian, "/office/tickets", {"class_id": str(demo["c5a"].id), "topic": "lost_password",
                                                    "text": "Папа потерял листок с паролем."}, "/office/tickets")
    assert response.status_code == 302
    ticket = session.scalar(select(Ticket).where(Ticket.author_id == me.id).order_by(Ticket.id.desc()))
    assert ticket.status == "new" and ticket.class_id == demo["c5a"].id
    assert "У классного руководителя" in guardian.get("/office/tickets").text

    # Another class's teacher neither sees nor handles it.
    other = client_for(demo["c5b_teacher"].login)
    assert "Папа потерял листок" not in other.get("/office/tickets").text
    assert submit(other, f"/office/tickets/{ticket.id}/forward", {"note": "x"}, "/office/tickets").status_code == 404

    teacher = client_for(demo["c5a_teacher"].login)
    assert "Папа потерял листок" in teacher.get("/office/tickets").text
    response = submit(teacher, f"/office/tickets/{ticket.id}/forward", {"note": "Прошу выдать новый пароль."},
                      "/office/tickets")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == "forwarded"

    admin = client_for("admin")
    assert "Прошу выдать новый пароль." in admin.get("/office/tickets").text
    assert "2 обращения ждут вас" in admin.get("/").text  # this one and the demo's
    response = submit(admin, f"/office/tickets/{ticket.id}/close", {"reply": "Новый пароль передан через классного руководителя."},
                      "/office/tickets")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == "closed"
    page = guardian.get("/office/tickets?status=all").text
    assert "Новый пароль передан" in page and "Закрыто" in page


def test_guardian_cannot_file_for_a_class_without_their_child(session, demo, client_for, submit, demo_school):
    login = demo_school["accounts"]["guardian"]
    me = session.scalar(select(User).where(User.login == login))
    mine = {c.id for c in children_of(session, me.id)}
    foreign = demo["c5b"] if not (mine & {s.id for s in demo["c5b_students"]}) else demo["c1a"]
    guardian = client_for(login)
    before = session.query(Ticket).count()
    submit(guardian, "/office/tickets", {"class_id": str(foreign.id), "topic": "other", "text": "?"}, "/office/tickets")
    assert session.query(Ticket).count() == before


def test_class_teacher_splits_the_class_into_subgroups(session, demo, client_for, submit):
    cls = demo["c5a"]
    subject = session.scalar(select(Subject).where(Subject.name == "Физическая культура"))
    teacher = client_for(demo["c5a_teacher"].login)
    url = f"/office/classes/{cls.id}/subgroups"
    response = submit(teacher, url, {"subject_id": str(subject.id), "name": "Мальчики"}, url)
    assert response.status_code == 302
    submit(teacher, url, {"subject_id": str(subject.id), "name": "Девочки"}, url)
    groups = {g.name: g for g in session.scalars(select(Subgroup).where(Subgroup.class_id == cls.id,
                                                                          Subgroup.subject_id == subject.id))}
    assert set(groups) == {"Мальчики", "Девочки"}
    page = teacher.get(f"{url}?subject_id={subject.id}").text
    assert "Мальчики" in page and "Сохранить списки" in page
    students = demo["c5a_students"]
    data = {f"student-{s.id}": str(groups["Мальчики"].id if n % 2 else groups["Девочки"].id)
            for n, s in enumerate(students)}
    data[f"student-{students[0].id}"] = ""  # exempt: in neither
    response = submit(teacher, f"{url}/{subject.id}/members", data, f"{url}?subject_id={subject.id}")
    assert response.status_code == 302
    boys = {s.id for s in subgroup_students(session, groups["Мальчики"].id)}
    girls = {s.id for s in subgroup_students(session, groups["Девочки"].id)}
    assert boys == {s.id for n, s in enumerate(students) if n % 2}
    assert girls == {s.id for n, s in enumerate(students) if n and not n % 2}
    # Duplicate names are refused.
    submit(teacher, url, {"subject_id": str(subject.id), "name": "Мальчики"}, url)
    assert "уже есть подгруппа с таким названием" in teacher.get(f"{url}?subject_id={subject.id}").text


def test_subject_teacher_edits_only_their_subject(session, demo, client_for, submit, demo_school):
    math_teacher = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    cls = demo["c5a"]
    math = session.scalar(select(Subject).where(Subject.name == "Математика"))
    english = session.scalar(select(Subject).where(Subject.name == "Английский язык"))
    assert session.scalar(select(TeachingAssignment).where(TeachingAssignment.teacher_id == math_teacher.id,
                                                           TeachingAssignment.subject_id == math.id))
    client = client_for(math_teacher.login)
    url = f"/office/classes/{cls.id}/subgroups"
    page = client.get(url)
    assert page.status_code == 200 and "Математика" in page.text and "Английский язык" not in page.text
    assert client.get(f"{url}?subject_id={english.id}").status_code == 404
    english_group = session.scalar(select(Subgroup).where(Subgroup.class_id == cls.id, Subgroup.subject_id == english.id))
    members_before = session.query(SubgroupMember).filter(SubgroupMember.subgroup_id == english_group.id).count()
    response = submit(client, f"{url}/{english.id}/members", {f"student-{demo['c5a_students'][0].id}": ""}, url)
    assert response.status_code == 404
    assert session.query(SubgroupMember).filter(SubgroupMember.subgroup_id == english_group.id).count() == members_before
    # A subgroup a teacher is assigned to cannot be deleted.
    teacher = client_for(demo["c5a_teacher"].login)
    submit(teacher, f"/office/subgroups/{english_group.id}/delete", {}, f"{url}?subject_id={english.id}")
    assert session.get(Subgroup, english_group.id) is not None
