"""Participant groups (issue 17 item 2): users.participant_group with a citizen's residence, and the groups a
contest admits. Every existing account becomes a civil servant, every existing contest admits civil servants only
(what they were set up for: their results and rates stay as they were).

Revision ID: a4d2e8c61f93
Revises: e8b4c2a7d519
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a4d2e8c61f93'
down_revision = 'e8b4c2a7d519'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        # The server default is the data step: every existing row becomes a civil servant.
        batch.add_column(sa.Column('participant_group', sa.String(length=16), server_default='civil_servant', nullable=False))
        batch.add_column(sa.Column('residence_unit_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('residence_text', sa.String(length=255), nullable=True))
        batch.create_foreign_key(batch.f('fk_users_residence_unit_id_units'), 'units', ['residence_unit_id'], ['id'], ondelete='RESTRICT')
        batch.create_index(batch.f('ix_users_residence_unit_id'), ['residence_unit_id'], unique=False)
        batch.create_check_constraint('participant_group_valid', "participant_group IN ('civil_servant', 'citizen')")
    with op.batch_alter_table('contests') as batch:
        batch.add_column(sa.Column('admitted_groups', sa.String(length=64), server_default='civil_servant', nullable=False))
        batch.add_column(sa.Column('citizen_cccd_optional', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('contests') as batch:
        batch.drop_column('citizen_cccd_optional')
        batch.drop_column('admitted_groups')
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint('participant_group_valid', type_='check')
        batch.drop_index(batch.f('ix_users_residence_unit_id'))
        batch.drop_constraint(batch.f('fk_users_residence_unit_id_units'), type_='foreignkey')
        batch.drop_column('residence_text')
        batch.drop_column('residence_unit_id')
        batch.drop_column('participant_group')
