"""What a request's case file holds beyond its fields: the search snapshots attached to it and
the documents generated for it (letters, portability files).

Snapshots are stored as the discovery layer's canonical JSON, so the rows an officer attached are
exactly the rows a later letter or export shows, whatever the connected databases hold by then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base


class RequestSnapshot(Base):
    __tablename__ = "request_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    taken_at: Mapped[str] = mapped_column(String(40))
    attached_by: Mapped[str] = mapped_column(String(320))
    attached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    identifiers: Mapped[str] = mapped_column(Text)  # JSON {kind: [values]}
    row_count: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON of the snapshot

    __table_args__ = (Index("ix_request_snapshots_request_id", "request_id"),)


class RequestDocument(Base):
    """A generated document; the copy in the data directory lets the case file reopen it."""

    __tablename__ = "request_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    encryption: Mapped[str] = mapped_column(String(50), default="")
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_snapshots.id", ondelete="SET NULL"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The audit chain's head hash when the document was written: a copy of the chain's state
    # outside the database (the letter quotes it), so deleting entries from the end shows.
    audit_head: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_request_documents_request_id", "request_id"),)
