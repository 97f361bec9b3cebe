"""Long work in the background (year-end PDFs, mass e-mail) with progress people can watch.

A job is a row in ``core_job`` plus a handler ``"module:function"`` called as
``handler(session, job, progress)``; ``progress(done, total, message)`` commits at once so the UI sees it.

The queue is huey, chosen by ``KLASS_JOBS``:

* ``redis://host:6379/0`` (production): one queue in Redis shared by every host; ``klass jobs worker``
  processes on any host consume it. Redis rather than the database: huey's Redis storage blocks on the
  list (no polling query every second against the primary), hands each task to exactly one consumer,
  and Redis already runs beside every app server; the jobs' *state* (what people watch) stays in
  ``core_job`` in the database, so losing Redis loses at most queued-but-not-started work, which the
  periodic tick and a new submission recover.
* unset / ``sqlite`` (the single-process demo, ``klass run``): a SQLite file in the instance folder,
  drained by a thread of that one process, nothing to install. Under gunicorn no web process ever
  starts that thread: there ``klass jobs worker`` does the work (on one host it may share the file).
* ``immediate``: jobs run inline (tests).

Periodic work is ``core.periodic``: once per tick across every process and host, per school.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy.orm import Session

from core.config import instance_dir
from core.db import WRITE_INTENT, utcnow
from core.models import Job
from core.periodic import run_periodic
from core.service_error import N_, ServiceError

log = logging.getLogger("klass.jobs")
Progress = Callable[[int, int, str], None]


JOB_FAILED = N_("The task failed. The administrator will find the details in the server log.")
SERVICE_UNREACHABLE = N_("Another service (the mail server, the storage) did not answer. Try again later; the "
                         "administrator will find the details in the server log.")


def _failure_message(exc: Exception) -> str:
    """What the owner of a failed job reads: never «[Errno 111] Connection refused»."""
    if isinstance(exc, ServiceError):
        try:
            return exc.translated()
        except (RuntimeError, KeyError):  # no app context in a bare worker
            return exc.message if not exc.params else JOB_FAILED
    if isinstance(exc, OSError):
        return SERVICE_UNREACHABLE
    return JOB_FAILED


def _make_huey() -> Any:
    mode = os.environ.get("KLASS_JOBS", "sqlite")
    if mode == "immediate":
        return MemoryHuey("klass", immediate=True)
    if mode.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("klass", url=mode)
    if mode.startswith("sqlite:///"):
        return SqliteHuey("klass", filename=mode.removeprefix("sqlite:///"))
    root = instance_dir()
    root.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("klass", filename=str(root / "jobs.sqlite3"))


def shared_queue() -> bool:
    """Is the queue one that every host sees (Redis), rather than this host's file?"""
    return isinstance(huey, RedisHuey)


def under_gunicorn() -> bool:
    """Is this a gunicorn web worker? Its processes are many and short-lived: they never drain the queue."""
    return "gunicorn.arbiter" in sys.modules


huey = _make_huey()
_apps: dict[str, Flask] = {}


def immediate() -> bool:
    return bool(getattr(huey, "immediate", False))


def _worker_app() -> Flask:
    """The app a worker runs jobs in: one per process, from the same environment as the web app."""
    if "app" not in _apps:
        from core import create_app

        _apps["app"] = create_app()
    return _apps["app"]


def submit(session: Session, *, school_id: int, kind: str, title: str, handler: str,
           params: dict[str, Any] | None = None, user_id: int | None = None) -> Job:
    """Record a job and queue it; the caller's transaction is committed so a worker can see the row."""
    job = Job(school_id=school_id, kind=kind, title=title, handler=handler, params=params or {},
              created_by=user_id)
    session.add(job)
    session.commit()
    if immediate():
        from flask import current_app

        run_job(current_app, job.id, cleanup=False)  # type: ignore[arg-type]
    else:
        _run_task(job.id)
    return job


@huey.task()
def _run_task(job_id: int) -> None:
    run_job(_worker_app(), job_id)


# --- background tasks without a job row ------------------------------------------------------------------

TASK_KEY = "klass.task:{}"
STALE_TASK_SECONDS = 600  # a marker older than this belongs to a task that was lost (Redis flushed, worker killed)


def enqueue_task(handler: str, *, school_id: int | None = None, key: str | None = None, **params: Any) -> bool:
    """Queue ``handler(session, school_id, **params)`` ("module:function") for a worker, with no
    ``core_job`` row: for work nobody watches (the diary's instant sender), so queueing it costs no
    statement on the main database, only a write to the queue (Redis, or the instance's SQLite file).

    ``key`` deduplicates: while a task of that key waits in the queue, another is not queued (the waiting
    one will see the newer work: it has not started). The marker is taken off when the task starts, so work
    committed while it runs queues the next one, and nothing waits for a periodic tick. (No time-based
    skipping in the process: a repeat skipped after the task had started would leave its work waiting.)
    Returns whether a task was queued.
    ``params`` must be JSON-like (they are pickled into the queue). The handler commits its own work;
    a failure is logged (nobody watches a job row for it).
    """
    if key is not None and not immediate() and not _claim_key(TASK_KEY.format(key)):
        return False
    if immediate():
        run_task(current_app, handler, school_id, params, cleanup=False)  # type: ignore[arg-type]
    else:
        huey.enqueue(_run_plain_task.s(handler, school_id, params, key))
    return True


def _claim_key(marker: str) -> bool:
    """Set the queue's marker of a waiting task unless one is set (atomically, in the queue's storage);
    a marker left by a task that never ran (older than ``STALE_TASK_SECONDS``) is taken over."""
    if huey.put_if_empty(marker, time.time()):
        return True
    since = huey.get(marker, peek=True)
    if since is None or time.time() - float(since) > STALE_TASK_SECONDS:
        huey.put(marker, time.time())
        return True
    return False


@huey.task()
def _run_plain_task(handler: str, school_id: int | None, params: dict[str, Any], key: str | None) -> None:
    if key is not None:
        huey.delete(TASK_KEY.format(key))  # from now on a new wake-up queues a new run
    run_task(_worker_app(), handler, school_id, params)


def run_task(app: Flask, handler: str, school_id: int | None, params: dict[str, Any], *, cleanup: bool = True) -> None:
    """Run one ``enqueue_task`` handler inside ``app`` with the thread's session; commit, or roll back and log."""
    state = app.extensions["klass"]
    token = WRITE_INTENT.set(True)
    try:
        with _context_of(app):
            session = state.session()
            module_name, _, func_name = handler.partition(":")
            try:
                getattr(importlib.import_module(module_name), func_name)(session, school_id, **params)
                session.commit()
            except Exception:  # nobody watches this task: the log is where a failure goes
                session.rollback()
                log.error("task %s (school %s) failed:\n%s", handler, school_id, traceback.format_exc())
            finally:
                if cleanup:
                    state.session.remove()
    finally:
        WRITE_INTENT.reset(token)


def _context_of(app: Flask) -> Any:
    """``app``'s context: the current one when it is already ``app``'s (an inline run inside a request;
    a nested context would end that request's session on exit), else a new one."""
    real = app._get_current_object() if hasattr(app, "_get_current_object") else app  # a proxy given
    if has_app_context() and current_app._get_current_object() is real:  # type: ignore[attr-defined]
        return nullcontext()
    return app.app_context()


def run_job(app: Flask, job_id: int, *, cleanup: bool = True) -> None:
    """Execute one job inside ``app``: mark it running, call the handler, record the outcome.

    ``cleanup`` removes the thread's session afterwards (a worker); inline runs keep the caller's.
    """
    state = app.extensions["klass"]
    token = WRITE_INTENT.set(True)  # SQLite: a job writes, so it takes the write lock at BEGIN
    try:
        _run_job(app, state, job_id, cleanup)
    finally:
        WRITE_INTENT.reset(token)


def _run_job(app: Flask, state: Any, job_id: int, cleanup: bool) -> None:
    with _context_of(app):
        session = state.session()
        job = session.get(Job, job_id)
        if job is None or job.status in ("done", "running"):
            return  # already done (a retry after a restart must not run it twice)
        job.status, job.started_at = "running", utcnow()
        session.commit()

        def progress(done: int, total: int, message: str = "") -> None:
            job.done, job.total, job.message = done, total, message
            session.commit()

        module_name, _, func_name = job.handler.partition(":")
        try:
            handler = getattr(importlib.import_module(module_name), func_name)
            from core.school_settings import working_for

            with working_for(job.school_id, session=session):  # the job's school's settings, not the deployment's
                result = handler(session, job, progress)
            job.status, job.result = "done", result or {}
            job.done = job.total or job.done
        except Exception as exc:  # a failed job is shown to its owner, never silently lost
            session.rollback()
            job = session.get(Job, job_id)
            assert job is not None
            # The owner reads a Russian sentence (the page translates the msgid); the detail goes to the log.
            job.status, job.message = "failed", _failure_message(exc)
            log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        job.finished_at = utcnow()
        session.commit()
        if cleanup:
            state.session.remove()


@huey.periodic_task(crontab(minute="*/5"))
def _periodic() -> None:
    run_periodic(_worker_app())


def start_embedded_worker(app: Flask, interval: float = 1.0) -> threading.Thread | None:
    """Drain the queue from a daemon thread of the web process: only the single-process demo server
    (``klass run``) does; gunicorn's web workers leave the queue to ``klass jobs worker``, so a
    whole-school print never runs beside web requests."""
    if immediate() or app.testing or under_gunicorn():
        return None
    _apps.setdefault("app", app)

    def loop() -> None:
        last_periodic = 0.0
        while True:
            try:
                task = huey.dequeue()
                if task is not None:
                    huey.execute(task)
                    continue
                if time.time() - last_periodic >= 300:
                    last_periodic = time.time()
                    run_periodic(app)
            except Exception:
                log.error("embedded worker:\n%s", traceback.format_exc())
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="klass-jobs", daemon=True)
    thread.start()
    return thread
