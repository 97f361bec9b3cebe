"""The school's register of orders: numbers per kind and year, without gaps, safe when two approvals happen at
once (one atomic UPDATE takes the next number; PostgreSQL locks the counter row until the commit, and a
rolled-back approval gives its number back with it)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugins.documents.models import RegisterCounter


def next_number(session: Session, school_id: int, kind: str, year: int) -> int:
    for _attempt in range(2):
        taken = session.execute(update(RegisterCounter).where(
            RegisterCounter.school_id == school_id, RegisterCounter.kind == kind, RegisterCounter.year == year)
            .values(last_number=RegisterCounter.last_number + 1).returning(RegisterCounter.last_number)).scalar()
        if taken is not None:
            return int(taken)
        try:
            with session.begin_nested():
                session.add(RegisterCounter(school_id=school_id, kind=kind, year=year, last_number=0))
        except IntegrityError:  # another approval created the counter first: take the next number from it
            continue
    raise RuntimeError("the register counter could not be created")  # pragma: no cover


def last_number(session: Session, school_id: int, kind: str, year: int) -> int:
    return session.scalar(select(RegisterCounter.last_number).where(
        RegisterCounter.school_id == school_id, RegisterCounter.kind == kind, RegisterCounter.year == year)) or 0
