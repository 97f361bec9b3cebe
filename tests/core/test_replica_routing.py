"""Read replicas (``DATABASE_REPLICA_URL``): a report read by someone who changed nothing comes from the
replica; a mark saved and then read by the same person comes from the primary.

A real streaming replica of this machine's PostgreSQL is started by ``scripts/pg_replica.sh`` (port 5433)
and its replay is paused while the mark is saved, so "from the primary" and "from the replica" differ in
what the page shows, not only in which connection ran the query. Skipped only when no replica can be
started (no PostgreSQL on 127.0.0.1:5432)."""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from core import create_app, migrate
from core.db import make_engine, session_scope
from core.models import ClassMembership, Subject, User
from core.plugins import discover
from tests.conftest import DEMO_PASSWORD, FAST_HASH, FIXED_TODAY, all_plugins, csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pg_replica.sh"
REPLICA_PORT = os.environ.get("PG_REPLICA_PORT", "5433")


def _primary_base() -> Any:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        base = "postgresql://postgres@127.0.0.1:5432/postgres"  # a SQLite run still has this machine's server
    return make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.fixture(scope="module")
def replica_pair(worker_id: str) -> Any:
    """A primary database with the demo school, committed, and the replica's URL for the same database."""
    base = _primary_base()
    if base.host not in ("127.0.0.1", "localhost") or (base.port or 5432) != 5432:
        pytest.skip("the replica script copies the local server on 127.0.0.1:5432 only")
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means: no server to replicate
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 to start a replica of ({exc.__class__.__name__})")
    started = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=900,
                             env={**os.environ, "PG_REPLICA_PORT": REPLICA_PORT})
    if started.returncode != 0:
        pytest.skip(f"scripts/pg_replica.sh could not start a replica: {started.stderr.strip()[-300:]}")
    name = f"klass_replica_{worker_id}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    primary_url = base.set(database=name).render_as_string(hide_password=False)
    replica_url = base.set(database=name, port=int(REPLICA_PORT)).render_as_string(hide_password=False)
    engine = make_engine(primary_url)
    plugins = discover()
    migrate.upgrade(engine, [(n, Path(plugins[n].__file__).parent / "migrations") for n in all_plugins()])
    app = create_app("default", engine=engine, testing=True,
                     settings_overrides={"klass": {"plugins": all_plugins()}, "security": FAST_HASH})
    from core.demo import build_school
    from core.plugins import call_in_order

    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "demo", "quarters", DEMO_PASSWORD, today=FIXED_TODAY)
        call_in_order(app.extensions["klass"].pm, "register_demo_data", list(app.extensions["klass"].plugins),
                      session=session, school=result.school, size="demo")
        accounts = dict(result.accounts)
    replica = create_engine(base.set(database="postgres", port=int(REPLICA_PORT)), isolation_level="AUTOCOMMIT")
    with replica.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))  # a run stopped half-way may have paused it
    _caught_up(engine, replica)  # the new database exists on the replica before anyone connects to it
    engine.dispose()
    yield primary_url, replica_url, accounts
    with replica.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
    replica.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    subprocess.run(["bash", str(SCRIPT), "remove"], capture_output=True, timeout=120,
                   env={**os.environ, "PG_REPLICA_PORT": REPLICA_PORT})


def _caught_up(primary: Any, replica: Any, timeout: float = 60) -> None:
    with primary.connect() as conn:
        target = conn.scalar(text("SELECT pg_current_wal_lsn()"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with replica.connect() as conn:
            if conn.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}):
                return
        time.sleep(0.2)
    raise AssertionError("the replica did not catch up")


class Statements:
    """The SQL each engine ran, by engine name."""

    def __init__(self, **engines: Any) -> None:
        self.seen: dict[str, list[str]] = {name: [] for name in engines}
        for name, engine in engines.items():
            event.listen(engine, "before_cursor_execute",
                         lambda _c, _cur, statement, *_a, name=name, **_k: self.seen[name].append(statement))

    def clear(self) -> None:
        for statements in self.seen.values():
            statements.clear()

    def touching(self, name: str, table: str) -> list[str]:
        return [s for s in self.seen[name] if re.search(rf"\b{table}\b", s)]


def test_reports_and_the_diary_read_from_the_replica_and_a_writer_reads_own_mark_from_the_primary(
        replica_pair, monkeypatch):
    primary_url, replica_url, accounts = replica_pair
    monkeypatch.setenv("DATABASE_REPLICA_AFTER_WRITE_SECONDS", "2")
    app = create_app("default", database_url=primary_url, replica_url=replica_url, testing=True,
                     settings_overrides={"klass": {"plugins": all_plugins()}, "security": FAST_HASH})
    state = app.extensions["klass"]
    primary, replica = state.engine, state.replica
    assert replica is not None
    with replica.connect() as conn:
        assert conn.scalar(text("SELECT pg_is_in_recovery()")) is True  # it really is a standby
    _caught_up(primary, replica)
    with session_scope(primary) as session:
        student = session.scalar(select(User).where(User.login == accounts["student"]))
        assert student is not None
        five_a = session.scalar(select(ClassMembership.class_id).where(ClassMembership.student_id == student.id))
        math = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
        from plugins.gradebook.public import Lesson

        lesson = session.scalar(select(Lesson).where(Lesson.class_id == five_a, Lesson.subject_id == math,
                                                     Lesson.date <= FIXED_TODAY).order_by(Lesson.date.desc()))
        assert lesson is not None

    deputy = sign_in(app.test_client(), accounts["deputy"])
    teacher = sign_in(app.test_client(), accounts["teacher"])
    time.sleep(2.1)  # signing in wrote a session row: its "recent write" window passes first
    card = f"/reports/student_card?run=1&student_id={student.id}"
    log = Statements(primary=primary, replica=replica)

    # 1. A report read by someone who wrote nothing: the marks come from the replica, only the session
    #    lookup from the primary.
    before = deputy.get(card)
    assert before.status_code == 200 and student.last_name in before.text
    assert log.touching("replica", "gradebook_mark"), "the report did not read marks from the replica"
    assert not log.touching("primary", "gradebook_mark")
    assert log.touching("primary", "core_user_session") and not log.touching("replica", "core_user_session")

    # 2. The replica stops replaying (as if it lagged); the teacher saves a 2 for the student.
    with replica.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()"))
        conn.commit()
    page = teacher.get(f"/gradebook/lessons/{lesson.id}")
    teacher.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(page.text)
    saved = teacher.put("/api/v1/gradebook/cells", json={"lesson_id": lesson.id, "student_id": student.id,
                                                           "values": ["2"], "known": []})
    assert saved.status_code == 200, saved.text
    log.clear()

    # 3. The same teacher reads the student's card at once: from the primary, with the new 2.
    own = teacher.get(card)
    assert own.status_code == 200
    assert log.touching("primary", "gradebook_mark") and not log.touching("replica", "gradebook_mark")
    log.clear()

    # 4. The deputy, who wrote nothing, reads from the (lagging) replica.
    assert deputy.get(card).status_code == 200
    assert log.touching("replica", "gradebook_mark") and not log.touching("primary", "gradebook_mark")

    # 5. Once the teacher's window has passed, the teacher too reads the lagging replica: the 2 is not
    #    there yet. That is exactly what the primary spared them in step 3.
    time.sleep(2.1)
    log.clear()
    lagging = teacher.get(card)
    assert log.touching("replica", "gradebook_mark") and not log.touching("primary", "gradebook_mark")
    assert _marks_in_period(lagging.text) == _marks_in_period(own.text) - 1

    # 6. The replica catches up: the same page from the replica now shows the 2.
    with replica.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
        conn.commit()
    _caught_up(primary, replica)
    log.clear()
    caught_up = teacher.get(card)
    assert log.touching("replica", "gradebook_mark")
    assert _marks_in_period(caught_up.text) == _marks_in_period(own.text)
    primary.dispose()
    replica.dispose()


def _marks_in_period(html: str) -> int:
    """The card's figure «Отметки за период» (how many marks the student has in the term)."""
    match = re.search(r'data-figure="marks"><dt>Отметки за период</dt><dd>(\d+)</dd>', html)
    assert match, "the student's card shows no mark count"
    return int(match.group(1))


def test_without_a_replica_the_marker_changes_nothing(app, login_as):

    assert app.extensions["klass"].replica is None
    assert getattr(app.view_functions["reports.show"], "klass_reads_from_replica", False)
    assert getattr(app.view_functions["diary.marks"], "klass_reads_from_replica", False)
    assert login_as("deputy").get("/reports/").status_code == 200
