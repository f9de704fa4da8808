"""``privdesk backup`` and ``privdesk restore``: one archive of the case data, checked on the way back."""

from __future__ import annotations

import argparse
from typing import Any

BACKUP_HELP = "write the case database, documents, attachments, law files and the erasure masking key to one archive (safe while the window runs)"
RESTORE_HELP = "check a backup archive and restore it into the data folder"


def register(sub: Any) -> None:
    from privdesk.domain.retention import UPGRADE_BACKUP_DAYS

    b = sub.add_parser("backup", help=BACKUP_HELP,
                       description=BACKUP_HELP + (
                           ". The key of erasure's masking hashes goes with them, so masks made after a restore "
                           "match those made before. For a PostgreSQL case database it prints the pg_dump line "
                           "to use."))
    b.add_argument("-o", "--output", required=True, metavar="FILE", help="the archive to write (a .zip)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(func=_backup)
    r = sub.add_parser("restore", help=RESTORE_HELP, description=RESTORE_HELP + (
        ". Every file is checked against the archive's SHA-256 manifest first; data already in the "
        "folder is kept under backups/before-restore-*/ until the retention run after it is over "
        f"{UPGRADE_BACKUP_DAYS} days old."))
    r.add_argument("archive", metavar="FILE", help="an archive written by privdesk backup")
    r.add_argument("--replace", action="store_true", help="replace the case data already in the data folder")
    r.add_argument("--check", action="store_true", help="only check the archive; change nothing")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.paths import resolve_paths
    from privdesk.services import backup as svc

    result = svc.backup(resolve_paths(args.data_dir, args.db_url), args.output)
    if args.json:
        emit_json({"archive": str(result.archive), "files": result.files, "size": result.size,
                   "sha256": result.sha256, "schema": result.schema})
    else:
        print(f"Backup written to {result.archive} ({result.files} files, {result.size} bytes)")  # noqa: T201
        print(f"SHA-256 {result.sha256}")  # noqa: T201
    return 0


def _restore(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.domain.retention import UPGRADE_BACKUP_DAYS
    from privdesk.paths import resolve_paths
    from privdesk.services import backup as svc

    if args.check:
        result = svc.check(args.archive)
    else:
        result = svc.restore(resolve_paths(args.data_dir, args.db_url), args.archive, replace=args.replace)
    if args.json:
        emit_json({"checked_only": args.check, "files": result.files, "schema": result.schema,
                   "created": result.created, "kept": str(result.kept) if result.kept else None})
    elif args.check:
        print(f"The archive is intact: {result.files} files, made {result.created}, schema {result.schema}")  # noqa: T201
    else:
        print(f"Restored {result.files} files (backup made {result.created})")  # noqa: T201
        if result.kept:
            print(f"The data it replaced is kept in {result.kept}; the retention run deletes it once "  # noqa: T201
                  f"it is over {UPGRADE_BACKUP_DAYS} days old")
    return 0
