"""The record of processing activities, its mapping onto connected tables, and withholdings.

Revision ID: 0008_ropa
Revises: 0005_casefile
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_ropa"
down_revision: str | Sequence[str] | None = "0005_casefile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ropa_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        *(sa.Column(c, sa.Text(), nullable=False) for c in (
            "purposes", "lawful_basis", "special_condition", "subject_categories", "data_categories",
            "recipients", "transfers", "retention", "source", "automated_decisions", "systems",
            "security_measures")),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ropa_activities")),
        sa.UniqueConstraint("name", name=op.f("uq_ropa_activities_name")),
    )
    op.create_table(
        "ropa_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("table_name", sa.String(300), nullable=False),
        sa.Column("column_name", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["ropa_activities.id"], ondelete="CASCADE",
                                name=op.f("fk_ropa_mappings_activity_id_ropa_activities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ropa_mappings")),
        sa.UniqueConstraint("activity_id", "connection", "table_name", "column_name",
                            name="uq_ropa_mappings_target"),
    )
    op.create_index("ix_ropa_mappings_connection_table", "ropa_mappings", ["connection", "table_name"])
    op.create_table(
        "request_withholdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("table_name", sa.String(300), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=True),
        sa.Column("column_name", sa.String(300), nullable=False),
        sa.Column("ground", sa.String(50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_request_withholdings_request_id_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_withholdings")),
    )
    op.create_index("ix_request_withholdings_request_id", "request_withholdings", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_request_withholdings_request_id", "request_withholdings")
    op.drop_table("request_withholdings")
    op.drop_index("ix_ropa_mappings_connection_table", "ropa_mappings")
    op.drop_table("ropa_mappings")
    op.drop_table("ropa_activities")
