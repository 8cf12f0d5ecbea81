"""Every public change waits: pending review edits, contact-report shown_at, employers.listed_at

Revision ID: d4a8e6b2c9f1
Revises: 8cdb227cbb9b
Create Date: 2026-12-05 07:00:00

Written by hand (CHECK constraints in batch mode for SQLite, and a backfill): existing employers
are listed from their creation; existing answered contact reports are shown from their answer.
"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4a8e6b2c9f1'
down_revision = '8cdb227cbb9b'
branch_labels = None
depends_on = None

HOLD_REASONS = (
    "'suspected_name', 'link_spam', 'near_duplicate', 'direction_burst', 'resubmitted'"
)
HAS_TEXT = "narrative IS NOT NULL OR advice IS NOT NULL"
TEXT_LENGTH = "(coalesce(length(narrative), 0) + coalesce(length(advice), 0))"
PENDING = (
    "(pending_values IS NULL AND pending_since IS NULL AND pending_publish_at IS NULL"
    " AND pending_hold_reason IS NULL)"
    " OR (pending_values IS NOT NULL AND pending_since IS NOT NULL"
    " AND (pending_publish_at IS NULL) != (pending_hold_reason IS NULL))"
)


def _quiet():
    """SQLite's batch mode reflects the table and warns that it skips the expression index (put
    back by _recreate_recent_texts_index)."""
    warnings.filterwarnings(
        "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
    )


def upgrade():
    with warnings.catch_warnings():
        _quiet()
        _upgrade()


def downgrade():
    with warnings.catch_warnings():
        _quiet()
        _downgrade()


def _upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_values', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('pending_publish_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('pending_hold_reason', sa.Enum('suspected_name', 'link_spam', 'near_duplicate', 'direction_burst', 'resubmitted', name='holdreason', native_enum=False, create_constraint=False, length=15), nullable=True))
        batch_op.add_column(sa.Column('pending_since', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reviews_pending_publish_at'), ['pending_publish_at'], unique=False)
        batch_op.create_check_constraint('pending_hold_reason', f"pending_hold_reason IN ({HOLD_REASONS})")
        batch_op.create_check_constraint('pending_scheduled_or_held', PENDING)
    _recreate_recent_texts_index()

    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE contact_reports SET shown_at = answered_at WHERE answered_at IS NOT NULL")

    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_employers_listed_at'), ['listed_at'], unique=False)
    op.execute("UPDATE employers SET listed_at = created_at")


def _downgrade():
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employers_listed_at'))
        batch_op.drop_column('listed_at')

    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.drop_column('shown_at')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint('pending_scheduled_or_held', type_='check')
        batch_op.drop_constraint('pending_hold_reason', type_='check')
        batch_op.drop_index(batch_op.f('ix_reviews_pending_publish_at'))
        batch_op.drop_column('pending_since')
        batch_op.drop_column('pending_hold_reason')
        batch_op.drop_column('pending_publish_at')
        batch_op.drop_column('pending_values')
    _recreate_recent_texts_index()


def _recreate_recent_texts_index():
    """SQLite's batch mode rebuilds the table without the expression index it can't reflect
    (c7d2e5f1a8b3); put it back, the same on PostgreSQL where it was kept."""
    op.execute("DROP INDEX IF EXISTS ix_reviews_recent_texts")
    op.create_index(
        'ix_reviews_recent_texts',
        'reviews',
        ['created_at', sa.text(TEXT_LENGTH)],
        sqlite_where=sa.text(HAS_TEXT),
        postgresql_where=sa.text(HAS_TEXT),
    )
