"""Models of rights requests: the request, the subject's identifiers, attached files and the
append-only, hash-chained audit log.

The queue reads ``requests`` directly with SQL (paging, sorting, filtering), so the columns it
sorts or filters on are plain indexed columns here, including two denormalised ones:
``deadline`` (the date in force: the extended date once extended) and ``search_text`` (case-folded
reference, name and e-mails for the free-text filter).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privdesk.store.base import Base


class Request(Base):
    """One rights request of a data subject."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    law: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    received: Mapped[date] = mapped_column(Date)
    clock_start: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    extended_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    acknowledge_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline: Mapped[date] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    subject_name: Mapped[str] = mapped_column(String(300))
    subject_key: Mapped[str] = mapped_column(String(300))
    subject_address: Mapped[str] = mapped_column(Text, default="")
    primary_email: Mapped[str] = mapped_column(String(320), default="")
    requester: Mapped[str] = mapped_column(String(300), default="")
    verification: Mapped[str] = mapped_column(String(20))
    verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(320), default="")
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    holiday_country: Mapped[str] = mapped_column(String(10), default="")
    holiday_subdivision: Mapped[str] = mapped_column(String(10), default="")
    pauses: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    """JSON list of ``[start, end]`` ISO dates (end null while still paused)."""
    paused_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    duplicate_of: Mapped[str] = mapped_column(String(20), default="")
    merged_into: Mapped[str] = mapped_column(String(20), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    identifiers: Mapped[list[SubjectIdentifier]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SubjectIdentifier.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_requests_status_deadline", "status", "deadline"),
        Index("ix_requests_deadline", "deadline"),
        Index("ix_requests_due", "due"),
        Index("ix_requests_received", "received"),
        Index("ix_requests_assignee_id", "assignee_id"),
        Index("ix_requests_subject_key", "subject_key"),
        Index("ix_requests_type", "type"),
        Index("ix_requests_law", "law"),
        # The dashboard: answered in a period, and the open snapshot covered by one index.
        Index("ix_requests_decided_on", "decided_on"),
        Index("ix_requests_open_figures", "status", "deadline", "type", "law", "assignee_id", "paused_since",
              "verification"),
    )


class SubjectIdentifier(Base):
    """An identifier of the subject (e-mail, phone, customer id), kept as typed and normalised."""

    __tablename__ = "subject_identifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    normalised: Mapped[str] = mapped_column(String(320))

    request: Mapped[Request] = relationship(back_populates="identifiers")

    __table_args__ = (
        Index("ix_subject_identifiers_kind_normalised", "kind", "normalised"),
        Index("ix_subject_identifiers_request_id", "request_id"),
    )


class Attachment(Base):
    """A file copied into the data directory; the hash proves it was not changed later."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    request: Mapped[Request] = relationship(back_populates="attachments")

    __table_args__ = (Index("ix_attachments_request_id", "request_id"),)


class AuditEntry(Base):
    """One change, chained to the previous entry by its hash.

    ``at`` is stored as ISO text, not a timestamp type, so that what was hashed is byte-for-byte
    what is read back on every database backend.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(320))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(50))
    changes: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)


def _refuse_change(_mapper: Any, _conn: Any, target: AuditEntry) -> None:
    raise RuntimeError(f"the audit log is append-only (entry {target.seq})")


# Append-only at the ORM level too: no service can update or delete an entry by accident.
event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
