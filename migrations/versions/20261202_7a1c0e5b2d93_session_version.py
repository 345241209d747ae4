"""Session version on accounts: bumping it ends every session and remember cookie of the account.

Revision ID: 7a1c0e5b2d93
Revises: e3ed9f8236d1
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7a1c0e5b2d93'
down_revision = 'e3ed9f8236d1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
