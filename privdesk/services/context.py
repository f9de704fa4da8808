"""The application context: paths plus the one case database of this process."""

from __future__ import annotations

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


def open_context(data_dir: str | Path | None = None, db_url: str | None = None) -> AppContext:
    return AppContext.open(data_dir, db_url)


__all__ = ["AppContext", "open_context", "open_database"]
