"""Per-process caches of page data that changes rarely, kept right across processes and hosts (issue 20).

Why: the diary week is the page families open most, and part of it (the week's news, the class's events)
is the same for every family of a class and changes a few times a week; yet each such section cost a
statement and a fragment on every page, about a seventh of the page's CPU.

How it stays right:

* A plugin names the tables such data is read from (``watch``). A session transaction that writes any of
  them (an ORM flush, or an INSERT/UPDATE/DELETE run through ``session.execute``) replaces the
  deployment's content token (``core_content_generation``, one row) with a new random number just
  before it commits, in the same transaction: the new token becomes visible together with the data.
* The sign-in statement reads the token along with the session row (``remember_token``: no statement of
  its own), and ``cached(key, build)`` keeps ``build()``'s result under (token, key) in this app. A
  request that starts after the commit reads the new token and misses. One that read the old token may
  still read the new data and keep it under the old token: newer data under an older key, harmless.
* The token is random, not a counter: a rolled-back transaction, or a database restored from a backup,
  brings an old token back only together with the data it was taken with.
* Nothing is cached or served from the cache when the token is unknown (API tokens, outside requests),
  when the request reads from a replica (it may lag behind the token read from the primary), or when the
  request has written anything itself (what it reads may never commit).

The price: one UPDATE of one row in the (rare) transactions that write watched tables, and every such
write anywhere in the deployment makes every process build those entries once more. Old entries are
dropped when the cache reaches ``LIMIT`` entries.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from core.models import ContentGeneration

T = TypeVar("T")

LIMIT = 4096  # entries per app: a few hundred classes × a couple of weeks × sections
WATCHED: set[str] = set()
_CHANGED = "klass_content_changed"  # session.info: this transaction wrote a watched table
_TOKEN = "klass_content_token"  # g: the token read at sign-in
_STORE = "klass_content_cache"  # app.extensions


def watch(*tables: Any) -> None:
    """Declare tables (models, ``Table`` objects or names) whose writes change cached page data."""
    for table in tables:
        WATCHED.add(getattr(table, "__tablename__", None) or getattr(table, "name", None) or str(table))


def token_column() -> Any:
    """The current token as a scalar subquery, for the sign-in statement to read it with the session."""
    return select(ContentGeneration.token).where(ContentGeneration.id == 1).scalar_subquery()


def remember_token(token: int | None) -> None:
    """Keep the token the sign-in statement read for this request."""
    setattr(g, _TOKEN, token)


def cached(key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()``, kept in this app under the request's content token and ``key``. The key names
    everything the result depends on besides watched tables (school, class, week, locale...). Treat the
    result as read-only: other requests get the same object."""
    if not has_request_context():
        return build()
    token = g.get(_TOKEN)
    session = current_app.extensions["klass"].session()
    if (token is None or g.get("klass_db_wrote") or session.info.get(_CHANGED)
            or (getattr(session, "replica", None) is not None and g.get("klass_read_replica"))):
        return build()
    store: dict[tuple[Hashable, ...], Any] = current_app.extensions.setdefault(_STORE, {})
    full = (token, *key)
    if full in store:
        return store[full]  # type: ignore[no-any-return]
    value = build()
    if len(store) >= LIMIT:
        store.clear()
    store[full] = value
    return value


def new_token(session: Session) -> None:
    """Replace the token now (in the session's transaction): for writes the session events cannot see."""
    session.execute(update(ContentGeneration).where(ContentGeneration.id == 1)
                    .values(token=secrets.randbits(62)))


# --- noticing writes of watched tables -----------------------------------------------------------------

@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if WATCHED and (state.is_insert or state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if not WATCHED or session.info.get(_CHANGED):
        return
    for obj in chain(session.new, session.dirty, session.deleted):  # still the flushed objects here
        if getattr(type(obj), "__tablename__", None) in WATCHED:
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # commit flushes only after this event: what is pending must be seen first
    if session.info.pop(_CHANGED, False):
        new_token(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a savepoint's end changes nothing)
        session.info.pop(_CHANGED, None)
