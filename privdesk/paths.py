"""Where PrivDesk keeps its files.

Everything hangs off one data directory so that ``--data-dir`` / ``PRIVDESK_DATA_DIR`` can relocate
a whole installation (tests, a USB stick, a second organisation).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from privdesk import APP_ID
from privdesk.errors import ConfigurationError

ENV_DATA_DIR = "PRIVDESK_DATA_DIR"
ENV_DB_URL = "PRIVDESK_DB_URL"
#: The key of erasure's masking hashes, in the data folder (and under this name in a backup).
ERASURE_KEY_NAME = "erasure-hash.key"
#: A restore keeps the case data it replaces in ``backups/before-restore-STAMP/`` (STAMP in UTC, in
#: this format); the retention run finds those folders by this name and deletes them after 30 days.
RESTORE_COPY_PREFIX = "before-restore-"
RESTORE_COPY_STAMP = "%Y%m%dT%H%M%S%fZ"


def _bundle_dir() -> Path | None:
    """The folder a PyInstaller build unpacks to (``sys._MEIPASS``), or None when not frozen."""
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if getattr(sys, "frozen", False) and meipass else None


def package_path(*parts: str) -> Path:
    """Locate a file inside the ``privdesk`` package: a checkout, a wheel or the frozen build.

    The one place that knows where package data lives, so the PyInstaller spec only has to put
    ``privdesk/resources`` and ``privdesk/store/migrations`` under the bundle's ``privdesk/``.
    """
    bundle = _bundle_dir()
    base = bundle / "privdesk" if bundle is not None else Path(__file__).resolve().parent
    return base.joinpath(*parts)


def resource_path(*parts: str) -> Path:
    """Locate a file shipped in ``privdesk/resources`` (laws, templates, fonts, breach rules)."""
    return package_path("resources", *parts)


def desktop_asset(*parts: str) -> Path | None:
    """Locate a desktop asset of the top-level ``resources/`` folder (icon, .desktop, metainfo).

    The frozen build carries it beside the package; a source checkout has it next to
    ``privdesk/``; a plain wheel install has none, and the window then keeps Qt's default icon.
    """
    bundle = _bundle_dir()
    base = bundle if bundle is not None else Path(__file__).resolve().parent.parent
    path = base.joinpath("resources", *parts)
    return path if path.exists() else None


@dataclass(frozen=True)
class AppPaths:
    """The directories and database URL of one PrivDesk installation."""

    data_dir: Path
    log_dir: Path
    db_url: str
    relocated: bool = False

    @property
    def sqlite_path(self) -> Path | None:
        """The case database file when the case database is SQLite, else None."""
        if self.db_url.startswith("sqlite:///"):
            return Path(self.db_url.removeprefix("sqlite:///"))
        return None

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def erasure_key_file(self) -> Path:
        """The key of erasure's masking hashes (owner-only; travels in a backup)."""
        return self.data_dir / ERASURE_KEY_NAME

    @property
    def settings_file(self) -> Path:
        """QSettings ini file for window geometry; never holds secrets."""
        return self.data_dir / "ui-state.ini"

    def ensure(self) -> None:
        """Create the directories with owner-only permissions (they hold personal data)."""
        for d in (self.data_dir, self.log_dir):
            try:
                d.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise ConfigurationError(f"Cannot create the folder {d}: {exc.strerror}.") from exc


def resolve_paths(data_dir: str | os.PathLike[str] | None = None, db_url: str | None = None) -> AppPaths:
    """Work out the paths from arguments, then environment, then the platform defaults."""
    raw_dir = data_dir or os.environ.get(ENV_DATA_DIR)
    if raw_dir:
        base = Path(raw_dir).expanduser().resolve()
        log_dir = base / "logs"
        relocated = True
    else:
        base = Path(platformdirs.user_data_dir(APP_ID, appauthor=False))
        log_dir = Path(platformdirs.user_log_dir(APP_ID, appauthor=False))
        relocated = False
    url = db_url or os.environ.get(ENV_DB_URL) or f"sqlite:///{base / 'privdesk.sqlite3'}"
    return AppPaths(data_dir=base, log_dir=log_dir, db_url=url, relocated=relocated)
