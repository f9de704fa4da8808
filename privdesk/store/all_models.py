"""Imports every model module so that ``Base.metadata`` is complete (Alembic, tests)."""

from privdesk.store import models  # noqa: F401
from privdesk.store import request_models  # noqa: F401
from privdesk.store.base import Base

metadata = Base.metadata
