"""Facts recorded for the legal review rules (issue 10), in tables of their own.

``breach_legal`` holds what LGPD Art. 48 §1 and Cal. Civ. Code 1798.82 ask beyond the register's
GDPR fields (see :mod:`privdesk.domain.breach_legal`); ``request_appeals`` links an appeal under
the VCDPA or the CPA to the request whose refusal it contests. Kept apart from the register and the
queue tables so those stay as they are.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base
from privdesk.store.breach_models import UTCDateTime


class BreachLegal(Base):
    """One breach's facts for LGPD Art. 48 §1 III and Cal. Civ. Code 1798.82(a)-(d)."""

    __tablename__ = "breach_legal"

    breach_id: Mapped[int] = mapped_column(ForeignKey("breaches.id", ondelete="CASCADE"), primary_key=True)
    security_measures: Mapped[str] = mapped_column(Text, default="")
    was_source: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_services: Mapped[str] = mapped_column(Text, default="")
    service_months: Mapped[int] = mapped_column(Integer, default=0)
    data_owner: Mapped[str] = mapped_column(String(300), default="")
    owner_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delays: Mapped[str] = mapped_column(String(100), default="")
    delay_reason: Mapped[str] = mapped_column(Text, default="")


class RequestAppeal(Base):
    """An appeal (a request of its own) and the request whose refusal it contests."""

    __tablename__ = "request_appeals"

    appeal_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
