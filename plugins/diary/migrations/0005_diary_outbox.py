"""diary: the sender reads the audit log instead of a queue the saving request writes

The mark and the roll-call saves no longer INSERT a ``diary_event`` row: the sender reads the audit entries
the save writes anyway (``plugins.diary.events``). ``diary_outbox_cursor`` keeps, per school, the audit id
up to which everything is expanded; ``diary_outbox_seen`` the entries above it already expanded (entries can
commit out of id order on PostgreSQL, so the newest are re-read until they settle).

Events still queued at the upgrade are not lost: a school with queued events starts its cursor just before
the oldest of them (the audit entries of the same saves are re-read and expanded; what was expanded before
is not queued twice, the notifications' keys are unique). Other schools start from the recent window
(``events.SETTLE_AFTER``) the first time the sender works for them.

Revision ID: diary_0005
Revises: diary_0004
Create Date: 2026-12-05
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'diary_0005'
down_revision = 'diary_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('diary_outbox_cursor',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('settled_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'],
                            name=op.f('fk_diary_outbox_cursor_school_id_core_school')),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_diary_outbox_cursor'))
    )
    op.create_table('diary_outbox_seen',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'],
                            name=op.f('fk_diary_outbox_seen_school_id_core_school')),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_diary_outbox_seen'))
    )
    op.create_index(op.f('ix_diary_outbox_seen_school_id'), 'diary_outbox_seen', ['school_id'])
    _start_before_queued_events()
    op.drop_table('diary_event')


def _start_before_queued_events() -> None:
    """A school with events still queued: its cursor just before the audit entries of the oldest one."""
    bind = op.get_bind()
    event = sa.table('diary_event', sa.column('school_id', sa.Integer()),
                     sa.column('created_at', core.db.UTCDateTime(timezone=True)))
    entry = sa.table('core_audit_entry', sa.column('id', sa.Integer()), sa.column('school_id', sa.Integer()),
                     sa.column('at', core.db.UTCDateTime(timezone=True)))
    cursor = sa.table('diary_outbox_cursor', sa.column('school_id', sa.Integer()),
                      sa.column('settled_id', sa.Integer()),
                      sa.column('updated_at', core.db.UTCDateTime(timezone=True)))
    oldest = bind.execute(sa.select(event.c.school_id, sa.func.min(event.c.created_at))
                          .group_by(event.c.school_id)).all()
    now = datetime.now(UTC)
    for school_id, first_at in oldest:
        settled = bind.execute(sa.select(sa.func.max(entry.c.id)).where(
            entry.c.school_id == school_id, entry.c.at < first_at)).scalar() or 0
        bind.execute(sa.insert(cursor).values(school_id=school_id, settled_id=settled, updated_at=now))


def downgrade() -> None:
    op.create_table('diary_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_event_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_event'))
    )
    op.drop_index(op.f('ix_diary_outbox_seen_school_id'), table_name='diary_outbox_seen')
    op.drop_table('diary_outbox_seen')
    op.drop_table('diary_outbox_cursor')
