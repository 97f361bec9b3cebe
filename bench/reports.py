"""Benchmark of the reports on a full-size school (44 classes, 1,100 students, a year of marks).

Prints the time (wall clock; and this process's CPU time, which on SQLite includes the database's work,
useful on a busy machine) and the number of SQL statements of the whole school's term progress report (the target:
under 2 s, a number of statements that does not depend on the number of students) and of a few others.
Not a test. Uses a temporary SQLite file, or, with DATABASE_URL pointing at PostgreSQL, a temporary
database on that server (dropped afterwards).

    .venv/bin/python bench/reports.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/klass .venv/bin/python bench/reports.py
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("KLASS_JOBS", "immediate")

from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

TARGET_SECONDS = 2.0
PLUGINS = ["gradebook", "attendance", "reports"]


def database() -> tuple[str, Any]:
    """(url, cleanup) of an empty database for the benchmark."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"{url.database or 'klass'}_bench_reports"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return url.set(database=name).render_as_string(hide_password=False), drop
    folder = tempfile.TemporaryDirectory(prefix="klass-bench-")
    return f"sqlite:///{folder.name}/bench.sqlite3", folder.cleanup


def main() -> None:
    from core import create_app, migrate
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.plugins import call_in_order, discover

    url, cleanup = database()
    engine = make_engine(url)
    try:
        found = discover()
        migrate.upgrade(engine, [(n, Path(found[n].__file__).parent / "migrations") for n in PLUGINS])
        app = create_app("default", engine=engine, testing=True, settings_overrides={"klass": {"plugins": PLUGINS}})
        state = app.extensions["klass"]
        started = time.perf_counter()
        with app.test_request_context(), session_scope(engine) as session:
            school = build_school(session, "full", state.settings["school"]["term_system"], "bench-pass")
            call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session,
                          school=school.school, size="full")
            counts = school.counts
        print(f"{engine.dialect.name}: full-size school built in {time.perf_counter() - started:.1f} s ({counts})")
        with engine.begin() as conn:  # what autovacuum does soon after a bulk load: the planner needs statistics
            conn.execute(text("ANALYZE"))
        measure(app, engine)
    finally:
        engine.dispose()
        cleanup()


def measure(app: Any, engine: Any) -> None:
    from flask import g

    from core.models import User
    from plugins.reports import data, registry

    statements: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements.append(1)

    with app.test_request_context():
        session = app.extensions["klass"].session()
        deputy = session.scalar(select(User).where(User.login == "zavuch"))
        g.api_user = deputy  # what a signed-in request has: the school, the permissions
        reports = registry.all_reports()
        today = data.school_today(session, deputy.school_id)
        terms = data.terms_of_current_year(session, deputy.school_id)
        current = data.current_term(session, deputy.school_id, today)
        first_class = data.classes(session, deputy.school_id)[0]
        cases = [
            ("class_progress", {"term_id": current.id}, "whole school, current term (forecasts)"),
            ("class_progress", {"term_id": terms[0].id}, "whole school, 1st term (final marks)"),
            ("class_progress", {"term_id": current.id, "class_id": first_class.id}, f"class {first_class.name}"),
            ("final_forecast", {}, "whole school"),
            ("class_attendance", {}, "whole school, 4 weeks"),
            ("mark_accumulation", {}, "whole school"),
            ("journal_timeliness", {}, "whole school, 2 weeks"),
            ("objectivity", {}, "whole school, current term"),
        ]
        print(f"{'report':<20} {'what':<42} {'best, s':>8} {'median, s':>9} {'cpu, s':>7} {'queries':>8}")
        for key, params, what in cases:
            definition = reports[key]
            times, cpu, queries, rows = [], [], 0, 0
            for _ in range(3):
                session.expire_all()
                statements.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                result, _values = registry.execute(session, definition, params, deputy)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                queries = len(statements)
                rows = sum(len(t.rows) for t in result.tables)
            mark = ""
            if key == "class_progress" and "class_id" not in params:
                mark = "  OK" if min(times) < TARGET_SECONDS else f"  SLOWER THAN {TARGET_SECONDS} s"
            print(f"{key:<20} {what:<42} {min(times):>8.3f} {statistics.median(times):>9.3f} {min(cpu):>7.3f} {queries:>8}"
                  f"   ({rows} rows){mark}")


if __name__ == "__main__":
    main()
