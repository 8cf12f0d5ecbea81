"""Account trust for the figures: reviews.new_account, employer_stats.established_authors

DESIGN.md §6, "Fakes cannot buy a list".

site_parameters: M's CHECK becomes m > 0 (the floor is scoring.params.M_FLOOR), and
mean_decided_value (ū_decided of the retired composite score) goes.

reviews.new_account: the review was submitted from an account younger than 30 days with no
published review of another employer (reviews.services.is_new_account). Existing reviews are
marked by the same rule, from the account's and the reviews' own times; a review whose account
was deleted (author_id NULL) can't be judged and stays unmarked.

employer_stats.established_authors: filled by the next `recompute` (tick does one a day).

Revision ID: 445842f7b1c0
Revises: eb2b6bfbbb8e
Create Date: 2026-12-05 11:16:37.568742

"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "445842f7b1c0"
down_revision = "eb2b6bfbbb8e"
branch_labels = None
depends_on = None

NEW_ACCOUNT_DAYS = 30  # scoring.params.NEW_ACCOUNT_DAYS when this migration was written


def upgrade():
    # Plain ALTERs, not batch mode: a batch rebuild on SQLite would drop the expression index
    # ix_reviews_recent_texts and copy employer_stats' generated columns as plain ones.
    op.add_column(
        "employer_stats",
        sa.Column("established_authors", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "reviews", sa.Column("new_account", sa.Boolean(), server_default=sa.false(), nullable=False)
    )

    # M's floor is a parameter the benchmark chooses (scoring.params.M_FLOOR), no longer 10:
    # the database keeps only what makes the formula defined.
    with op.batch_alter_table("site_parameters", schema=None) as batch_op:
        batch_op.drop_constraint("m_floor", type_="check")
        batch_op.create_check_constraint("m_positive", "m > 0")
        # ū_decided fed the retired composite score; nothing reads it any more.
        batch_op.drop_column("mean_decided_value")

    _mark_new_accounts()


def _mark_new_accounts():
    bind = op.get_bind()
    reviews = sa.table(
        "reviews",
        sa.column("id", sa.Integer),
        sa.column("author_id", sa.Integer),
        sa.column("employer_id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("published_at", sa.DateTime),
        sa.column("new_account", sa.Boolean),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime))
    rows = bind.execute(
        sa.select(
            reviews.c.id,
            reviews.c.author_id,
            reviews.c.employer_id,
            reviews.c.created_at,
            reviews.c.published_at,
            users.c.created_at.label("account_created_at"),
        )
        .join(users, users.c.id == reviews.c.author_id)
        .order_by(reviews.c.author_id, reviews.c.created_at)
    ).all()
    by_author: dict[int, list] = {}
    for row in rows:
        by_author.setdefault(row.author_id, []).append(row)
    marked = []
    for own in by_author.values():
        for row in own:
            if row.account_created_at <= row.created_at - timedelta(days=NEW_ACCOUNT_DAYS):
                continue
            elsewhere = any(
                other.employer_id != row.employer_id
                and other.published_at is not None
                and other.published_at <= row.created_at
                for other in own
            )
            if not elsewhere:
                marked.append({"review_id": row.id})
    if marked:
        bind.execute(
            reviews.update()
            .where(reviews.c.id == sa.bindparam("review_id"))
            .values(new_account=sa.true()),
            marked,
        )


def downgrade():
    op.execute("UPDATE site_parameters SET m = 10 WHERE m < 10")
    with op.batch_alter_table("site_parameters", schema=None) as batch_op:
        batch_op.drop_constraint("m_positive", type_="check")
        batch_op.create_check_constraint("m_floor", "m >= 10")
        batch_op.add_column(
            sa.Column("mean_decided_value", sa.Float(), server_default="0", nullable=False)
        )

    op.drop_column("reviews", "new_account")

    # Not in batch mode: rebuilding employer_stats on SQLite would copy its generated columns
    # as plain ones; SQLite (3.35+) drops a plain column in place.
    op.drop_column("employer_stats", "established_authors")
