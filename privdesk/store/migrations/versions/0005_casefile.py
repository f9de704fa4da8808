"""Search snapshots attached to requests and the documents generated for them.

Revision ID: 0005_casefile
Revises: 0004_request_pauses
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_casefile"
down_revision: str | Sequence[str] | None = "0004_request_pauses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.String(40), nullable=False),
        sa.Column("attached_by", sa.String(320), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("identifiers", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_request_snapshots_request_id_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_snapshots")),
    )
    op.create_index("ix_request_snapshots_request_id", "request_snapshots", ["request_id"])
    op.create_table(
        "request_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("stored_path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("encryption", sa.String(50), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_request_documents_request_id_requests")),
        sa.ForeignKeyConstraint(["snapshot_id"], ["request_snapshots.id"], ondelete="SET NULL",
                                name=op.f("fk_request_documents_snapshot_id_request_snapshots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_documents")),
    )
    op.create_index("ix_request_documents_request_id", "request_documents", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_request_documents_request_id", "request_documents")
    op.drop_table("request_documents")
    op.drop_index("ix_request_snapshots_request_id", "request_snapshots")
    op.drop_table("request_snapshots")
