"""App passwords: created on the account page, checked by the Сетевой Город-compatible API (MD5 challenge)
and by calendar feeds (basic authentication), revoked one by one or with every other credential.

One rule for "still valid": not revoked, the owner active, and created under the owner's current
``session_version`` (a password change, an administrator's reset, a leak report or a new slip bump it, so
app passwords end with sessions and tokens even where the bumping code never heard of them).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.models import AppPassword, User

# Letters that read unambiguously when copied by hand into a phone app (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _md5(secret: str) -> str:
    return hashlib.md5(secret.encode("cp1251")).hexdigest()  # noqa: S324 - the protocol's own digest


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(session: Session, user: User, name: str) -> tuple[AppPassword, str]:
    """A new app password: returns the row and the secret, which is shown once and never stored."""
    secret = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(5))
    row = AppPassword(school_id=user.school_id, user_id=user.id, name=name.strip()[:100], md5_hex=_md5(secret),
                      sha256_hex=_sha256(secret), session_version=user.session_version)
    session.add(row)
    session.flush()
    return row, secret


def is_live(row: AppPassword, user: User) -> bool:
    return row.revoked_at is None and user.is_active and row.session_version == user.session_version


def of_user(session: Session, user: User) -> list[AppPassword]:
    return list(session.scalars(select(AppPassword).where(
        AppPassword.school_id == user.school_id, AppPassword.user_id == user.id).order_by(AppPassword.id.desc())))


def _live_rows(session: Session, user: User) -> list[AppPassword]:
    return [row for row in of_user(session, user) if is_live(row, user)]


def check_challenge(session: Session, user: User, salt: str, pw2: str, used_by: str = "netschool"
                    ) -> AppPassword | None:
    """The live app password for which ``md5(salt + md5(password)) == pw2``, marked as used; else None."""
    for row in _live_rows(session, user):
        expected = hashlib.md5((salt + row.md5_hex).encode()).hexdigest()  # noqa: S324
        if hmac.compare_digest(expected, pw2.lower()):
            row.last_used_at, row.last_used_by = utcnow(), used_by
            return row
    return None


def check_secret(session: Session, user: User, secret: str, used_by: str = "calendar") -> AppPassword | None:
    """The live app password equal to ``secret`` (a calendar app's basic authentication), marked as used."""
    digest = _sha256(secret)
    for row in _live_rows(session, user):
        if hmac.compare_digest(row.sha256_hex, digest):
            row.last_used_at, row.last_used_by = utcnow(), used_by
            return row
    return None


def still_valid(session: Session, app_password_id: int) -> bool:
    """For a session opened with an app password: does the password still hold (checked per request)."""
    row = session.get(AppPassword, app_password_id)
    if row is None:
        return False
    user = session.get(User, row.user_id)
    return user is not None and is_live(row, user)


def revoke(row: AppPassword) -> None:
    row.revoked_at = row.revoked_at or utcnow()


def revoke_all(session: Session, user_id: int) -> int:
    """Mark every app password of a person revoked (a leak, a reset): the account page shows them ended."""
    result = session.execute(
        update(AppPassword).where(AppPassword.user_id == user_id, AppPassword.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
