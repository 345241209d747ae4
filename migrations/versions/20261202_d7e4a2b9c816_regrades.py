"""Regrades: a void mark on attempt questions, and the record of each regrade of a contest (for the prize page).

Revision ID: d7e4a2b9c816
Revises: c3a9d51e7f20
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = 'd7e4a2b9c816'
down_revision = 'c3a9d51e7f20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempt_questions') as batch:
        batch.add_column(sa.Column('void', sa.String(length=8), nullable=True))
        batch.create_check_constraint('void_valid', "void IS NULL OR void IN ('credit', 'drop')")
    op.create_table(
        'regrades',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('attempts_changed', sa.Integer(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', contest.timeutil.UTCDateTime(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', contest.timeutil.UTCDateTime(), nullable=True),
        sa.CheckConstraint("action IN ('key', 'credit', 'drop')", name=op.f('ck_regrades_action_valid')),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_regrades_contest_id_contests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_regrades_question_id_questions'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_regrades_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_regrades_reviewed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_regrades')),
    )
    op.create_index(op.f('ix_regrades_contest_id'), 'regrades', ['contest_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_regrades_contest_id'), table_name='regrades')
    op.drop_table('regrades')
    with op.batch_alter_table('attempt_questions') as batch:
        batch.drop_constraint(op.f('ck_attempt_questions_void_valid'), type_='check')
        batch.drop_column('void')
