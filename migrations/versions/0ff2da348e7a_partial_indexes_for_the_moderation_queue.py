"""Partial indexes for the moderation queue (issue 17)

Revision ID: 0ff2da348e7a
Revises: 237ca9a6a754
Create Date: 2026-12-06 21:10:35.457177

The queue's burst-capped section and its held changes of published reviews read every published
review: these index the few rows with a burst mark or a held pending change. `status` leads so
that SQLite prefers them to ix_reviews_status_published_at without ANALYZE's statistics. A third
covers the held reviews with the columns the queue counts and sorts them by. And audit_log gets
an index on its target, for "was this review hidden before?" and a target's history, which
otherwise read the whole log.
op.create_index only: a batch copy of reviews would lose the expression index
ix_reviews_recent_texts.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0ff2da348e7a'
down_revision = '237ca9a6a754'
branch_labels = None
depends_on = None

BURST_CAPPED = "burst_capped_at IS NOT NULL"
PENDING_HELD = "pending_hold_reason IS NOT NULL"
HELD = "status = 'held'"


def upgrade():
    op.create_index(
        'ix_reviews_burst_capped',
        'reviews',
        ['status', 'burst_capped_at'],
        unique=False,
        sqlite_where=sa.text(BURST_CAPPED),
        postgresql_where=sa.text(BURST_CAPPED),
    )
    op.create_index(
        'ix_reviews_pending_held',
        'reviews',
        ['status', 'pending_hold_reason'],
        unique=False,
        sqlite_where=sa.text(PENDING_HELD),
        postgresql_where=sa.text(PENDING_HELD),
    )
    op.create_index(
        'ix_reviews_held',
        'reviews',
        [
            'status',
            'hold_reason',
            'pending_hold_reason',
            'pending_since',
            'author_updated_at',
            'created_at',
        ],
        unique=False,
        sqlite_where=sa.text(HELD),
        postgresql_where=sa.text(HELD),
    )
    op.create_index(
        'ix_audit_log_target', 'audit_log', ['target_type', 'target_id', 'action'], unique=False
    )


def downgrade():
    op.drop_index('ix_audit_log_target', table_name='audit_log')
    op.drop_index('ix_reviews_held', table_name='reviews')
    op.drop_index('ix_reviews_pending_held', table_name='reviews')
    op.drop_index('ix_reviews_burst_capped', table_name='reviews')
