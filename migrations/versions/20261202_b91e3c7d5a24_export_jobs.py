"""Export jobs: large exports written in the background, with their progress and the finished file.

Revision ID: b91e3c7d5a24
Revises: b6e3f1a9c527
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = 'b91e3c7d5a24'
down_revision = 'b6e3f1a9c527'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', contest.timeutil.UTCDateTime(), nullable=False),
        sa.Column('started_at', contest.timeutil.UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', contest.timeutil.UTCDateTime(), nullable=True),
        sa.Column('finished_at', contest.timeutil.UTCDateTime(), nullable=True),
        sa.Column('expires_at', contest.timeutil.UTCDateTime(), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_export_jobs_status_valid')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_export_jobs_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
    )
    op.create_index(op.f('ix_export_jobs_user_id'), 'export_jobs', ['user_id'], unique=False)
    op.create_index(op.f('ix_export_jobs_expires_at'), 'export_jobs', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_export_jobs_expires_at'), table_name='export_jobs')
    op.drop_index(op.f('ix_export_jobs_user_id'), table_name='export_jobs')
    op.drop_table('export_jobs')
