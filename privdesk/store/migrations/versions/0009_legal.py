"""Legal review (issue 10): breach facts for LGPD / California, and appeals linked to requests.

Revision ID: 0009_legal
Revises: 0008_ropa, 0003_breaches, 0003_discovery
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_legal"
# Also merges the three heads on main today (0003_breaches, 0003_discovery, 0005_casefile) into one:
# breach_legal references breaches, so 0003_breaches must run first.
down_revision: str | Sequence[str] | None = ("0008_ropa", "0003_breaches", "0003_discovery")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breach_legal",
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("security_measures", sa.Text(), nullable=False),
        sa.Column("was_source", sa.Boolean(), nullable=False),
        sa.Column("identity_services", sa.Text(), nullable=False),
        sa.Column("service_months", sa.Integer(), nullable=False),
        sa.Column("data_owner", sa.String(300), nullable=False),
        sa.Column("owner_notified_at", sa.DateTime(), nullable=True),
        sa.Column("delays", sa.String(100), nullable=False),
        sa.Column("delay_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["breach_id"], ["breaches.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_legal_breach_id_breaches")),
        sa.PrimaryKeyConstraint("breach_id", name=op.f("pk_breach_legal")),
    )
    op.create_table(
        "request_appeals",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("original_id", sa.Integer(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_request_appeals_appeal_id_requests")),
        sa.ForeignKeyConstraint(["original_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_request_appeals_original_id_requests")),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_request_appeals")),
    )
    op.create_index(op.f("ix_request_appeals_original_id"), "request_appeals", ["original_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_request_appeals_original_id"), table_name="request_appeals")
    op.drop_table("request_appeals")
    op.drop_table("breach_legal")
