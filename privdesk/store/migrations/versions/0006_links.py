"""Links between tables of connected databases: proposed, accepted, rejected or added by hand.

Revision ID: 0006_links
Revises: 0009_legal
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_links"
# also after the discovery branch: the table refers to its connections table
down_revision: str | Sequence[str] | None = "0009_legal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discovery_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("link_key", sa.String(700), nullable=False),
        sa.Column("from_table", sa.String(300), nullable=False),
        sa.Column("from_columns", sa.JSON(), nullable=False),
        sa.Column("to_table", sa.String(300), nullable=False),
        sa.Column("to_columns", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_discovery_links_connection_id_connections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_links")),
        sa.UniqueConstraint("connection_id", "link_key", name="uq_discovery_links_key"),
    )


def downgrade() -> None:
    op.drop_table("discovery_links")
