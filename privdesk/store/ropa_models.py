"""Models of the record of processing activities (Art. 30), its mapping onto the connected tables,
and the parts of a request's copy the officer withheld (Art. 15(4)).

List fields are JSON text so the register stays one row per activity on every backend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base


class RopaActivity(Base):
    """One processing activity (Art. 30(1)(a)-(g) and the Art. 15 facts it answers)."""

    __tablename__ = "ropa_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    purposes: Mapped[str] = mapped_column(Text, default="[]")
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    special_condition: Mapped[str] = mapped_column(Text, default="")
    subject_categories: Mapped[str] = mapped_column(Text, default="[]")
    data_categories: Mapped[str] = mapped_column(Text, default="[]")
    recipients: Mapped[str] = mapped_column(Text, default="[]")
    transfers: Mapped[str] = mapped_column(Text, default="[]")  # [[country, safeguard], ...]
    retention: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    automated_decisions: Mapped[str] = mapped_column(Text, default="")
    systems: Mapped[str] = mapped_column(Text, default="[]")
    security_measures: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RopaMapping(Base):
    """A connected table (or one of its columns, ``column_name`` not empty) covered by an activity.

    The connection is kept by name, as the officer and the snapshots know it.
    """

    __tablename__ = "ropa_mappings"
    __table_args__ = (
        UniqueConstraint("activity_id", "connection", "table_name", "column_name", name="uq_ropa_mappings_target"),
        Index("ix_ropa_mappings_connection_table", "connection", "table_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("ropa_activities.id", ondelete="CASCADE"))
    connection: Mapped[str] = mapped_column(String(100))
    table_name: Mapped[str] = mapped_column(String(300))
    column_name: Mapped[str] = mapped_column(String(300), default="")


class RequestWithholding(Base):
    """Rows or a column of a request's snapshot left out of the reply, with the ground."""

    __tablename__ = "request_withholdings"
    __table_args__ = (Index("ix_request_withholdings_request_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    connection: Mapped[str] = mapped_column(String(100))
    table_name: Mapped[str] = mapped_column(String(300))
    row_key: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON object; None: every row
    column_name: Mapped[str] = mapped_column(String(300), default="")
    ground: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
