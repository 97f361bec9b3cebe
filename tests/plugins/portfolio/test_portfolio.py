"""The portfolio's "done when": a diploma goes student → class teacher (returned) → student (fixed) →
class teacher (confirmed), then shows in the printed portfolio and the fill-rate report; a teacher's
course appears once the deputy confirms it; public links; privacy; refused files."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.models import ClassMembership, GuardianLink, SchoolClass, User
from plugins.portfolio.models import Entry, TeacherEntry
from tests.conftest import FIXED_TODAY, csrf_token

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _post(client, page_url, url, data, files=None):
    token = csrf_token(client.get(page_url).text)
    payload = {**data, "csrf_token": token}
    if files:
        payload.update(files)
    return client.post(url, data=payload, content_type="multipart/form-data")


@pytest.fixture
def people(session, demo_school):
    student = session.scalar(select(User).where(User.login == demo_school["accounts"]["student"]))
    klass = session.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    other_class = session.scalar(select(SchoolClass).where(SchoolClass.id != klass.id, SchoolClass.year_id == klass.year_id).limit(1))
    other_student = session.scalar(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                                   .where(ClassMembership.class_id == other_class.id).limit(1))
    mine = set(session.scalars(select(GuardianLink.guardian_id).where(GuardianLink.student_id == student.id)))
    stranger = session.scalar(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                              .where(GuardianLink.guardian_id.not_in(mine)).limit(1))
    return {"student": student, "class": klass, "other_student": other_student, "stranger": stranger}


def _diploma(client, student_id, title="Диплом олимпиады по математике"):
    page = f"/portfolio/student/{student_id}"
    return _post(client, page, f"{page}/entries", {
        "section": "Олимпиады и конкурсы", "title": title, "happened_on": "2026-11-10", "level": "municipal",
        "result": "winner", "place": "1"}, {"file": (io.BytesIO(PDF), "диплом.pdf")})


def test_diploma_returned_fixed_confirmed_printed_and_reported(login_as, session, people):
    student = people["student"]
    kid = login_as("student")
    assert _diploma(kid, student.id).status_code == 302
    entry = session.scalar(select(Entry).where(Entry.student_id == student.id,
                                               Entry.title == "Диплом олимпиады по математике"))
    assert entry.status == "pending"

    teacher = login_as("class_teacher")
    page = f"/portfolio/student/{student.id}"
    assert "Диплом олимпиады по математике" in teacher.get("/portfolio/review").text
    r = _post(teacher, page, f"/portfolio/entries/{entry.id}/review",
              {"action": "return", "comment": "Укажите полное название олимпиады", "version": entry.version})
    assert r.status_code == 302
    assert "Укажите полное название олимпиады" in kid.get(page).text

    session.refresh(entry)
    r = _post(kid, page, f"/portfolio/entries/{entry.id}/edit", {
        "section": "Олимпиады и конкурсы", "title": "Муниципальный этап ВсОШ по математике, диплом победителя",
        "happened_on": "2026-11-10", "level": "municipal", "result": "winner", "place": "1",
        "version": entry.version})
    assert r.status_code == 302
    session.refresh(entry)
    assert entry.status == "pending"

    stale = entry.version - 1
    r = _post(teacher, page, f"/portfolio/entries/{entry.id}/review", {"action": "confirm", "version": stale})
    assert "изменил эту запись" in teacher.get(page).text
    r = _post(teacher, page, f"/portfolio/entries/{entry.id}/review", {"action": "confirm", "version": entry.version})
    session.refresh(entry)
    assert entry.status == "confirmed"

    pdf = kid.get(f"/portfolio/student/{student.id}/portfolio.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Муниципальный этап ВсОШ по математике" in " ".join(text.split())
    assert "диплом.pdf" in text

    deputy = login_as("deputy")
    report = deputy.get("/api/v1/portfolio/fill-rate").json
    line = next(row for row in report if row["class_id"] == people["class"].id)
    assert line["confirmed"] >= 1 and line["with_entry"] >= 1
    page = deputy.get("/reports/portfolio_fill").text
    assert "Заполнение портфолио" in page and "5А" in page


def test_teacher_course_appears_after_the_deputy_confirms(login_as, session, demo_school):
    teacher = login_as("teacher")
    me = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    page = f"/portfolio/teacher/{me.id}"
    r = _post(teacher, page, "/portfolio/teacher/entries", {
        "kind": "course", "title": "Цифровая образовательная среда", "organisation": "ИРО", "hours": "72",
        "happened_on": "2026-10-01"}, {"file": (io.BytesIO(PDF), "удостоверение.pdf")})
    assert r.status_code == 302
    row = session.scalar(select(TeacherEntry).where(TeacherEntry.title == "Цифровая образовательная среда"))
    assert row.status == "pending"
    deputy = login_as("deputy")
    _post(deputy, "/portfolio/review", f"/portfolio/teacher/entries/{row.id}/review",
          {"action": "confirm", "version": row.version})
    session.refresh(row)
    assert row.status == "confirmed"
    summary = teacher.get(f"/portfolio/teacher/{me.id}/attestation.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(summary.data)).pages).split())
    assert "Цифровая образовательная среда" in text


def test_public_link_opens_until_withdrawn_or_expired(login_as, session, people, app, time_machine):
    student = people["student"]
    kid = login_as("student")
    page = f"/portfolio/student/{student.id}"
    _post(kid, page, f"{page}/links", {"expires_on": (FIXED_TODAY + timedelta(days=10)).isoformat()})
    from plugins.portfolio.models import PublicLink

    link = session.scalar(select(PublicLink).where(PublicLink.student_id == student.id))
    anonymous = app.test_client()
    opened = anonymous.get(f"/portfolio/p/{link.token}")
    assert opened.status_code == 200 and student.last_name in opened.text
    assert anonymous.get("/portfolio/p/not-a-real-token").status_code == 404
    _post(kid, page, f"/portfolio/links/{link.id}/revoke", {})
    assert anonymous.get(f"/portfolio/p/{link.token}").status_code == 404
    _post(kid, page, f"{page}/links", {"expires_on": (FIXED_TODAY + timedelta(days=10)).isoformat()})
    later = session.scalar(select(PublicLink).where(PublicLink.student_id == student.id, PublicLink.id != link.id))
    assert anonymous.get(f"/portfolio/p/{later.token}").status_code == 200
    time_machine.move_to(FIXED_TODAY + timedelta(days=12))
    assert anonymous.get(f"/portfolio/p/{later.token}").status_code == 404


def test_strangers_get_404(login_as, people, app):
    url = f"/portfolio/student/{people['student'].id}"
    from tests.conftest import sign_in

    assert sign_in(app.test_client(), people["stranger"].login).get(url).status_code == 404
    assert sign_in(app.test_client(), people["other_student"].login).get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # to sign-in
    assert login_as("guardian").get(url).status_code == 200  # his own child


def test_disguised_and_oversized_files_are_refused(login_as, people, make_app, session):
    student = people["student"]
    kid = login_as("student")
    page = f"/portfolio/student/{student.id}"
    r = _post(kid, page, f"{page}/entries", {"section": "Спорт", "title": "Кросс", "happened_on": "2026-11-01"},
              {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf at all"), "грамота.pdf")})
    assert r.status_code == 302
    assert "По содержимому файл не относится к разрешённым видам" in kid.get(page).text
    big = PDF + b"0" * (11 * 1024 * 1024)
    r = _post(kid, page, f"{page}/entries", {"section": "Спорт", "title": "Кросс 2", "happened_on": "2026-11-01"},
              {"file": (io.BytesIO(big), "грамота.pdf")})
    assert "Файл слишком большой" in kid.get(page).text
    assert session.scalar(select(Entry).where(Entry.title.in_(["Кросс", "Кросс 2"]))) is None


def test_class_print_runs_as_a_job_with_progress(login_as, session, people):
    from core.models import Job

    teacher = login_as("class_teacher")
    klass = people["class"]
    r = _post(teacher, f"/portfolio/?class_id={klass.id}", f"/portfolio/classes/{klass.id}/print", {})
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    job = session.scalar(select(Job).where(Job.kind == "portfolio.class_print").order_by(Job.id.desc()))
    assert job.status == "done" and job.done == job.total and job.total > 1
    pdf = teacher.get(job.result["url"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert people["student"].last_name in text
    assert login_as("deputy").get(job.result["url"]).status_code == 404  # only the one who started it


def test_supervised_achievements_are_drawn_into_the_teachers_portfolio(login_as, session, people, demo_school):
    me = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    student = people["student"]
    kid = login_as("student")
    page = f"/portfolio/student/{student.id}"
    _post(kid, page, f"{page}/entries", {"section": "Олимпиады и конкурсы", "title": "Турнир юных математиков",
                                         "happened_on": "2026-11-02", "supervisor_id": str(me.id)})
    entry = session.scalar(select(Entry).where(Entry.title == "Турнир юных математиков"))
    teacher = login_as("teacher")
    assert "Турнир юных математиков" not in teacher.get(f"/portfolio/teacher/{me.id}").text  # not confirmed yet
    _post(login_as("class_teacher"), page, f"/portfolio/entries/{entry.id}/review",
          {"action": "confirm", "version": entry.version})
    assert "Турнир юных математиков" in teacher.get(f"/portfolio/teacher/{me.id}").text


def test_guardians_add_only_where_the_school_allows(make_app, demo_school, session, people):
    from tests.conftest import all_plugins, sign_in

    student = people["student"]
    page = f"/portfolio/student/{student.id}"
    for allowed, expected in ((True, 302), (False, 404)):
        app = make_app(plugins=all_plugins(), settings={"plugins": {"portfolio": {"guardians_may_add": allowed}}})
        with app.app_context():
            parent = sign_in(app.test_client(), demo_school["accounts"]["guardian"])
            r = _post(parent, page, f"{page}/entries", {"section": "Спорт", "title": f"Секция {allowed}",
                                                         "happened_on": "2026-11-01"})
            assert r.status_code == expected
