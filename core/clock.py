"""The school's clock: "today", "now" and "this week" in the school's own time zone.

Russia spans eleven zones, and a deployment holds many schools, so "today" is never the server's date
and never the config's zone: it is the date on the wall of the school whose data is being read.
``School.timezone`` is the source; the config's ``[school] timezone`` is only the default given to a
new school. A request uses the signed-in user's school; background work (jobs, periodic work, CLI)
has no request, so every function also takes the school (or a zone) explicitly.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from core.config import ConfigError
from core.models import School

DEFAULT_ZONE = "Europe/Moscow"


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the zone database once: apps start many times in tests


def valid_zone(name: str) -> bool:
    """Is ``name`` an IANA zone this machine knows (``Asia/Yekaterinburg``), not a typo or a path?"""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in _known_zones() or name == "UTC"


def check_zone(name: str, where_ru: str, where_en: str) -> ZoneInfo:
    """The zone, or a ``ConfigError`` naming where the unknown zone was found (stops start-up)."""
    if not valid_zone(name):
        raise ConfigError(
            f"Неизвестный часовой пояс «{name}» ({where_ru}). Укажите пояс из базы IANA, например "
            f"Europe/Moscow или Asia/Yekaterinburg.",
            f"Unknown time zone '{name}' ({where_en}). Use an IANA zone such as Europe/Moscow or "
            f"Asia/Yekaterinburg.",
        )
    return ZoneInfo(name)


def check_school_zones(bind: Engine | Connection) -> None:
    """Refuse to start when any school's stored zone is unknown (a typo would shift every "today").

    Skipped before the first migration, when there is no school table yet (``klass db upgrade``).
    """
    from sqlalchemy import inspect

    if not inspect(bind).has_table(School.__tablename__):
        return
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            rows = conn.execute(select(School.id, School.short_name, School.timezone)).all()
    else:
        rows = bind.execute(select(School.id, School.short_name, School.timezone)).all()
    for school_id, name, zone in rows:
        check_zone(zone, f"школа № {school_id} «{name}»", f"school {school_id} '{name}'")


def _as_zone(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


AS_OF_VARIABLE = "KLASS_AS_OF"


def as_of_day() -> date | None:
    """The school calendar's pinned day, from ``KLASS_AS_OF=YYYY-MM-DD``, or None for the real date.

    Why: benchmarks and a full-size demo must see the same school whatever the real date is (before
    the first term ends there is no finished term to measure). With the variable set, every "today"
    of the school clock is that day; the time of day still runs. Never set it in production.
    """
    value = os.environ.get(AS_OF_VARIABLE)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{AS_OF_VARIABLE}={value!r}: ожидается дата ГГГГ-ММ-ДД.",
                          f"{AS_OF_VARIABLE}={value!r}: expected a date YYYY-MM-DD.") from exc


@contextmanager
def pinned_day(day: date | None) -> Iterator[None]:
    """Run the block with the school clock pinned to ``day`` (nothing changes when it is None):
    ``klass demo --as-of`` builds every plugin's demo data for that day."""
    if day is None:
        yield
        return
    before = os.environ.get(AS_OF_VARIABLE)
    os.environ[AS_OF_VARIABLE] = day.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(AS_OF_VARIABLE, None)
        else:
            os.environ[AS_OF_VARIABLE] = before


def now_in(zone: str | tzinfo) -> datetime:
    """The current moment as an aware datetime in ``zone`` (background work that knows its zone);
    on the day pinned by ``KLASS_AS_OF`` when it is set (benchmarks)."""
    moment = datetime.now(UTC).astimezone(_as_zone(zone))
    day = as_of_day()
    return moment if day is None else moment.replace(year=day.year, month=day.month, day=day.day)


def today_in(zone: str | tzinfo) -> date:
    """Today's date on the wall clock of ``zone``."""
    return now_in(zone).date()


def remember_zone(school_id: int, name: str) -> None:
    """Put a school's zone, read along with something else (the sign-in's session row), into the
    request's cache, so ``school_zone`` needs no statement of its own."""
    from flask import g, has_app_context

    if has_app_context() and valid_zone(name):
        g.setdefault("klass_school_zones", {})[school_id] = ZoneInfo(name)


def school_zone(school_id: int | None = None, *, session: Session | None = None) -> ZoneInfo:
    """The zone of a school: the signed-in user's by default, or ``school_id`` (with ``session``
    outside a request). Cached for the request, since a page asks for "today" many times."""
    from flask import g, has_app_context, has_request_context

    if school_id is None:
        from core.app import acting_user

        school_id = getattr(acting_user(), "school_id", None) if has_request_context() else None
        if school_id is None:
            raise LookupError("no signed-in user here: pass school_id (jobs, periodic work, CLI)")
    cache: dict[int, ZoneInfo] | None = None
    if has_app_context():
        cache = g.setdefault("klass_school_zones", {})
        if school_id in cache:
            return cache[school_id]
    if session is None:
        from core.db import db

        session = db()
    name = session.scalar(select(School.timezone).where(School.id == school_id))
    if name is None:
        raise LookupError(f"no school {school_id}")
    zone = ZoneInfo(name)
    if cache is not None:
        cache[school_id] = zone
    return zone


def school_now(school_id: int | None = None, *, session: Session | None = None) -> datetime:
    """Now as an aware datetime in the school's zone (the current user's school unless given)."""
    return now_in(school_zone(school_id, session=session))


def school_today(school_id: int | None = None, *, session: Session | None = None) -> date:
    """Today at the school (the current user's school unless ``school_id`` is given)."""
    return school_now(school_id, session=session).date()


def week_start(day: date | None = None) -> date:
    """The Monday of ``day``'s week (of the school's today when ``day`` is omitted, in a request)."""
    day = day if day is not None else school_today()
    return day - timedelta(days=day.weekday())


def local_to_utc(naive_local: datetime, zone: str | tzinfo) -> datetime:
    """A wall-clock time typed by a user at the school (a naive datetime) as an aware UTC moment."""
    return naive_local.replace(tzinfo=_as_zone(zone)).astimezone(UTC)
