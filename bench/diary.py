"""Benchmark of the family's diary week on a full-size school (44 classes, 1,100 students).

Prints (it asserts nothing): the SQL statements one week page costs, the server time per page in
process (p50/p95), and pages per second under 8 concurrent clients against gunicorn with 2 workers.

    python bench/diary.py                          # a temporary SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/klass python bench/diary.py
                                                   # PostgreSQL: a database klass_diary_bench is
                                                   # (re)created on that server
Options: --seconds N (load duration, default 15), --clients N (default 8), --workers N (default 2).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KLASS_JOBS", "immediate")  # nothing runs in the background of this script

PASSWORD = "bench-pass-2026"


def database_url(tmp: Path) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{tmp / 'diary-bench.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "klass_diary_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "klass_diary_bench"'))
    admin.dispose()
    return url.set(database="klass_diary_bench").render_as_string(hide_password=False).replace(
        "postgresql+psycopg://", "postgresql://", 1)


def build(url: str) -> float:
    """Migrate and fill the full-size school with every plugin's demo data, like the tests' demo_school."""
    from core import create_app, migrate
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.plugins import call_in_order, discover

    started = time.perf_counter()
    engine = make_engine(url)
    app = create_app("default", engine=engine, testing=True)
    state = app.extensions["klass"]
    found = discover()
    migrate.upgrade(engine, [(n, Path(found[n].__file__).parent / "migrations") for n in state.plugins])
    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "full", state.settings["school"]["term_system"], PASSWORD)
        call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session, school=result.school,
                      size="full")
    engine.dispose()
    return time.perf_counter() - started


def guardians(url: str, n: int) -> list[tuple[str, int]]:
    """(login, child id) of ``n`` guardians spread over the school."""
    from sqlalchemy import select

    from core.db import make_engine, session_scope
    from core.models import GuardianLink, User

    engine = make_engine(url)
    with session_scope(engine) as session:
        rows = session.execute(select(User.login, GuardianLink.student_id)
                               .join(GuardianLink, GuardianLink.guardian_id == User.id)
                               .order_by(GuardianLink.student_id)).all()
    engine.dispose()
    step = max(1, len(rows) // n)
    return [(login, student) for login, student in rows[::step][:n]]


def in_process(url: str, people: list[tuple[str, int]], pages: int = 300) -> tuple[int, list[float], list[str]]:
    """Statements of one week page (user loaded afresh) and server times measured through the test client."""
    from sqlalchemy import event

    from core import create_app

    app = create_app("default", database_url=url, testing=True)
    state = app.extensions["klass"]
    clients = []
    for login, student in people:
        client = app.test_client()
        page = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token}).status_code == 302
        clients.append((client, student))
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            statements.append(statement)

    client, student = clients[0]
    client.get(f"/diary/{student}")  # warm up
    event.listen(state.engine, "before_cursor_execute", listener)
    with app.app_context():
        state.session.remove()
    assert client.get(f"/diary/{student}").status_code == 200
    event.remove(state.engine, "before_cursor_execute", listener)
    times = []
    cpu_start = time.process_time()
    for i in range(pages):
        client, student = clients[i % len(clients)]
        start = time.perf_counter()
        response = client.get(f"/diary/{student}")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    in_process.cpu = (time.process_time() - cpu_start) / pages  # type: ignore[attr-defined]
    return len(statements), times, statements


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign_in(base: str, login: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(
        {"login": login, "password": PASSWORD, "csrf_token": token}).encode()).read()
    return opener


def under_load(url: str, people: list[tuple[str, int]], seconds: float, workers: int, tmp: Path
               ) -> tuple[int, float, list[float], int]:
    """Start gunicorn, hammer the week page from one thread per client, stop gunicorn."""
    port = free_port()
    config = tmp / "bench.toml"
    config.write_text("[jobs]\nembedded_worker = false\n")
    env = {**os.environ, "DATABASE_URL": url, "KLASS_CONFIG": str(config), "KLASS_INSTANCE": str(tmp),
           "SECRET_KEY": "bench-secret-key", "KLASS_JOBS": "immediate", "PYTHONPATH": str(ROOT)}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "core:create_app()"], cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        openers = [(sign_in(base, login), student) for login, student in people]
        for opener, student in openers:  # warm every worker's caches
            for _ in range(3):
                opener.open(f"{base}/diary/{student}").read()
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def hammer(opener: urllib.request.OpenerDirector, student: int) -> None:
            mine = []
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    with opener.open(f"{base}/diary/{student}", timeout=30) as response:
                        response.read()
                        ok = response.status == 200
                except OSError:
                    ok = False
                mine.append(time.perf_counter() - start)
                if not ok:
                    with lock:
                        errors[0] += 1
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=hammer, args=pair) for pair in openers]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        return len(latencies), elapsed, latencies, errors[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="klass-diary-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = database_url(tmp)
        engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"Diary week benchmark on {engine_name}, {os.cpu_count()} CPU(s), load average {load} "
              "(other work on the machine lowers every figure below)")
        print(f"  full-size school built in {build(url):.1f} s")
        people = guardians(url, args.clients)
        count, times, statements = in_process(url, people)
        cpu = in_process.cpu  # type: ignore[attr-defined]
        print(f"  SQL statements per week page (sign-in user + grants included): {count}")
        for statement in statements:
            print("    -", " ".join(statement.split())[:110])
        print(f"  server time per page, in process ({len(times)} pages): p50 {pct(times, 50):.1f} ms, "
              f"p95 {pct(times, 95):.1f} ms, mean {statistics.mean(times) * 1000:.1f} ms, "
              f"CPU {cpu * 1000:.1f} ms per page")
        done, elapsed, latencies, errors = under_load(url, people, args.seconds, args.workers, tmp)
        print(f"  gunicorn -w {args.workers}, {args.clients} concurrent clients, {elapsed:.1f} s: {done} pages, "
              f"{done / elapsed:.0f} pages/s, latency p50 {pct(latencies, 50):.1f} ms, p95 {pct(latencies, 95):.1f} ms,"
              f" errors {errors}")
        print("  target: >= 400 pages/s on 2 cores with PostgreSQL")


if __name__ == "__main__":
    main()
