"""Periodic work runs once per tick and school across every worker process, and one school's failure
stops no other school: two real ``run_periodic`` processes tick at the same moment against one database
(PostgreSQL under ``DATABASE_URL``, else a SQLite file) and each school's work is counted in the audit log."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from core import migrate
from core.db import make_engine, session_scope
from core.models import AuditEntry, PeriodicClaim, School
from core.toolkit import hookimpl
from tests.conftest import FIXED_NOW

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, sys, time
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from core import create_app
from core.audit import audit
from core.models import School
from core.periodic import run_periodic
from core.toolkit import hookimpl


class Counter:
    @hookimpl
    def on_school_tick(self, session, now, school_id):
        time.sleep(0.4)  # a slow school: the other worker must not wait for it
        audit(session, school_id=school_id, action="test.tick", object_type="core.school", object_id=school_id,
              new={"pid": os.getpid()})
        if session.get(School, school_id).short_name == "Сбой":
            raise RuntimeError("this school's work fails")


app = create_app("default", database_url=sys.argv[2],
                 settings_overrides={"klass": {"plugins": []}, "jobs": {"embedded_worker": False}})
app.extensions["klass"].pm.register(Counter(), name="counter")
print("ready", flush=True)
sys.stdin.readline()  # both processes start the tick together
report = run_periodic(app, datetime.fromisoformat(sys.argv[3]))
print(json.dumps({"run": report.schools_run, "failed": report.schools_failed}), flush=True)
"""


@pytest.fixture
def fresh_database(tmp_path: Path, worker_id: str) -> Any:
    """A database of its own, committed for real (the shared test transaction is invisible to other
    processes), with the core's schema and four schools; the third one's periodic work fails."""
    base = os.environ.get("DATABASE_URL")
    if base:
        url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
        url = url.set(database=f"{url.database or 'klass'}_ticks_{worker_id}")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        url_text = url.render_as_string(hide_password=False)
    else:
        admin, url_text = None, f"sqlite:///{tmp_path / 'ticks.sqlite3'}"
    engine = make_engine(url_text)
    migrate.upgrade(engine, [])
    with session_scope(engine) as session:
        for name in ("Первая", "Вторая", "Сбой", "Четвёртая"):
            session.add(School(name=f"Школа «{name}»", short_name=name))
    yield url_text, engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def _ticks(engine: Any) -> Counter[int]:
    with session_scope(engine) as session:
        rows = session.execute(select(AuditEntry.school_id, func.count()).where(AuditEntry.action == "test.tick")
                               .group_by(AuditEntry.school_id)).all()
    return Counter({school_id: n for school_id, n in rows})


def test_two_workers_ticking_at_once_run_each_school_once_and_a_failing_school_stops_nobody(fresh_database, tmp_path):
    url, engine = fresh_database
    with session_scope(engine) as session:
        schools = {s.short_name: s.id for s in session.scalars(select(School))}
    env = {**os.environ, "KLASS_INSTANCE": str(tmp_path), "KLASS_PERIODIC_THREADS": "1", "KLASS_JOBS": "immediate"}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), url, FIXED_NOW.isoformat()], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = [json.loads(child.communicate(timeout=120)[0].strip().splitlines()[-1]) for child in children]
    finally:
        for child in children:
            child.kill() if child.poll() is None else None
    assert all(child.returncode == 0 for child in children)

    ticks = _ticks(engine)
    # Each good school's work is in the audit log exactly once; the failing school's was rolled back.
    assert ticks == Counter({schools["Первая"]: 1, schools["Вторая"]: 1, schools["Четвёртая"]: 1})
    ran = [school for report in reports for school in report["run"]]
    assert sorted(ran) == sorted(schools.values())  # every school was taken, by one worker only
    assert all(report["run"] for report in reports)  # the slow schools were shared, not queued behind one
    assert [school for report in reports for school in report["failed"]] == [schools["Сбой"]]
    with session_scope(engine) as session:
        claims = session.scalars(select(PeriodicClaim.scope).where(PeriodicClaim.scope.like("school:%"))).all()
    assert sorted(claims) == sorted(f"school:{sid}" for sid in schools.values())


def test_the_same_tick_runs_once_and_the_next_tick_runs_again(fresh_database, tmp_path, monkeypatch):
    from core import create_app
    from core.periodic import run_periodic

    url, engine = fresh_database
    monkeypatch.setenv("KLASS_INSTANCE", str(tmp_path))
    calls: list[int] = []

    class Recorder:
        @hookimpl
        def on_school_tick(self, session: Any, now: Any, school_id: int) -> None:
            calls.append(school_id)

    app = create_app("default", database_url=url, testing=True,
                     settings_overrides={"klass": {"plugins": []}})
    app.extensions["klass"].pm.register(Recorder(), name="recorder")
    first = run_periodic(app, FIXED_NOW)
    assert len(first.schools_run) == 4 and sorted(calls) == sorted(first.schools_run)
    again = run_periodic(app, FIXED_NOW + timedelta(minutes=2))  # a worker whose tick fired a little later
    assert again.schools_run == [] and len(calls) == 4
    later = run_periodic(app, FIXED_NOW + timedelta(minutes=5))
    assert len(later.schools_run) == 4 and len(calls) == 8
    app.extensions["klass"].engine.dispose()


def test_hook_on_school_tick(make_app, demo_school):
    """The worker calls each school's implementation in a transaction of its own, with that school's id."""
    from core.audit import audit
    from core.periodic import run_periodic

    seen: list[int] = []

    class PerSchool:
        @hookimpl
        def on_school_tick(self, session: Any, now: Any, school_id: int) -> None:
            seen.append(school_id)
            audit(session, school_id=school_id, action="test.school_tick", object_type="core.school",
                  object_id=school_id)

    app = make_app(plugins=["gradebook"])
    app.extensions["klass"].pm.register(PerSchool(), name="per_school")
    with app.app_context():
        report = run_periodic(app, FIXED_NOW)
        session = app.extensions["klass"].session()
        entries = session.scalars(select(AuditEntry.school_id).where(AuditEntry.action == "test.school_tick")).all()
    assert demo_school["school_id"] in seen and demo_school["school_id"] in report.schools_run
    assert sorted(entries) == sorted(seen)  # committed: the work is there after the tick


def test_web_processes_under_gunicorn_never_start_the_job_thread(make_app, monkeypatch):
    from core import jobs

    app = make_app(plugins=["gradebook"])
    app.testing = False
    monkeypatch.setattr(jobs, "immediate", lambda: False)
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", sys.modules.get("gunicorn.arbiter") or object())
    assert jobs.start_embedded_worker(app) is None
