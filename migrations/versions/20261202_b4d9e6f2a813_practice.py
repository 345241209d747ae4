"""Practice (issue 18): banks and topics open for practice, and each person's last practice answer per question.

Revision ID: b4d9e6f2a813
Revises: a6d2f9c4e871
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contest.timeutil import UTCDateTime

revision = 'b4d9e6f2a813'
down_revision = 'a6d2f9c4e871'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_banks') as batch:
        batch.add_column(sa.Column('practice_open', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('topics') as batch:
        batch.add_column(sa.Column('practice_open', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'practice_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('chosen', sa.String(length=64), nullable=False),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('answered_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_practice_answers_question_id_questions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_answers_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_answers')),
        sa.UniqueConstraint('user_id', 'question_id', name=op.f('uq_practice_answers_user_id_question_id')),
    )
    op.create_index(op.f('ix_practice_answers_question_id'), 'practice_answers', ['question_id'])
    op.create_index(op.f('ix_practice_answers_user_id'), 'practice_answers', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_practice_answers_user_id'), table_name='practice_answers')
    op.drop_index(op.f('ix_practice_answers_question_id'), table_name='practice_answers')
    op.drop_table('practice_answers')
    with op.batch_alter_table('topics') as batch:
        batch.drop_column('practice_open')
    with op.batch_alter_table('question_banks') as batch:
        batch.drop_column('practice_open')
