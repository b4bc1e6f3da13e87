"""Workshop admission: a participant's link can be revoked (reissued), and the workshop closed.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("learners", sa.Column("revoked_at", sa.Text))
    op.create_table(
        "workshop_settings",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
