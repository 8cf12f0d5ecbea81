"""Index on employer_stats.updated_at for the site-wide page validator

Revision ID: 345e8e0f48e9
Revises: 761d20131f99
Create Date: 2026-11-30 14:28:32.595355

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '345e8e0f48e9'
down_revision = '761d20131f99'
branch_labels = None
depends_on = None


def upgrade():
    # Generated; the sort indexes autogenerate also listed are expression indexes it can't compare
    # (employers.models._sort_indexes), unchanged here.
    op.create_index('ix_employer_stats_updated_at', 'employer_stats', ['updated_at'])


def downgrade():
    op.drop_index('ix_employer_stats_updated_at', table_name='employer_stats')
