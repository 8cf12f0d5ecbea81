"""employer_stats.shown_score needs established reviewers

A figure is shown from 3 counted reviews by 3 accounts, at least 2 of which were established when
they wrote (scoring.params.MIN_ESTABLISHED_AUTHORS_SHOWN): a campaign of fresh accounts can't make
a figure appear. The generated column's expression changes, so the column is dropped and added
again with its sort index (autogenerate compares neither generated expressions nor expression
indexes; written by hand from `flask db revision`). VIRTUAL on SQLite (ALTER TABLE can't add a
STORED column there), STORED on PostgreSQL, as revision 761d20131f99 made it.

Revision ID: 6cc57d8a6c6d
Revises: 445842f7b1c0
Create Date: 2026-12-05 21:45:12.512345

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6cc57d8a6c6d"
down_revision = "445842f7b1c0"
branch_labels = None
depends_on = None

THREE_FROM_THREE = "score IS NOT NULL AND scored_reviews >= 3 AND scored_authors >= 3"
BEFORE = f"CASE WHEN {THREE_FROM_THREE} THEN score END"
AFTER = f"CASE WHEN {THREE_FROM_THREE} AND established_authors >= 2 THEN score END"
INDEX = "ix_employer_stats_shown_score_sort"


def _rebuild(expression: str) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index(INDEX, table_name="employer_stats")
    # Plain ALTER TABLE ... DROP/ADD COLUMN (SQLite 3.35+), not batch mode: a batch rebuild on
    # SQLite would copy the other generated columns as plain ones.
    op.drop_column("employer_stats", "shown_score")
    op.add_column(
        "employer_stats",
        sa.Column("shown_score", sa.Float(), sa.Computed(expression), nullable=True),
    )
    nulls = " NULLS LAST" if postgresql else ""
    op.create_index(
        INDEX,
        "employer_stats",
        [sa.text(f"shown_score DESC{nulls}"), sa.text("review_count DESC"), "employer_id"],
    )


def upgrade():
    _rebuild(AFTER)


def downgrade():
    _rebuild(BEFORE)
