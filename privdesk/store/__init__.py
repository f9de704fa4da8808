"""The case database: typed models, one engine per process, Alembic migrations."""

from privdesk.store.database import Database, open_database

__all__ = ["Database", "open_database"]
