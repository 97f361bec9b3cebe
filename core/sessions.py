"""Server-side sign-in sessions: the cookie carries only a random key, the row says whose it is.

Why a table of our own and not Flask-Session: ending every session of one person (logout elsewhere,
password change, reset, disable, leak report) and listing them on the account page needs rows indexed by
user, which Flask-Session's key-value store does not have; and a table in the one database keeps the app
processes stateless without adding Redis to a school's server. Flask's signed cookie still carries the
CSRF token and one-off flash messages, but a person's identity is only the session key (``s.<random>``,
stored here as its SHA-256) that Flask-Login keeps as ``_user_id``.

Per request: one statement, by the unique key hash, brings the session row, its user with the role grants
the school's time zone, settings version and content token (``core.content_cache``);
``last_seen_at`` is written at most once a minute.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, request
from flask import session as cookie
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, contains_eager

from core.app_passwords import revoke_all
from core.clock import remember_zone
from core.content_cache import remember_token
from core.db import db, utcnow
from core.models import ApiToken, RoleGrant, School, User, UserSession
from core.school_settings import remember_version

KEY_PREFIX = "s."
SEEN_EVERY = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(hours=current_app.extensions["klass"].settings["security"]["session_hours"])


def start_session(user: User) -> UserSession:
    """Record a sign-in and put its random key (only) into the browser's cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        school_id=user.school_id, user_id=user.id, key_hash=_digest(key), session_version=user.session_version,
        created_at=now, last_seen_at=now, expires_at=now + _lifetime(),
        ip=(request.remote_addr or "")[:64], user_agent=(request.user_agent.string or "")[:300],
    )
    session = db()
    session.add(row)
    session.commit()
    cookie["_user_id"] = KEY_PREFIX + key
    g.klass_session_id = row.id
    return row


def load_user(user_key: str) -> User | None:
    """Flask-Login's user loader: the user of a live session row, or None (anonymous) at once when the
    row is revoked, expired, unknown, or older than the user's last credentials change."""
    if not user_key.startswith(KEY_PREFIX):
        return None  # a cookie from before server-side sessions: sign in again
    session = db()
    # The session row, its user and the school's time zone in one statement: this runs on every request,
    # and nearly every page asks for the school's "today" (core.clock.school_zone reads the cache).
    # The user's role grants come in the same statement (an outer join, one row per grant): every view
    # asks ``can()``, and a separate SELECT of the grants would double the sign-in's cost. The school's
    # settings version and content token come along too: they validate this process's caches.
    rows = session.execute(_sign_in_statement(),
                           {"key_hash": _digest(user_key[len(KEY_PREFIX):])}).unique().all()
    now = utcnow()
    if not rows:
        return None
    row_id, revoked_at, expires_at, row_version, last_seen_at, user, zone, settings_version, content = rows[0]
    remember_zone(user.school_id, zone)
    remember_version(user.school_id, settings_version)  # core.school_settings: no statement of its own
    remember_token(user.school_id, content)  # core.content_cache: likewise
    if revoked_at is not None or expires_at <= now:
        return None
    if not user.is_active or user.session_version != row_version:
        return None
    if now - last_seen_at >= SEEN_EVERY:
        session.execute(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now)
                        .execution_options(synchronize_session=False))
        session.commit()
    g.klass_session_id = row_id
    return user


_SIGN_IN: list[Any] = []  # built once (every request runs it; building it cost a fifth of the sign-in)


def _sign_in_statement() -> Any:
    if not _SIGN_IN:
        # The session row's columns, not the entity: only these five are read, and an entity of the row
        # (its user agent, its IP...) cost a tenth of the sign-in to build on every request.
        _SIGN_IN.append(select(UserSession.id, UserSession.revoked_at, UserSession.expires_at,
                               UserSession.session_version, UserSession.last_seen_at, User, School.timezone,
                               School.settings_version, School.content_token)
                        .join(User, User.id == UserSession.user_id)
                        .join(School, School.id == User.school_id)
                        .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
                        .options(contains_eager(User.grants))
                        .where(UserSession.key_hash == bindparam("key_hash", type_=UserSession.key_hash.type)))
    return _SIGN_IN[0]


def current_session_id() -> int | None:
    """The session row of this request (None for API tokens and anonymous visitors)."""
    return g.get("klass_session_id")


def revoke_session(session: Session, row: UserSession, reason: str) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason


def revoke_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every live session of a person; return how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke every API token of a person; return how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_everything(session: Session, user: User, reason: str) -> tuple[int, int]:
    """Sign a person out everywhere: every session and API token ends, and the bumped session version
    ends anything issued before even if it escaped the updates (app passwords too). Returns (sessions, tokens) revoked.

    The caller that keeps the person signed in (a password change) signs in again afterwards."""
    user.session_version += 1
    revoke_all(session, user.id)  # app passwords: the version bump ends them too; this marks them for the page
    return revoke_sessions(session, user.id, reason), revoke_tokens(session, user.id)


def active_sessions(session: Session, user: User) -> list[UserSession]:
    return list(session.scalars(
        select(UserSession)
        .where(UserSession.school_id == user.school_id, UserSession.user_id == user.id,
               UserSession.revoked_at.is_(None), UserSession.expires_at > utcnow(),
               UserSession.session_version == user.session_version)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def token_is_live(token: ApiToken, user: User) -> bool:
    return token.revoked_at is None and token.session_version == user.session_version


def purge_expired(session: Session, before: datetime) -> int:
    """Delete rows that ended before ``before`` (kept a while for the account page and investigations)."""
    from sqlalchemy import delete, or_

    result = session.execute(delete(UserSession).where(
        or_(UserSession.expires_at < before, UserSession.revoked_at < before)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _on_login(_app: Flask, user: User, **_extra: object) -> None:
    previous = current_session_id()
    if previous is not None:  # signing in again inside a session (after a password change): a fresh key
        row = db().get(UserSession, previous)
        if row is not None:
            revoke_session(db(), row, "renewed")
    start_session(user)


def _on_logout(_app: Flask, user: object, **_extra: object) -> None:
    row_id = current_session_id()
    if row_id is None:
        return
    session = db()
    row = session.get(UserSession, row_id)
    if row is not None:
        revoke_session(session, row, "logout")
        session.commit()
    g.pop("klass_session_id", None)


def init_app(app: Flask) -> None:
    """Connect to Flask-Login's sign-in and sign-out (blinker keeps one connection per function)."""
    user_logged_in.connect(_on_login)
    user_logged_out.connect(_on_logout)
