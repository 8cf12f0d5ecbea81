"""hold reason: resubmitted after a moderator hid it

An author's edit of a hidden review now waits for a moderator (DESIGN.md §8) instead of publishing
after the automatic checks.

Revision ID: dc64c14fe5b1
Revises: c2485a86d8eb
Create Date: 2026-11-30 12:53:09.707822

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dc64c14fe5b1'
down_revision = 'c2485a86d8eb'
branch_labels = None
depends_on = None


OLD = "hold_reason IN ('suspected_name', 'link_spam', 'near_duplicate', 'direction_burst')"
NEW = (
    "hold_reason IN ('suspected_name', 'link_spam', 'near_duplicate', 'direction_burst',"
    " 'resubmitted')"
)


def upgrade():
    # Written by hand: a new value in a CHECK-constrained enum is invisible to autogenerate.
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reviews_hold_reason'), type_='check')
        batch_op.create_check_constraint('hold_reason', NEW)


def downgrade():
    # Without the value, a review waiting as resubmitted goes back to hidden (reason "other"),
    # so that nothing is published by the downgrade.
    op.execute(
        "UPDATE reviews SET status = 'hidden', hold_reason = NULL, hidden_reason = 'other'"
        " WHERE hold_reason = 'resubmitted'"
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reviews_hold_reason'), type_='check')
        batch_op.create_check_constraint('hold_reason', OLD)
