"""Sign-in protection: the same work for every login, rate limits that cannot lock a stranger's target
out, and the password policy.

**Enumeration.** An unknown login verifies the typed password against a dummy argon2 hash made with the
school's own cost, so it takes as long as a real one and answers the same status and words.

**Rate limits (the choice).** Failed sign-ins are counted by the ``limits`` library (storage ``memory://`` by
default, ``[security] rate_limit_storage = "redis://..."`` when several app processes run) under three
keys, all keyed by the *typed* login so a known and an unknown login are counted alike:

* address + login: ``max_failed_logins`` failures per ``lockout_minutes`` lock *that address* out of
  that account. A stranger who types the director's login five times locks only themselves out;
  the director, from any other address, signs in as usual.
* address: ``login_failures_per_address`` failures (any logins) stop one address guessing many accounts.
* login, from every address: ``login_failures_per_account`` failures, set high, so only a guessing
  campaign from many addresses at once slows the account down; five requests never lock it.

There is no lock stored on the account any more: nothing one person can do from one address keeps
another person out.
"""
from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext as _

from core.security import hash_password, verify_password

_dummy: dict[str, str] = {}


def burn_password_check(password: str) -> None:
    """Verify ``password`` against a dummy hash made with the current argon2 cost: the work a real check
    does, for a login that does not exist or has no password."""
    from core import security

    key = repr((security._hasher.time_cost, security._hasher.memory_cost, security._hasher.parallelism))
    if key not in _dummy:
        _dummy[key] = hash_password(secrets.token_urlsafe(16))
    verify_password(_dummy[key], password)


# --- rate limits ---------------------------------------------------------------------------------------

def init_limiter(app: Flask, security: dict[str, Any]) -> None:
    """One rate limiter per app (the ``limits`` library's fixed window, as Flask-Limiter used): its storage
    holds the failure counters, shared through Redis when ``rate_limit_storage`` names one.

    Why ``limits`` itself and not Flask-Limiter around it: no route carries a limit decorator (sign-in
    counts its own failures), and Flask-Limiter's check before every request, its header hook and its
    teardown found nothing to do on every page while costing each about 0.1 ms of CPU (issue 20)."""
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    storage = storage_from_string(_limit_storage(security["rate_limit_storage"]))
    app.extensions["klass_login_limits"] = FixedWindowRateLimiter(storage)


def _limit_storage(configured: str) -> str:
    """Where the failure counters live. ``memory://`` counts per process, so under gunicorn (or on
    several hosts) a guesser would get the limit once per process: when the deployment already shares a
    Redis for its job queue (``KLASS_JOBS=redis://...``) and the config names no storage of its own,
    the counters go there too."""
    import os

    shared = os.environ.get("KLASS_JOBS", "")
    if configured.startswith("memory://") and shared.startswith(("redis://", "rediss://", "unix://")):
        return shared
    return configured


def _limits(login: str) -> list[tuple[str, tuple[str, ...]]]:
    from core.app import state

    security = state().settings["security"]
    address = request.remote_addr or "?"
    return [
        (f"{security['max_failed_logins']} per {security['lockout_minutes']} minutes",
         ("login-address-account", address, login)),
        (security["login_failures_per_address"], ("login-address", address)),
        (security["login_failures_per_account"], ("login-account", login)),
    ]


def _strategy() -> Any:
    return current_app.extensions["klass_login_limits"]


def sign_in_blocked(login: str) -> bool:
    """Has this address (or, after a campaign from many addresses, this login) used up its failures?"""
    from limits import parse

    strategy = _strategy()
    return any(not strategy.test(parse(limit), *keys) for limit, keys in _limits(login))


def count_failure(login: str) -> None:
    """Count a failed sign-in (or second-factor code) under every key."""
    from limits import parse

    strategy = _strategy()
    for limit, keys in _limits(login):
        strategy.hit(parse(limit), *keys)


# --- password policy -------------------------------------------------------------------------------------

MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline slow-hash scenario"


def password_problem(password: str, *, context: list[str], min_length: int) -> str | None:
    """Why ``password`` is refused (a translated sentence that also says how to choose), or ``None``.

    ``context`` holds the words an attacker knows about the person: login, names, the school's name.
    """
    advice = _("Choose a phrase of three or four unrelated words, for example «зелёный утюг поёт басом», "
               "at least %(n)d characters long.", n=min_length)
    if len(password) < min_length:
        return _("The password is too short: it must be at least %(n)d characters long.", n=min_length) + " " + advice
    from zxcvbn import zxcvbn

    words = [w for item in context for w in str(item).lower().replace("-", " ").split() if len(w) >= 3]
    result = zxcvbn(password[:100], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    sequence = result.get("sequence") or []
    if any(m.get("dictionary_name") == "user_inputs" for m in sequence):
        reason = _("The password contains your name, login or the school's name, which anyone can find out.")
    elif any(m.get("dictionary_name") == "passwords" for m in sequence):
        reason = _("The password is one of the most common passwords: it is guessed first.")
    elif any(m.get("pattern") in ("sequence", "repeat", "spatial", "date") for m in sequence):
        reason = _("The password is a sequence, a repetition, a keyboard row or a date: these are guessed quickly.")
    else:
        reason = _("The password is too easy to guess.")
    return reason + " " + advice
