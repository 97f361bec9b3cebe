"""Database plumbing: the declarative base, engines and the per-request session.

Models, CLI commands, migrations and background jobs share this module, and none of them needs Flask:
services take a `Session` argument, views get theirs from `db()`.
"""
from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import JSON, MetaData, Select, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.sql.selectable import SelectBase
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of the core and of the plugins; plugins prefix their tables with their name."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: JSON}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use core.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


WRITE_INTENT: ContextVar[bool] = ContextVar("klass_write_intent", default=False)


def _writing_request() -> bool:
    """Will this transaction write? A data-changing request, or background work that said so."""
    from flask import has_request_context, request

    if WRITE_INTENT.get():
        return True
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for `url`; SQLite gets foreign keys and real transactions (needed for SAVEPOINTs)."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 is the driver we install
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # A request that changes data (POST, PUT, PATCH, DELETE) takes the write lock at the start,
            # so two saves at once wait for each other (busy timeout) instead of one failing with
            # "database is locked" when its read snapshot is upgraded to a write. Reads, jobs and CLI
            # commands begin deferred, so readers never queue behind writers; jobs and periodic work
            # declare their intent (WRITE_INTENT) and lock at BEGIN as well. PostgreSQL needs none.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")

    return engine


# --- read replicas ------------------------------------------------------------------------------------
#
# With ``DATABASE_REPLICA_URL`` set, a GET of a view marked ``@reads_from_replica`` (reports, the diary,
# exports: heavy reads that may be a second behind) sends its plain SELECTs to the replica. Everything
# else goes to the primary: the session and sign-in lookup (done before the view starts), every write
# and every read after one in the same request, text() statements, SELECT ... FOR UPDATE, Bearer-token
# requests (they carry no cookie to remember their writes), and the whole request of a person whose
# data-changing request committed in the last ``DATABASE_REPLICA_AFTER_WRITE_SECONDS`` (read your own
# writes: the moment is kept in Flask's signed session cookie, so every app process and host knows it
# without shared memory). The replica is chosen per statement by ``RoutingSession.get_bind``, so views
# and services keep using one ``db()`` session and never name an engine.

WROTE_AT = "_klass_wrote_at"


def replica_grace_seconds() -> float:
    """How long after a person's write their reads stay on the primary (replication lag, generously)."""
    return float(os.environ.get("DATABASE_REPLICA_AFTER_WRITE_SECONDS", "15"))


class RoutingSession(Session):
    """A session that may read from a replica: see the comment above. ``replica`` is set per app."""

    replica: Engine | None = None

    def get_bind(self, mapper: Any = None, clause: Any = None, **kwargs: Any) -> Engine | Connection:
        if (self.replica is not None and isinstance(clause, Select) and clause._for_update_arg is None
                and _replica_allowed()):
            return self.replica
        return super().get_bind(mapper=mapper, clause=clause, **kwargs)


def _replica_allowed() -> bool:
    from flask import g, has_request_context

    return has_request_context() and bool(g.get("klass_read_replica")) and not g.get("klass_wrote")


@event.listens_for(RoutingSession, "after_flush")
def _note_write(session: Session, _flush_context: Any) -> None:
    from flask import g, has_request_context

    if has_request_context():
        g.klass_wrote = True  # later reads of this request see what it just wrote: the primary


@event.listens_for(RoutingSession, "after_commit")
def _remember_write(session: Session) -> None:
    """A data-changing request that committed a write: this person's next reads go to the primary for
    a while. GETs that only keep books (a diary visit) do not count, or the diary would never be
    read from the replica."""
    from flask import g, has_request_context, request
    from flask import session as cookie

    if (session.replica is not None and has_request_context()  # type: ignore[attr-defined]
            and g.get("klass_wrote") and request.method not in ("GET", "HEAD", "OPTIONS")):
        cookie[WROTE_AT] = int(time.time())


F = TypeVar("F", bound=Callable[..., Any])


def reads_from_replica(view: F) -> F:
    """Mark a view whose GET may read from the read replica (``DATABASE_REPLICA_URL``): reports, the
    diary, exports. Without a replica configured it changes nothing. Put it under ``@requires_permission``."""
    from flask import g, request
    from flask import session as cookie

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method in ("GET", "HEAD") and g.get("api_user") is None:
            wrote_at = cookie.get(WROTE_AT)
            g.klass_read_replica = not (isinstance(wrote_at, int | float)
                                        and time.time() - wrote_at < replica_grace_seconds())
        return view(*args, **kwargs)

    wrapper.klass_reads_from_replica = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def read_rows(session: Session, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """Run a SELECT of columns (no entities) through the session's connection, skipping the ORM layer:
    the rows are the same (``row.name``, tuples), the cost per statement is about 60 % of
    ``session.execute`` (measured: 85 µs against 139 µs of CPU on PostgreSQL for a small statement).

    Why a helper: the pages families open most (the diary week and its sections) run a handful of
    prebuilt column statements each; the ORM's per-statement work was a fifth of the page (issue 20).
    The statement still goes through ``RoutingSession.get_bind``, so ``@reads_from_replica`` views read
    from the replica, and it joins the session's transaction (it sees the request's own flushed writes; unlike
    ``session.execute`` it does not flush pending ORM objects first: use it for reads, not mid-service)."""
    connection = session.connection(bind_arguments={"clause": statement})
    return connection.execute(statement, params or {})


# --- how a request's transaction ends -----------------------------------------------------------------
#
# A request that wrote nothing ends its transaction with COMMIT, not ROLLBACK. The two are the same for a
# transaction that only read, but psycopg 3 forgets every prepared statement on ROLLBACK (and sends
# DEALLOCATE ALL): ending every page with one meant no statement was ever prepared, so PostgreSQL parsed
# and planned each of them on every request (about 0.9 ms of planning for the diary week's one statement,
# 1.3 ms for the journal's five: issue 20). A request that executed anything but a read (an INSERT,
# UPDATE or DELETE, compiled or textual), left ORM changes unflushed, or failed, is rolled back as before.

_READ_VERBS = ("SELECT", "SHOW", "EXPLAIN", "BEGIN", "SAVEPOINT", "RELEASE", "VALUES")


@event.listens_for(Engine, "before_cursor_execute")
def _note_statement(conn: Connection, _cursor: Any, statement: str, _parameters: Any, context: Any,
                    _executemany: bool) -> None:
    from flask import g, has_request_context

    if not has_request_context() or g.get("klass_db_wrote"):
        return
    compiled = getattr(context, "compiled", None)
    if compiled is not None and isinstance(getattr(compiled, "statement", None), SelectBase):
        return  # a SELECT or UNION built with SQLAlchemy (its CTEs included) reads
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        g.klass_db_wrote = True
    elif not statement.lstrip()[:9].upper().startswith(_READ_VERBS):
        g.klass_db_wrote = True  # textual SQL other than a read: count it as a write


def finish_request(registry: scoped_session[Session], failed: bool) -> None:
    """End the request's session: COMMIT a transaction that only read (see above), else roll back."""
    from flask import g

    if registry.registry.has():
        session = registry()
        if (not failed and session.in_transaction() and not g.get("klass_db_wrote")
                and not (session.new or session.dirty or session.deleted)):
            try:
                session.commit()
            except Exception:  # never fail a finished response for this; remove() rolls back
                session.rollback()
    registry.remove()


def make_session_factory(bind: Engine | Connection, replica: Engine | None = None) -> scoped_session[Session]:
    """The app's request sessions; ``replica`` (optional) serves the reads of ``@reads_from_replica`` views."""
    # "create_savepoint" lets tests bind the app to a connection inside a transaction they roll back;
    # bound to an engine (production) it changes nothing.
    session_class = type("AppSession", (RoutingSession,), {"replica": replica})
    return scoped_session(
        sessionmaker(bind=bind, class_=session_class, expire_on_commit=False,
                     join_transaction_mode="create_savepoint")
    )


def db() -> Session:
    """The current request's session (one per request, removed when the app context ends)."""
    return current_app.extensions["klass"].session()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session outside any request (CLI, jobs): commits on success, rolls back on error."""
    session = Session(bind=engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_with_ids(session: Session, model: type[Base], rows: list[dict[str, object]]) -> list[int]:
    """Bulk-insert rows with ids chosen here and return them in order.

    ``INSERT ... RETURNING`` with guaranteed order is slow for hundreds of thousands of rows; choosing
    the ids ourselves is fast on every engine. PostgreSQL's sequence is moved past them afterwards.
    Only for bulk loads (demo data, imports) run by one process at a time.
    """
    from sqlalchemy import func, insert, select, text

    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(start, start + len(rows)))
    for row_id, row in zip(ids, rows, strict=True):
        row["id"] = row_id
    for offset in range(0, len(rows), 20000):
        session.execute(insert(table), rows[offset:offset + 20000])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :last)"),
                        {"last": ids[-1]})
    return ids
