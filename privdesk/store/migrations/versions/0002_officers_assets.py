"""Officers and the organisation's binary assets (logo).

Revision ID: 0002_officers_assets
Revises: 0001_settings
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_officers_assets"
down_revision: str | Sequence[str] | None = "0001_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("email", name=op.f("uq_officers_email")),
    )
    op.create_table(
        "assets",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_assets")),
    )


def downgrade() -> None:
    op.drop_table("assets")
    op.drop_table("officers")
