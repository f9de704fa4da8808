"""Indexes for the manager's dashboard: requests answered in a period, and the open snapshot read
from the index alone (100,000 requests refresh within 300 ms).

Revision ID: 0006_dashboard_indexes
Revises: 0006_links
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_dashboard_indexes"
down_revision: str | Sequence[str] | None = "0006_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_requests_decided_on", "requests", ["decided_on"])
    op.create_index("ix_requests_open_figures", "requests",
                    ["status", "deadline", "type", "law", "assignee_id", "paused_since", "verification"])


def downgrade() -> None:
    op.drop_index("ix_requests_open_figures", table_name="requests")
    op.drop_index("ix_requests_decided_on", table_name="requests")
