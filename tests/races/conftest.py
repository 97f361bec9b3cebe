"""A harness for races: real threads, each with its own signed-in test client, released together by a
``threading.Barrier`` against a PostgreSQL database whose changes are COMMITTED.

Why not the usual fixtures: every other test runs inside one rolled-back transaction on one connection,
where two requests can never overlap. Here ``race_school`` builds a fresh database of its own through the
real migrations and the ``klass demo`` builders (as tests/e2e does), and the app is bound to the engine,
so each thread's request has its own connection and transaction, exactly as under gunicorn.

SQLite is skipped: its writers are serialized by ``BEGIN IMMEDIATE`` here, so no two saves overlap there.
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, FAST_HASH, FIXED_TODAY, all_plugins, sign_in

ROUNDS = 20  # each race is run this many times: one lucky interleaving proves nothing


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if os.environ.get("DATABASE_URL", "").startswith(("postgresql", "postgres")):
        return
    skip = pytest.mark.skip(reason="races need PostgreSQL (set DATABASE_URL): SQLite serializes writers with "
                                   "BEGIN IMMEDIATE, so two saves never overlap there")
    for item in items:
        if "tests/races/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@dataclass
class RaceSchool:
    app: Any
    engine: Engine
    accounts: dict[str, str]
    school_id: int

    def session(self) -> Session:
        """A session of its own, to prepare a round or look at what the racers committed."""
        return Session(self.engine, expire_on_commit=False)

    def client(self, role: str) -> FlaskClient:
        """A client signed in as a demo role (or login), with its CSRF token for JSON calls."""
        client = sign_in(self.app.test_client(), self.accounts.get(role, role))
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").text)
        assert match, "no CSRF token on the start page"
        client.environ_base["HTTP_X_CSRFTOKEN"] = match.group(1)
        return client

    def max_id(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608

    def audits(self, action_prefix: str, after: int) -> list[Any]:
        from core.models.audit import AuditEntry

        with self.session() as s:
            return list(s.scalars(select(AuditEntry).where(AuditEntry.id > after,
                                                           AuditEntry.action.startswith(action_prefix))
                                  .order_by(AuditEntry.id)))

    def events(self, after: int) -> list[Any]:
        """What the diary's sender would tell the families of the audit entries after ``after`` (a save
        queues nothing of its own: the sender reads its audit entries), as ``events.Change`` (kind, payload)."""
        from core.toolkit import school_zone, working_for
        from plugins.diary.events import pending_changes
        from plugins.diary.jobs import words

        with self.app.app_context(), self.session() as s, working_for(self.school_id, session=s):
            return pending_changes(s, self.school_id, after, words(), school_zone(self.school_id, session=s))


def _fresh_database(worker: str) -> str:
    from tests.conftest import fresh_postgres_database

    return fresh_postgres_database(os.environ["DATABASE_URL"], f"races_{worker}")


@pytest.fixture(scope="session")
def race_school(worker_id: str) -> Iterator[RaceSchool]:
    """The demo school, committed, in a PostgreSQL database of its own (dropped afterwards)."""
    from core import create_app, migrate
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.plugins import call_in_order, discover

    url = _fresh_database(worker_id)
    engine = make_engine(url, pool_size=10)
    known = discover()
    migrate.upgrade(engine, [(n, Path(known[n].__file__).parent / "migrations") for n in all_plugins()])
    app = create_app("default", engine=engine, testing=True,
                     settings_overrides={"klass": {"plugins": all_plugins()}, "security": FAST_HASH})
    state = app.extensions["klass"]
    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "demo", state.settings["school"]["term_system"], DEMO_PASSWORD,
                              today=FIXED_TODAY)
        call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session, school=result.school,
                      size="demo")
        accounts, school_id = dict(result.accounts), result.school.id
    yield RaceSchool(app, engine, accounts, school_id)
    engine.dispose()
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def keep_diary_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """The diary's sender (run inline in tests) would expand the saves' audit entries before the test
    reads them: here it stays asleep, so ``events`` shows what each save gives the families."""
    import plugins.diary.jobs

    monkeypatch.setattr(plugins.diary.jobs, "wake_sender", lambda *a, **k: None)


@dataclass
class Outcome:
    """What one racer got: the response, or the exception a 500 raised through the test client."""

    index: int
    response: Any = None
    error: BaseException | None = None

    @property
    def status(self) -> int:
        return 500 if self.error is not None else self.response.status_code


def race(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run every call in its own thread, all released at once by a barrier; no 5xx is tolerated."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome(i) for i in range(len(calls))]

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i].response = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - a 500 in testing mode propagates: record it
            outcomes[i].error = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    broken = [(o.index, o.status, repr(o.error) if o.error else o.response.get_data(as_text=True)[:300])
              for o in outcomes if o.status >= 500]
    assert not broken, f"a racer got a server error: {broken}"
    return outcomes


def count(session: Session, statement: Any) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0
