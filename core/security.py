"""Passwords and tokens: argon2 (memory-hard) for passwords, SHA-256 for random API tokens."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # RFC 9106 low-memory profile: argon2id, 64 MiB, 3 passes


def configure_hasher(time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Set the argon2id cost from settings (``[security]``); existing hashes keep verifying and are
    re-hashed at the next sign-in when the cost changed."""
    global _hasher
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) != (time_cost, memory_kib, parallelism):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)

# Letters that cannot be confused on a printed slip (no 0/O, 1/l/I).
_SLIP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def one_time_password(length: int = 10) -> str:
    """A password for a printed slip: easy to type, never stored in clear text."""
    return "".join(secrets.choice(_SLIP_ALPHABET) for _ in range(length))


def new_api_token() -> tuple[str, str]:
    """Return (token shown once, its SHA-256 to store)."""
    token = "klass_" + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
