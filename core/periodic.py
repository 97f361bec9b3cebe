"""Periodic work (digests, scheduled reports, reminders): once per tick across every process and host,
one school at a time.

Every ``klass jobs worker`` on every host fires the same 5-minute tick (huey's scheduler in each worker
enqueues it). Whoever inserts the row ``(scope, tick)`` into ``core_periodic_claim`` first does that piece
of work; the others find the primary key taken and skip it. Why a row and not only
``pg_try_advisory_lock``: a lock says who is working *now*, so a worker whose clock fires a second after
the first one finished would take the free lock and do the tick again; the row says "done or being done
this tick" and works the same on PostgreSQL and SQLite (no file lock, no Redis needed for correctness).
The claim is committed in its own short transaction before the work starts, so nobody waits on it.

Scopes: ``school:<id>`` for each school's ``on_school_tick`` implementations (each school in its own
transaction, several schools at once on a thread pool, so one slow or failing school holds up nobody),
and ``plugin:<name>`` for the deployment-wide ``on_periodic_tick`` of each plugin.
"""
from __future__ import annotations

import logging
import os
import socket
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import WRITE_INTENT, utcnow
from core.models import PeriodicClaim
from core.school_settings import school_ids, working_for

log = logging.getLogger("klass.periodic")
TICK = timedelta(minutes=5)
KEEP_CLAIMS = timedelta(days=2)


@dataclass
class TickReport:
    """What this process did in one tick (the other workers did the rest)."""

    tick_at: datetime
    schools_run: list[int] = field(default_factory=list)
    schools_failed: list[int] = field(default_factory=list)
    plugins_run: list[str] = field(default_factory=list)


def tick_of(moment: datetime) -> datetime:
    """The tick a moment belongs to: every worker's clock inside the same 5 minutes names the same one."""
    seconds = int(moment.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(seconds - seconds % int(TICK.total_seconds()), UTC)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _session(bind: Any) -> Session:
    # create_savepoint: tests bind the app to a connection inside a transaction they roll back.
    return Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")


def claim(bind: Any, scope: str, tick_at: datetime) -> bool:
    """Take ``scope``'s work for this tick; False when another worker already has it.

    An app bound to one connection (tests, work inside a caller's transaction) is one process by
    construction: it shares the tick with nobody, and a second call in the same minutes runs again
    (a retry after the mail server came back)."""
    if not isinstance(bind, Engine):
        return True
    session = _session(bind)
    try:
        session.add(PeriodicClaim(scope=scope, tick_at=tick_at, claimed_at=utcnow(), worker=_worker_name()))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False
    finally:
        session.close()


def _call(bind: Any, impl: Any, args: dict[str, Any], what: str) -> bool:
    """One implementation in a transaction of its own: committed on return, rolled back on error."""
    session = _session(bind)
    try:
        impl.function(**{k: v for k, v in {"session": session, **args}.items() if k in impl.argnames})
        session.commit()
        return True
    except Exception:
        session.rollback()
        log.error("periodic work %s of %s failed:\n%s", what, impl.plugin_name, traceback.format_exc())
        return False
    finally:
        session.close()


def _threads(bind: Any) -> int:
    """Schools at once in this process: several on PostgreSQL; one on SQLite (one writer anyway) and
    when the app is bound to a single connection (tests), which threads must not share."""
    if not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
        return 1
    return max(1, int(os.environ.get("KLASS_PERIODIC_THREADS", "4")))


def _school_tick(app: Flask, school_id: int, moment: datetime, tick_at: datetime) -> bool | None:
    """Run one school's ``on_school_tick`` implementations if this worker claims the school's tick:
    None when another worker has it, else whether every implementation succeeded."""
    state = app.extensions["klass"]
    token = WRITE_INTENT.set(True)  # a thread of the pool starts with a fresh context
    try:
        from core.jobs import _context_of

        with _context_of(app):
            if not claim(state.engine, f"school:{school_id}", tick_at):
                return None
            session = _session(state.engine)
            try:  # the school's own settings: plugins it switched off do no work for it
                with working_for(school_id, session=session) as own:
                    enabled = [impl for impl in state.pm.hook.on_school_tick.get_hookimpls()
                               if impl.plugin_name not in state.plugins or own.plugin_enabled(impl.plugin_name)]
                    session.commit()
                    results = [_call(state.engine, impl, {"now": moment, "school_id": school_id},
                                     f"of school {school_id}") for impl in enabled]
            finally:
                session.close()
            return all(results)
    finally:
        WRITE_INTENT.reset(token)


def _forget_old_claims(bind: Any, tick_at: datetime) -> None:
    session = _session(bind)
    try:
        session.execute(delete(PeriodicClaim).where(PeriodicClaim.tick_at < tick_at - KEEP_CLAIMS))
        session.commit()
    finally:
        session.close()


def run_periodic(app: Flask, now: datetime | None = None) -> TickReport:
    """This process's share of the tick ``now`` falls in: the deployment-wide work of each plugin nobody
    claimed yet, then each unclaimed school's work (on a thread pool when the database allows)."""
    from core.jobs import _context_of

    state = app.extensions["klass"]
    moment = now or utcnow()
    report = TickReport(tick_at=tick_of(moment))
    token = WRITE_INTENT.set(True)
    try:
        with _context_of(app):
            if claim(state.engine, "core", report.tick_at):
                _forget_old_claims(state.engine, report.tick_at)
            for impl in state.pm.hook.on_periodic_tick.get_hookimpls():
                if claim(state.engine, f"plugin:{impl.plugin_name}", report.tick_at):
                    _call(state.engine, impl, {"now": moment}, "of the deployment")
                    report.plugins_run.append(impl.plugin_name)
            if not state.pm.hook.on_school_tick.get_hookimpls():
                return report
            session = _session(state.engine)
            try:
                schools = school_ids(session)  # offices of a municipality have no school work
                session.commit()
            finally:
                session.close()
            threads = _threads(state.engine)
            if threads == 1:
                outcomes = [_school_tick(app, sid, moment, report.tick_at) for sid in schools]
            else:
                with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="klass-tick") as pool:
                    outcomes = list(pool.map(lambda sid: _school_tick(app, sid, moment, report.tick_at),
                                             schools))
            for school_id, outcome in zip(schools, outcomes, strict=True):
                if outcome is not None:
                    report.schools_run.append(school_id)
                    if not outcome:
                        report.schools_failed.append(school_id)
    finally:
        WRITE_INTENT.reset(token)
    return report
