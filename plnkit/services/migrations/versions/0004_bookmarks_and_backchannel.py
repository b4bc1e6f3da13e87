"""Social bookmarks, and the backchannel every participant on the server shares.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("folder", sa.Text, nullable=False, server_default=""),
        sa.Column("private", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("added_at", sa.Text, nullable=False),
        sa.Column("removed_at", sa.Text),
    )
    op.create_index("bookmarks_by_learner", "bookmarks", ["learner_id", "id"])
    op.create_table(
        "backchannel_posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("room", sa.Text, nullable=False),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("deleted_at", sa.Text),
        sa.Column("deleted_by", sa.Integer),
    )
    op.create_index("backchannel_by_room", "backchannel_posts", ["room", "id"])
