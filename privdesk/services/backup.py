"""Backing up and restoring one PrivDesk installation's case data.

A backup is one ZIP archive: a consistent copy of the SQLite case database taken with SQLite's
online backup API (so the window may keep running and writing), the ``documents/``,
``attachments/`` and organisation ``laws/`` folders, the key of erasure's masking hashes (so a
value masked after a restore on another machine gets the same token as before), and
``manifest.json`` with the SHA-256 and size of every other member. An archive without the key (one
made by an older PrivDesk) restores as before and leaves the installation's own key in place. Restoring checks every hash before it touches anything, refuses to replace existing case
data unless told to, and keeps the data it replaces under ``backups/before-restore-STAMP/`` (which the
retention run deletes once it is over 30 days old: it holds cases anonymised since).

A PostgreSQL (or MySQL) case database is shared by a team and backed up by its own tools; the
error says which ``pg_dump`` line to run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.engine import URL, make_url

from privdesk import __version__
from privdesk.errors import PrivDeskError
from privdesk.files import copy_private
from privdesk.paths import ERASURE_KEY_NAME, RESTORE_COPY_PREFIX, RESTORE_COPY_STAMP, AppPaths
from privdesk.store.revisions import packaged_revisions

log = logging.getLogger("privdesk.backup")

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "privdesk.sqlite3"
#: Folders of the data directory that travel with the case database: generated letters, attached
#: files, and the organisation's own law files (requests refer to those laws by id).
FOLDERS = ("documents", "attachments", "laws")
#: The masking-hash key's name in the archive, as in the data folder.
KEY_MEMBER = ERASURE_KEY_NAME

#: Called with (files done, files in all) while a backup or restore runs.
Progress = Callable[[int, int], None]


class BackupError(PrivDeskError):
    """A backup cannot be written, or an archive cannot be restored."""


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    files: int
    size: int
    sha256: str
    schema: str


@dataclass(frozen=True)
class RestoreResult:
    files: int
    schema: str
    created: str
    #: where the data that was replaced now lives, or None when the data directory was empty
    kept: Path | None


def _libpq_url(db_url: str) -> str:
    """The case database's URL as pg_dump/pg_restore take it: no driver, never the password."""
    u = make_url(db_url)
    return URL.create("postgresql", username=u.username, host=u.host, port=u.port,
                      database=u.database, query=u.query).render_as_string(hide_password=False)


def pg_dump_line(db_url: str, out: str | os.PathLike[str] = "privdesk.dump") -> str:
    """The pg_dump command for a PostgreSQL case database (pg_dump asks for the password or reads ~/.pgpass)."""
    return shlex.join(["pg_dump", "--format=custom", f"--file={out}", _libpq_url(db_url)])


def _not_sqlite(paths: AppPaths, restore: bool, out: str | os.PathLike[str] = "privdesk.dump") -> BackupError:
    backend = make_url(paths.db_url).get_backend_name()
    if backend == "postgresql" and restore:
        line = shlex.join(["pg_restore", "--clean", "--if-exists", f"--dbname={_libpq_url(paths.db_url)}", str(out)])
        return BackupError(f"The case database is a shared PostgreSQL database; restore it with: {line}")
    if backend == "postgresql":
        return BackupError("The case database is a shared PostgreSQL database; back it up with: "
                           + pg_dump_line(paths.db_url, out))
    return BackupError(f"The case database is a {backend} server; back it up with that "
                       "server's own tools (PrivDesk backs up SQLite case databases only).")


def backup_refusal(paths: AppPaths) -> BackupError:
    """The error (with the pg_dump line) for a case database PrivDesk does not copy itself."""
    return _not_sqlite(paths, restore=False)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _folder_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """(archive name, file) for every file of the travelling folders, in a stable order."""
    for folder in FOLDERS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(data_dir).as_posix(), path


def _key_file(paths: AppPaths) -> list[tuple[str, Path]]:
    """(archive name, file) of the masking-hash key, when this installation has one."""
    key = paths.erasure_key_file
    return [(KEY_MEMBER, key)] if key.is_file() and not key.is_symlink() else []


def _schema_of(db_file: Path) -> str:
    """The schema revision stored in a SQLite case database ("" when it has none)."""
    with closing(sqlite3.connect(db_file)) as conn:
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError:
            return ""
    return ",".join(sorted(str(r[0]) for r in rows))


def _copy_database(src: Path, dest: Path) -> None:
    """A consistent copy through the online backup API: other connections may keep writing."""
    with closing(sqlite3.connect(src)) as from_db, closing(sqlite3.connect(dest)) as to_db:
        from_db.backup(to_db)


def backup(paths: AppPaths, out: str | os.PathLike[str], progress: Progress | None = None) -> BackupResult:
    """Write the case database and the travelling folders to one archive at ``out`` (0600, atomic)."""
    db_file = paths.sqlite_path
    if db_file is None:
        raise _not_sqlite(paths, restore=False, out=out)
    if not db_file.exists():
        raise BackupError(f"There is no case database at {db_file} to back up.")
    out_path = Path(out).expanduser().resolve()
    if out_path.is_dir():
        raise BackupError(f"{out_path} is a folder; give the backup a file name, e.g. privdesk-backup.zip.")
    files = [*_key_file(paths), *_folder_files(paths.data_dir)]
    total = len(files) + 1
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    except OSError as exc:
        raise BackupError(f"Cannot write the backup to {out_path}: {exc.strerror}.") from exc
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o600)
        os.close(fd)
        with tempfile.TemporaryDirectory(prefix="privdesk-backup-") as work:
            db_copy = Path(work) / DATABASE_MEMBER
            _copy_database(db_file, db_copy)
            schema = _schema_of(db_copy)
            entries: dict[str, dict[str, object]] = {}
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.write(db_copy, DATABASE_MEMBER)
                entries[DATABASE_MEMBER] = {"sha256": _sha256_file(db_copy), "size": db_copy.stat().st_size}
                if progress:
                    progress(1, total)
                for done, (name, path) in enumerate(files, start=2):
                    zf.write(path, name)
                    entries[name] = {"sha256": _sha256_file(path), "size": path.stat().st_size}
                    if progress:
                        progress(done, total)
                manifest = {"format": FORMAT, "app": "privdesk", "version": __version__,
                            "created": datetime.now(UTC).isoformat(timespec="seconds"),
                            "schema": schema, "files": entries}
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"Cannot write the backup to {out_path}: {exc.strerror or exc}.") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("backup written: %d files, schema %s", total, schema)
    return BackupResult(archive=out_path, files=total, size=out_path.stat().st_size,
                        sha256=_sha256_file(out_path), schema=schema)


def _safe_member(name: str) -> bool:
    """Only relative names inside the travelling folders (no '..', no absolute paths)."""
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or "\\" in name:
        return False
    return name in (DATABASE_MEMBER, KEY_MEMBER) or (len(p.parts) > 1 and p.parts[0] in FOLDERS)


def _read_manifest(zf: zipfile.ZipFile, archive: Path) -> dict[str, object]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{archive.name} is not a PrivDesk backup (it has no {MANIFEST}).") from None
    except ValueError:
        raise BackupError(f"The manifest of {archive.name} is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("app") != "privdesk" or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive.name} is not a PrivDesk backup.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name} was written in backup format {manifest.get('format')}; "
                          f"this PrivDesk reads format {FORMAT}. Restore it with a newer PrivDesk.")
    return manifest


def _unpack_checked(archive: Path, dest: Path, progress: Progress | None) -> dict[str, object]:
    """Extract into ``dest`` and check every member against the manifest; raise on any mismatch."""
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise BackupError(f"There is no file {archive}.") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{archive.name} is not a readable backup archive ({exc}).") from exc
    with zf:
        manifest = _read_manifest(zf, archive)
        listed: dict[str, dict[str, object]] = manifest["files"]  # type: ignore[assignment]
        members = {i.filename for i in zf.infolist() if not i.is_dir()} - {MANIFEST}
        if members != set(listed):
            extra, missing = sorted(members - set(listed)), sorted(set(listed) - members)
            raise BackupError(f"{archive.name} does not match its manifest "
                              f"(unlisted: {', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'}).")
        if DATABASE_MEMBER not in members:
            raise BackupError(f"{archive.name} holds no case database.")
        for done, name in enumerate(sorted(members), start=1):
            if not _safe_member(name):
                raise BackupError(f"{archive.name} contains a file outside the data folders ({name}); not restored.")
            target = dest.joinpath(*PurePosixPath(name).parts)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            digest = hashlib.sha256()
            try:
                with zf.open(name) as src, target.open("wb") as out:
                    os.fchmod(out.fileno(), 0o600)
                    for chunk in iter(lambda: src.read(1 << 16), b""):
                        digest.update(chunk)
                        out.write(chunk)
            except zipfile.BadZipFile as exc:
                raise BackupError(f"{archive.name} is damaged ({name}: {exc}).") from exc
            if digest.hexdigest() != listed[name].get("sha256"):
                raise BackupError(f"{archive.name} is damaged: {name} does not match its SHA-256 in the manifest.")
            if progress:
                progress(done, len(members))
    return manifest


def check(archive: str | os.PathLike[str]) -> RestoreResult:
    """Check an archive without restoring it (every hash, the database, its schema)."""
    archive_path = Path(archive).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="privdesk-check-") as work:
        manifest = _unpack_checked(archive_path, Path(work), None)
        _check_database(Path(work) / DATABASE_MEMBER, archive_path)
    return RestoreResult(files=len(manifest["files"]), schema=str(manifest.get("schema", "")),  # type: ignore[arg-type]
                         created=str(manifest.get("created", "")), kept=None)


def _check_database(db_file: Path, archive: Path) -> None:
    try:
        with closing(sqlite3.connect(db_file)) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The case database in {archive.name} cannot be read ({exc}).") from exc
    if not ok or ok[0] != "ok":
        raise BackupError(f"The case database in {archive.name} fails SQLite's integrity check.")
    known = packaged_revisions()
    for rev in filter(None, _schema_of(db_file).split(",")):
        if rev not in known:
            raise BackupError(f"{archive.name} was made by a newer PrivDesk (schema {rev}); "
                              "restore it with that version or newer.")


def holds_case_data(paths: AppPaths) -> bool:
    """Whether the data directory already has a case database, a masking-hash key or files in the
    travelling folders."""
    db_file = paths.sqlite_path
    if db_file is not None and db_file.exists() and db_file.stat().st_size > 0:
        return True
    return bool(_key_file(paths)) or any(True for _ in _folder_files(paths.data_dir))


def restore(paths: AppPaths, archive: str | os.PathLike[str], replace: bool = False,
            progress: Progress | None = None) -> RestoreResult:
    """Restore an archive into the data directory; the data it replaces is kept, never deleted.

    The database is written with SQLite's backup API into the existing file, so a connection
    still open on it sees the restored data rather than a file moved away underneath it.
    """
    db_file = paths.sqlite_path
    if db_file is None:
        raise _not_sqlite(paths, restore=True, out=archive)
    archive_path = Path(archive).expanduser().resolve()
    if holds_case_data(paths) and not replace:
        raise BackupError(f"{paths.data_dir} already holds case data; restore with --replace to replace it "
                          "(the current data is kept under backups/).")
    paths.ensure()
    work = Path(tempfile.mkdtemp(prefix=".restore-", dir=paths.data_dir))
    try:
        manifest = _unpack_checked(archive_path, work, progress)
        _check_database(work / DATABASE_MEMBER, archive_path)
        kept = _keep_current(paths) if holds_case_data(paths) else None
        db_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _copy_database(work / DATABASE_MEMBER, db_file)
        db_file.chmod(0o600)
        for folder in FOLDERS:
            if (work / folder).is_dir():
                os.replace(work / folder, paths.data_dir / folder)
        if (work / KEY_MEMBER).is_file():
            # an older archive has none: the installation's own key stays
            copy_private(work / KEY_MEMBER, paths.erasure_key_file)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("restored backup: %d files, schema %s", len(manifest["files"]), manifest.get("schema"))  # type: ignore[arg-type]
    return RestoreResult(files=len(manifest["files"]), schema=str(manifest.get("schema", "")),  # type: ignore[arg-type]
                         created=str(manifest.get("created", "")), kept=kept)


def _keep_current(paths: AppPaths) -> Path:
    """Move the current data folders, and copy the database and the masking-hash key, to a dated
    folder (the key stays in place too: an archive without one leaves it in use)."""
    keep = paths.backups_dir / f"{RESTORE_COPY_PREFIX}{datetime.now(UTC).strftime(RESTORE_COPY_STAMP)}"
    keep.mkdir(parents=True, mode=0o700)
    db_file = paths.sqlite_path
    if db_file is not None and db_file.exists():
        _copy_database(db_file, keep / DATABASE_MEMBER)
        (keep / DATABASE_MEMBER).chmod(0o600)
    for _name, key in _key_file(paths):
        copy_private(key, keep / KEY_MEMBER)
    for folder in FOLDERS:
        if (paths.data_dir / folder).exists():
            os.replace(paths.data_dir / folder, keep / folder)
    return keep
