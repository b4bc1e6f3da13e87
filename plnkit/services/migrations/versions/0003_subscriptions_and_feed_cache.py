"""Feed subscriptions, and the feed cache every kernel on the server shares.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("folder", sa.Text, nullable=False, server_default=""),
        sa.Column("html_url", sa.Text),
        sa.Column("added_at", sa.Text, nullable=False),
        sa.Column("removed_at", sa.Text),
        sa.UniqueConstraint("learner_id", "url"),
    )
    op.create_table(
        "feed_cache",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("final_url", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("feed", sa.Text),
        sa.Column("fetched_at", sa.Text),
        sa.Column("checked_at", sa.Text),
        sa.Column("next_check_at", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("error", sa.Text),
    )
