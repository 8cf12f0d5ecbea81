"""Every step reached and "turned down other work while waiting" (issue 18)

Revision ID: 3f3f81da9a8b
Revises: 0ff2da348e7a
Create Date: 2026-12-06 23:00:28.734373

Generated, then adjusted by hand: plain ADD COLUMN (a batch copy of reviews on SQLite would lose
its partial and expression indexes), and the rule that the furthest of the steps is the stage as a
CHECK on PostgreSQL and as two triggers on SQLite, which can't add a CHECK in place (the model
makes the same on a new database: reviews.models.steps_triggers_sql).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f3f81da9a8b'
down_revision = '0ff2da348e7a'
branch_labels = None
depends_on = None

STAGES = ('applied', 'screen', 'interview', 'assignment', 'final', 'references', 'offer')


def _steps_check(column='steps', stage_column='stage'):
    """NULL, or a mask of stages (bit = rank) whose highest bit is the row's stage."""
    low = " ".join(f"WHEN '{s}' THEN {1 << r}" for r, s in enumerate(STAGES))
    high = " ".join(f"WHEN '{s}' THEN {(1 << (r + 1)) - 1}" for r, s in enumerate(STAGES))
    return (
        f"{column} IS NULL OR ({column} >= CASE {stage_column} {low} END"
        f" AND {column} <= CASE {stage_column} {high} END)"
    )


def upgrade():
    op.add_column('reviews', sa.Column('steps', sa.SmallInteger(), nullable=True))
    op.add_column('reviews', sa.Column('turned_down_work', sa.Boolean(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        for action in ('INSERT', 'UPDATE'):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS reviews_steps_within_stage_{action.lower()}"
                f" BEFORE {action} ON reviews FOR EACH ROW"
                f" WHEN NOT ({_steps_check('NEW.steps', 'NEW.stage')})"
                " BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: steps_within_stage'); END"
            )
    else:
        op.create_check_constraint('steps_within_stage', 'reviews', _steps_check())


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for action in ('insert', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS reviews_steps_within_stage_{action}")
    else:
        op.drop_constraint('steps_within_stage', 'reviews', type_='check')
    # In place (SQLite 3.35+ can): a batch copy of reviews would lose its indexes.
    op.drop_column('reviews', 'turned_down_work')
    op.drop_column('reviews', 'steps')
