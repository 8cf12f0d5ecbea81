"""List sort keys: generated columns most_key and least_key on employer_stats, with indexes

Revision ID: 9b1f3c2d7e4a
Revises: 345e8e0f48e9
Create Date: 2026-11-30 14:36:00

Generated columns (VIRTUAL on SQLite, STORED on PostgreSQL) holding the most/least responsive
lists' sort key where an employer is eligible (employers.models), and an expression index per
dialect for each, so each list reads its first rows in index order instead of sorting every
statistics row. Written by hand: autogenerate can't write or compare expression indexes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b1f3c2d7e4a'
down_revision = '345e8e0f48e9'
branch_labels = None
depends_on = None

SHOWN = "score IS NOT NULL AND scored_reviews >= 3 AND scored_authors >= 3"
MOST_KEY = (
    f"CASE WHEN {SHOWN} AND weight_sum >= 5.0 AND spread_days >= 30 THEN score END"
)
LEAST_KEY = f"CASE WHEN {SHOWN} AND weight_sum >= 10.0 THEN score + coalesce(score_sd, 0) END"


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column(
        'employer_stats', sa.Column('most_key', sa.Float(), sa.Computed(MOST_KEY), nullable=True)
    )
    op.add_column(
        'employer_stats', sa.Column('least_key', sa.Float(), sa.Computed(LEAST_KEY), nullable=True)
    )
    op.create_index(
        'ix_employer_stats_most_key_sort',
        'employer_stats',
        [
            sa.text("most_key DESC NULLS LAST" if postgresql else "most_key DESC"),
            sa.text("weight_sum DESC"),
            'employer_id',
        ],
    )
    op.create_index(
        'ix_employer_stats_least_key_sort',
        'employer_stats',
        [sa.text("least_key"), sa.text("weight_sum DESC"), 'employer_id'],
    )


def downgrade():
    op.drop_index('ix_employer_stats_least_key_sort', table_name='employer_stats')
    op.drop_index('ix_employer_stats_most_key_sort', table_name='employer_stats')
    op.drop_column('employer_stats', 'least_key')
    op.drop_column('employer_stats', 'most_key')
