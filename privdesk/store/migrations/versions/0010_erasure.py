"""Erasure plans and per-table erasure defaults of connected databases.

Revision ID: 0010_erasure
Revises: 0006_dashboard_indexes
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_erasure"
down_revision: str | Sequence[str] | None = "0006_dashboard_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_defaults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(300), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_erasure_defaults_connection_id_connections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_defaults")),
        sa.UniqueConstraint("connection_id", "table_name", name="uq_erasure_defaults_target"),
    )
    op.create_table(
        "erasure_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("inputs_sha", sa.String(64), nullable=False),
        sa.Column("plan_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("edits", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("built_by", sa.String(320), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_erasure_plans_request_id_requests")),
        sa.ForeignKeyConstraint(["snapshot_id"], ["request_snapshots.id"], ondelete="SET NULL",
                                name=op.f("fk_erasure_plans_snapshot_id_request_snapshots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_plans")),
        sa.UniqueConstraint("request_id", name=op.f("uq_erasure_plans_request_id")),
    )


def downgrade() -> None:
    op.drop_table("erasure_plans")
    op.drop_table("erasure_defaults")
