"""Connected databases: connections, identifier-map overrides, introspection cache.

Revision ID: 0003_discovery
Revises: 0002_officers_assets
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_discovery"
down_revision: str | Sequence[str] | None = "0002_officers_assets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )
    op.create_table(
        "discovery_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(300), nullable=False),
        sa.Column("column_name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_discovery_overrides_connection_id_connections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_overrides")),
        sa.UniqueConstraint("connection_id", "table_name", "column_name", name="uq_discovery_overrides_target"),
    )
    op.create_table(
        "discovery_schema_cache",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_discovery_schema_cache_connection_id_connections")),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_discovery_schema_cache")),
    )


def downgrade() -> None:
    op.drop_table("discovery_schema_cache")
    op.drop_table("discovery_overrides")
    op.drop_table("connections")
