"""plans schema

Revision ID: plans_0001
Revises:
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'plans_0001'
down_revision = None
branch_labels = ('plans',)
depends_on = None


def upgrade() -> None:
    op.create_table('plans_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('association', sa.String(length=200), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_plans_plan_created_by_core_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_plans_plan_owner_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_plans_plan_school_id_core_school')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_plans_plan_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['year_id'], ['core_academic_year.id'], name=op.f('fk_plans_plan_year_id_core_academic_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans_plan'))
    )
    with op.batch_alter_table('plans_plan', schema=None) as batch_op:
        batch_op.create_index('ix_plans_plan_school_year_scope', ['school_id', 'year_id', 'scope'], unique=False)

    op.create_table('plans_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('links', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans_plan.id'], name=op.f('fk_plans_item_plan_id_plans_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_plans_item_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans_item'))
    )
    with op.batch_alter_table('plans_item', schema=None) as batch_op:
        batch_op.create_index('ix_plans_item_school_plan_due', ['school_id', 'plan_id', 'due_on'], unique=False)
        batch_op.create_index('ix_plans_item_school_status_due', ['school_id', 'status', 'due_on'], unique=False)

    op.create_table('plans_item_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['plans_item.id'], name=op.f('fk_plans_item_person_item_id_plans_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_plans_item_person_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_plans_item_person_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans_item_person')),
    sa.UniqueConstraint('item_id', 'user_id', name=op.f('uq_plans_item_person_item_id_user_id'))
    )
    with op.batch_alter_table('plans_item_person', schema=None) as batch_op:
        batch_op.create_index('ix_plans_item_person_school_user', ['school_id', 'user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plans_item_person', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_item_person_school_user')

    op.drop_table('plans_item_person')
    with op.batch_alter_table('plans_item', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_item_school_status_due')
        batch_op.drop_index('ix_plans_item_school_plan_due')

    op.drop_table('plans_item')
    with op.batch_alter_table('plans_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_plan_school_year_scope')

    op.drop_table('plans_plan')
