"""Employer sketches: the running sums of each employer's statistics (issue 19)

Revision ID: 8e13f16a273d
Revises: 081c646b7d54
Create Date: 2026-12-07 05:15:25.502420

Generated and read. A new table, empty: scoring.stats.refresh_employer builds an employer's
sketch from its reviews the first time it needs one (and again each day), so nothing has to be
filled in here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e13f16a273d'
down_revision = '081c646b7d54'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('employer_sketches',
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=120), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_sketches_employer_id_employers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employer_id', name=op.f('pk_employer_sketches'))
    )


def downgrade():
    op.drop_table('employer_sketches')
