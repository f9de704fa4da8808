"""The application context: paths plus the one case database of this process."""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field
from pathlib import Path

from privdesk.paths import AppPaths, resolve_paths
from privdesk.store.database import Database, open_database

log = logging.getLogger("privdesk.services")


@dataclass
class AppContext:
    """What every service needs; built once at start-up by the CLI or the GUI."""

    paths: AppPaths
    db: Database
    last_backup: Path | None = field(default=None)
    #: the one current officer of this process (their e-mail), chosen at start; every audit
    #: entry the window writes records it (see ``services.identity``)
    officer: str = field(default="")

    def actor(self) -> str:
        """Who the audit trail records as acting: the current officer, else the OS account."""
        return self.officer or os_login()

    @classmethod
    def open(cls, data_dir: str | Path | None = None, db_url: str | None = None, migrate: bool = True,
             confirm_upgrade: bool = False) -> AppContext:
        """Open (and upgrade) the case database; ``confirm_upgrade`` allows upgrading a server
        database PrivDesk cannot back up (the officer ran the dump command)."""
        paths = resolve_paths(data_dir, db_url)
        paths.ensure()
        db = Database(paths.db_url, backups_dir=paths.backups_dir)
        try:
            backup = db.upgrade(confirm_upgrade) if migrate else None
        except BaseException:
            db.dispose()
            raise
        if backup is not None:
            log.info("schema upgraded; backup %s", backup.name)
        ctx = cls(paths=paths, db=db, last_backup=backup)
        from privdesk.services.law_files import apply_organisation

        apply_organisation(ctx)  # the organisation's own law files and small-agent status
        return ctx

    def close(self) -> None:
        self.db.dispose()


def os_login() -> str:
    """The operating-system account running PrivDesk ("unknown" where it cannot be read)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_context(data_dir: str | Path | None = None, db_url: str | None = None) -> AppContext:
    return AppContext.open(data_dir, db_url)


__all__ = ["AppContext", "open_context", "open_database", "os_login"]
