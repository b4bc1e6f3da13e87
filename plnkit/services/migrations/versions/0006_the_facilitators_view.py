"""The facilitator's view of the room: shared reflections, where each participant is, muting, certificates.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("learners", sa.Column("muted_at", sa.Text))
    op.create_table(
        "shared_answers",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("shared_at", sa.Text, nullable=False),
    )
    op.create_table(
        "page_visits",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), primary_key=True, autoincrement=False),
        sa.Column("page", sa.Text, nullable=False),
        sa.Column("opened_at", sa.Text, nullable=False),
    )
    op.create_table(
        "certificates",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("issued_at", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
    )
    op.create_index("certificates_by_learner", "certificates", ["learner_id"])
