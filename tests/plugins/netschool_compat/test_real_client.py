"""The unmodified ``netschoolapi`` client (PyPI, in its own virtualenv: it needs marshmallow < 4, Klass 4)
against a live Klass server in the ``netschool`` profile: it signs in with an app password, reads a week of
the demo diary with marks and homework, overdue work, announcements and the school card; logout ends its
session; a revoked app password is refused. Skipped, saying so, only when PyPI cannot be reached."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_HASH

VENV = Path(tempfile.gettempdir()) / "klass-netschoolapi-11"
CLIENT_SCRIPT = r'''
import asyncio, json, sys
from datetime import date
from netschoolapi import NetSchoolAPI, errors

async def main(url, login, password, school):
    api = NetSchoolAPI(url)
    out = {}
    try:
        await api.login(login, password, school)
    except errors.AuthError as e:
        print(json.dumps({"auth_error": str(e)}, ensure_ascii=False)); return
    diary = await api.diary(date(2026, 11, 23), date(2026, 11, 28))
    out["days"] = [{"day": d.day.isoformat(), "lessons": [
        {"subject": l.subject, "number": l.number, "start": l.start.isoformat(),
         "assignments": [{"id": a.id, "type": a.type, "content": a.content, "mark": a.mark,
                          "deadline": a.deadline.isoformat(), "comment": a.comment} for a in l.assignments]}
        for l in d.lessons]} for d in diary.schedule]
    overdue = await api.overdue(date(2026, 9, 1), date(2026, 11, 24))
    out["overdue"] = [{"type": a.type, "content": a.content, "deadline": a.deadline.isoformat()} for a in overdue]
    out["announcements"] = [{"name": a.name, "author": a.author.full_name} for a in await api.announcements()]
    school = await api.school()
    out["school"] = {"name": school.name, "director": school.director, "address": school.address}
    homework = [a.id for d in diary.schedule for l in d.lessons for a in l.assignments if a.type == "Домашнее задание"]
    out["attachments"] = [x.name for i in homework[:20] for x in await api.attachments(i)]
    await api.logout()
    try:
        dead = await api._wrapped_client.client.get("student/diary/init")
        out["after_logout"] = dead.status_code
    except Exception as e:  # the client's hook raises on any error status
        out["after_logout"] = e.response.status_code
    print(json.dumps(out, ensure_ascii=False))

asyncio.run(main(*sys.argv[1:]))
'''


def _client_python() -> Path:
    python = VENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import netschoolapi"]).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "netschoolapi==11.*", "marshmallow<4"],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.skip(f"PyPI is unreachable, the netschoolapi client cannot be installed: {done.stderr[-300:]}")
    return python


def _serve(tmp_path: Path) -> tuple[str, Any, Any, dict[str, str], str]:
    from werkzeug.serving import make_server

    from core import create_app, migrate
    from core.config import load_settings
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.plugins import call_in_order, discover

    known = discover()
    plugins = [*load_settings("netschool")["klass"]["plugins"], "netschool_compat"]
    engine = make_engine(f"sqlite:///{tmp_path / 'netschool.sqlite3'}")
    migrate.upgrade(engine, [(n, Path(known[n].__file__).parent / "migrations") for n in plugins])
    app = create_app("netschool", engine=engine, settings_overrides={
        "klass": {"plugins": plugins}, "security": FAST_HASH})
    state = app.extensions["klass"]
    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "demo", state.settings["school"]["term_system"], "live-demo-2026")
        call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session, school=result.school,
                      size="demo")
        accounts, short_name = dict(result.accounts), result.school.short_name
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, app, accounts, short_name


def _run(python: Path, url: str, login: str, password: str, school: str) -> dict[str, Any]:
    done = subprocess.run([str(python), "-c", CLIENT_SCRIPT, url, login, password, school],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_real_netschoolapi_client_reads_the_demo_diary(tmp_path):
    python = _client_python()
    url, server, app, accounts, school = _serve(tmp_path)
    try:
        from sqlalchemy import select

        from core import app_passwords
        from core.db import session_scope
        from core.models import AppPassword, User

        engine = app.extensions["klass"].engine
        with app.test_request_context(), session_scope(engine) as session:
            guardian = session.scalar(select(User).where(User.login == accounts["guardian"]))
            _row, secret = app_passwords.create(session, guardian, "netschoolapi")

        # The main password is refused: only an app password answers the protocol's challenge.
        assert "auth_error" in _run(python, url, accounts["guardian"], "live-demo-2026", school)

        seen = _run(python, url, accounts["guardian"], secret, school)
        assert "auth_error" not in seen, seen
        days = seen["days"]
        assert [d["day"] for d in days][:5] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
        lessons = [lesson for d in days for lesson in d["lessons"]]
        assert lessons and all(lesson["subject"] for lesson in lessons)
        assert lessons[0]["start"] != "00:00:00"  # bell times from the timetable
        assignments = [a for lesson in lessons for a in lesson["assignments"]]
        marks = [a for a in assignments if a["mark"] is not None]
        homework = [a for a in assignments if a["type"] == "Домашнее задание"]
        assert marks and all(1 <= a["mark"] <= 5 for a in marks)
        assert {a["type"] for a in marks} - {"Домашнее задание"}  # marks carry their work types
        assert homework and all(a["content"] for a in homework)
        # Control works of past lessons still without the child's mark, before today (25 Nov).
        assert seen["overdue"] and all(a["deadline"] < "2026-11-25" for a in seen["overdue"])
        assert {a["type"] for a in seen["overdue"]} == {"Контрольная работа"}
        assert seen["announcements"] and all(a["name"] and a["author"] for a in seen["announcements"])
        assert seen["school"]["name"] and seen["school"]["director"]
        assert seen["after_logout"] == 401  # logout ended the app's session

        with app.test_request_context(), session_scope(engine) as session:
            row = session.scalar(select(AppPassword).where(AppPassword.name == "netschoolapi"))
            assert row.last_used_at is not None  # the account page shows the last use
            app_passwords.revoke(row)
        assert "auth_error" in _run(python, url, accounts["guardian"], secret, school)
    finally:
        server.shutdown()
