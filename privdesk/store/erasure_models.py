"""Erasure plans and the officer's per-table erasure defaults of each connected database.

A plan is stored as its canonical JSON with its hash, the snapshot it was built from and the
fingerprint of its inputs, so ``execute`` runs exactly what was reviewed and refuses a plan
whose inputs (snapshot, defaults, corrections) changed since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base


class ErasureDefault(Base):
    """What to do with one table's rows on erasure or opt-out, set once per connection."""

    __tablename__ = "erasure_defaults"
    __table_args__ = (UniqueConstraint("connection_id", "table_name", name="uq_erasure_defaults_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(300))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ErasurePlan(Base):
    """The current change plan of a request (one per request; earlier ones live in the audit
    trail and the case file)."""

    __tablename__ = "erasure_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), unique=True)
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_snapshots.id", ondelete="SET NULL"), nullable=True)
    inputs_sha: Mapped[str] = mapped_column(String(64))
    plan_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON of the plan
    edits: Mapped[str] = mapped_column(Text, default="{}")  # rectification values typed by the officer
    status: Mapped[str] = mapped_column(String(20), default="planned")
    result: Mapped[str] = mapped_column(Text, default="{}")  # execution and proof, JSON
    built_by: Mapped[str] = mapped_column(String(320))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
