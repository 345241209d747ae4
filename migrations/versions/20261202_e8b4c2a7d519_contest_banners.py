"""Contest banners (issue 18): the picture of each contest, encoded by the server, kept in the database.

Revision ID: e8b4c2a7d519
Revises: b91e3c7d5a24
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contest.timeutil import UTCDateTime

revision = 'e8b4c2a7d519'
down_revision = 'b91e3c7d5a24'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'contest_banners',
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('mime_type', sa.String(length=32), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('byte_size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_contest_banners_size_positive')),
        sa.CheckConstraint("mime_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_contest_banners_mime_type_valid')),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_banners_contest_id_contests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_contest_banners_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('contest_id', name=op.f('pk_contest_banners')),
    )


def downgrade() -> None:
    op.drop_table('contest_banners')
