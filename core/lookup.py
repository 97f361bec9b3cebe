"""Loading one row by the id in a URL, for the current school only."""
from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest id a BIGINT holds; bigger ones make the driver raise (a 500)


def find_owned(model: type[T], object_id: Any, school_id: int | None = None, *,
               session: Session | None = None) -> T | None:
    """The row of ``model`` with ``object_id`` when it belongs to the school, else None.

    For services and background work that answer "not found" their own way; views use
    ``get_owned_or_404``. Ids that are not whole numbers in 1..2^63-1 (negative, zero, too large for the
    database, text, None) find nothing instead of raising. ``school_id`` defaults to the signed-in
    user's school, ``session`` to the request's.
    """
    if isinstance(object_id, bool | float) or object_id is None:
        return None
    try:
        key = int(object_id)
    except (TypeError, ValueError):
        return None
    if not 1 <= key <= MAX_ID:
        return None
    if not hasattr(model, "school_id"):
        raise TypeError(f"{model.__name__} has no school_id; it cannot be checked for ownership")
    if school_id is None:
        from core.app import current_school_id

        school_id = current_school_id()
    if session is None:
        from core.db import db

        session = db()
    row = session.get(model, key)
    if row is None or row.school_id != school_id:  # type: ignore[attr-defined]
        return None
    return row


def get_owned_or_404(model: type[T], object_id: Any, school_id: int | None = None, *,
                     session: Session | None = None) -> T:
    """The row of ``model`` with ``object_id`` when it belongs to the school, else abort with 404.

    Another school's row answers exactly like a missing one, so ids never reveal what exists elsewhere.
    Ids that are not whole numbers in 1..2^63-1 (negative, zero, too large for the database) are
    404 too, never a 500. ``school_id`` defaults to the signed-in user's school.
    """
    row = find_owned(model, object_id, school_id, session=session)
    if row is None:
        abort(404)
    return row
