"""Paper for families: statements (one page per student, a class in one PDF, Cyrillic intact) and the
information letter (PDF and e-mail)."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from core.toolkit import GuardianLink, User, hookimpl
from tests.conftest import all_plugins, post_form, sign_in
from tests.plugins.diary.conftest import school_today


def year_start():
    today = school_today()
    return today.replace(year=today.year if today.month >= 8 else today.year - 1, month=9, day=1)


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_class_statements_print_as_one_pdf_one_page_per_student(login_as, people):
    client = login_as("class_teacher")
    class_id = people.classes["5А"].id
    response = client.get(f"/diary/classes/{class_id}/statements.pdf?start={year_start()}&end={school_today()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = _pages(response.data)
    assert len(pages) == len(people.in_5a)
    for text, student in zip(pages, people.in_5a, strict=True):
        assert student.full_name in text  # in the journal's order, names intact
        assert "Выписка из электронного дневника" in text
        assert "Пропущено уроков:" in text and "Средний балл" in text
        assert "С выпиской ознакомлен(а)" in text


def test_statements_of_chosen_students_only_from_the_class(login_as, people):
    client = login_as("class_teacher")
    class_id = people.classes["5А"].id
    chosen = [people.in_5a[1].id, people.in_5a[3].id, people.far_stranger.id]  # the stranger is not in 5А
    response = post_form(client, f"/diary/classes/{class_id}/statements.pdf",
                         {"start": str(year_start()), "end": str(school_today()), "student": chosen},
                         page=f"/diary/classes/{class_id}/statements")
    pages = _pages(response.data)
    assert len(pages) == 2
    assert people.in_5a[1].full_name in pages[0] and people.in_5a[3].full_name in pages[1]
    bad = client.get(f"/diary/classes/{class_id}/statements.pdf?start=2026-12-01&end=2026-09-01")
    assert bad.status_code == 400


class FakeOffice:
    """Stands in for the office plugin's consent records."""

    def __init__(self, guardian_ids):
        self.guardian_ids = guardian_ids

    @hookimpl
    def extra_paper_statement_guardians(self, session, school_id, class_id):
        return self.guardian_ids


def test_hook_extra_paper_statement_guardians(make_app, people):
    app = make_app(plugins=["gradebook", "attendance", "diary"])  # no office: only the fake answers
    with app.app_context():
        client = sign_in(app.test_client(), people.class_teacher.login)
        url = f"/diary/classes/{people.classes['5А'].id}/statements"
        page = client.get(url).text
        assert " checked>" not in page  # nobody pre-selected without an answer
        assert "Отметьте учеников, чьим семьям нужна бумажная выписка." in page
        paper_kid = people.in_5a[2]
        session = app.extensions["klass"].session()
        guardian_id = session.scalar(select(GuardianLink.guardian_id).where(GuardianLink.student_id == paper_kid.id))
        app.extensions["klass"].pm.register(FakeOffice([guardian_id]), name="fake_office")
        page = client.get(url).text
        assert f'value="{paper_kid.id}" checked' in page
        assert page.count(" checked>") == 1
        assert "в согласии выбрали информацию на бумаге" in page


def test_one_students_statement(login_as, people):
    kid = people.in_5a[0]
    response = login_as("class_teacher").get(f"/diary/{kid.id}/statement.pdf?start={year_start()}&end={school_today()}")
    assert len(_pages(response.data)) == 1
    assert login_as("guardian").get(f"/diary/{kid.id}/statement.pdf?start={year_start()}&end={school_today()}"
                                    ).status_code == 403


def test_information_letter_pdf_and_email(make_app, smtp_server, people):
    from plugins.diary.services import current_term

    app = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    with app.app_context():
        session = app.extensions["klass"].session()
        class_id = people.classes["5А"].id
        term = current_term(session, people.class_teacher.school_id, school_today())
        teacher = sign_in(app.test_client(), people.class_teacher.login)
        form = f"/diary/classes/{class_id}/letters"
        assert term.title in teacher.get(form).text
        two = [people.in_5a[0].id, people.in_5a[1].id]
        response = post_form(teacher, f"{form}.pdf", {"term": term.id, "student": two,
                                                      "note": "Благодарю за участие в субботнике!"}, page=form)
        pages = _pages(response.data)
        assert len(pages) == 2 and "Информационное письмо для родителей" in pages[0]
        assert people.in_5a[0].full_name in pages[0] and "Благодарю за участие в субботнике!" in pages[0]
        assert term.title in pages[0]

        response = post_form(teacher, f"{form}/send", {"term": term.id, "student": two, "note": "Спасибо!"}, page=form)
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        job_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
        assert teacher.get(f"/api/v1/jobs/{job_id}").json["status"] == "done"
        emails = {e for (e,) in session.execute(select(User.email).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                                .where(GuardianLink.student_id.in_(two), User.email != ""))}
        received = [m for m in smtp_server.messages if m["Subject"].startswith("Информационное письмо:")]
        assert {m["To"] for m in received} == emails
        attachment = next(received[0].iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert len(_pages(attachment.get_content())) == 1
