"""Attempts keep the unit they were taken in (backfilled from the participant's unit); participants' requests to move unit.

Revision ID: e5b1c7d3a902
Revises: d7e4a2b9c816
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contest.timeutil import UTCDateTime

revision = 'e5b1c7d3a902'
down_revision = 'd7e4a2b9c816'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempts') as batch:
        batch.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_attempts_unit_id_units'), 'units', ['unit_id'], ['id'], ondelete='RESTRICT')
        batch.create_index(batch.f('ix_attempts_unit_id'), ['unit_id'], unique=False)
    # Every attempt so far was taken in the unit its participant belongs to now (no one could move before this).
    op.execute("UPDATE attempts SET unit_id = (SELECT users.unit_id FROM users WHERE users.id = attempts.user_id)")
    op.create_table(
        'unit_change_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('from_unit_id', sa.Integer(), nullable=True),
        sa.Column('to_unit_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'cancelled')", name=op.f('ck_unit_change_requests_status_valid')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_unit_change_requests_decided_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_unit_change_requests_from_unit_id_units'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['to_unit_id'], ['units.id'], name=op.f('fk_unit_change_requests_to_unit_id_units'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_change_requests_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_change_requests')),
    )
    op.create_index('ix_unit_change_requests_to_unit_status', 'unit_change_requests', ['to_unit_id', 'status'], unique=False)
    op.create_index('uq_unit_change_requests_one_pending', 'unit_change_requests', ['user_id'], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('uq_unit_change_requests_one_pending', table_name='unit_change_requests',
                  sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_unit_change_requests_to_unit_status', table_name='unit_change_requests')
    op.drop_table('unit_change_requests')
    with op.batch_alter_table('attempts') as batch:
        batch.drop_index(batch.f('ix_attempts_unit_id'))
        batch.drop_constraint(batch.f('fk_attempts_unit_id_units'), type_='foreignkey')
        batch.drop_column('unit_id')
