"""Rights requests, subject identifiers, attachments and the hash-chained audit log.

Revision ID: 0003_requests
Revises: 0002_officers_assets
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_requests"
down_revision: str | Sequence[str] | None = "0002_officers_assets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("law", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("clock_start", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("extended_due", sa.Date(), nullable=True),
        sa.Column("acknowledge_by", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=False),
        sa.Column("subject_name", sa.String(300), nullable=False),
        sa.Column("subject_key", sa.String(300), nullable=False),
        sa.Column("subject_address", sa.Text(), nullable=False),
        sa.Column("primary_email", sa.String(320), nullable=False),
        sa.Column("requester", sa.String(300), nullable=False),
        sa.Column("verification", sa.String(20), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("holiday_country", sa.String(10), nullable=False),
        sa.Column("holiday_subdivision", sa.String(10), nullable=False),
        sa.Column("duplicate_of", sa.String(20), nullable=False),
        sa.Column("merged_into", sa.String(20), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["officers.id"], ondelete="SET NULL",
                                name=op.f("fk_requests_assignee_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_requests_reference")),
    )
    op.create_index("ix_requests_status_deadline", "requests", ["status", "deadline"])
    op.create_index("ix_requests_deadline", "requests", ["deadline"])
    op.create_index("ix_requests_due", "requests", ["due"])
    op.create_index("ix_requests_received", "requests", ["received"])
    op.create_index("ix_requests_assignee_id", "requests", ["assignee_id"])
    op.create_index("ix_requests_subject_key", "requests", ["subject_key"])
    op.create_index("ix_requests_type", "requests", ["type"])
    op.create_index("ix_requests_law", "requests", ["law"])

    op.create_table(
        "subject_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(320), nullable=False),
        sa.Column("normalised", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_subject_identifiers_request_id_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_identifiers")),
    )
    op.create_index("ix_subject_identifiers_kind_normalised", "subject_identifiers", ["kind", "normalised"])
    op.create_index("ix_subject_identifiers_request_id", "subject_identifiers", ["request_id"])

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("stored_path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(320), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_attachments_request_id_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_request_id", "attachments", ["request_id"])

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("entity_id", sa.String(50), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_index("ix_audit_log_entity_entity_id", "audit_log", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("attachments")
    op.drop_table("subject_identifiers")
    op.drop_table("requests")
