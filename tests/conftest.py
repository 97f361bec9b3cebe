"""Fixtures shared by every test: a database built through the real migrations, the demo school built
once per worker, an app for any profile or plugin list, and clients signed in as each demo role.

Each test runs inside a transaction that is rolled back, so tests never see each other's changes.
The whole session runs on a fixed clock (``FIXED_NOW``, a school Wednesday in the middle of the second
term): the demo school is built for that day and every "today" is that day, so no test skips or fails
because of the calendar. A test that needs another moment travels with the ``time_machine`` fixture.
Set DATABASE_URL to a PostgreSQL server to run the suite there (each xdist worker gets its own database).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("KLASS_JOBS", "immediate")  # before core.jobs is imported: jobs run inline

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from core import create_app, migrate
from core.db import make_engine, session_scope
from core.plugins import _order, discover

# Wednesday 25 November 2026, 10:30 at the demo school (Moscow): a school day in the middle of the second
# quarter (and of the second trimester's first weeks), away from holidays, with lessons before and after.
FIXED_NOW = datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Europe/Moscow"))
FIXED_TODAY: date = FIXED_NOW.date()
DEMO_PASSWORD = "demo-pass-2026"
# Cheap argon2id for tests only (issuing a class's credentials hashes dozens of passwords); the
# school's default cost is asserted in tests/core/test_auth.py.
FAST_HASH = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}


def all_plugins() -> list[str]:
    """Every installed plugin, requirements first."""
    return _order(discover())


def _database_url(worker: str, tmp_root: Path) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_root / f'klass-test-{worker}.sqlite3'}"
    return fresh_postgres_database(base, worker)  # distinct per DATABASE_URL, so parallel runs never collide


def fresh_postgres_database(base: str, suffix: str) -> str:
    """The URL of an empty database ``<base's database>_<suffix>`` on ``base``'s server, made anew."""
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database or 'klass'}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def fixed_clock() -> Iterator[datetime]:
    """Every test, and the demo school, live on ``FIXED_NOW`` whatever the machine's date.

    The clock ticks from there (timeouts, lock-outs and "seconds ago" still behave), so a test sees a
    moment a few seconds after ``FIXED_NOW`` and the date ``FIXED_TODAY``. Worker processes of a
    ``ProcessPoolExecutor`` (spawned, so untouched by this process's travel) start on the same clock.
    """
    from tests.clock_child import pools_on_this_clock

    with time_machine.travel(FIXED_NOW, tick=True), pools_on_this_clock():
        yield FIXED_NOW


@pytest.fixture(autouse=True)
def hook_calls(request: pytest.FixtureRequest) -> Iterator[set[str]]:
    """The hooks called during the test; a ``test_hook_<name>`` that never called ``<name>`` fails."""
    from tests.hook_calls import recording, uncalled_hook

    with recording() as called:
        yield called
    if "demo_school" in request.fixturenames:
        # register_demo_data runs once per worker, for the demo school every test reads: its tests
        # check what the call built.
        called |= request.getfixturevalue("demo_school")["demo_hooks"]
    missing = uncalled_hook(request.node.name, called)
    if missing:
        pytest.fail(f"{request.node.name} never called the hook {missing}: a hook's test must call it "
                    f"(pm.hook.{missing}(...) or a service or page that does)", pytrace=False)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Engine]:
    url = _database_url(worker_id, tmp_path_factory.mktemp("db"))
    eng = make_engine(url)
    plugins = discover()
    migrate.upgrade(eng, [(n, Path(plugins[n].__file__).parent / "migrations") for n in all_plugins()])
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_school(engine: Engine) -> dict[str, Any]:
    """The demo school with every plugin's demo data, committed once per worker."""
    from core.demo import build_school
    from core.plugins import call_in_order
    from tests.hook_calls import recording

    app = create_app("default", engine=engine, testing=True,
                     settings_overrides={"klass": {"plugins": all_plugins()}, "security": FAST_HASH})
    state = app.extensions["klass"]
    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "demo", state.settings["school"]["term_system"], DEMO_PASSWORD,
                              today=FIXED_TODAY)
        with recording() as called:
            call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session,
                          school=result.school, size="demo")
        return {"school_id": result.school.id, "accounts": dict(result.accounts), "password": DEMO_PASSWORD,
                "demo_hooks": called & {"register_demo_data"}}


@pytest.fixture
def connection(engine: Engine, demo_school: dict[str, Any]) -> Iterator[Connection]:
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def make_app(connection: Connection) -> Callable[..., Flask]:
    """Build an app bound to the test's transaction: ``make_app("netschool")`` or ``make_app(plugins=[...])``."""

    def factory(profile: str = "default", plugins: list[str] | None = None,
                settings: dict[str, Any] | None = None) -> Flask:
        overrides: dict[str, Any] = dict(settings or {})
        overrides["security"] = {**FAST_HASH, **overrides.get("security", {})}
        if plugins is not None:
            overrides["klass"] = {**overrides.get("klass", {}), "plugins": plugins}
        return create_app(profile, engine=connection, testing=True, settings_overrides=overrides)

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The default profile with every installed plugin enabled."""
    application = make_app(plugins=all_plugins())
    with application.app_context():
        yield application


@pytest.fixture
def session(app: Flask) -> Any:
    return app.extensions["klass"].session()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: FlaskClient, login: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    page = client.get("/login").text
    data = {"login": login, "password": password}
    if 'name="csrf_token"' in page:  # absent only where a test switched CSRF off
        data["csrf_token"] = csrf_token(page)
    response = client.post("/login", data=data)
    assert response.status_code == 302, f"sign-in of {login} failed: {response.status_code}"
    return client


@pytest.fixture
def login_as(app: Flask, demo_school: dict[str, Any]) -> Callable[[str], FlaskClient]:
    """``login_as("teacher")`` gives a client signed in as that demo role (or as a login)."""

    def factory(role_or_login: str) -> FlaskClient:
        login = demo_school["accounts"].get(role_or_login, role_or_login)
        return sign_in(app.test_client(), login)

    return factory


def post_form(client: FlaskClient, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    """POST a form the way a browser does: with the CSRF token of the page it came from."""
    html = client.get(page or url).text
    return client.post(url, data={**data, "csrf_token": csrf_token(html)})


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives: ``smtp_server.messages`` are
    ``email.message.EmailMessage``; ``smtp_server.settings`` is a ``[mail]`` section pointing at it."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.settings = {"host": "127.0.0.1", "port": port, "sender": "journal@school7.example",  # type: ignore[attr-defined]
                      "sender_name": "Электронный журнал", "username": "", "password": "",
                      "use_tls": False, "use_ssl": False, "timeout": 10}
    try:
        yield inbox
    finally:
        controller.stop()
