"""Unit prizes (issue 17): a contest's eligibility tiers by unit size and its blocs of units.

Revision ID: b6e3f1a9c527
Revises: a8d2f6c41e93
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b6e3f1a9c527'
down_revision = 'a8d2f6c41e93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unit_prize_tiers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('min_size', sa.Integer(), nullable=False),
        sa.Column('max_size', sa.Integer(), nullable=True),
        sa.Column('min_rate_tenths', sa.Integer(), nullable=False),
        sa.CheckConstraint('min_size >= 0', name=op.f('ck_unit_prize_tiers_min_size_not_negative')),
        sa.CheckConstraint('max_size IS NULL OR max_size >= min_size', name=op.f('ck_unit_prize_tiers_max_size_from_min')),
        sa.CheckConstraint('min_rate_tenths BETWEEN 0 AND 1000', name=op.f('ck_unit_prize_tiers_min_rate_percent')),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_unit_prize_tiers_contest_id_contests'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_prize_tiers')),
        sa.UniqueConstraint('contest_id', 'min_size', name=op.f('uq_unit_prize_tiers_contest_id_min_size')),
    )
    op.create_index(op.f('ix_unit_prize_tiers_contest_id'), 'unit_prize_tiers', ['contest_id'])
    op.create_table(
        'unit_prize_blocs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kinds', sa.String(length=120), nullable=False),
        sa.Column('first_prizes', sa.Integer(), nullable=False),
        sa.Column('second_prizes', sa.Integer(), nullable=False),
        sa.Column('third_prizes', sa.Integer(), nullable=False),
        sa.CheckConstraint('first_prizes >= 0 AND second_prizes >= 0 AND third_prizes >= 0', name=op.f('ck_unit_prize_blocs_prizes_not_negative')),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_unit_prize_blocs_contest_id_contests'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_prize_blocs')),
        sa.UniqueConstraint('contest_id', 'position', name=op.f('uq_unit_prize_blocs_contest_id_position')),
    )
    op.create_index(op.f('ix_unit_prize_blocs_contest_id'), 'unit_prize_blocs', ['contest_id'])
    op.create_table(
        'unit_prize_bloc_units',
        sa.Column('bloc_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['bloc_id'], ['unit_prize_blocs.id'], name=op.f('fk_unit_prize_bloc_units_bloc_id_unit_prize_blocs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_prize_bloc_units_unit_id_units'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('bloc_id', 'unit_id', name=op.f('pk_unit_prize_bloc_units')),
    )
    op.create_index(op.f('ix_unit_prize_bloc_units_unit_id'), 'unit_prize_bloc_units', ['unit_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_unit_prize_bloc_units_unit_id'), table_name='unit_prize_bloc_units')
    op.drop_table('unit_prize_bloc_units')
    op.drop_index(op.f('ix_unit_prize_blocs_contest_id'), table_name='unit_prize_blocs')
    op.drop_table('unit_prize_blocs')
    op.drop_index(op.f('ix_unit_prize_tiers_contest_id'), table_name='unit_prize_tiers')
    op.drop_table('unit_prize_tiers')
