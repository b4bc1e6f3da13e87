"""When each participant first opened a course page: the facilitator's "Who is here" shows it as "Joined", so a
participant added ahead of time is shown arriving when they did, not when the facilitator added them. A visit
recorded before this revision was not kept: its learner's joining time stands in, as "Who is here" showed until
now.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("page_visits", sa.Column("first_opened_at", sa.Text))
    op.execute("UPDATE page_visits SET first_opened_at = "
               "(SELECT created_at FROM learners WHERE learners.id = page_visits.learner_id)")
