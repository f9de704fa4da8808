"""Hardening: the audit chain's lock row, resumable notice batches, head hashes on documents.

Revision ID: 0007_hardening
Revises: 0010_erasure
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_hardening"
down_revision: str | Sequence[str] | None = "0010_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    lock = op.create_table(
        "audit_chain_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_lock")),
    )
    op.bulk_insert(lock, [{"id": 1}])
    op.create_table(
        "breach_notice_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("out_dir", sa.Text(), nullable=False),
        sa.Column("delay_reasons", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["breach_id"], ["breaches.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_notice_batches_breach_id_breaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_notice_batches")),
    )
    op.create_index("ix_breach_notice_batches_breach_id", "breach_notice_batches", ["breach_id"])
    with op.batch_alter_table("breach_notifications") as b:
        b.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("audit_head", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("breach_affected") as b:
        b.add_column(sa.Column("notice_batch_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("request_documents") as b:
        b.add_column(sa.Column("audit_head", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("request_documents") as b:
        b.drop_column("audit_head")
    with op.batch_alter_table("breach_affected") as b:
        b.drop_column("notice_batch_id")
    with op.batch_alter_table("breach_notifications") as b:
        b.drop_column("audit_head")
        b.drop_column("batch_id")
    op.drop_index("ix_breach_notice_batches_breach_id", table_name="breach_notice_batches")
    op.drop_table("breach_notice_batches")
    op.drop_table("audit_chain_lock")
