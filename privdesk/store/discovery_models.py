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
    Float,
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


class DiscoveryLink(Base):
    """A link between two tables of a connected database that no foreign key declares: proposed
    by inference, accepted or rejected by the officer, or added by hand (or from a dataset file).

    ``link_key`` is the link's id as the command line shows it (``orders.customer_id=customers.id``).
    """

    __tablename__ = "discovery_links"
    __table_args__ = (UniqueConstraint("connection_id", "link_key", name="uq_discovery_links_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    link_key: Mapped[str] = mapped_column(String(700))
    from_table: Mapped[str] = mapped_column(String(300))
    from_columns: Mapped[list[str]] = mapped_column(JSON)
    to_table: Mapped[str] = mapped_column(String(300))
    to_columns: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # proposed | accepted | rejected
    source: Mapped[str] = mapped_column(String(20), default="inferred")  # inferred | manual | dataset
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
