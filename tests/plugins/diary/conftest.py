"""Shared people of the demo school for the diary's tests."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.toolkit import SchoolClass, User, children_of, class_students


def school_today() -> date:
    return datetime.now(ZoneInfo("Europe/Moscow")).date()


def monday(day: date | None = None) -> date:
    day = day or school_today()
    return day - timedelta(days=day.weekday())


def strip_tokens(html: str) -> str:
    """Pages differ only by their CSRF tokens: compare them without."""
    return re.sub(r'value="[^"]{40,}"', 'value=""', html)


@pytest.fixture
def people(connection: Any, demo_school: dict[str, Any]) -> SimpleNamespace:
    """Read with a session of its own that leaves no savepoint behind, so tests may use several apps on
    the test's connection without their savepoints crossing."""
    from sqlalchemy.orm import Session

    with Session(bind=connection) as session:
        return _people(session, demo_school)


def _people(session: Any, demo_school: dict[str, Any]) -> SimpleNamespace:
    accounts = demo_school["accounts"]

    def user(login: str) -> User:
        return session.scalar(select(User).where(User.login == login))

    guardian = user(accounts["guardian"])
    kids = children_of(session, guardian.id)
    classes = {c.name: c for c in session.scalars(select(SchoolClass))}
    today = school_today()
    in_5a = class_students(session, classes["5А"].id, today)
    in_5b = class_students(session, classes["5Б"].id, today)
    kid_ids = {k.id for k in kids}
    for person in [guardian, *kids, *in_5a, *in_5b]:
        _ = person.grants  # loaded before the session closes
    return SimpleNamespace(
        guardian=guardian, kids=kids, student=user(accounts["student"]), class_teacher=user(accounts["class_teacher"]),
        teacher=user(accounts["teacher"]), deputy=user(accounts["deputy"]), admin=user(accounts["admin"]),
        classes=classes, in_5a=in_5a, in_5b=in_5b,
        stranger=next(s for s in in_5a if s.id not in kid_ids),  # a classmate of one child: not theirs
        far_stranger=next(s for s in in_5b if s.id not in kid_ids),
        missing_id=10_000_000,
    )
