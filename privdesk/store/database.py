"""Opening, migrating and backing up the case database.

One :class:`Database` per process holds the engine and the session factory; every unit of work
opens its own session with ``db.session()`` (``with db.session.begin() as s:``).
"""

from __future__ import annotations

import logging
import os
import shlex
import sqlite3
import sys
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

from privdesk.errors import ConfigurationError, DatabaseVersionError, PrivDeskError
from privdesk.paths import package_path
from privdesk.store.revisions import packaged_heads, packaged_revisions

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("privdesk.store")

MIGRATIONS_DIR = package_path("store", "migrations")
# Any constant; names the advisory lock two PostgreSQL upgraders queue on.
#: The reason in an automatic pre-upgrade backup's name (``privdesk-STAMP-before-upgrade.sqlite3``);
#: the retention run finds these by it.
UPGRADE_BACKUP_REASON = "before-upgrade"
_UPGRADE_LOCK_KEY = 0x5052_4455


def _lock_file(fd: int) -> None:
    """An exclusive lock between processes (waits); Windows locks the file's first byte."""
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)


def _unlock_file(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


class UpgradeNeedsConfirmation(PrivDeskError):
    """A server case database needs a schema upgrade and PrivDesk cannot back it up itself."""

    def __init__(self, message: str, dump_command: str) -> None:
        super().__init__(message)
        self.dump_command = dump_command


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
    elif make_url(url).get_backend_name() in ("mysql", "mariadb"):
        # READ COMMITTED as on PostgreSQL: after waiting for the audit chain's lock a writer must
        # see the tail and the request numbers the other writer just committed (REPEATABLE READ
        # would show its older snapshot and both would write the same sequence number).
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, isolation_level="READ COMMITTED")
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

    def upgrade(self, confirmed: bool = False) -> Path | None:
        """Bring the schema to head; back up first when an existing database changes.

        Holds an upgrade lock (a lock file beside a SQLite database, an advisory lock on a
        server) so that two processes starting at once upgrade once and back up once; the
        second finds the schema current. A server database gets no automatic backup, so an
        existing one is upgraded only when ``confirmed`` (``--yes`` or the window's question)
        after the officer was shown the dump command to run.

        Returns the backup file when one was made.
        Raises:
            UpgradeNeedsConfirmation: a server database needs upgrading and ``confirmed`` is False.
        """
        state = self.migration_state()
        self.check_not_newer(state)
        if state.up_to_date:
            return None
        with self._upgrade_lock():
            state = self.migration_state()  # another process may have upgraded meanwhile
            self.check_not_newer(state)
            if state.up_to_date:
                return None
            existing = not state.is_empty or self._has_tables()
            if existing and self.sqlite_file is None and not confirmed:
                raise UpgradeNeedsConfirmation(self._confirm_message(state), self.dump_command())
            backup = self.backup(UPGRADE_BACKUP_REASON) if existing else None
            self._alembic_upgrade("heads")
        log.info("case database upgraded from %s to %s", state.current or "empty", state.head)
        return backup

    def dump_command(self) -> str:
        """The exact command that backs up this server database (no password in it)."""
        u = self.engine.url
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        if self.dialect == "postgresql":
            target = u.set(drivername="postgresql").render_as_string(hide_password=True).replace(":***@", "@")
            return f"pg_dump --format=custom --file=privdesk-before-upgrade-{stamp}.dump {shlex.quote(target)}"
        if self.dialect in ("mysql", "mariadb"):
            parts = ["mariadb-dump", "--single-transaction", "--routines"]
            if u.host:
                parts.append(f"--host={u.host}")
            if u.port:
                parts.append(f"--port={u.port}")
            if u.username:
                parts += [f"--user={u.username}", "--password"]
            parts += [u.database or "", f"--result-file=privdesk-before-upgrade-{stamp}.sql"]
            return " ".join(shlex.quote(p) for p in parts)
        return ""

    def _confirm_message(self, state: MigrationState) -> str:
        return (f"The case database {self.describe()} must be upgraded from schema "
                f"{', '.join(state.current) or 'unknown'} to {', '.join(state.head)}. PrivDesk cannot back "
                f"up a database on a server itself, so make a backup first: {self.dump_command()} ; "
                "then run the command again with --yes (or confirm in the window).")

    @contextmanager
    def _upgrade_lock(self) -> Iterator[None]:
        if self.sqlite_file is not None:
            lock_path = self.sqlite_file.with_name(self.sqlite_file.name + ".upgrade-lock")
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                _lock_file(fd)  # waits for the other process's upgrade
                yield
            finally:
                _unlock_file(fd)
                os.close(fd)
            return
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _UPGRADE_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _UPGRADE_LOCK_KEY})
                    conn.commit()
            return
        if self.dialect in ("mysql", "mariadb"):
            with self.engine.connect() as conn:
                got = conn.execute(text("SELECT GET_LOCK('privdesk_upgrade', 600)")).scalar()
                if got != 1:
                    raise ConfigurationError("Another PrivDesk is upgrading the case database and did not "
                                             "finish within 10 minutes; try again later.")
                try:
                    yield
                finally:
                    conn.execute(text("SELECT RELEASE_LOCK('privdesk_upgrade')"))
            return
        yield

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


def open_database(url: str, backups_dir: Path | None = None, migrate: bool = True,
                  confirmed: bool = False) -> Database:
    """Open the case database and, unless told not to, upgrade it to the current schema."""
    db = Database(url, backups_dir)
    if migrate:
        db.upgrade(confirmed)
    return db
