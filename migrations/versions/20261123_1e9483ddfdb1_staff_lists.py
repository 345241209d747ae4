"""Staff lists per unit; original choice labels of saved answers.

Revision ID: 1e9483ddfdb1
Revises: 0705ac74c05d
Create Date: 2026-11-23 18:16:08.254684
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = '1e9483ddfdb1'
down_revision = '0705ac74c05d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('cccd', sa.String(length=12), nullable=True),
    sa.Column('phone', sa.String(length=15), nullable=True),
    sa.Column('position', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_staff_members_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_members')),
    sa.UniqueConstraint('cccd', name=op.f('uq_staff_members_cccd'))
    )
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_members_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_members_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selected_original', sa.String(length=32), server_default='', nullable=False))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_list_at', contest.timeutil.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('staff_list_at')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('selected_original')

    op.drop_table('staff_members')
