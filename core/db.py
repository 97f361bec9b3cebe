"""Database plumbing: the declarative base, engines and the per-request session.

Models, CLI commands, migrations and background jobs share this module, and none of them needs Flask:
services take a `Session` argument, views get theirs from `db()`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import JSON, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
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


def make_session_factory(bind: Engine | Connection) -> scoped_session[Session]:
    # "create_savepoint" lets tests bind the app to a connection inside a transaction they roll back;
    # bound to an engine (production) it changes nothing.
    return scoped_session(
        sessionmaker(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
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
