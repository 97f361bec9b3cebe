"""Background jobs report progress and outcome; e-mail goes out through a real SMTP conversation."""
from __future__ import annotations

from typing import Any

import pytest

from core.jobs import run_job, submit
from core.mailer import build_message, send
from core.models import Job

CALLS: list[int] = []


def count_to_three(session: Any, job: Job, progress: Any) -> dict[str, Any]:
    for i in range(1, 4):
        progress(i, 3, f"шаг {i}")
    CALLS.append(job.id)
    return {"url": "/result/1"}


def broken(session: Any, job: Job, progress: Any) -> None:
    from core.service_error import ServiceError

    raise ServiceError("нет данных")


def unreachable(session: Any, job: Job, progress: Any) -> None:
    raise ConnectionRefusedError(111, "Connection refused")


def test_job_runs_with_progress_and_shows_result(app, session, demo_school, login_as):
    job = submit(session, school_id=demo_school["school_id"], kind="test.count", title="Счёт",
                 handler=f"{__name__}:count_to_three")
    session.refresh(job)
    assert (job.status, job.done, job.total, job.percent) == ("done", 3, 3, 100)
    assert job.result == {"url": "/result/1"}
    run_job(app, job.id, cleanup=False)  # a second delivery of the same job after a restart does nothing
    assert CALLS.count(job.id) == 1


def test_failed_job_keeps_its_reason(app, session, demo_school):
    job = submit(session, school_id=demo_school["school_id"], kind="test.broken", title="Сбой",
                 handler=f"{__name__}:broken")
    session.refresh(job)
    assert job.status == "failed"
    assert "нет данных" in job.message


def test_failed_job_tells_its_owner_in_russian_not_the_exception(app, session, demo_school, login_as):
    job = submit(session, school_id=demo_school["school_id"], kind="test.unreachable", title="Сбой",
                 handler=f"{__name__}:unreachable", user_id=None)
    session.refresh(job)
    assert job.status == "failed"
    assert "Errno" not in job.message and "refused" not in job.message
    from flask_babel import gettext

    with app.test_request_context():
        assert gettext(job.message).startswith("Другая служба")


def test_job_page_is_visible_to_its_owner_only(app, session, demo_school, login_as):
    from sqlalchemy import select

    from core.models import User

    owner = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
    job = submit(session, school_id=demo_school["school_id"], kind="test.count", title="Печать журнала",
                 handler=f"{__name__}:count_to_three", user_id=owner.id)
    page = login_as("teacher").get(f"/jobs/{job.id}")
    assert page.status_code == 200 and "Печать журнала" in page.text
    assert login_as("class_teacher").get(f"/jobs/{job.id}").status_code == 404
    assert login_as("teacher").get(f"/api/v1/jobs/{job.id}").json["percent"] == 100


def test_mail_goes_through_smtp_with_cyrillic_and_attachment(smtp_server):
    message = build_message(smtp_server.settings, ["mama@example.org"], "Оценки за неделю", "Здравствуйте!",
                            attachments=[("выписка.pdf", "application/pdf", b"%PDF-1.4")])
    send(smtp_server.settings, message)
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["Subject"] == "Оценки за неделю"
    assert received.get_body(("plain",)).get_content().strip() == "Здравствуйте!"
    assert [a.get_filename() for a in received.iter_attachments()] == ["выписка.pdf"]


@pytest.mark.parametrize("subject", [
    "Отчёт «Сводная ведомость успеваемости», вся школа, 2 четверть 2026/2027 учебного года",
    "Отчёт от Иванова Анна Петровна: «Посещаемость», вся школа, 01.11.2026–25.11.2026",
    "Сводная учебного Отчёт учебного «Посещаемость», 5А ведомость четверть четверть года Report Отчёт",
])
def test_long_subjects_keep_their_spaces_when_folded(smtp_server, subject):
    """A long Cyrillic subject is folded into several encoded words; not one space may be lost between them
    («вся школа», never «всяшкола»)."""
    send(smtp_server.settings, build_message(smtp_server.settings, ["mama@example.org"], subject, "Текст"))
    received = smtp_server.messages[-1]
    assert received["Subject"] == subject


def test_klass_run_speaks_russian_without_the_development_banner(app, monkeypatch):
    import werkzeug.serving
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from core.cli import cli

    class Server:
        def serve_forever(self) -> None:
            return None

    monkeypatch.setattr(werkzeug.serving, "make_server", lambda *a, **kw: Server())
    result = CliRunner().invoke(cli, ["run", "--port", "5999"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "Klass работает на http://127.0.0.1:5999/" in result.output and "gunicorn" in result.output
    assert "development server" not in result.output and "Serving Flask app" not in result.output


def test_job_list_says_the_state_in_russian(app, session, demo_school, login_as):
    from sqlalchemy import select

    from core.models import User

    client = login_as("deputy")
    deputy = session.scalar(select(User).where(User.login == demo_school["accounts"]["deputy"]))
    submit(session, school_id=demo_school["school_id"], kind="test.count", title="Счёт для списка",
           handler=f"{__name__}:count_to_three", user_id=deputy.id)
    page = client.get("/jobs/").text
    row = page.split("Счёт для списка")[1].split("</tr>")[0]
    assert "Готово" in row and "done" not in row and "100%" not in row
