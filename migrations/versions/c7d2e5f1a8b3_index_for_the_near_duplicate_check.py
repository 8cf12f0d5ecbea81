"""Index for the near-duplicate check's recent texts (created_at, text length), partial

Revision ID: c7d2e5f1a8b3
Revises: 9b1f3c2d7e4a
Create Date: 2026-11-30 16:00:00

Written by hand: an expression index (the text length as reviews.holds._text_length spells it)
that autogenerate can't write or compare. Without it each submission's site-wide near-duplicate
query read the whole reviews table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e5f1a8b3'
down_revision = '9b1f3c2d7e4a'
branch_labels = None
depends_on = None

HAS_TEXT = "narrative IS NOT NULL OR advice IS NOT NULL"


def upgrade():
    op.create_index(
        'ix_reviews_recent_texts',
        'reviews',
        ['created_at', sa.text("(coalesce(length(narrative), 0) + coalesce(length(advice), 0))")],
        sqlite_where=sa.text(HAS_TEXT),
        postgresql_where=sa.text(HAS_TEXT),
    )


def downgrade():
    op.drop_index('ix_reviews_recent_texts', table_name='reviews')
