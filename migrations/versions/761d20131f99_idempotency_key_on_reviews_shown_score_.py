"""Idempotency key on reviews, shown score column and sort indexes, trigram name indexes

Revision ID: 761d20131f99
Revises: dc64c14fe5b1
Create Date: 2026-11-30 14:05:45.951947

Generated, then adjusted by hand:
- reviews.submission_key gets a unique index (CREATE UNIQUE INDEX), not a unique constraint,
  which SQLite could only add by copying the whole reviews table;
- employer_stats.shown_score is a generated column: VIRTUAL on SQLite (ALTER TABLE can't add a
  STORED one there), STORED on PostgreSQL (its only kind);
- the sort indexes are expression indexes in each dialect's form (employers.models._sort_indexes),
  which autogenerate can't write or compare;
- the trigram indexes and the pg_trgm extension are PostgreSQL only.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '761d20131f99'
down_revision = 'dc64c14fe5b1'
branch_labels = None
depends_on = None

SHOWN_SCORE = (
    "CASE WHEN score IS NOT NULL AND scored_reviews >= 3 AND scored_authors >= 3 THEN score END"
)
SORTED = ("shown_score", "latest_published_at")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column('reviews', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('ix_reviews_submission_key', 'reviews', ['submission_key'], unique=True)

    op.add_column(
        'employer_stats',
        sa.Column('shown_score', sa.Float(), sa.Computed(SHOWN_SCORE), nullable=True),
    )
    op.drop_index('ix_employer_stats_latest_published_at', table_name='employer_stats')
    nulls = " NULLS LAST" if postgresql else ""
    for column in SORTED:
        op.create_index(
            f'ix_employer_stats_{column}_sort',
            'employer_stats',
            [sa.text(f"{column} DESC{nulls}"), sa.text("review_count DESC"), 'employer_id'],
        )

    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in ('employers', 'employer_aliases'):
            op.create_index(
                f'ix_{table}_normalized_name_trgm',
                table,
                ['normalized_name'],
                postgresql_using='gin',
                postgresql_ops={'normalized_name': 'gin_trgm_ops'},
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ('employer_aliases', 'employers'):
            op.drop_index(f'ix_{table}_normalized_name_trgm', table_name=table)
        # The extension stays: other schemas in the database may use it.
    for column in SORTED:
        op.drop_index(f'ix_employer_stats_{column}_sort', table_name='employer_stats')
    op.create_index(
        'ix_employer_stats_latest_published_at', 'employer_stats', ['latest_published_at']
    )
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no copy of the table.
    op.drop_column('employer_stats', 'shown_score')

    op.drop_index('ix_reviews_submission_key', table_name='reviews')
    op.drop_column('reviews', 'submission_key')
