"""Listed employers by industry and by country (issue 19)

Revision ID: 081c646b7d54
Revises: 3f3f81da9a8b
Create Date: 2026-12-07 03:08:59.501486

Generated, then the batch block replaced by plain CREATE INDEX (an index needs no copy of the
table). Partial indexes, the same on SQLite and PostgreSQL: the search's and the API list's
industry and country filters (employers.browse.search) and their counts read them instead of
scanning every employer.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '081c646b7d54'
down_revision = '3f3f81da9a8b'
branch_labels = None
depends_on = None

LISTED = sa.text('listed_at IS NOT NULL')


def upgrade():
    for column in ('industry', 'country'):
        op.create_index(
            f'ix_employers_listed_{column}', 'employers', [column], unique=False,
            sqlite_where=LISTED, postgresql_where=LISTED,
        )


def downgrade():
    for column in ('country', 'industry'):
        op.drop_index(f'ix_employers_listed_{column}', table_name='employers')
