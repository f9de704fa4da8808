"""Models added by the hardening work: the audit chain's lock row and resumable notice batches.

``audit_chain_lock`` holds one row that writers of the audit chain lock (``SELECT ... FOR
UPDATE``) on MariaDB/MySQL, where no transaction-scoped advisory lock exists: two officers'
transactions then extend the chain one after the other instead of both from the same tail.

A ``breach_notice_batches`` row is one batch of individual notices. Each chunk of people commits
together with its notified marks, the batch's running count, its notification records' counts and
an audit entry, so a batch killed half-way is truthful about what it did, and running it again
completes the same batch (same time of sending, same records).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base
from privdesk.store.breach_models import UTCDateTime


class AuditChainLock(Base):
    __tablename__ = "audit_chain_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class BreachNoticeBatch(Base):
    """One batch of individual notices: running until every pending person has a notice."""

    __tablename__ = "breach_notice_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("breaches.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(320), default="")
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | complete
    written: Mapped[int] = mapped_column(Integer, default=0)
    out_dir: Mapped[str] = mapped_column(Text, default="")
    delay_reasons: Mapped[str] = mapped_column(Text, default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_breach_notice_batches_breach_id", "breach_id"),)
