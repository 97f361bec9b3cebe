"""The school's structure as the deputy keeps it, and the audit log that records every change."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import AuditEntry, RoleGrant, SchoolClass, Subject, User
from tests.conftest import post_form


def test_deputy_creates_a_class_with_its_class_teacher(login_as, session):
    client = login_as("deputy")
    teacher = session.scalar(select(User).where(User.login == "borisova.a")) or session.scalar(
        select(User).join(RoleGrant).where(RoleGrant.role == "teacher"))
    response = post_form(client, "/school/classes", {"grade_level": 7, "letter": "в", "class_teacher_id": teacher.id},
                         page="/school/")
    assert response.status_code == 302
    new_class = session.scalar(select(SchoolClass).where(SchoolClass.grade_level == 7, SchoolClass.letter == "В"))
    assert new_class is not None and new_class.class_teacher_id == teacher.id
    grant = session.scalar(select(RoleGrant).where(RoleGrant.user_id == teacher.id, RoleGrant.class_id == new_class.id))
    assert grant.role == "class_teacher"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "core.class.save"))
    assert entry.new["letter"] == "В" and entry.actor_id is not None
    assert "7В" in client.get("/school/").text


def test_a_duplicate_class_is_refused_in_russian_and_nothing_is_lost(login_as, session):
    client = login_as("deputy")
    before = session.scalars(select(SchoolClass)).all()
    response = post_form(client, "/school/classes", {"grade_level": 5, "letter": "А", "class_teacher_id": 0},
                         page="/school/")
    page = client.get(response.headers["Location"]).text
    assert "Класс 5А в этом учебном году уже есть." in page
    assert len(session.scalars(select(SchoolClass)).all()) == len(before)


def test_invalid_form_input_names_the_field(login_as, session):
    client = login_as("deputy")
    response = post_form(client, "/school/classes", {"grade_level": 14, "letter": "А"}, page="/school/")
    page = client.get(response.headers["Location"]).text
    assert "Параллель" in page
    assert session.scalar(select(SchoolClass).where(SchoolClass.grade_level == 14)) is None


def test_teachers_see_the_structure_but_cannot_change_it(login_as, session):
    client = login_as("teacher")
    page = client.get("/school/").text
    assert all(name in page for name in ("1А", "5А", "5Б", "9А")) and "Астрономия" not in page
    assert post_form(client, "/school/subjects", {"name": "Астрономия"}, page="/school/").status_code == 403
    assert session.scalar(select(Subject).where(Subject.name == "Астрономия")) is None


def test_new_year_gets_terms_by_the_profiles_term_system(make_app, session):
    from tests.conftest import sign_in

    app = make_app("inklass", plugins=[])
    client = sign_in(app.test_client(), "zavuch")
    post_form(client, "/school/years", {"title": "2027/2028", "starts_on": "2027-09-01", "ends_on": "2028-05-31"},
              page="/school/")
    from core.models import AcademicYear, Term

    year = session.scalar(select(AcademicYear).where(AcademicYear.title == "2027/2028"))
    titles = [t.title for t in session.scalars(select(Term).where(Term.year_id == year.id).order_by(Term.number))]
    assert titles == ["1 триместр", "2 триместр", "3 триместр"]


def test_admin_issues_staff_credentials_shown_once(login_as, session):
    client = login_as("admin")
    page = post_form(client, "/staff/", {"last_name": "Ёлкина", "first_name": "Юлия", "middle_name": "Сергеевна",
                                         "roles": ["teacher"]})
    assert 'data-testid="login">elkina.i<' in page.text
    user = session.scalar(select(User).where(User.login == "elkina.i"))
    assert user.must_change_password and user.password_hash.startswith("$argon2")
    assert "elkina.i" in client.get("/staff/").text
    assert "ещё нет" in client.get("/staff/").text  # not activated yet


def test_audit_log_is_append_only(session):
    entry = session.scalars(select(AuditEntry)).first() or AuditEntry(school_id=1, action="x", object_type="x")
    session.add(entry)
    session.flush()
    entry.new = {"forged": True}
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    entry = session.scalars(select(AuditEntry)).first()
    if entry is not None:
        session.delete(entry)
        with pytest.raises(PermissionError):
            session.flush()


def test_audit_page_filters_by_user_and_is_closed_to_teachers(login_as):
    deputy = login_as("deputy")
    post_form(deputy, "/school/subjects", {"name": "Астрономия"}, page="/school/")
    page = login_as("principal").get("/audit/?actor=zavuch").text
    assert "core.login" in page and "Лебедева И. П." in page
    assert login_as("teacher").get("/audit/").status_code == 403


def test_full_size_school_has_the_agreed_shape(session):
    from sqlalchemy import func

    from core.demo import build_school
    from core.models import ClassMembership, School, TeachingAssignment

    # Build it beside the demo school (the fixed logins of the demo differ from generated ones).
    session.execute(User.__table__.update().where(User.login.in_(["director", "zavuch", "admin"]))
                    .values(login=User.login + "-demo"))
    result = build_school(session, "full", "quarters", "x" * 10)
    school_id = result.school.id
    assert session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.school_id == school_id)) == 44
    assert session.scalar(select(func.count(ClassMembership.id)).where(ClassMembership.school_id == school_id)) == 1100
    teachers = session.scalar(select(func.count(func.distinct(TeachingAssignment.teacher_id)))
                              .where(TeachingAssignment.school_id == school_id))
    assert teachers == 60
    assert session.scalar(select(func.count(Subject.id)).where(Subject.school_id == school_id)) == 20
    assert session.get(School, school_id).short_name == "СОШ № 7"
