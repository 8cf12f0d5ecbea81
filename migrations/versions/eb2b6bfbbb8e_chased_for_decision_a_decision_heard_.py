"""chased_for_decision: a decision heard only after the candidate chased it

Revision ID: eb2b6bfbbb8e
Revises: d4a8e6b2c9f1
Create Date: 2026-12-05 11:16:39.992570

DESIGN.md §6, "silence forced into an answer is silence": a nullable answer for decision
outcomes only (CHECK chased_only_for_decision). Existing reviews have no answer (NULL). The CHECK
in batch mode for SQLite, whose table rebuild drops the expression index ix_reviews_recent_texts:
put back as in d4a8e6b2c9f1.
"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eb2b6bfbbb8e'
down_revision = 'd4a8e6b2c9f1'
branch_labels = None
depends_on = None

DECISION = "outcome IN ('offer', 'rejected_with_feedback', 'rejected', 'rescinded')"
HAS_TEXT = "narrative IS NOT NULL OR advice IS NOT NULL"
TEXT_LENGTH = "(coalesce(length(narrative), 0) + coalesce(length(advice), 0))"


def _quiet():
    """SQLite's batch mode reflects the table and warns that it skips the expression index (put
    back by _recreate_recent_texts_index)."""
    warnings.filterwarnings(
        "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
    )


def upgrade():
    with warnings.catch_warnings():
        _quiet()
        with op.batch_alter_table('reviews', schema=None) as batch_op:
            batch_op.add_column(sa.Column('chased_for_decision', sa.Boolean(), nullable=True))
            batch_op.create_check_constraint(
                'chased_only_for_decision', f"chased_for_decision IS NULL OR {DECISION}"
            )
        _recreate_recent_texts_index()


def downgrade():
    with warnings.catch_warnings():
        _quiet()
        with op.batch_alter_table('reviews', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_reviews_chased_only_for_decision'), type_='check')
            batch_op.drop_column('chased_for_decision')
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
