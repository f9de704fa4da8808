"""Models of the foundation: organisation settings and officers.

Later capabilities add their own model modules (imported in ``privdesk.store.all_models``) and
their own Alembic migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from privdesk.store.base import Base


class Setting(Base):
    """One organisation setting, stored as text under a dotted key (``org.name``)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Officer(Base):
    """A person who works cases (officer) or reviews the queue (manager)."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="officer")
    active: Mapped[bool] = mapped_column(default=True)


class Asset(Base):
    """Binary files that belong to the organisation (the letterhead logo), kept in the case
    database so that a team sharing PostgreSQL shares them too."""

    __tablename__ = "assets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    mime: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
