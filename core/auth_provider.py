"""The built-in sign-in provider: login + argon2 password. Registered so that plugins are tried first."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from core.models import User
from core.plugins import hookimpl
from core.security import hash_password, needs_rehash, verify_password


@hookimpl(trylast=True)
def authenticate(login: str, secret: str) -> User | None:
    session = current_app.extensions["klass"].session()
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None or not user.password_hash:
        from core.signin import burn_password_check

        burn_password_check(secret)  # an unknown login costs what a known one does: no enumeration by time
        return None
    if not verify_password(user.password_hash, secret):
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(secret)
    return user
