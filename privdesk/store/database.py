"""Opening, migrating and backing up the case database.

One :class:`Database` per process holds the engine and the session factory; every unit of work
opens its own session with ``db.session()`` (``with db.session.begin() as s:``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from privdesk.errors import ConfigurationError, DatabaseVersionError
from privdesk.paths import package_path
from privdesk.store.revisions import packaged_heads, packaged_revisions

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("privdesk.store")

MIGRATIONS_DIR = package_path("store", "migrations")


def normalise_url(url: str) -> str:
    """Pick the drivers we ship: psycopg 3 for PostgreSQL, PyMySQL for MySQL/MariaDB."""
    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"The database address {url!r} is not a valid database URL.") from exc
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    elif u.drivername in ("mysql", "mariadb"):
        u = u.set(drivername=f"{u.drivername}+pymysql")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def create_case_engine(url: str) -> Engine:
    """Create the process's engine; SQLite gets WAL and foreign keys on every connection.

    ``hide_parameters``: a failed statement's bound values (names, e-mails, note text) never
    appear in the exception text that reaches logs, stderr or a dialog.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration for our migrations; imports Alembic, so only call it to migrate."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


@dataclass(frozen=True)
class MigrationState:
    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.current

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.head)


class Database:
    """The case database of this process: engine, session factory and migration helpers."""

    def __init__(self, url: str, backups_dir: Path | None = None) -> None:
        self.url = url
        self.engine = create_case_engine(url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.backups_dir = backups_dir

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_file(self) -> Path | None:
        if self.dialect != "sqlite":
            return None
        db = self.engine.url.database
        return Path(db) if db and db != ":memory:" else None

    def describe(self) -> str:
        """The URL without its password, for the About dialog and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session in a transaction that commits on success and rolls back on error."""
        with self.session.begin() as s:
            yield s

    # -- migrations -------------------------------------------------------------------------
    def migration_state(self) -> MigrationState:
        """The stored schema revision beside the packaged head, read without importing Alembic.

        Alembic costs a fifth of a second on every start although the schema is usually current;
        the ``alembic_version`` table and the migration files' revision ids are all we need.
        """
        try:
            with self.engine.connect() as conn:
                current: tuple[str, ...] = ()
                if inspect(conn).has_table("alembic_version"):
                    rows = conn.execute(text("SELECT version_num FROM alembic_version"))
                    current = tuple(sorted(str(r[0]) for r in rows))
        except OperationalError as exc:
            raise ConfigurationError(
                f"Cannot open the case database ({self.describe()}): {exc.orig}"
            ) from exc
        return MigrationState(current=current, head=packaged_heads())

    def check_not_newer(self, state: MigrationState) -> None:
        known = packaged_revisions()
        for rev in state.current:
            if rev not in known:
                raise DatabaseVersionError(
                    f"The case database was written by a newer version of PrivDesk (schema {rev}). "
                    "Install that version or newer; this one will not touch the data."
                )

    def backup(self, reason: str) -> Path | None:
        """Copy the SQLite file (consistently, WAL included) to a timestamped backup."""
        src = self.sqlite_file
        if src is None or not src.exists() or self.backups_dir is None:
            return None
        self.backups_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        dest = self.backups_dir / f"{src.stem}-{stamp}-{reason}{src.suffix}"
        with sqlite3.connect(src) as from_db, sqlite3.connect(dest) as to_db:
            from_db.backup(to_db)
        dest.chmod(0o600)
        log.info("backed up case database to %s", dest.name)
        return dest

    def upgrade(self) -> Path | None:
        """Bring the schema to head; back up first when an existing database changes.

        Returns the backup file when one was made.
        """
        state = self.migration_state()
        self.check_not_newer(state)
        if state.up_to_date:
            return None
        backup = None
        if not state.is_empty or self._has_tables():
            backup = self.backup("before-upgrade")
        self._alembic_upgrade("heads")
        log.info("case database upgraded from %s to %s", state.current or "empty", state.head)
        return backup

    def upgrade_to(self, revision: str) -> None:
        """Migrate to a given revision (tests build old-schema databases with this)."""
        self._alembic_upgrade(revision)

    def _alembic_upgrade(self, revision: str) -> None:
        from alembic import command  # only here: migrating is the one job that needs Alembic

        cfg = alembic_config(self.engine)
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def _has_tables(self) -> bool:
        return bool(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, backups_dir: Path | None = None, migrate: bool = True) -> Database:
    """Open the case database and, unless told not to, upgrade it to the current schema."""
    db = Database(url, backups_dir)
    if migrate:
        db.upgrade()
    return db
