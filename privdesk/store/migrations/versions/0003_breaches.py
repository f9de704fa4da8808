"""Breach register: breaches, their notifications and the affected people.

Revision ID: 0003_breaches
Revises: 0002_officers_assets
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_breaches"
down_revision: str | Sequence[str] | None = "0002_officers_assets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("risk", sa.String(10), nullable=False),
        sa.Column("risk_reasoning", sa.Text(), nullable=False),
        sa.Column("aware_at", sa.DateTime(), nullable=False),
        sa.Column("aware_zone", sa.String(60), nullable=False),
        sa.Column("authority_due", sa.DateTime(), nullable=True),
        sa.Column("occurred_from", sa.DateTime(), nullable=True),
        sa.Column("occurred_to", sa.DateTime(), nullable=True),
        sa.Column("discovery", sa.Text(), nullable=False),
        sa.Column("nature", sa.String(60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data_categories", sa.Text(), nullable=False),
        sa.Column("special_categories", sa.Boolean(), nullable=False),
        sa.Column("subject_categories", sa.Text(), nullable=False),
        sa.Column("subjects_approx", sa.Integer(), nullable=True),
        sa.Column("records_approx", sa.Integer(), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("measures_proposed", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("contact_phone", sa.String(40), nullable=False),
        sa.Column("countries", sa.String(300), nullable=False),
        sa.Column("authorities", sa.Text(), nullable=False),
        sa.Column("regimes", sa.String(200), nullable=False),
        sa.Column("exemptions", sa.String(100), nullable=False),
        sa.Column("exemption_reasoning", sa.Text(), nullable=False),
        sa.Column("incident_type", sa.String(200), nullable=False),
        sa.Column("cyber_incident", sa.String(10), nullable=False),
        sa.Column("ongoing", sa.Boolean(), nullable=False),
        sa.Column("unintelligible", sa.Boolean(), nullable=False),
        sa.Column("processor", sa.Text(), nullable=False),
        sa.Column("others_informed", sa.Text(), nullable=False),
        sa.Column("law_enforcement_delay", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breaches")),
        sa.UniqueConstraint("reference", name=op.f("uq_breaches_reference")),
    )
    op.create_index("ix_breaches_status", "breaches", ["status"])
    op.create_index("ix_breaches_aware_at", "breaches", ["aware_at"])
    op.create_index("ix_breaches_authority_due", "breaches", ["authority_due"])

    op.create_table(
        "breach_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("regime", sa.String(20), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_zone", sa.String(60), nullable=False),
        sa.Column("document_file", sa.String(500), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("delay_reasons", sa.Text(), nullable=False),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(["breach_id"], ["breaches.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_notifications_breach_id_breaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_notifications")),
    )
    op.create_index("ix_breach_notifications_breach_id", "breach_notifications", ["breach_id"])

    op.create_table(
        "breach_affected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("region", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("notice_file", sa.String(500), nullable=False),
        sa.Column("notice_sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["breach_id"], ["breaches.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_affected_breach_id_breaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_affected")),
    )
    op.create_index("ix_breach_affected_breach_id_email", "breach_affected", ["breach_id", "email"])
    op.create_index("ix_breach_affected_breach_id_phone", "breach_affected", ["breach_id", "phone"])


def downgrade() -> None:
    op.drop_table("breach_affected")
    op.drop_table("breach_notifications")
    op.drop_table("breaches")
