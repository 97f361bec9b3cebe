"""Small look-ups shared by the timetable tests (demo school names to ids, a future school week)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from core.models import Holiday, SchoolClass, Subject, TeachingAssignment, Term, User


def class_id(session: Any, name: str) -> int:
    return next(c.id for c in session.scalars(select(SchoolClass)) if c.name == name)


def subject_id(session: Any, name: str) -> int:
    return session.scalar(select(Subject.id).where(Subject.name == name))


def user_id(session: Any, login: str) -> int:
    return session.scalar(select(User.id).where(User.login == login))


def assignment(session: Any, class_name: str, subject: str, subgroup: bool | None = None) -> TeachingAssignment:
    query = select(TeachingAssignment).where(TeachingAssignment.class_id == class_id(session, class_name),
                                             TeachingAssignment.subject_id == subject_id(session, subject))
    if subgroup is False:
        query = query.where(TeachingAssignment.subgroup_id.is_(None))
    return session.scalars(query.order_by(TeachingAssignment.subgroup_id)).first()


def future_week(session: Any, school_id: int) -> tuple[date, Term]:
    """A Monday at least a week ahead whose Monday-Friday are school days of one term.

    The suite runs on a fixed clock (tests/conftest.py ``FIXED_NOW``, mid second quarter), so there is
    always one; not finding it is a failure, never a skip.
    """
    holidays = list(session.scalars(select(Holiday).where(Holiday.school_id == school_id)))
    terms = list(session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.starts_on)))
    day = date.today() + timedelta(days=7)
    day += timedelta(days=(7 - day.weekday()) % 7)
    for _ in range(60):
        week = [day + timedelta(days=i) for i in range(5)]
        term = next((t for t in terms if t.starts_on <= week[0] and week[-1] <= t.ends_on), None)
        if term and not any(h.starts_on <= d <= h.ends_on for h in holidays for d in week):
            return day, term
        day += timedelta(days=7)
    raise AssertionError(f"no future school week after {date.today()}: is the fixed clock on?")


def bearer(session: Any, login: str) -> dict[str, str]:
    """An API token of a demo user, as the Authorization header a script sends."""
    from core.models import ApiToken
    from core.security import new_api_token

    user = session.scalar(select(User).where(User.login == login))
    token, digest = new_api_token()
    session.add(ApiToken(school_id=user.school_id, user_id=user.id, name="test", token_hash=digest))
    session.commit()
    return {"Authorization": f"Bearer {token}"}
