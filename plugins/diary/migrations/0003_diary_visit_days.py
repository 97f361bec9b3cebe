"""diary: the visit log keeps one row per viewer, student and day (issue 20)

Revision ID: diary_0003
Revises: diary_0002
Create Date: 2026-12-01 10:00:00

Existing rows are grouped by the UTC date of ``visited_at`` (SQLite cannot convert to the school's zone;
a visit late at night may fall on the next day, which only the count of days of old visits notices) and
the earliest row of each (viewer, student, day) is kept.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'diary_0003'
down_revision = 'diary_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('diary_visit') as batch:
        batch.add_column(sa.Column('day', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE diary_visit SET day = CAST(visited_at AT TIME ZONE 'UTC' AS DATE)")
    else:
        op.execute("UPDATE diary_visit SET day = date(visited_at)")
    op.execute("DELETE FROM diary_visit WHERE id NOT IN "
               "(SELECT MIN(id) FROM diary_visit GROUP BY viewer_id, student_id, day)")
    with op.batch_alter_table('diary_visit') as batch:
        batch.alter_column('day', existing_type=sa.Date(), nullable=False)
        batch.create_unique_constraint(batch.f('uq_diary_visit_viewer_id_student_id_day'),
                                       ['viewer_id', 'student_id', 'day'])
        batch.create_index('ix_diary_visit_day', ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('diary_visit') as batch:
        batch.drop_index('ix_diary_visit_day')
        batch.drop_constraint(batch.f('uq_diary_visit_viewer_id_student_id_day'), type_='unique')
        batch.drop_column('day')
