"""Signing a Сетевой Город app in and out.

The original protocol: ``auth/getdata`` hands out a salt (with ``lt`` and ``ver`` that the client posts
back), the client sends ``pw2 = md5(salt + md5(password))``, the server answers an access token ``at`` the
client sends as a header. The salt travels inside ``lt``, signed with the app's secret key and valid for a
few minutes, so no state is kept before sign-in; a consumed ``lt`` is recorded with the session, so a
recorded ``login`` request cannot be replayed. Only app passwords answer the challenge (the account's own
password is kept as argon2 and can never be checked this way).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.toolkit import (
    User,
    app_password_valid,
    can,
    check_app_password_challenge,
    school_settings,
    utcnow,
)
from plugins.netschool_compat.models import CompatSession

CHALLENGE_SECONDS = 300
SEEN_EVERY = timedelta(minutes=1)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="netschool_compat.challenge")


def new_challenge() -> dict[str, str]:
    """What ``auth/getdata`` answers: the salt, and ``lt``/``ver`` the client posts back with ``login``."""
    salt = str(secrets.randbelow(10**9 - 10**8) + 10**8)  # the original's salt is a 9-digit number
    return {"lt": _serializer().dumps(salt), "ver": "1", "salt": salt}


def sign_in(session: Session, school_id: int, login: str, lt: str, pw2: str) -> tuple[User, str] | None:
    """Check the challenge answer; return the user and a new ``at`` token, or None (one refusal for every
    failure, so logins and app passwords cannot be told apart)."""
    try:
        salt = _serializer().loads(lt, max_age=CHALLENGE_SECONDS)
    except BadSignature:
        return None
    user = session.scalar(select(User).where(User.school_id == school_id, User.login == login))
    if user is None or not user.is_active or not can(user, "netschool_compat.use"):
        return None
    app_password = check_app_password_challenge(session, user, str(salt), pw2, used_by="netschool")
    if app_password is None:
        return None
    token = secrets.token_urlsafe(32)
    row = CompatSession(school_id=user.school_id, user_id=user.id, app_password_id=app_password.id,
                        token_hash=_digest(token), challenge_hash=_digest(lt))
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # this ``lt`` was used already: a replay
        session.rollback()
        return None
    return user, token


def user_of(session: Session, token: str) -> User | None:
    """The user of a live session: not signed out, not idle too long, its app password still valid."""
    row = session.scalar(select(CompatSession).where(CompatSession.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()  # the session's own school's idle limit (nobody is signed in yet to ask for it)
    minutes = school_settings(row.school_id, session=session).plugin("netschool_compat")["session_minutes"]
    if now - row.last_seen_at > timedelta(minutes=minutes):
        return None
    if not app_password_valid(session, row.app_password_id):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        session.commit()
    return user


def sign_out(session: Session, token: str) -> bool:
    row = session.scalar(select(CompatSession).where(CompatSession.token_hash == _digest(token),
                                                     CompatSession.revoked_at.is_(None)))
    if row is None:
        return False
    row.revoked_at = utcnow()
    return True
