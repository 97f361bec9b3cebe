"""Personal API tokens: ``Authorization: Bearer klass_...``; a token lives only as long as the password it
was created under (see ``core.sessions.end_everything``)."""
from __future__ import annotations

from datetime import timedelta

from flask import request
from sqlalchemy import select

from core.db import db, utcnow
from core.models import ApiToken, User
from core.security import token_digest
from core.sessions import token_is_live


def load_token_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not request.path.startswith("/api/"):
        return None
    session = db()
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_digest(header[7:].strip()), ApiToken.revoked_at.is_(None))
    )
    if token is None:
        return None
    user = session.get(User, token.user_id)
    # A password change, reset, new slip or leak report bumps the user's version: older tokens end with it.
    if user is None or not user.is_active or not token_is_live(token, user):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=10):
        token.last_used_at = now
        session.commit()
    return user
