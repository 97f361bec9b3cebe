"""Regenerate the guides' screenshots from the demo school: a temporary SQLite, the demo data, the app
served on a free local port, and headless Chromium (Playwright) signed in as each role. PNGs are written
to ``guides/img`` at 1280 px wide. Run ``python scripts/help_screenshots.py [path-to-chromium]``.

A script, not plugin code: it builds a whole demo deployment, which is the core's business, not a plugin's."""
from __future__ import annotations

import socket
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.help.guides import IMAGES_DIR  # noqa: E402

PASSWORD = "screenshots-2026"
# (file stem, demo role, path)
SHOTS = [
    ("student-dashboard", "student", "/"), ("student-diary", "student", "/diary/"),
    ("guardian-dashboard", "guardian", "/"), ("guardian-diary", "guardian", "/diary/"),
    ("teacher-dashboard", "teacher", "/"), ("teacher-journal", "teacher", "/gradebook/"),
    ("class_teacher-dashboard", "class_teacher", "/"), ("class_teacher-credentials", "class_teacher", "/office/"),
    ("deputy-dashboard", "deputy", "/"), ("deputy-changes", "deputy", "/timetable/changes"),
    ("deputy-reports", "deputy", "/reports/"), ("director-dashboard", "principal", "/"),
    ("admin-dashboard", "admin", "/"), ("admin-support-queue", "admin", "/support/queue"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(chromium: str = "/usr/bin/chromium") -> list[Path]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from core import create_app, migrate
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.plugins import _order, call_in_order, discover

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/demo.sqlite3")
        found = discover()
        names = _order(found)
        migrate.upgrade(engine, [(n, Path(found[n].__file__).parent / "migrations") for n in names])
        app = create_app("default", engine=engine, settings_overrides={"klass": {"plugins": names},
                                                                       "jobs": {"embedded_worker": False}})
        state = app.extensions["klass"]
        with app.test_request_context(), session_scope(engine) as session:
            result = build_school(session, "demo", state.settings["school"]["term_system"], PASSWORD)
            call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session,
                          school=result.school, size="demo")
            accounts = dict(result.accounts)
        port = _free_port()
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        written: list[Path] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                for stem, role, path in SHOTS:
                    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
                    page = context.new_page()
                    page.goto(f"http://127.0.0.1:{port}/login")
                    page.fill("input[name=login]", accounts[role])
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    if "/account/password" in page.url:  # the demo asks for a new password first: skip it
                        page.goto(f"http://127.0.0.1:{port}{path}")
                    page.goto(f"http://127.0.0.1:{port}{path}")
                    target = IMAGES_DIR / f"{stem}.png"
                    page.screenshot(path=str(target), full_page=False)
                    written.append(target)
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            engine.dispose()
        return written


if __name__ == "__main__":
    for written in main(sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/chromium"):
        print(written)
