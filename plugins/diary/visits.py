"""The visit log: one row per viewer, student and school day, written once, and purged after a while.

Why not a row per view: the week is the page families open most, and an INSERT on every view cost a
statement, a commit and a growing table kept forever (issue 20). What the class teacher and the reports
need is whether, and on which days, a family opened the diary; so a view records
``(viewer, student, day)`` with ``INSERT ... ON CONFLICT DO NOTHING`` (the first page of the day is kept),
and each app process remembers the keys it has written today, so later views of the same day send no
statement at all. A process that restarts writes once more and the database ignores it.

Old rows are deleted by the periodic tick after ``visit_retention_days`` (setting of the diary).
"""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from plugins.diary.models import Visit

KEY_COLUMNS = ("viewer_id", "student_id", "day")
MEMO_LIMIT = 200_000  # keys remembered per process and day (a big school's families, several times over)


class VisitMemo:
    """The (viewer, student) pairs this process has recorded for ``day``; forgotten when the day changes."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.seen: set[tuple[int, int]] = set()
        self.lock = threading.Lock()

    def known(self, viewer_id: int, student_id: int, day: date) -> bool:
        return self.day == day and (viewer_id, student_id) in self.seen

    def remember(self, viewer_id: int, student_id: int, day: date) -> None:
        with self.lock:
            if self.day != day or len(self.seen) >= MEMO_LIMIT:
                self.day, self.seen = day, set()
            self.seen.add((viewer_id, student_id))


def memo_of(app: Any) -> VisitMemo:
    """The app's memo (one per app, so tests with an app each never share it)."""
    memo = app.extensions.get("diary.visits")
    if memo is None:
        memo = app.extensions.setdefault("diary.visits", VisitMemo())
    return memo


def log_view(app: Any, session: Session, school_id: int, viewer_id: int, student: Any, page: str, day: date) -> bool:
    """A family view of ``student`` (a ``StudentInfo``; staff views are not "the family opened it"):
    recorded unless this process did so today. Returns whether a statement was sent."""
    if student.relation not in ("self", "child"):
        return False
    memo = memo_of(app)
    if memo.known(viewer_id, student.id, day):
        return False
    if session.get_bind().dialect.name == "sqlite":
        # End the reading transaction first: SQLite cannot upgrade a read snapshot to a write once another
        # process has written; a fresh short INSERT transaction waits its turn instead.
        session.commit()
    record(session, school_id, viewer_id, student.id, "student" if student.relation == "self" else "guardian",
           page, day)
    session.commit()
    memo.remember(viewer_id, student.id, day)
    return True


def record(session: Session, school_id: int, viewer_id: int, student_id: int, role: str, page: str, day: date,
           now: datetime | None = None) -> None:
    """The day's row unless it is there: one statement, no reading (the caller commits)."""
    values = {"school_id": school_id, "viewer_id": viewer_id, "student_id": student_id, "viewer_role": role,
              "page": page, "day": day, "visited_at": now or datetime.now(UTC)}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(Visit).values(values).on_conflict_do_nothing(index_elements=list(KEY_COLUMNS)))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(Visit).values(values)
                        .on_conflict_do_nothing(index_elements=list(KEY_COLUMNS)))
    else:  # no portable upsert: look first
        if session.scalar(select(Visit.id).where(Visit.viewer_id == viewer_id, Visit.student_id == student_id,
                                                 Visit.day == day)) is None:
            session.execute(insert(Visit).values(values))


def purge(session: Session, today: date, retention_days: int) -> int:
    """Delete the days older than ``retention_days`` before ``today``; return how many rows went."""
    if retention_days <= 0:
        return 0
    result = session.execute(delete(Visit).where(Visit.day < today - timedelta(days=retention_days)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_old(session: Session, now: datetime) -> int:
    """The periodic tick's part (every few minutes; the DELETE uses the index on ``day`` and usually finds
    nothing): the diary's ``visit_retention_days`` before the UTC date of ``now``."""
    from core.toolkit import plugin_settings

    return purge(session, now.astimezone(UTC).date(), plugin_settings("diary")["visit_retention_days"])
