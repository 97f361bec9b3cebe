"""Per-process caches of page data that changes rarely, kept right across processes and hosts (issue 20).

Why: the diary week is the page families open most, and part of it (the week's news, the class's events)
is the same for every family of a class and changes a few times a week; yet each such section cost a
statement and a fragment on every page, about a seventh of the page's CPU.

How it stays right:

* A plugin names the tables such data is read from (``watch``); each has a ``school_id``. A session
  transaction that writes any of them (an ORM flush, or an INSERT/UPDATE/DELETE run through
  ``session.execute``) replaces its schools' content tokens (``core_school.content_token``) with a new
  random number just before it commits, in the same transaction: the new token becomes visible together
  with the data. A bulk INSERT, UPDATE or DELETE of a watched table names its school with
  ``.execution_options(content_school_id=...)``; one that does not replaces every school's token.
* The sign-in statement reads the school's token along with the session row (``remember_token``: no
  statement of its own), and ``cached(school_id, key, build)`` keeps ``build()``'s result under (school,
  token, key) in this app. A request that starts after the commit reads the new token and misses. One
  that read the old token may still read the new data and keep it under the old token: newer data under
  an older key, harmless.
* The token is random, not a counter: a rolled-back transaction, or a database restored from a backup,
  brings an old token back only together with the data it was taken with.
* Nothing is cached or served from the cache when the school's token is unknown (API tokens, another
  school's page, outside requests), when the request reads from a replica (it may lag behind the token
  read from the primary), or when the request has written anything itself (what it reads may never
  commit).

The price: one UPDATE of the school's row in the (rare) transactions that write watched tables, after
which every process builds that school's entries once more. A school's writes leave the other schools'
entries alone, so a region's deployment keeps its hit rate. The oldest entries are dropped past ``LIMIT``.
"""
from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable, Iterable
from itertools import chain
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import event, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from core.models import School

T = TypeVar("T")

# Entries per app process: a region's worker sees classes of many schools; an entry is a section's rendered
# HTML or a week's few rows (about a kilobyte), so the cache stays within ~20 MB.
LIMIT = 20000
WATCHED: set[str] = set()
EVERY_SCHOOL = 0  # in the changed set: a write whose school could not be seen
SCHOOL_OPTION = "content_school_id"  # execution option: the one school a bulk write of a watched table touches
_CHANGED = "klass_content_changed"  # session.info: the schools whose watched tables this transaction wrote
_TOKENS = "klass_content_tokens"  # g: school id -> the token read at sign-in
_STORE = "klass_content_cache"  # app.extensions
_MISSING = object()
_EVICTING = threading.Lock()


def watch(*tables: Any) -> None:
    """Declare tables (models, ``Table`` objects or names) whose writes change cached page data. Each
    must have a ``school_id`` column (the school whose token a write replaces)."""
    for table in tables:
        WATCHED.add(getattr(table, "__tablename__", None) or getattr(table, "name", None) or str(table))


def remember_token(school_id: int, token: int) -> None:
    """Keep the school's token the sign-in statement read for this request."""
    tokens = g.get(_TOKENS)
    if tokens is None:
        tokens = {}
        setattr(g, _TOKENS, tokens)
    tokens[school_id] = token


def cached(school_id: int, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()``, kept in this app under the school's content token and ``key``. The key names
    everything else the result depends on (class, week, locale...). Treat the result as read-only: other
    requests get the same object."""
    if not has_request_context():
        return build()
    token = (g.get(_TOKENS) or {}).get(school_id)
    session = current_app.extensions["klass"].session()
    if (token is None or g.get("klass_db_wrote") or session.info.get(_CHANGED)
            or (getattr(session, "replica", None) is not None and g.get("klass_read_replica"))):
        return build()
    store: dict[tuple[Hashable, ...], Any] = current_app.extensions.setdefault(_STORE, {})
    full = (school_id, token, *key)
    found = store.get(full, _MISSING)  # one lookup: another thread may drop the entry between two
    if found is not _MISSING:
        return found  # type: ignore[no-any-return]
    value = build()
    if len(store) >= LIMIT:
        with _EVICTING:  # threaded servers (klass run, gthread): one thread drops the oldest entries
            while len(store) >= LIMIT:
                try:
                    del store[next(iter(store))]  # the oldest entry (dicts keep their insertion order)
                except (KeyError, RuntimeError, StopIteration):  # changed under us: try again next time
                    break
    store[full] = value
    return value


def new_token(session: Session, school_ids: Iterable[int]) -> None:
    """Replace these schools' tokens now, in the session's transaction (``EVERY_SCHOOL`` among them: all
    schools'). For writes the session events cannot see (``session.connection().execute``)."""
    ids = set(school_ids)
    statement = update(School).values(content_token=secrets.randbits(62)).execution_options(
        synchronize_session=False)
    if EVERY_SCHOOL not in ids:
        statement = statement.where(School.id.in_(sorted(ids)))  # in id order: two writers never deadlock
    session.execute(statement)


# --- noticing writes of watched tables -----------------------------------------------------------------

def _changed(session: Session) -> set[int]:
    changed: set[int] | None = session.info.get(_CHANGED)
    if changed is None:
        changed = session.info[_CHANGED] = set()
    return changed


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if WATCHED and (state.is_insert or state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED:
            # A bulk statement: its rows' school is not known unless the caller names it
            # (``.execution_options(content_school_id=...)``); otherwise every school's token changes.
            _changed(state.session).add(state.execution_options.get(SCHOOL_OPTION) or EVERY_SCHOOL)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if not WATCHED:
        return
    for obj in chain(session.new, session.dirty, session.deleted):  # still the flushed objects here
        if getattr(type(obj), "__tablename__", None) in WATCHED:
            # From the loaded state, never a load: an expired row deleted here cannot be read back.
            _changed(session).add(obj.__dict__.get("school_id") or EVERY_SCHOOL)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # commit flushes only after this event: what is pending must be seen first
    changed = session.info.pop(_CHANGED, None)
    if changed:
        new_token(session, changed)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a savepoint's end changes nothing)
        session.info.pop(_CHANGED, None)
