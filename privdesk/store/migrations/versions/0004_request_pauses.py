"""Clock pauses on requests (waiting for a clarification the officer asked for).

Revision ID: 0004_request_pauses
Revises: 0003_requests
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_request_pauses"
down_revision: str | Sequence[str] | None = "0003_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("pauses", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("paused_since", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("paused_since")
        batch.drop_column("pauses")
