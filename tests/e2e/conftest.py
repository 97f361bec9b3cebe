"""Browser tests: the app served for real (werkzeug in a thread) over its own SQLite file, driven by Chromium.

``live_server`` builds a fresh database through the migrations with the demo school (password
``LIVE_PASSWORD``), never the rolled-back test connection: the browser and the server are separate
threads with their own connections, exactly as in production. ``make_live_server(settings=...)`` gives a
server with other settings (one per distinct settings, per test session). ``page`` is a fresh Chromium tab.
Every test here is skipped, saying why, when Debian's Chromium is not installed (CI installs it).
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LIVE_PASSWORD = "live-demo-2026"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed: apt-get install chromium (CI does it in .ci/run)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@dataclass
class LiveServer:
    url: str
    app: Any
    engine: Engine
    accounts: dict[str, str]
    password: str
    school_id: int

    def session(self) -> Any:
        """A session of the server's database, for a test to look at what the browser saved."""
        from sqlalchemy.orm import Session

        return Session(self.engine, expire_on_commit=False)


def _build(tmp_dir: Path, settings: dict[str, Any]) -> tuple[LiveServer, Any, threading.Thread]:
    from werkzeug.serving import make_server

    from core import create_app, migrate
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.plugins import _order, call_in_order, discover

    plugins = _order(discover())
    engine = make_engine(f"sqlite:///{tmp_dir / 'live.sqlite3'}")
    known = discover()
    migrate.upgrade(engine, [(n, Path(known[n].__file__).parent / "migrations") for n in plugins])
    overrides = {**settings, "klass": {**settings.get("klass", {}), "plugins": plugins}}
    app = create_app("default", engine=engine, settings_overrides=overrides)
    state = app.extensions["klass"]
    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "demo", state.settings["school"]["term_system"], LIVE_PASSWORD)
        call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session, school=result.school,
                      size="demo")
        accounts, school_id = dict(result.accounts), result.school.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{server.server_port}", app, engine, accounts, LIVE_PASSWORD, school_id)
    return live, server, thread


@pytest.fixture(scope="session")
def make_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    servers: dict[str, tuple[LiveServer, Any, threading.Thread]] = {}

    def factory(settings: dict[str, Any] | None = None) -> LiveServer:
        key = json.dumps(settings or {}, sort_keys=True)
        if key not in servers:
            servers[key] = _build(tmp_path_factory.mktemp("live"), settings or {})
        return servers[key][0]

    yield factory
    for live, server, thread in servers.values():
        server.shutdown()
        thread.join(timeout=5)
        live.engine.dispose()


@pytest.fixture(scope="session")
def live_server(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    """The demo school served over HTTP with the default settings."""
    return make_live_server()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors  # a test may assert that the page's scripts raised nothing
    yield tab
    context.close()


def sign_in(page: Any, live: LiveServer, role: str) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(f"{live.url}/login")
    page.fill("input[name=login]", live.accounts.get(role, role))
    page.fill("input[name=password]", live.password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live.url}/")
