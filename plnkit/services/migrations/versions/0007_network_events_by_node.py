"""The facilitator's page finds each connection's latest change by index, whatever a network's size.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("network_events_by_node", "network_events", ["learner_id", "node_key", "at", "id"])
