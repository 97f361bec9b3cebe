"""The archive as people use it: printing in the background, versions, checksums, the faithfulness
check, certification, and who may see what."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from core.toolkit import Job, Subject, audit, utcnow
from plugins.gradebook.models import Lesson, Mark
from plugins.print_archive.models import Document, DocumentFile, Signoff
from tests.conftest import csrf_token, post_form
from tests.plugins.print_archive.print_archive_helpers import class_named, pdf_pages, user_by_login


def _change_a_math_mark(session, class_id, value="2"):
    """What the gradebook does when a teacher corrects a mark: new value, version bumped, audited."""
    subject_id = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
    mark = session.scalar(select(Mark).join(Lesson, Lesson.id == Mark.lesson_id)
                          .where(Lesson.class_id == class_id, Lesson.subject_id == subject_id,
                                 Mark.value != value).order_by(Mark.id))
    old = mark.value
    mark.value, mark.numeric, mark.version, mark.updated_at = value, float(value), mark.version + 1, utcnow()
    audit(session, school_id=mark.school_id, action="gradebook.mark.update", object_type="gradebook.mark",
          object_id=mark.id, old={"value": old}, new={"value": value})
    session.commit()
    return mark


def test_whole_school_printing_runs_as_a_job_with_progress_and_stores_checksummed_files(
        app, session, login_as, demo_school):
    deputy = login_as("deputy")
    page = deputy.get("/print_archive/")
    assert page.status_code == 200 and "Архив журналов" in page.text
    response = deputy.post("/print_archive/generate", data={"csrf_token": csrf_token(page.text), "scope": "school",
                                                            "kind": "both"})
    assert response.status_code == 302 and "/jobs/" in response.location
    job_id = int(response.location.rsplit("/", 1)[1])
    job = session.get(Job, job_id)
    session.refresh(job)
    assert job.status == "done" and job.total > 8 and job.done == job.total  # per subject, per class
    for _reload in range(2):  # the progress page survives a reload
        again = deputy.get(f"/jobs/{job_id}")
        assert again.status_code == 200 and f"{job.total} / {job.total}" in again.text
    assert deputy.get(f"/api/v1/jobs/{job_id}").json["percent"] == 100

    docs = session.scalars(select(Document).where(Document.job_id == job_id)).all()
    assert len(docs) == 8  # 4 classes x (journal + summary sheet)
    assert {d.kind for d in docs} == {"journal", "summary"}
    for document in docs:
        data = session.scalar(select(DocumentFile.data).where(DocumentFile.document_id == document.id))
        assert hashlib.sha256(data).hexdigest() == document.sha256
        assert document.size == len(data) and document.version == 1
        assert document.generated_by == user_by_login(session, demo_school["accounts"]["deputy"]).id
        assert document.snapshot_at <= utcnow()
        download = deputy.get(f"/print_archive/document/{document.id}.pdf")
        assert download.status_code == 200 and download.headers["X-Content-SHA256"] == document.sha256
        assert hashlib.sha256(download.data).hexdigest() == document.sha256
    listing = deputy.get("/print_archive/").text
    for name in ("1А", "5А", "5Б", "9А"):
        assert name in listing
    assert "устарел" not in listing and listing.count("актуален") == 8


def test_progress_moves_subject_by_subject(app, session, class_5a, demo_school):
    from plugins.print_archive.jobs import context_from_app, run_generation

    seen: list[tuple[int, int, str]] = []
    run_generation(session, context_from_app(), [class_5a.id], ["journal", "summary"], user_id=None, job_id=None,
                   progress=lambda done, total, message: seen.append((done, total, message)))
    dones = [d for d, _t, _m in seen]
    assert dones == sorted(dones) and seen[-1][0] == seen[-1][1]
    messages = [m for _d, _t, m in seen]
    assert "Журнал 5А: Математика" in messages and "Журнал 5А: Английский язык (Англ, группа 1)" in messages
    assert any(m.startswith("Сводная ведомость 5А сохранена") for m in messages)


def test_printing_again_adds_a_version_and_never_overwrites(app, session, class_5a, print_class, login_as):
    first = print_class(class_5a.id)
    first_bytes = session.scalar(select(DocumentFile.data).where(DocumentFile.document_id == first.id))
    second = print_class(class_5a.id)
    assert (first.version, second.version) == (1, 2) and second.id != first.id
    assert session.scalar(select(DocumentFile.data).where(DocumentFile.document_id == first.id)) == first_bytes
    page = login_as("class_teacher").get(f"/print_archive/class/{class_5a.id}")
    assert page.status_code == 200
    assert first.sha256[:16] in page.text and second.sha256[:16] in page.text

    stored = session.get(Document, first.id)
    stored.pages = 1
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    with pytest.raises(PermissionError):
        session.delete(session.get(Document, first.id))
        session.flush()
    session.rollback()


def test_changing_a_mark_after_printing_makes_the_journal_out_of_date(app, session, class_5a, print_class,
                                                                        login_as):
    document = print_class(class_5a.id)
    deputy = login_as("deputy")
    check = deputy.get(f"/print_archive/document/{document.id}/check")
    assert "Напечатанный документ соответствует журналу." in check.text
    assert deputy.get(f"/api/v1/print_archive/documents/{document.id}/check").json["up_to_date"] is True

    _change_a_math_mark(session, class_5a.id)
    app.extensions["klass"].pm.hook.on_periodic_tick(session=session, now=utcnow())  # the background worker
    session.commit()
    assert 'data-testid="archive-stale"' in deputy.get("/").text  # the dashboard widget reads its result

    check = deputy.get(f"/print_archive/document/{document.id}/check")
    assert "Журнал изменился после печати: эта версия устарела." in check.text
    assert "Сохранённый файл совпадает со своей контрольной суммой SHA-256." in check.text
    result = deputy.get(f"/api/v1/print_archive/documents/{document.id}/check").json
    assert result["up_to_date"] is False and result["file_ok"] is True
    assert [(c["title"], c["marks_changed"], c["marks_added"]) for c in result["changes"]] == [("Математика", 1, 0)]
    assert result["audit_entries_since"] == 1
    assert 'data-testid="stale"' in deputy.get("/print_archive/").text

    fresh = print_class(class_5a.id)
    assert deputy.get(f"/api/v1/print_archive/documents/{fresh.id}/check").json["up_to_date"] is True


def test_a_damaged_file_fails_its_checksum(app, session, class_5a, print_class, login_as):
    document = print_class(class_5a.id, "summary")
    session.execute(text("UPDATE print_archive_file SET data = :d WHERE document_id = :i"),
                    {"d": b"%PDF-1.4 tampered", "i": document.id})
    session.commit()
    check = login_as("deputy").get(f"/print_archive/document/{document.id}/check")
    assert "Сохранённый файл НЕ совпадает со своей контрольной суммой SHA-256." in check.text


def test_the_principal_certifies_an_up_to_date_version(app, session, class_5a, print_class, login_as, demo_school):
    document = print_class(class_5a.id)
    url = f"/print_archive/document/{document.id}/sign"
    check_url = f"/print_archive/document/{document.id}/check"
    for role in ("deputy", "class_teacher"):
        assert post_form(login_as(role), url, {"signed_on": "2027-06-01"}, page=check_url).status_code == 403
    principal = login_as("principal")
    response = post_form(principal, url, {"signed_on": ""}, page=check_url)
    assert response.status_code == 302
    assert "Укажите дату подписания." in principal.get(check_url).text
    assert session.scalar(select(Signoff).where(Signoff.document_id == document.id)) is None

    response = post_form(principal, url, {"signed_on": "2027-06-01", "note": "журнал прошит"}, page=check_url)
    assert response.status_code == 302
    signoff = session.scalar(select(Signoff).where(Signoff.document_id == document.id))
    assert signoff.user_id == user_by_login(session, demo_school["accounts"]["principal"]).id
    assert signoff.signed_on.isoformat() == "2027-06-01"
    assert "Орлова Т. В., 01.06.2027" in principal.get(f"/print_archive/class/{class_5a.id}").text

    # An out-of-date version is refused, with the reason.
    other = print_class(class_named(session, demo_school["school_id"], "5Б").id)
    _change_a_math_mark(session, other.class_id)
    post_form(principal, f"/print_archive/document/{other.id}/sign", {"signed_on": "2027-06-01"},
              page=f"/print_archive/document/{other.id}/check")
    page = principal.get(f"/print_archive/document/{other.id}/check").text
    assert "Журнал изменился после печати этой версии: напечатайте новую версию и заверьте её." in page
    assert session.scalar(select(Signoff).where(Signoff.document_id == other.id)) is None


def test_a_signoff_by_a_leaked_account_is_withdrawn(app, session, class_5a, print_class, demo_school):
    from core.toolkit import AuditEntry
    from plugins.print_archive.jobs import context_from_app
    from plugins.print_archive.services import sign_off

    document = print_class(class_5a.id)
    principal = user_by_login(session, demo_school["accounts"]["principal"])
    signoff = sign_off(session, context_from_app(), document, principal, on_date=utcnow().date())
    session.commit()
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "print_archive.signoff"))
    restored = app.extensions["klass"].pm.hook.revert_change(session=session, entry=entry)
    assert restored is not None and session.get(Signoff, signoff.id).revoked_at is not None


def test_class_teacher_sees_own_class_only(app, session, class_5a, print_class, login_as, demo_school):
    own = print_class(class_5a.id)
    other_class = class_named(session, demo_school["school_id"], "5Б")
    other = print_class(other_class.id)
    teacher = login_as("class_teacher")
    listing = teacher.get("/print_archive/").text
    assert "5А" in listing and "5Б" not in listing and "Печать журналов всей школы" not in listing
    assert teacher.get(f"/print_archive/document/{own.id}.pdf").status_code == 200
    for url in (f"/print_archive/class/{other_class.id}", f"/print_archive/document/{other.id}.pdf",
                f"/print_archive/document/{other.id}/check", f"/api/v1/print_archive/documents/{other.id}"):
        assert teacher.get(url).status_code == 404, url
    api = teacher.get("/api/v1/print_archive/documents").json
    assert {d["class_name"] for d in api} == {"5А"}
    page = teacher.get("/print_archive/")
    response = teacher.post("/print_archive/generate", data={"csrf_token": csrf_token(page.text), "scope": "school",
                                                             "kind": "both"})
    assert response.status_code == 403
    response = teacher.post("/print_archive/generate", data={"csrf_token": csrf_token(page.text), "scope": "class",
                                                             "class_id": other_class.id, "kind": "journal"})
    assert response.status_code == 404
    assert session.scalar(select(Document).where(Document.class_id == other_class.id, Document.version == 2)) is None


@pytest.mark.parametrize("role", ["teacher", "student", "guardian"])
def test_others_have_no_archive(login_as, role):
    client = login_as(role)
    assert client.get("/print_archive/").status_code == 403
    assert client.get("/api/v1/print_archive/documents").status_code == 403
    assert "Архив журналов" not in client.get("/").text


def test_menu_and_widget_for_the_administration(login_as):
    page = login_as("deputy").get("/").text
    assert "Архив журналов" in page and "Напечатано журналов за" in page


def test_api_prints_a_class_and_refuses_bad_input(app, session, class_5a, login_as):
    teacher = login_as("class_teacher")
    teacher.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(teacher.get("/account/tokens").text)
    bad = teacher.post("/api/v1/print_archive/jobs", json={"kinds": ["journal"]})
    assert bad.status_code == 422 and "class_id" in bad.json["error"]["fields"]
    bad = teacher.post("/api/v1/print_archive/jobs", json={"class_id": class_5a.id, "kinds": ["diary"]})
    assert bad.status_code == 422
    assert teacher.post("/api/v1/print_archive/jobs", json={"all": True}).status_code == 403
    assert session.scalar(select(Document)) is None  # nothing printed by refused requests

    started = teacher.post("/api/v1/print_archive/jobs", json={"class_id": class_5a.id, "kinds": ["journal"]})
    assert started.status_code == 202
    job = teacher.get(started.json["url"]).json
    assert job["status"] == "done" and job["result"]["url"] == f"/print_archive/class/{class_5a.id}"
    docs = teacher.get(f"/api/v1/print_archive/documents?class_id={class_5a.id}").json
    assert [(d["kind"], d["version"]) for d in docs] == [("journal", 1)]
    pdf = teacher.get(docs[0]["download_url"])
    assert hashlib.sha256(pdf.data).hexdigest() == docs[0]["sha256"]
    assert len(pdf_pages(pdf.data)) == docs[0]["pages"]


def test_a_process_pool_prints_a_school_like_one_process(engine, demo_school):
    """workers > 1: classes are rendered in other processes (spawned, one class at a time each) and stored
    here; the files match their checksums and their check finds them up to date."""
    from sqlalchemy import bindparam

    from core.toolkit import create_app
    from plugins.print_archive.jobs import Outcome, context_from_app, run_generation
    from plugins.print_archive.services import check
    from tests.conftest import all_plugins

    app = create_app("default", engine=engine, testing=True, settings_overrides={"klass": {"plugins": all_plugins()}})
    state = app.extensions["klass"]
    outcome = Outcome()
    with app.app_context():
        session = state.session()
        classes = [class_named(session, demo_school["school_id"], name).id for name in ("9А", "1А")]
        seen: list[tuple[int, int]] = []
        try:
            outcome = run_generation(session, context_from_app(), classes, ["journal", "summary"], user_id=None,
                                     job_id=None, workers=2, progress=lambda d, t, _m: seen.append((d, t)),
                                     on_document=lambda d: outcome.documents.append(d.id))
            assert len(outcome.documents) == 4 and seen[-1][0] == seen[-1][1]
            for document_id in outcome.documents:
                document = session.get(Document, document_id)
                data = session.scalar(select(DocumentFile.data).where(DocumentFile.document_id == document_id))
                assert hashlib.sha256(data).hexdigest() == document.sha256
                assert len(pdf_pages(data)) == document.pages
                assert check(session, context_from_app(), document).up_to_date
        finally:  # this test commits to the worker's database: leave it as the other tests expect it
            session.rollback()
            if outcome.documents:
                for table, column in (("print_archive_status", "document_id"), ("print_archive_file", "document_id"),
                                      ("print_archive_document", "id")):
                    session.execute(text(f"DELETE FROM {table} WHERE {column} IN :ids")
                                    .bindparams(bindparam("ids", expanding=True)), {"ids": list(outcome.documents)})
                session.commit()
            state.session.remove()
