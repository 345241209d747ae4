"""Certificates and winners (issue 18): prizes confirmed by organisers, issued certificates with their
verification codes, and which winners' lists are published.

Revision ID: c7f3a9e1d245
Revises: b4d9e6f2a813
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contest.timeutil import UTCDateTime

revision = 'c7f3a9e1d245'
down_revision = 'b4d9e6f2a813'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'prize_awards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('prize', sa.String(length=120), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_prize_awards_confirmed_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_prize_awards_contest_id_contests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_prize_awards_round_id_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prize_awards_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prize_awards')),
    )
    for column in ('contest_id', 'round_id', 'user_id'):
        op.create_index(op.f(f'ix_prize_awards_{column}'), 'prize_awards', [column])
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['award_id'], ['prize_awards.id'], name=op.f('fk_certificates_award_id_prize_awards'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_certificates_contest_id_contests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
        sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    )
    for column in ('award_id', 'contest_id', 'user_id'):
        op.create_index(op.f(f'ix_certificates_{column}'), 'certificates', [column])
    op.create_table(
        'winners_publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_winners_publications_contest_id_contests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_winners_publications_published_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_winners_publications_round_id_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_winners_publications')),
    )
    for column in ('contest_id', 'round_id'):
        op.create_index(op.f(f'ix_winners_publications_{column}'), 'winners_publications', [column])


def downgrade() -> None:
    for column in ('contest_id', 'round_id'):
        op.drop_index(op.f(f'ix_winners_publications_{column}'), table_name='winners_publications')
    op.drop_table('winners_publications')
    for column in ('award_id', 'contest_id', 'user_id'):
        op.drop_index(op.f(f'ix_certificates_{column}'), table_name='certificates')
    op.drop_table('certificates')
    for column in ('contest_id', 'round_id', 'user_id'):
        op.drop_index(op.f(f'ix_prize_awards_{column}'), table_name='prize_awards')
    op.drop_table('prize_awards')
