"""The built-in sign-in provider: login + argon2 password. Registered so that plugins are tried first."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from core.models import User
from core.plugins import hookimpl
from core.security import hash_password, needs_rehash, verify_password


@hookimpl(trylast=True)
def authenticate(login: str, secret: str, school_id: int | None) -> User | None:
    """Logins are unique per school (core.tenancy): with no school known, no account is checked, but the
    password still costs one argon2 verification."""
    session = current_app.extensions["klass"].session()
    user = None if school_id is None else session.scalar(
        select(User).where(User.school_id == school_id, User.login == login.strip().lower()))
    if user is None or not user.password_hash:
        from core.signin import burn_password_check

        burn_password_check(secret)  # an unknown login costs what a known one does: no enumeration by time
        return None
    if not verify_password(user.password_hash, secret):
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(secret)
    return user
