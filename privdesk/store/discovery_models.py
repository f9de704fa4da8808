"""Models of the subject search: registered connections, the officer's column-map overrides and
the cached introspection of each connected database.

Passwords are never stored here: a connection's URL is kept without it and the secret lives in
the system keyring (see :mod:`privdesk.discovery.secrets`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base


class DiscoveryConnection(Base):
    """A company database the officer searches: a name and a URL without its password."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MapOverride(Base):
    """The officer's correction of the identifier map.

    ``column_name`` empty means the row is about the whole table (``excluded``); otherwise
    ``kind`` is the identifier kind the column holds, or ``"none"`` for "not an identifier".
    """

    __tablename__ = "discovery_overrides"
    __table_args__ = (UniqueConstraint("connection_id", "table_name", "column_name",
                                       name="uq_discovery_overrides_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(300))
    column_name: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SchemaCache(Base):
    """The last introspection of a connection (schema plus content-sample classification)."""

    __tablename__ = "discovery_schema_cache"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
