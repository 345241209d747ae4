"""Overdue rules per contest (grace, submit or abandon), the abandoned attempt status, per-person and per-unit overrides.

Revision ID: c3a9d51e7f20
Revises: b8e2f41c6a57
Create Date: 2026-12-02 04:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = 'c3a9d51e7f20'
down_revision = 'b8e2f41c6a57'
branch_labels = None
depends_on = None

IN_PROGRESS = sa.text("status = 'in_progress'")


def _attempt_statuses(statuses: str) -> None:
    # SQLite rebuilds the table: the partial unique index is dropped and made again explicitly, so its WHERE survives.
    op.drop_index('uq_attempts_one_in_progress', table_name='attempts')
    with op.batch_alter_table('attempts') as batch:
        batch.drop_constraint(op.f('ck_attempts_status_valid'), type_='check')
        batch.create_check_constraint('status_valid', f"status IN ({statuses})")
    op.create_index('uq_attempts_one_in_progress', 'attempts', ['user_id', 'round_id'], unique=True,
                    sqlite_where=IN_PROGRESS, postgresql_where=IN_PROGRESS)


def upgrade() -> None:
    with op.batch_alter_table('contests') as batch:
        batch.add_column(sa.Column('grace_seconds', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('overdue_handling', sa.String(length=16), nullable=True))
        batch.create_check_constraint('grace_not_negative', 'grace_seconds IS NULL OR grace_seconds >= 0')
        batch.create_check_constraint('overdue_handling_valid',
                                      "overdue_handling IS NULL OR overdue_handling IN ('autosubmit', 'autoabandon')")
    _attempt_statuses("'in_progress', 'submitted', 'expired', 'abandoned'")
    op.create_table('overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('closes_at', contest.timeutil.UTCDateTime(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', contest.timeutil.UTCDateTime(), nullable=False),
    sa.Column('updated_at', contest.timeutil.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(user_id IS NULL) <> (unit_id IS NULL)', name=op.f('ck_overrides_one_subject')),
    sa.CheckConstraint('extra_attempts >= 0', name=op.f('ck_overrides_extra_attempts_not_negative')),
    sa.CheckConstraint('extra_minutes >= 0', name=op.f('ck_overrides_extra_minutes_not_negative')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_overrides_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_overrides_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_overrides_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_overrides_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_overrides_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overrides'))
    )
    with op.batch_alter_table('overrides') as batch:
        batch.create_index(batch.f('ix_overrides_contest_id'), ['contest_id'], unique=False)
        batch.create_index(batch.f('ix_overrides_round_id'), ['round_id'], unique=False)
        batch.create_index(batch.f('ix_overrides_unit_id'), ['unit_id'], unique=False)
        batch.create_index(batch.f('ix_overrides_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('overrides')
    # An abandoned attempt has no place in the older schema: it becomes an expired one scoring nothing.
    op.execute("UPDATE attempts SET status = 'expired', score = 0, correct_count = 0, time_used_ms = 0 WHERE status = 'abandoned'")
    _attempt_statuses("'in_progress', 'submitted', 'expired'")
    with op.batch_alter_table('contests') as batch:
        batch.drop_constraint(op.f('ck_contests_overdue_handling_valid'), type_='check')
        batch.drop_constraint(op.f('ck_contests_grace_not_negative'), type_='check')
        batch.drop_column('overdue_handling')
        batch.drop_column('grace_seconds')
