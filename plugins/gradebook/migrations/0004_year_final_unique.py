"""gradebook: one year mark per student, subject and class, refused by the database itself.

Why: the unique key ``(student_id, subject_id, class_id, term_id)`` treats NULLs as distinct (the SQL rule on
SQLite and PostgreSQL alike), so two people saving the same year mark (``term_id`` NULL) at the same moment
both got in, and the journal showed one of two marks at random. A partial unique index ``WHERE term_id IS
NULL`` works the same on both engines (PostgreSQL 15's ``NULLS NOT DISTINCT`` would not on SQLite); with it the
second save fails on the key and ``set_final_mark`` answers "someone saved it first" (409), as for a term.

Existing duplicates are removed first, else the index could not be built. Of each group the newest row stays
(the latest ``set_at``, then the highest id: the last save, what a person looking at the page last saw); every
row removed is written to the audit log as ``gradebook.final_mark.delete`` with its full old state (value,
reason, forecast, who set it and when) and, as ``new``, the id and value of the row that was kept (the
reason is stored in Russian: it is data the audit log page shows as is, not a message of the program), so
nothing is lost: an administrator reads what the other mark was and can set it again by hand. No actor: the
upgrade did it. The migration only deletes rows that have a twin; with no duplicates it changes no data.

Revision ID: gradebook_0004
Revises: gradebook_0003
Create Date: 2026-12-10
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'gradebook_0004'
down_revision = 'gradebook_0003'
branch_labels = None
depends_on = None

INDEX = 'uq_gradebook_final_mark_year'
WHY = "повторная годовая отметка удалена при обновлении (gradebook_0004); оставлена более поздняя: «%s»"

_final = sa.table(
    'gradebook_final_mark', sa.column('id', sa.Integer), sa.column('school_id', sa.Integer),
    sa.column('class_id', sa.Integer), sa.column('subject_id', sa.Integer), sa.column('student_id', sa.Integer),
    sa.column('term_id', sa.Integer), sa.column('value', sa.String), sa.column('numeric', sa.Float),
    sa.column('forecast', sa.Float), sa.column('set_by', sa.Integer), sa.column('set_at', core.db.UTCDateTime()),
    sa.column('reason', sa.String), sa.column('version', sa.Integer))
_audit = sa.table(
    'core_audit_entry', sa.column('school_id', sa.Integer), sa.column('actor_id', sa.Integer),
    sa.column('at', core.db.UTCDateTime()), sa.column('ip', sa.String), sa.column('action', sa.String),
    sa.column('object_type', sa.String), sa.column('object_id', sa.String), sa.column('old', sa.JSON),
    sa.column('new', sa.JSON))


def _state(row: Any) -> dict[str, Any]:
    """The row as the gradebook's own audit entries record a final mark (plus who set it and when)."""
    return {"id": row.id, "class_id": row.class_id, "subject_id": row.subject_id, "student_id": row.student_id,
            "term_id": None, "value": row.value, "numeric": row.numeric, "forecast": row.forecast,
            "reason": row.reason, "version": row.version, "set_by": row.set_by,
            "set_at": row.set_at.isoformat() if row.set_at is not None else None}


def remove_duplicate_year_marks(bind: Any) -> int:
    """Keep the newest year mark of each (student, subject, class), audit and delete the others; how many."""
    groups = sa.select(_final.c.student_id, _final.c.subject_id, _final.c.class_id).where(
        _final.c.term_id.is_(None)).group_by(_final.c.student_id, _final.c.subject_id, _final.c.class_id).having(
        sa.func.count() > 1).subquery()
    rows = bind.execute(sa.select(_final).join(groups, sa.and_(
        groups.c.student_id == _final.c.student_id, groups.c.subject_id == _final.c.subject_id,
        groups.c.class_id == _final.c.class_id)).where(_final.c.term_id.is_(None))).all()
    by_key: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    for row in rows:
        by_key[(row.student_id, row.subject_id, row.class_id)].append(row)
    now = datetime.now(UTC)
    removed: list[int] = []
    for group in by_key.values():
        group.sort(key=lambda r: (r.set_at or datetime.min.replace(tzinfo=UTC), r.id), reverse=True)
        kept = group[0]
        for row in group[1:]:
            bind.execute(sa.insert(_audit).values(
                school_id=row.school_id, actor_id=None, at=now, ip="", action="gradebook.final_mark.delete",
                object_type="gradebook.final_mark", object_id=str(row.id), old=_state(row),
                new={"reason": WHY % kept.value, "kept_id": kept.id}))
            removed.append(row.id)
    if removed:
        bind.execute(sa.delete(_final).where(_final.c.id.in_(removed)))
    return len(removed)


def upgrade() -> None:
    remove_duplicate_year_marks(op.get_bind())
    op.create_index(INDEX, 'gradebook_final_mark', ['student_id', 'subject_id', 'class_id'], unique=True,
                    sqlite_where=sa.text('term_id IS NULL'), postgresql_where=sa.text('term_id IS NULL'))


def downgrade() -> None:
    op.drop_index(INDEX, table_name='gradebook_final_mark')
