"""Models of the breach register: the breach, every notification sent, and the affected people.

Moments are stored as UTC (``UTCDateTime``, the same on SQLite and PostgreSQL) and the zone the
officer used is kept beside them (``aware_zone``), so the register can show 09:30 +01:00 as typed
while sorting and the clock work in absolute time. ``authority_due`` is denormalised so that the
register can sort and filter by it in SQL.

Affected people are stored minimally: the contact details needed to tell them and nothing found
about them in the company's systems.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privdesk.store.base import Base


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC and read back as aware UTC, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Breach(Base):
    """One personal data breach, notified or not (Art. 33(5) documentation)."""

    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    risk: Mapped[str] = mapped_column(String(10))
    risk_reasoning: Mapped[str] = mapped_column(Text, default="")
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime())
    aware_zone: Mapped[str] = mapped_column(String(60))
    authority_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    occurred_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    occurred_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    discovery: Mapped[str] = mapped_column(Text, default="")
    nature: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    data_categories: Mapped[str] = mapped_column(Text, default="[]")
    special_categories: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_categories: Mapped[str] = mapped_column(Text, default="[]")
    subjects_approx: Mapped[int | None] = mapped_column(Integer, nullable=True)
    records_approx: Mapped[int | None] = mapped_column(Integer, nullable=True)
    consequences: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    measures_proposed: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    countries: Mapped[str] = mapped_column(String(300), default="")
    authorities: Mapped[str] = mapped_column(Text, default="[]")
    regimes: Mapped[str] = mapped_column(String(200), default="gdpr")
    exemptions: Mapped[str] = mapped_column(String(100), default="")
    exemption_reasoning: Mapped[str] = mapped_column(Text, default="")
    incident_type: Mapped[str] = mapped_column(String(200), default="")
    cyber_incident: Mapped[str] = mapped_column(String(10), default="unknown")
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    unintelligible: Mapped[bool] = mapped_column(Boolean, default=False)
    processor: Mapped[str] = mapped_column(Text, default="")
    others_informed: Mapped[str] = mapped_column(Text, default="")
    law_enforcement_delay: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    notifications: Mapped[list[BreachNotification]] = relationship(
        back_populates="breach", cascade="all, delete-orphan", order_by="BreachNotification.id"
    )

    __mapper_args__ = {"version_id_col": version}


class BreachNotification(Base):
    """One notification sent: to whom, when, which phase, which document (name and SHA-256)."""

    __tablename__ = "breach_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("breaches.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    regime: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(20), default="initial")
    recipient: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_zone: Mapped[str] = mapped_column(String(60), default="UTC")
    document_file: Mapped[str] = mapped_column(String(500), default="")
    document_sha256: Mapped[str] = mapped_column(String(64), default="")
    delay_reasons: Mapped[str] = mapped_column(Text, default="")
    case_reference: Mapped[str] = mapped_column(String(100), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(320), default="")
    # The notice batch this record belongs to (individual notices), and the audit chain's head
    # hash when the notice was written (anchors the chain outside the database).
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_head: Mapped[str] = mapped_column(String(64), default="")

    breach: Mapped[Breach] = relationship(back_populates="notifications")

    __table_args__ = (Index("ix_breach_notifications_breach_id", "breach_id"),)


class AffectedPerson(Base):
    """Someone the breach touched: only what is needed to tell them (name, contact, language)."""

    __tablename__ = "breach_affected"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("breaches.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="")
    region: Mapped[str] = mapped_column(String(10), default="")
    source: Mapped[str] = mapped_column(String(20), default="csv")
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notice_file: Mapped[str] = mapped_column(String(500), default="")
    notice_sha256: Mapped[str] = mapped_column(String(64), default="")
    notice_batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        Index("ix_breach_affected_breach_id_email", "breach_id", "email"),
        Index("ix_breach_affected_breach_id_phone", "breach_id", "phone"),
    )
