"""office: who read the regulation moves to the documents plugin's acquaintance register.

Klass keeps one acquaintance mechanism (``plugins.documents.acquaintance``); the office's regulation uses it
with the subject ``office.regulation:<id>``. The rows of ``office_regulation_ack`` are copied there (the
documents plugin is a requirement of the office, so its tables are created first) and the table is dropped.

Revision ID: office_0003
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'office_0003'
down_revision = 'office_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO documents_acquaintance (school_id, subject, user_id, confirmed_at) "
               "SELECT school_id, 'office.regulation:' || CAST(regulation_id AS VARCHAR(20)), user_id, acknowledged_at "
               "FROM office_regulation_ack")
    with op.batch_alter_table('office_regulation_ack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_regulation_ack_user_id'))
        batch_op.drop_index(batch_op.f('ix_office_regulation_ack_school_id'))
    op.drop_table('office_regulation_ack')


def downgrade() -> None:
    op.create_table('office_regulation_ack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('regulation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['regulation_id'], ['office_regulation.id'], name=op.f('fk_office_regulation_ack_regulation_id_office_regulation')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_office_regulation_ack_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_office_regulation_ack_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_regulation_ack')),
    sa.UniqueConstraint('regulation_id', 'user_id', name=op.f('uq_office_regulation_ack_regulation_id_user_id'))
    )
    with op.batch_alter_table('office_regulation_ack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_regulation_ack_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_regulation_ack_user_id'), ['user_id'], unique=False)
    op.execute("INSERT INTO office_regulation_ack (school_id, regulation_id, user_id, acknowledged_at) "
               "SELECT school_id, CAST(substr(subject, 19) AS INTEGER), user_id, confirmed_at "
               "FROM documents_acquaintance WHERE subject LIKE 'office.regulation:%' AND confirmed_at IS NOT NULL")
    op.execute("DELETE FROM documents_acquaintance WHERE subject LIKE 'office.regulation:%'")
